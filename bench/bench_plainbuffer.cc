// bench-plainbuffer: decode throughput of ReadRecords pages (contracts.md §4).
//
//   bench-plainbuffer [--json] [--corpus FILE] [--write-corpus FILE] [--seconds S]
//
// Default: generates pages of 1000 typical stream rows (primary key: a 16-byte string and an
// integer; attributes: two integers, a double, a boolean, a 40-byte string and a 32-byte
// blob, each with a timestamp; sequence info) and times, per page, the client's ReadRecords
// body parser: the page read (in place, ScanReadRecordsResponse) plus PlainBuffer decode
// (every cell and row CRC verified) into base::RowChange, into a recycled page as channel
// readers do (decode_rows_per_s) and into a fresh page (decode_fresh_page_rows_per_s).
// The split: the page read alone, the generated protobuf parser for comparison (used for
// bodies not in the canonical encoding), and the PlainBuffer decode of every record with
// each CRC implementation (tables, and carry-less multiply where the CPU has it).
// --corpus FILE decodes the pages in FILE instead (items: uint32 LE length, serialized
// ReadRecordsResponse); --write-corpus FILE writes the generated pages in that format.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/report.h"
#include "tunnel/client/response_parser.h"
#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/plain_buffer_dispatch.h"
#include "tunnel/protocol/record_decoder.h"
#include "tunnel/protocol/tunnel.pb.h"

namespace tablestore::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kRowsPerPage = 1000;
constexpr int kGeneratedPages = 16;

std::string RandomText(std::mt19937_64& rng, size_t n) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string s(n, ' ');
  for (char& c : s) c = kChars[rng() % (sizeof kChars - 1)];
  return s;
}

base::Cell Attr(const char* name, base::Value v, int64_t ts) {
  base::Cell c;
  c.name = name;
  c.value = std::move(v);
  c.timestamp = ts;
  return c;
}

base::RowChange TypicalChange(std::mt19937_64& rng, int64_t seq) {
  base::RowChange change;
  change.action = rng() % 5 == 0 ? base::ActionType::kUpdateRow : base::ActionType::kPutRow;
  base::Row& row = change.row;
  base::Cell user;
  user.name = "user_id";
  user.value = base::Value::String(RandomText(rng, 16));
  base::Cell order;
  order.name = "order_seq";
  order.value = base::Value::Integer(seq);
  row.primary_key = {user, order};
  const int64_t ts = 1'764'000'000'000 + seq;
  std::string blob(32, '\0');
  for (char& c : blob) c = static_cast<char>(rng());
  row.cells = {Attr("quantity", base::Value::Integer(static_cast<int64_t>(rng() % 1000)), ts),
               Attr("price_cents", base::Value::Integer(static_cast<int64_t>(rng() % 1000000)), ts),
               Attr("discount", base::Value::Double(static_cast<double>(rng() % 10000) / 100), ts),
               Attr("shipped", base::Value::Boolean(rng() % 2 == 0), ts),
               Attr("comment", base::Value::String(RandomText(rng, 40)), ts),
               Attr("digest", base::Value::Binary(blob), ts)};
  row.sequence = base::SequenceInfo{0, ts * 1000, static_cast<int32_t>(seq % 7)};
  return change;
}

std::vector<std::string> GeneratePages() {
  std::mt19937_64 rng(1);
  std::vector<std::string> pages;
  int64_t seq = 0;
  for (int p = 0; p < kGeneratedPages; ++p) {
    tunnel::pb::ReadRecordsResponse page;
    for (int i = 0; i < kRowsPerPage; ++i) {
      *page.add_records() = tunnel::EncodeRecord(TypicalChange(rng, seq++));
    }
    page.set_next_token("CAISEhIQc3RyZWFtLWl0ZXItMDAwMQ==");
    page.set_may_more_record(true);
    pages.push_back(page.SerializeAsString());
  }
  return pages;
}

bool ReadCorpus(const std::string& path, std::vector<std::string>* pages, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open " + path;
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string data = ss.str();
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < 4) {
      *error = "truncated length at byte " + std::to_string(pos);
      return false;
    }
    uint32_t len = 0;
    for (int i = 0; i < 4; ++i) len |= uint32_t{static_cast<uint8_t>(data[pos + i])} << (8 * i);
    pos += 4;
    if (len > data.size() - pos) {
      *error =
          "item length " + std::to_string(len) + " past the end at byte " + std::to_string(pos - 4);
      return false;
    }
    pages->push_back(data.substr(pos, len));
    pos += len;
  }
  if (pages->empty()) {
    *error = "no pages in " + path;
    return false;
  }
  return true;
}

