#include "tablestore/base/status.h"

namespace tablestore::base {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kCancelled: return "cancelled";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kAlreadyExists: return "already exists";
    case StatusCode::kFailedPrecondition: return "failed precondition";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kDeadlineExceeded: return "deadline exceeded";
    case StatusCode::kResourceExhausted: return "resource exhausted";
    case StatusCode::kUnauthenticated: return "unauthenticated";
    case StatusCode::kPermissionDenied: return "permission denied";
    case StatusCode::kDataLoss: return "data loss";
    case StatusCode::kOutOfRange: return "out of range";
    case StatusCode::kAborted: return "aborted";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

Status::Status(StatusCode code, std::string message) {
  if (code != StatusCode::kOk) {
    rep_ = std::make_shared<const Rep>(Rep{code, std::move(message), {}});
  }
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  Rep rep = *rep_;
  std::string msg(context);
  if (!rep.message.empty()) {
    msg += ": ";
    msg += rep.message;
  }
  rep.message = std::move(msg);
  Status s;
  s.rep_ = std::make_shared<const Rep>(std::move(rep));
  return s;
}

void Status::SetPayload(std::string_view key, std::string value) {
  if (ok()) return;
  Rep rep = *rep_;
  for (auto& [k, v] : rep.payloads) {
    if (k == key) {
      v = std::move(value);
      rep_ = std::make_shared<const Rep>(std::move(rep));
      return;
    }
  }
  rep.payloads.emplace_back(std::string(key), std::move(value));
  rep_ = std::make_shared<const Rep>(std::move(rep));
}

const std::string* Status::GetPayload(std::string_view key) const {
  if (ok()) return nullptr;
  for (const auto& [k, v] : rep_->payloads) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out(StatusCodeName(code()));
  if (!rep_->message.empty()) {
    out += ": ";
    out += rep_->message;
  }
  return out;
}

#define TS_DEFINE_ERROR(Name, Code) \
  Status Name(std::string message) { return Status(StatusCode::Code, std::move(message)); }
TS_DEFINE_ERROR(CancelledError, kCancelled)
TS_DEFINE_ERROR(InvalidArgumentError, kInvalidArgument)
TS_DEFINE_ERROR(NotFoundError, kNotFound)
TS_DEFINE_ERROR(AlreadyExistsError, kAlreadyExists)
TS_DEFINE_ERROR(FailedPreconditionError, kFailedPrecondition)
TS_DEFINE_ERROR(UnavailableError, kUnavailable)
TS_DEFINE_ERROR(DeadlineExceededError, kDeadlineExceeded)
TS_DEFINE_ERROR(ResourceExhaustedError, kResourceExhausted)
TS_DEFINE_ERROR(UnauthenticatedError, kUnauthenticated)
TS_DEFINE_ERROR(PermissionDeniedError, kPermissionDenied)
TS_DEFINE_ERROR(DataLossError, kDataLoss)
TS_DEFINE_ERROR(OutOfRangeError, kOutOfRange)
TS_DEFINE_ERROR(AbortedError, kAborted)
TS_DEFINE_ERROR(InternalError, kInternal)
#undef TS_DEFINE_ERROR

}  // namespace tablestore::base
