#include "tests/support/e2e/subprocess.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace tablestore::testing {

std::string ExitInfo::ToString() const {
  if (signaled) return "killed by signal " + std::to_string(signal);
  return "exit code " + std::to_string(code);
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<Subprocess> Subprocess::Start(const SubprocessOptions& options) {
  if (options.argv.empty()) {
    ADD_FAILURE() << "Subprocess::Start: empty argv";
    return nullptr;
  }
  // Everything the child needs is prepared before fork: after it, only async-signal-safe
  // calls (the test process has threads).
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq == nullptr) continue;
    env[std::string(*e, static_cast<size_t>(eq - *e))] = eq + 1;
  }
  for (const auto& name : options.unset_env) env.erase(name);
  for (const auto& [k, v] : options.env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = options.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = options.stdout_path.empty() ? "/dev/null" : options.stdout_path;
  const std::string err = options.stderr_path.empty() ? "/dev/null" : options.stderr_path;
  const bool limit = options.file_size_limit.has_value();
  struct rlimit rl {};
  if (limit) {
    rl.rlim_cur = static_cast<rlim_t>(*options.file_size_limit);
    rl.rlim_max = static_cast<rlim_t>(*options.file_size_limit);
  }
  const pid_t parent = ::getpid();

  std::unique_ptr<Subprocess> p(new Subprocess(options));
  pid_t pid = ::fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return nullptr;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGHUP}) ::sigaction(s, &dfl, nullptr);
    int in_fd = ::open("/dev/null", O_RDONLY);
    int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(126);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    // Close everything else the test process had open (sockets, databases).
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
    if (limit) {
      struct sigaction ign {};
      ign.sa_handler = SIG_IGN;
      ::sigaction(SIGXFSZ, &ign, nullptr);
      ::setrlimit(RLIMIT_FSIZE, &rl);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  p->pid_ = pid;
  return p;
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !exit_) Kill();
}

namespace {

ExitInfo Decode(int status) {
  ExitInfo e;
  if (WIFSIGNALED(status)) {
    e.signaled = true;
    e.signal = WTERMSIG(status);
  } else {
    e.code = WEXITSTATUS(status);
  }
  return e;
}

}  // namespace

bool Subprocess::Running() {
  if (exit_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_ = Decode(status);
    return false;
  }
  return r == 0;
}

bool Subprocess::Signal(int sig) {
  if (!Running()) return false;
  return ::kill(pid_, sig) == 0;
}

std::optional<ExitInfo> Subprocess::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_;
}

ExitInfo Subprocess::Kill() {
  if (!exit_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    exit_ = Decode(status);
  }
  return *exit_;
}

std::string Subprocess::Stdout() const { return ReadWholeFile(options_.stdout_path); }
std::string Subprocess::Stderr() const { return ReadWholeFile(options_.stderr_path); }

bool Subprocess::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout,
                               bool in_stderr) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const std::string content = in_stderr ? Stderr() : Stdout();
    if (content.find(text) != std::string::npos) return true;
    if (!Running() || std::chrono::steady_clock::now() >= deadline) {
      // One last look: the child may have written just before exiting.
      const std::string last = in_stderr ? Stderr() : Stdout();
      return last.find(text) != std::string::npos;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

CommandResult RunCommand(SubprocessOptions options, std::chrono::milliseconds timeout) {
  static std::atomic<int> counter{0};
  const std::string base = std::filesystem::temp_directory_path().string() + "/ts-cmd-" +
                           std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const bool own_out = options.stdout_path.empty();
  const bool own_err = options.stderr_path.empty();
  if (own_out) options.stdout_path = base + ".out";
  if (own_err) options.stderr_path = base + ".err";
  CommandResult r;
  std::unique_ptr<Subprocess> p = Subprocess::Start(options);
  if (p == nullptr) {
    r.timed_out = true;
    return r;
  }
  std::optional<ExitInfo> e = p->Wait(timeout);
  if (!e) {
    r.timed_out = true;
    e = p->Kill();
  }
  r.exit = *e;
  r.out = p->Stdout();
  r.err = p->Stderr();
  if (own_out) std::remove(options.stdout_path.c_str());
  if (own_err) std::remove(options.stderr_path.c_str());
  return r;
}

}  // namespace tablestore::testing
