#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/clock.h"

namespace tablestore::storage {

// PRAGMA synchronous of the writer connection (the journal is always WAL). NORMAL can lose
// the last commits on power loss, data and checkpoints together (consistent); the commits
// that precede telling the service about progress are made durable through
// Mirror::EnsureDurable or ApplyOptions::durable whatever this says.
enum class Synchronous { kOff, kNormal, kFull };

struct MirrorOptions {
  std::string path;  // the SQLite file; "<path>.lock" is the writer lock
  Synchronous synchronous = Synchronous::kNormal;
  std::chrono::milliseconds busy_timeout{5000};
  int64_t cache_size_kib = 65536;  // PRAGMA cache_size = -N (page cache per connection)
  base::Clock* clock = nullptr;    // wall time for *_at columns; null: Clock::Real().
                                   // Not owned; must outlive the Mirror.
};

}  // namespace tablestore::storage