bool WriteCorpus(const std::string& path, const std::vector<std::string>& pages) {
  std::ofstream out(path, std::ios::binary);
  for (const std::string& p : pages) {
    char len[4];
    for (int i = 0; i < 4; ++i) len[i] = static_cast<char>(p.size() >> (8 * i));
    out.write(len, 4);
    out.write(p.data(), static_cast<std::streamsize>(p.size()));
  }
  return static_cast<bool>(out);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int Usage() {
  std::fprintf(stderr,
               "usage: bench-plainbuffer [--json] [--corpus FILE] [--write-corpus FILE] "
               "[--seconds S]\n");
  return 2;
}

int Main(int argc, char** argv) {
  Report report("plainbuffer", &argc, argv);
  std::string corpus, write_corpus;
  double min_seconds = 3.0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--corpus" && i + 1 < argc) {
      corpus = argv[++i];
    } else if (arg == "--write-corpus" && i + 1 < argc) {
      write_corpus = argv[++i];
    } else if (arg == "--seconds" && i + 1 < argc) {
      min_seconds = std::atof(argv[++i]);
      if (!(min_seconds > 0 && min_seconds < 600)) return Usage();
    } else {
      return Usage();
    }
  }

  std::vector<std::string> pages;
  if (corpus.empty()) {
    report.Progress("generating " + std::to_string(kGeneratedPages) + " pages of " +
                    std::to_string(kRowsPerPage) + " rows");
    pages = GeneratePages();
  } else {
    std::string error;
    if (!ReadCorpus(corpus, &pages, &error)) {
      std::fprintf(stderr, "bench-plainbuffer: --corpus: %s\n", error.c_str());
      return 1;
    }
  }
  if (!write_corpus.empty() && !WriteCorpus(write_corpus, pages)) {
    std::fprintf(stderr, "bench-plainbuffer: cannot write %s\n", write_corpus.c_str());
    return 1;
  }
  size_t corpus_bytes = 0;
  for (const auto& p : pages) corpus_bytes += p.size();

  // Each page goes through the client's own ReadRecords body parser (page read, then
  // PlainBuffer decode) into a recycled page, as a channel reader does: the records of a
  // processed page are decoded over again, reusing their allocations.
  tunnel::ReadRecordsResult page;
  std::vector<base::RowChange>& changes = page.records;
  auto decode_page = [&](const std::string& bytes) -> bool {
    const base::Status s = tunnel::ParseReadRecordsResponseInto("bench", bytes, &page);
    if (!s.ok()) {
      std::fprintf(stderr, "bench-plainbuffer: %s\n", s.ToString().c_str());
      return false;
    }
    return true;
  };

  // Warm-up round, which also counts the rows.
  size_t rows_per_round = 0;
  for (const auto& p : pages) {
    if (!decode_page(p)) return 1;
    rows_per_round += changes.size();
  }

  report.Progress("decoding " + std::to_string(pages.size()) + " pages (" +
                  std::to_string(corpus_bytes) + " bytes) for at least " +
                  std::to_string(min_seconds) + " s");
  size_t rounds = 0;
  size_t total_fresh_rows = 0;
  Clock::duration parse_time{}, total_time{};
  const Clock::time_point start = Clock::now();
  while (rounds < 3 || Seconds(Clock::now() - start) < min_seconds) {
    for (const auto& p : pages) {
      const Clock::time_point t0 = Clock::now();
      if (!decode_page(p)) return 1;
      total_time += Clock::now() - t0;
    }
    ++rounds;
  }
  // The split. The page read alone: in place for canonical pages (all generated ones),
  // else the generated parser, as the client does.
  tunnel::ReadRecordsPageView view;
  tunnel::pb::ReadRecordsResponse msg;
  size_t scanned_pages = 0;
  const Clock::time_point p0 = Clock::now();
  for (size_t r = 0; r < rounds; ++r) {
    for (const auto& p : pages) {
      if (tunnel::ScanReadRecordsResponse(p, &view)) {
        ++scanned_pages;
      } else if (!msg.ParseFromString(p)) {
        return 1;
      }
    }
  }
  parse_time = Clock::now() - p0;
  // The generated parser on every page (into a reused message), for comparison.
  const Clock::time_point l0 = Clock::now();
  for (size_t r = 0; r < rounds; ++r) {
    for (const auto& p : pages) {
      if (!msg.ParseFromString(p)) return 1;
    }
  }
  const Clock::duration library_time = Clock::now() - l0;
  // PlainBuffer decode of every record into a recycled row, with each CRC implementation.
  std::vector<std::vector<std::string>> records(pages.size());
  for (size_t i = 0; i < pages.size(); ++i) {
    if (!msg.ParseFromString(pages[i])) return 1;
    for (const auto& rec : msg.records()) records[i].push_back(rec.record());
  }
  auto time_rows = [&](auto decode_one) -> double {
    std::vector<base::Row> rows(kRowsPerPage);
    size_t n = 0;
    const Clock::time_point t0 = Clock::now();
    for (size_t r = 0; r < rounds; ++r) {
      for (const auto& page_records : records) {
        if (rows.size() < page_records.size()) rows.resize(page_records.size());
        for (size_t i = 0; i < page_records.size(); ++i) {
          if (!decode_one(page_records[i], &rows[i]).ok()) return 0;
        }
        n += page_records.size();
      }
    }
    return static_cast<double>(n) / Seconds(Clock::now() - t0);
  };
  const double table_rows_per_s = time_rows([](const std::string& b, base::Row* row) {
    return tunnel::plain_buffer::DecodeOneRowTable(b, tunnel::PlainBufferContext::kRecord, row);
  });
  const bool clmul = tunnel::plain_buffer::ClmulAvailable();
  const double clmul_rows_per_s = clmul ? time_rows([](const std::string& b, base::Row* row) {
    return tunnel::plain_buffer::DecodeOneRowClmul(b, tunnel::PlainBufferContext::kRecord, row);
  })
                                        : 0;
  // Into a fresh page each time (a reader that does not recycle).
  Clock::duration fresh_time{};
  for (size_t r = 0; r < rounds; ++r) {
    for (const auto& p : pages) {
      const Clock::time_point t0 = Clock::now();
      base::Result<tunnel::ReadRecordsResult> fresh = tunnel::ParseReadRecordsResponse("bench", p);
      if (!fresh.ok()) return 1;
      total_fresh_rows += fresh->records.size();
      fresh_time += Clock::now() - t0;
    }
  }

  const double total_s = Seconds(total_time);
  const double rows = static_cast<double>(rows_per_round) * static_cast<double>(rounds);
  const double bytes = static_cast<double>(corpus_bytes) * static_cast<double>(rounds);
  report.Add("decode_rows_per_s", rows / total_s, "rows/s");
  report.Add("decode_mb_per_s", bytes / total_s / 1e6, "MB/s");
  report.Add("decode_fresh_page_rows_per_s",
             static_cast<double>(total_fresh_rows) / Seconds(fresh_time), "rows/s");
  report.Add("page_read_mb_per_s", bytes / Seconds(parse_time) / 1e6, "MB/s");
  report.Add("pages_read_in_place",
             static_cast<double>(scanned_pages) / static_cast<double>(rounds * pages.size()),
             "fraction");
  report.Add("protobuf_library_parse_mb_per_s", bytes / Seconds(library_time) / 1e6, "MB/s");
  report.Add("plainbuffer_share_of_decode", 1.0 - std::min(1.0, Seconds(parse_time) / total_s),
             "fraction");
  report.Add("plainbuffer_table_crc_rows_per_s", table_rows_per_s, "rows/s");
  if (clmul) report.Add("plainbuffer_carryless_crc_rows_per_s", clmul_rows_per_s, "rows/s");
  report.Add("carryless_crc_in_use", clmul ? 1 : 0, "bool");
  report.Add("pages", static_cast<double>(pages.size()), "pages");
  report.Add("avg_page_bytes", static_cast<double>(corpus_bytes) / pages.size(), "bytes");
  report.Add("avg_record_bytes", static_cast<double>(corpus_bytes) / rows_per_round, "bytes");
  report.Print();
  return 0;
}

}  // namespace
}  // namespace tablestore::bench

int main(int argc, char** argv) { return tablestore::bench::Main(argc, argv); }
