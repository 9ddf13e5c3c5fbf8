#include "storage/writer_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tablestore::storage {

base::Result<std::unique_ptr<WriterLock>> WriterLock::Acquire(const std::string& lock_path) {
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return base::UnavailableError("cannot open the mirror lock file '" + lock_path +
                                  "': " + std::strerror(errno));
  }
  std::unique_ptr<WriterLock> lock(new WriterLock(fd));  // owns fd from here on
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err == EWOULDBLOCK) {
      char buf[32] = {0};
      ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
      std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) {
        holder.pop_back();
      }
      return base::FailedPreconditionError(
          "the mirror is locked by another replicator process" +
          (holder.empty() ? std::string() : " (pid " + holder + ")") + " (lock file '" +
          lock_path + "'); stop that process first, only one writer may use a mirror");
    }
    return base::UnavailableError("cannot lock '" + lock_path + "': " + std::strerror(err));
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    ssize_t ignored = ::pwrite(fd, pid.data(), pid.size(), 0);  // informational only
    (void)ignored;
  }
  return lock;
}

WriterLock::~WriterLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace tablestore::storage
