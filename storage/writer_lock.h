#pragma once

// The mirror's writer lock: an exclusive flock(2) on "<mirror path>.lock", held for the life
// of the object and released by the kernel when the process dies (no stale locks after
// SIGKILL). flock locks belong to the open file, so a second WriterLock on the same path
// fails even inside one process. Thread-compatible.

#include <memory>
#include <string>

#include "tablestore/base/result.h"

namespace tablestore::storage {

class WriterLock {
 public:
  // kFailedPrecondition (with the holder's pid when known) if another process holds it;
  // kUnavailable if the lock file cannot be created.
  static base::Result<std::unique_ptr<WriterLock>> Acquire(const std::string& lock_path);

  ~WriterLock();
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace tablestore::storage
