#include "tunnel/client/command_credentials_provider.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <utility>

#include "tunnel/protocol/signing.h"

extern char** environ;

namespace tablestore::tunnel {

namespace {

using base::Result;
using base::Status;
using WallTime = std::chrono::system_clock::time_point;

constexpr size_t kMaxOutput = 1 << 20;

Status CredError(const std::string& what) {
  return base::UnauthenticatedError("credentials command: " + what);
}

// RAII file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

const nlohmann::json* Field(const nlohmann::json& obj, const char* a, const char* b) {
  for (const char* name : {a, b}) {
    auto it = obj.find(name);
    if (it != obj.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

bool AllDigits(const std::string& s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Result<Credentials> ParseCredentialsJson(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr,
                                             /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return CredError("output is not a JSON object");
  }
  const nlohmann::json* root = &doc;
  if (auto it = doc.find("Credentials"); it != doc.end() && it->is_object()) root = &*it;

  Credentials c;
  struct StringField {
    const char* name;
    const char* alias;
    std::string* out;
    bool required;
  };
  for (const StringField& f :
       {StringField{"access_key_id", "AccessKeyId", &c.access_key_id, true},
        StringField{"access_key_secret", "AccessKeySecret", &c.access_key_secret, true},
        StringField{"security_token", "SecurityToken", &c.security_token, false}}) {
    const nlohmann::json* v = Field(*root, f.name, f.alias);
    if (v == nullptr) {
      if (f.required) return CredError(std::string("output lacks \"") + f.name + "\"");
      continue;
    }
    if (!v->is_string()) return CredError(std::string("\"") + f.name + "\" is not a string");
    *f.out = v->get<std::string>();
    if (f.out->find_first_of("\r\n") != std::string::npos) {
      return CredError(std::string("\"") + f.name + "\" contains a line break");
    }
  }
  if (c.access_key_id.empty() || c.access_key_secret.empty()) {
    return CredError("output has an empty access_key_id or access_key_secret");
  }

  const nlohmann::json* exp = Field(*root, "expires_at", "Expiration");
  if (exp != nullptr) {
    int64_t ms = 0;
    if (exp->is_number_integer() || exp->is_number_unsigned()) {
      if (exp->is_number_unsigned() && exp->get<uint64_t>() > uint64_t{1} << 53) {
        return CredError("\"expires_at\" is out of range");
      }
      ms = exp->get<int64_t>();
    } else if (exp->is_string() && AllDigits(exp->get<std::string>())) {
      ms = std::stoll(exp->get<std::string>());
    } else if (exp->is_string()) {
      Result<WallTime> t = ParseOtsDate(exp->get<std::string>());
      if (!t.ok()) {
        return CredError("\"expires_at\" is neither an ISO-8601 UTC time nor milliseconds");
      }
      c.expires_at = *t;
      return c;
    } else {
      return CredError("\"expires_at\" is neither an ISO-8601 UTC time nor milliseconds");
    }
    if (ms < 0 || ms > int64_t{1} << 53) return CredError("\"expires_at\" is out of range");
    c.expires_at = WallTime(std::chrono::milliseconds(ms));
  }
  return c;
}

Result<std::string> RunCredentialsCommand(const std::string& command,
                                          std::chrono::milliseconds timeout) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return base::UnavailableError(std::string("pipe: ") + std::strerror(errno));
  }
  Fd read_end(fds[0]);
  Fd write_end(fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);  // own group: a timeout kills the whole pipeline

  std::string shell = "/bin/sh";
  std::string dash_c = "-c";
  std::string cmd = command;
  char* argv[] = {shell.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = -1;
  int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return base::UnavailableError(std::string("cannot start: ") + std::strerror(rc));
  write_end.Reset();

  std::string out;
  bool timed_out = false;
  bool too_large = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1'000'000)));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) continue;  // re-check the deadline
    ssize_t got = ::read(read_end.get(), buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF (or error): the command closed stdout
    if (out.size() + static_cast<size_t>(got) > kMaxOutput) {
      too_large = true;
      break;
    }
    out.append(buf, static_cast<size_t>(got));
  }
  if (timed_out || too_large) ::kill(-pid, SIGKILL);  // the group we created
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return base::DeadlineExceededError("timed out after " + std::to_string(timeout.count()) +
                                       " ms");
  }
  if (too_large) return base::UnavailableError("output larger than 1 MiB");
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0) {
    return base::UnavailableError("exited with status " + std::to_string(WEXITSTATUS(wstatus)));
  }
  if (WIFSIGNALED(wstatus)) {
    return base::UnavailableError("killed by signal " + std::to_string(WTERMSIG(wstatus)));
  }
  return out;
}

CommandCredentialsProvider::CommandCredentialsProvider(std::string command,
                                                       CommandCredentialsOptions options)
    : command_(std::move(command)),
      options_(options),
      clock_(options.clock != nullptr ? options.clock : base::Clock::Real()) {}

int CommandCredentialsProvider::runs() {
  base::MutexLock lock(&mu_);
  return runs_;
}

Result<Credentials> CommandCredentialsProvider::Fetch() {
  Result<std::string> out = RunCredentialsCommand(command_, options_.command_timeout);
  if (!out.ok()) return CredError(out.status().message());
  Result<Credentials> creds = ParseCredentialsJson(*out);
  if (!creds.ok()) return creds.status();
  if (creds->expires_at <= clock_->WallNow()) {
    return CredError("returned credentials that have already expired");
  }
  return creds;
}

Result<Credentials> CommandCredentialsProvider::GetCredentials() {
  {
    base::MutexLock lock(&mu_);
    while (true) {
      WallTime now = clock_->WallNow();
      bool valid = have_ && now < creds_.expires_at;
      if (valid && now < refresh_at_) return creds_;
      if (refreshing_) {
        if (valid) return creds_;
        cv_.Wait();
        continue;
      }
      if (now < next_attempt_) {  // a recent refresh failed
        if (valid) return creds_;
        return last_error_;
      }
      refreshing_ = true;
      ++runs_;
      break;
    }
  }

  WallTime fetched_at = clock_->WallNow();
  Result<Credentials> fetched = Fetch();

  base::MutexLock lock(&mu_);
  refreshing_ = false;
  cv_.SignalAll();
  WallTime now = clock_->WallNow();
  if (fetched.ok()) {
    creds_ = std::move(fetched).value();
    have_ = true;
    next_attempt_ = WallTime{};
    if (creds_.expires_at == WallTime::max()) {
      refresh_at_ = WallTime::max();
    } else {
      auto lifetime = creds_.expires_at - fetched_at;
      double fraction = std::clamp(options_.refresh_fraction, 0.0, 1.0);
      auto early = std::chrono::duration_cast<WallTime::duration>(lifetime * fraction);
      refresh_at_ = creds_.expires_at - early;
    }
    spdlog::info("credentials refreshed: {}", creds_.Redacted());
    return creds_;
  }
  last_error_ = fetched.status();
  next_attempt_ = now + options_.retry_interval;
  if (have_ && now < creds_.expires_at) {
    spdlog::warn("{}; keeping the current credentials ({}) until they expire", 
                 last_error_.message(), creds_.Redacted());
    return creds_;
  }
  spdlog::error("{}", last_error_.message());
  return last_error_;
}

std::shared_ptr<CredentialsProvider> NewCommandCredentialsProvider(
    std::string command, CommandCredentialsOptions options) {
  return std::make_shared<CommandCredentialsProvider>(std::move(command), options);
}

}  // namespace tablestore::tunnel
