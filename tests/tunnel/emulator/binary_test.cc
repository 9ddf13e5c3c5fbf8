// The tunnel-emulator binary (contracts.md §2): first stdout line, exit 0 on SIGTERM.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "tests/tunnel/emulator/emulator_test_util.h"

namespace tablestore::tunnel::emulator::testing {
namespace {

const char kBinary[] = TS_BINARY_DIR "/tunnel/emulator/tunnel-emulator";

struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;
};

Child Spawn(std::vector<std::string> args) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  Child c;
  c.pid = fork();
  if (c.pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kBinary));
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(kBinary, argv.data());
    _exit(127);
  }
  close(fds[1]);
  c.out = fdopen(fds[0], "r");
  return c;
}

int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(EmulatorBinary, PrintsListeningLineAndExitsZeroOnSigterm) {
  Child c = Spawn({"--listen", "127.0.0.1:0", "--instance", "ci", "--access-key-id", kAk,
                   "--access-key-secret", kSk, "--fixed-clock", "1795620408409"});
  ASSERT_GT(c.pid, 0);
  char line[256] = {0};
  ASSERT_NE(fgets(line, sizeof line, c.out), nullptr);
  std::string first(line);
  ASSERT_EQ(first.rfind("listening on 127.0.0.1:", 0), 0u) << first;
  int port = std::stoi(first.substr(std::string("listening on 127.0.0.1:").size()));
  {
    RawClient client(port, "ci");
    EXPECT_EQ(client.Post("/tunnel/list", "").status, 200);
    RawResponse clock = client.Raw("GET", "/admin/clock", "");
    EXPECT_NE(clock.body.find("1795620408409"), std::string::npos) << clock.body;
  }
  kill(c.pid, SIGTERM);
  EXPECT_EQ(WaitExit(c.pid), 0);
  fclose(c.out);
}

TEST(EmulatorBinary, UsageErrorsExitTwo) {
  Child c = Spawn({"--listen", "127.0.0.1:0", "--no-such-flag"});
  EXPECT_EQ(WaitExit(c.pid), 2);
  fclose(c.out);
  Child d = Spawn({"--listen", "nonsense", "--access-key-id", "a", "--access-key-secret", "b"});
  EXPECT_EQ(WaitExit(d.pid), 2);
  fclose(d.out);
}

}  // namespace
}  // namespace tablestore::tunnel::emulator::testing
