#include "tunnel/emulator/workload.h"

#include <chrono>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace tablestore::tunnel::emulator {
namespace {

using base::Value;

constexpr char kAlnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr size_t kBatch = 1000;

struct Key {
  std::string id;
  int64_t seq;
};

std::string RandomText(std::mt19937_64& rng, size_t n) {
  std::string s(n, ' ');
  for (char& c : s) c = kAlnum[rng() % 62];
  return s;
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

base::Cell Put(std::string name, Value v) {
  base::Cell c;
  c.name = std::move(name);
  c.value = std::move(v);
  return c;
}

base::Row KeyRow(const Key& k) {
  base::Row row;
  row.primary_key.push_back(Put("id", Value::String(k.id)));
  row.primary_key.push_back(Put("seq", Value::Integer(k.seq)));
  return row;
}

base::RowChange MakePut(std::mt19937_64& rng, const Key& k) {
  base::RowChange ch;
  ch.action = base::ActionType::kPutRow;
  ch.row = KeyRow(k);
  ch.row.cells.push_back(Put("qty", Value::Integer(static_cast<int64_t>(rng() % 1000))));
  ch.row.cells.push_back(Put("amount", Value::Integer(static_cast<int64_t>(rng() % 10000000))));
  ch.row.cells.push_back(Put("score", Value::Double(static_cast<double>(rng() % 1000000) / 997.0)));
  ch.row.cells.push_back(Put("active", Value::Boolean(rng() & 1)));
  ch.row.cells.push_back(Put("note", Value::String(RandomText(rng, 40))));
  ch.row.cells.push_back(Put("payload", Value::Binary(RandomBytes(rng, 32))));
  return ch;
}

Key NewKey(std::mt19937_64& rng) {
  return Key{RandomText(rng, 16), static_cast<int64_t>(rng() % 1000000)};
}

}  // namespace

Workload::Workload(TunnelService* service) : service_(service) {}

Workload::~Workload() { Stop(); }

base::RowChange Workload::TypicalPut(uint64_t seed, int64_t n) {
  std::mt19937_64 rng(seed * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(n));
  return MakePut(rng, NewKey(rng));
}

base::Status Workload::Start(const WorkloadSpec& spec) {
  if (!IsValidName(spec.table)) return base::InvalidArgumentError("table: invalid name");
  if (spec.initial_rows < 0) return base::InvalidArgumentError("initial_rows must be >= 0");
  if (!(spec.rate_per_s >= 0) || spec.rate_per_s > 1e7) {
    return base::InvalidArgumentError("rate_per_s must be within [0, 1e7]");
  }
  if (!(spec.mix_put >= 0) || !(spec.mix_update >= 0) || !(spec.mix_delete >= 0) ||
      spec.mix_put + spec.mix_update + spec.mix_delete <= 0) {
    return base::InvalidArgumentError("mix: rates must be >= 0 with a positive sum");
  }
  base::MutexLock lock(&mu_);
  if (status_ && status_->running) {
    return base::FailedPreconditionError("a workload is already running (DELETE it first)");
  }
  if (std::optional<TableInfo> t = service_->GetTable(spec.table)) {
    if (t->primary_key.size() != 2 || t->primary_key[0].name != "id" ||
        t->primary_key[0].type != base::ValueType::kString || t->primary_key[1].name != "seq" ||
        t->primary_key[1].type != base::ValueType::kInteger) {
      return base::FailedPreconditionError("table '" + spec.table +
                                           "' exists without the key (id string, seq integer)");
    }
  } else {
    TableSpec ts;
    ts.name = spec.table;
    ts.primary_key = {{"id", base::ValueType::kString}, {"seq", base::ValueType::kInteger}};
    ts.partitions = spec.partitions;
    TS_RETURN_IF_ERROR(service_->CreateTable(ts));
  }
  if (thread_.joinable()) thread_.join();
  status_ = WorkloadStatus{};
  status_->running = true;
  cancel_ = std::make_unique<base::CancelToken>();
  thread_ = std::thread([this, spec] { Run(spec); });
  return base::Status::Ok();
}

std::optional<WorkloadStatus> Workload::status() {
  base::MutexLock lock(&mu_);
  return status_;
}

void Workload::Stop() {
  std::thread t;
  {
    base::MutexLock lock(&mu_);
    if (cancel_) cancel_->Cancel();
    t = std::move(thread_);
  }
  if (t.joinable()) t.join();
  base::MutexLock lock(&mu_);
  if (status_) status_->running = false;
}

void Workload::Run(WorkloadSpec spec) {
  const base::CancelToken* cancel;
  {
    base::MutexLock lock(&mu_);
    cancel = cancel_.get();
  }
  std::mt19937_64 rng(spec.seed);
  std::vector<Key> keys;
  auto fail = [&](const base::Status& s) {
    base::MutexLock lock(&mu_);
    status_->error = s.ToString();
    status_->running = false;
  };
  int64_t written = 0;
  while (written < spec.initial_rows && !cancel->cancelled()) {
    std::vector<base::RowChange> batch;
    while (written + static_cast<int64_t>(batch.size()) < spec.initial_rows &&
           batch.size() < kBatch) {
      keys.push_back(NewKey(rng));
      batch.push_back(MakePut(rng, keys.back()));
    }
    base::Result<int> r = service_->ApplyChanges(spec.table, std::move(batch));
    if (!r.ok()) return fail(r.status());
    written += *r;
    base::MutexLock lock(&mu_);
    status_->initial_rows_written = written;
  }
  {
    base::MutexLock lock(&mu_);
    status_->initial_done = !cancel->cancelled();
  }
  const double total = spec.mix_put + spec.mix_update + spec.mix_delete;
  const double p_put = spec.mix_put / total;
  const double p_update = spec.mix_update / total;
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  auto start = std::chrono::steady_clock::now();
  int64_t applied = 0;
  while (spec.rate_per_s > 0 && !cancel->cancelled()) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    int64_t due = static_cast<int64_t>(elapsed * spec.rate_per_s) - applied;
    if (due <= 0) {
      cancel->WaitUntil(std::chrono::steady_clock::now() + std::chrono::milliseconds(5));
      continue;
    }
    std::vector<base::RowChange> batch;
    for (int64_t i = 0; i < std::min<int64_t>(due, kBatch); ++i) {
      double r = uni(rng);
      if (keys.empty() || r < p_put) {
        if (!keys.empty() && rng() % 5 == 0) {
          batch.push_back(MakePut(rng, keys[rng() % keys.size()]));  // overwrite
        } else {
          keys.push_back(NewKey(rng));
          batch.push_back(MakePut(rng, keys.back()));
        }
      } else if (r < p_put + p_update) {
        base::RowChange ch;
        ch.action = base::ActionType::kUpdateRow;
        ch.row = KeyRow(keys[rng() % keys.size()]);
        ch.row.cells.push_back(Put("qty", Value::Integer(static_cast<int64_t>(rng() % 1000))));
        ch.row.cells.push_back(
            Put("score", Value::Double(static_cast<double>(rng() % 1000000) / 997.0)));
        if (rng() % 10 == 0) {
          base::Cell del;
          del.name = "note";
          del.op = base::CellOp::kDeleteAllVersions;
          ch.row.cells.push_back(std::move(del));
        }
        batch.push_back(std::move(ch));
      } else {
        size_t k = rng() % keys.size();
        base::RowChange ch;
        ch.action = base::ActionType::kDeleteRow;
        ch.row = KeyRow(keys[k]);
        keys[k] = std::move(keys.back());
        keys.pop_back();
        batch.push_back(std::move(ch));
      }
    }
    base::Result<int> r = service_->ApplyChanges(spec.table, std::move(batch));
    if (!r.ok()) return fail(r.status());
    applied += *r;
    base::MutexLock lock(&mu_);
    status_->changes = applied;
  }
  base::MutexLock lock(&mu_);
  status_->running = false;
}

}  // namespace tablestore::tunnel::emulator
