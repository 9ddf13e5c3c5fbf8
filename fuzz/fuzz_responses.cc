// libFuzzer target: every response the tunnel client parses (tunnel/client/
// response_parser.h), on untrusted bytes: 2xx bodies of each operation and non-2xx error
// bodies with arbitrary status codes and headers. Nothing may crash, leak or trip a
// sanitizer; errors are expected and ignored.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tunnel/client/response_parser.h"

using namespace tablestore::tunnel;  // NOLINT: fuzz target

namespace {

// ParseReadRecordsResponse reads canonical bodies in place and leaves the rest to the
// generated parser: for every body the result must be the generated parser's.
void CheckReadRecordsMatchesLibrary(std::string_view body) {
  ReadRecordsResult ours, library;
  const tablestore::base::Status a = ParseReadRecordsResponseInto("fuzz", body, &ours);
  const tablestore::base::Status b = ParseReadRecordsResponseWithLibrary("fuzz", body, &library);
  bool same = a.ok() == b.ok() && a.message() == b.message() &&
              ours.next_token == library.next_token &&
              ours.may_more_record == library.may_more_record &&
              ours.records.size() == library.records.size();
  for (size_t i = 0; same && i < ours.records.size(); ++i) {
    same = ours.records[i].action == library.records[i].action &&
           ours.records[i].row == library.records[i].row &&
           ours.records[i].origin == library.records[i].origin;
  }
  if (!same) {
    std::fprintf(stderr, "in-place and library ReadRecords parses differ: %s vs %s\n",
                 a.ToString().c_str(), b.ToString().c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // First byte selects the operation; the rest is the body.
  const uint8_t selector = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string_view ctx = "fuzz";
  // clang-format off
  switch (selector % 10) {
    case 0: (void)ParseCreateTunnelResponse(ctx, body); break;
    case 1: (void)ParseListTunnelResponse(ctx, body); break;
    case 2: (void)ParseDescribeTunnelResponse(ctx, body); break;
    case 3: (void)ParseConnectResponse(ctx, body); break;
    case 4: (void)ParseHeartbeatResponse(ctx, body); break;
    case 5: (void)ParseGetCheckpointResponse(ctx, body); break;
    case 6: CheckReadRecordsMatchesLibrary(body); break;
    case 7: (void)ParseEmptyResponse(ctx, body); break;
    default: {
      // A non-2xx answer: status from the selector, the body as an Error message or raw.
      HttpResponse response;
      response.status = 300 + (selector % 300);
      response.body = std::string(body);
      if (selector & 0x80) response.headers.emplace_back("x-ots-requestid", "req-1");
      ServiceError error = ParseServiceError(response);
      (void)IsTrimmedDataAccess(error);
      (void)ServiceErrorStatus(ctx, error);
      (void)ResponseRequestId(response);
      break;
    }
  }
  // clang-format on
  return 0;
}
