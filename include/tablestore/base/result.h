#pragma once

#include <cassert>
#include <cstdlib>
#include <optional>
#include <utility>

#include "tablestore/base/status.h"

namespace tablestore::base {

// A value of type T or a non-OK Status (like absl::StatusOr). Thread-compatible.
template <class T>
class [[nodiscard]] Result {
 public:
  // Implicit from a value or a non-OK status, so functions can `return value;` or
  // `return NotFoundError(...)`.
  Result(T value) : value_(std::move(value)) {}  // NOLINT
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = InternalError("Result constructed from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  // REQUIRES: ok().
  const T& value() const& { Check(); return *value_; }
  T& value() & { Check(); return *value_; }
  T&& value() && { Check(); return std::move(*value_); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

 private:
  void Check() const {
    if (!value_.has_value()) std::abort();  // programming error: value() of an error
  }
  std::optional<T> value_;
  Status status_;
};

}  // namespace tablestore::base
