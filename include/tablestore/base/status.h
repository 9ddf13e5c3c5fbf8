#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tablestore::base {

// Canonical error codes (the Abseil subset the project uses; see docs/style.md).
enum class StatusCode {
  kOk = 0,
  kCancelled,           // shutdown was requested
  kInvalidArgument,     // config, CLI, malformed request
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,  // binding mismatch, schema newer than this binary
  kUnavailable,         // retryable
  kDeadlineExceeded,    // retryable
  kResourceExhausted,   // retryable (or disk full from SQLite)
  kUnauthenticated,     // exit code 4
  kPermissionDenied,    // exit code 4
  kDataLoss,            // bad PlainBuffer / CRC
  kOutOfRange,          // expired tunnel, trimmed stream position (fatal)
  kAborted,             // a conflict, e.g. a sequence-number mismatch
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

// A code, a message and optional string payloads (e.g. the service error code and request
// id of a failed tunnel call). Cheap to copy when OK. Thread-compatible.
//
// Messages never contain secrets: callers must not put credentials in them.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message);

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  const std::string& message() const;

  // Returns a copy whose message is prefixed with `context` ("channel 'c1': ...").
  Status WithContext(std::string_view context) const;

  // Attaches/reads a named string payload (no-op on an OK status).
  void SetPayload(std::string_view key, std::string value);
  // Returns nullptr when absent.
  const std::string* GetPayload(std::string_view key) const;

  // "unavailable: channel 'c1': ReadRecords: HTTP 503", or "ok".
  std::string ToString() const;

  // Explicitly ignores the status (for best-effort calls).
  void IgnoreError() const {}

 private:
  struct Rep {
    StatusCode code;
    std::string message;
    std::vector<std::pair<std::string, std::string>> payloads;
  };
  std::shared_ptr<const Rep> rep_;
};

inline bool operator==(const Status& a, const Status& b) {
  return a.code() == b.code() && a.message() == b.message();
}

Status CancelledError(std::string message);
Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status FailedPreconditionError(std::string message);
Status UnavailableError(std::string message);
Status DeadlineExceededError(std::string message);
Status ResourceExhaustedError(std::string message);
Status UnauthenticatedError(std::string message);
Status PermissionDeniedError(std::string message);
Status DataLossError(std::string message);
Status OutOfRangeError(std::string message);
Status AbortedError(std::string message);
Status InternalError(std::string message);

}  // namespace tablestore::base

#define TS_STATUS_CONCAT_INNER_(a, b) a##b
#define TS_STATUS_CONCAT_(a, b) TS_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define TS_RETURN_IF_ERROR(expr)                                       \
  do {                                                                 \
    ::tablestore::base::Status ts_status_ = (expr);                    \
    if (!ts_status_.ok()) return ts_status_;                           \
  } while (0)

// `lhs = value of expr` (a Result<T>), or returns its Status from the enclosing function.
#define TS_ASSIGN_OR_RETURN(lhs, expr) \
  TS_ASSIGN_OR_RETURN_IMPL_(TS_STATUS_CONCAT_(ts_result_, __LINE__), lhs, expr)
#define TS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return std::move(tmp).status();  \
  lhs = std::move(tmp).value()
