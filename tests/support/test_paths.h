#pragma once

#include <filesystem>
#include <string>

namespace tablestore::testing {

// Path of a file under ../shared/testdata. The file must exist: tests that need it fail
// (never skip) when it is missing.
std::filesystem::path TestDataPath(const std::string& relative);

// Reads a whole file; fails the current test (ADD_FAILURE) and returns "" if unreadable.
std::string ReadFileOrFail(const std::filesystem::path& path);

// A fresh, empty directory removed when the object dies. Unique per process and call, so
// tests are safe under ctest -j.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace tablestore::testing
