// The installed package (cmake/install.cmake, docs/api.md "Installing"): `cmake --install`
// into a temp prefix, then a separate project (tests/api/consumer) is built against that
// prefix only — once through find_package(TablestoreReplicator), once through pkg-config —
// and run. Also checks what is (and is not) installed.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/e2e/subprocess.h"
#include "tests/support/test_paths.h"

namespace tablestore {
namespace {

namespace fs = std::filesystem;
using std::chrono::minutes;
using testing::CommandResult;
using testing::RunCommand;
using testing::SubprocessOptions;
using testing::TempDir;

CommandResult RunTool(std::vector<std::string> argv, std::map<std::string, std::string> env = {}) {
  SubprocessOptions o;
  o.argv = std::move(argv);
  o.env = std::move(env);
  return RunCommand(o, minutes(5));
}

std::string Describe(const CommandResult& r) {
  return r.exit.ToString() + (r.timed_out ? " (timed out)" : "") + "\nstdout:\n" + r.out +
         "\nstderr:\n" + r.err;
}

// Installs the build tree into `prefix`; returns false (with a failure) if it did not work.
bool Install(const fs::path& prefix) {
  CommandResult r = RunTool({TS_CMAKE_COMMAND, "--install", TS_BINARY_DIR, "--prefix", prefix});
  EXPECT_TRUE(r.exit.exited(0)) << Describe(r);
  return r.exit.exited(0);
}

fs::path FindFile(const fs::path& root, const std::string& name) {
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().filename() == name) return e.path();
  }
  return {};
}

TEST(InstalledPackage, InstallsLibraryHeadersToolAndPackageFilesButNotTheEmulator) {
  TempDir dir;
  const fs::path prefix = dir.path() / "prefix";
  ASSERT_TRUE(Install(prefix));

  EXPECT_FALSE(FindFile(prefix, "libtablestore_replicator.a").empty());
  EXPECT_TRUE(fs::is_regular_file(prefix / "bin" / "replicator"));
  EXPECT_FALSE(FindFile(prefix, "TablestoreReplicatorConfig.cmake").empty());
  EXPECT_FALSE(FindFile(prefix, "TablestoreReplicatorConfigVersion.cmake").empty());
  EXPECT_FALSE(FindFile(prefix, "TablestoreReplicatorTargets.cmake").empty());
  EXPECT_FALSE(FindFile(prefix, "tablestore-replicator.pc").empty());
  for (const char* header :
       {"base/status.h", "base/result.h", "base/row.h", "tunnel/credentials.h",
        "tunnel/tunnel_client.h", "tunnel/tunnel_worker.h", "replicator/replicator.h",
        "config/replicator_config.h"}) {
    EXPECT_TRUE(fs::is_regular_file(prefix / "include" / "tablestore" / header)) << header;
  }

  // Nothing of the emulator, the tests or internal headers; public headers include only
  // public headers (each quoted include resolves inside the installed include dir).
  const std::regex quoted_include(R"re(^\s*#\s*include\s*"([^"]+)")re");
  for (const auto& e : fs::recursive_directory_iterator(prefix)) {
    const std::string rel = fs::relative(e.path(), prefix).string();
    EXPECT_EQ(rel.find("emulator"), std::string::npos) << rel;
    EXPECT_EQ(rel.find("gtest"), std::string::npos) << rel;
    if (!e.is_regular_file() || e.path().extension() != ".h") continue;
    EXPECT_EQ(rel.rfind("include/tablestore/", 0), 0u) << rel;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (!std::regex_search(line, m, quoted_include)) continue;
      EXPECT_TRUE(fs::is_regular_file(prefix / "include" / m[1].str()))
          << rel << " includes \"" << m[1] << "\", which is not a public header";
    }
  }

  CommandResult help = RunTool({(prefix / "bin" / "replicator").string(), "--help"});
  EXPECT_TRUE(help.exit.exited(0)) << Describe(help);
}

TEST(InstalledPackage, FindPackageProjectBuildsAndRuns) {
  TempDir dir;
  const fs::path prefix = dir.path() / "prefix";
  ASSERT_TRUE(Install(prefix));
  const fs::path build = dir.path() / "consumer-build";
  CommandResult configure =
      RunTool({TS_CMAKE_COMMAND, "-S", TS_CONSUMER_DIR, "-B", build.string(), "-G",
           TS_CMAKE_GENERATOR, "-DCMAKE_BUILD_TYPE=Release",
           "-DCMAKE_CXX_COMPILER=" TS_CXX_COMPILER, "-DCMAKE_PREFIX_PATH=" + prefix.string()});
  ASSERT_TRUE(configure.exit.exited(0)) << Describe(configure);
  CommandResult compile = RunTool({TS_CMAKE_COMMAND, "--build", build.string(), "-j2"});
  ASSERT_TRUE(compile.exit.exited(0)) << Describe(compile);

  CommandResult run = RunTool({(build / "consumer").string(), dir.path().string()});
  ASSERT_TRUE(run.exit.exited(0)) << Describe(run);
  EXPECT_EQ(run.out.rfind("consumer ok endpoint=http://127.0.0.1:9 creds=AKID**** "
                          "table=orders value=integer(42) missing=",
                          0),
            0u)
      << Describe(run);
  EXPECT_NE(run.out.find(" exit=4\n"), std::string::npos) << Describe(run);
}

TEST(InstalledPackage, PkgConfigBuildsAndRuns) {
  TempDir dir;
  const fs::path prefix = dir.path() / "prefix";
  ASSERT_TRUE(Install(prefix));
  const fs::path pc = FindFile(prefix, "tablestore-replicator.pc");
  ASSERT_FALSE(pc.empty());
  const std::string exe = (dir.path() / "consumer-pc").string();
  CommandResult compile =
      RunTool({"/bin/sh", "-c",
           std::string(TS_CXX_COMPILER) + " -std=c++20 -O1 " TS_CONSUMER_DIR "/main.cc -o '" +
               exe + "' $(pkg-config --cflags --libs tablestore-replicator)"},
          {{"PKG_CONFIG_PATH", pc.parent_path().string()}});
  ASSERT_TRUE(compile.exit.exited(0)) << Describe(compile);
  CommandResult run = RunTool({exe, dir.path().string()});
  ASSERT_TRUE(run.exit.exited(0)) << Describe(run);
  EXPECT_NE(run.out.find("consumer ok "), std::string::npos) << Describe(run);
}

}  // namespace
}  // namespace tablestore
