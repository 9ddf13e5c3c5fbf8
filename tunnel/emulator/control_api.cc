#include "tunnel/emulator/control_api.h"

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "tunnel/protocol/row_json.h"
#include "tunnel/protocol/signing.h"

namespace tablestore::tunnel::emulator {
namespace {

using json = nlohmann::json;

ControlReply Reply(int status, const json& body) {
  ControlReply r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

ControlReply ErrorReply(int status, std::string_view code, const std::string& message) {
  return Reply(status, json{{"error", code}, {"message", message}});
}

ControlReply FromStatus(const base::Status& s) {
  switch (s.code()) {
    case base::StatusCode::kInvalidArgument: return ErrorReply(400, "bad_request", s.message());
    case base::StatusCode::kNotFound: return ErrorReply(404, "not_found", s.message());
    case base::StatusCode::kAlreadyExists:
    case base::StatusCode::kFailedPrecondition:
    case base::StatusCode::kAborted: return ErrorReply(409, "conflict", s.message());
    case base::StatusCode::kPermissionDenied:
    case base::StatusCode::kUnauthenticated: return ErrorReply(403, "forbidden", s.message());
    default: return ErrorReply(500, "bad_request", s.message());
  }
}

ControlReply Lines(std::string body) {
  ControlReply r;
  r.content_type = "application/x-ndjson";
  r.body = std::move(body);
  return r;
}

base::Status Bad(const std::string& what) { return base::InvalidArgumentError(what); }

// Refuses keys outside `allowed`.
base::Status OnlyKeys(const json& j, std::initializer_list<std::string_view> allowed,
                      std::string_view where) {
  for (const auto& [key, value] : j.items()) {
    (void)value;
    bool ok = false;
    for (std::string_view a : allowed) ok = ok || a == key;
    if (!ok) return Bad(std::string(where) + ": unknown field '" + key + "'");
  }
  return base::Status::Ok();
}

const json* Field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

base::Result<int64_t> IntField(const json& j, const char* key, int64_t min, int64_t max,
                               std::optional<int64_t> def) {
  const json* f = Field(j, key);
  if (f == nullptr) {
    if (def) return *def;
    return Bad(std::string(key) + ": required");
  }
  int64_t v;
  if (f->is_number_integer()) {
    v = f->get<int64_t>();
  } else if (f->is_number_unsigned()) {
    uint64_t u = f->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return Bad(std::string(key) + ": out of range");
    v = static_cast<int64_t>(u);
  } else {
    return Bad(std::string(key) + ": expected an integer");
  }
  if (v < min || v > max) {
    return Bad(std::string(key) + ": must be within [" + std::to_string(min) + ", " +
               std::to_string(max) + "]");
  }
  return v;
}

base::Result<double> NumberField(const json& j, const char* key, double def) {
  const json* f = Field(j, key);
  if (f == nullptr) return def;
  if (!f->is_number()) return Bad(std::string(key) + ": expected a number");
  double v = f->get<double>();
  if (!std::isfinite(v)) return Bad(std::string(key) + ": expected a finite number");
  return v;
}

base::Result<std::string> StringField(const json& j, const char* key, bool required) {
  const json* f = Field(j, key);
  if (f == nullptr) {
    if (required) return Bad(std::string(key) + ": required");
    return std::string();
  }
  if (!f->is_string()) return Bad(std::string(key) + ": expected a string");
  return f->get<std::string>();
}

// A decimal string (or, leniently, an integer number).
base::Result<int64_t> DecimalField(const json& j, const char* key) {
  const json* f = Field(j, key);
  if (f == nullptr) return Bad(std::string(key) + ": required");
  if (f->is_number_integer()) return f->get<int64_t>();
  if (!f->is_string()) return Bad(std::string(key) + ": expected a decimal string");
  const std::string& s = f->get_ref<const std::string&>();
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
    return Bad(std::string(key) + ": expected a decimal string");
  }
  return v;
}

base::Result<base::ValueType> PkType(const std::string& name) {
  if (name == "integer") return base::ValueType::kInteger;
  if (name == "string") return base::ValueType::kString;
  if (name == "binary") return base::ValueType::kBinary;
  return Bad("primary key type must be integer, string or binary, not '" + name + "'");
}

json TableJson(const TableInfo& t) {
  json pk = json::array();
  for (const PrimaryKeyColumn& c : t.primary_key) {
    pk.push_back({{"name", c.name}, {"type", std::string(base::ValueTypeName(c.type))}});
  }
  return {{"name", t.name}, {"primary_key", pk}, {"partitions", t.live_partitions},
          {"rows", t.rows}};
}

}  // namespace

base::Result<TableSpec> TableSpecFromJson(const json& j) {
  TS_RETURN_IF_ERROR(OnlyKeys(j, {"name", "primary_key", "partitions", "max_versions",
                                  "split_points"},
                              "table"));
  TableSpec spec;
  TS_ASSIGN_OR_RETURN(spec.name, StringField(j, "name", true));
  TS_ASSIGN_OR_RETURN(int64_t partitions, IntField(j, "partitions", 1, 64, 1));
  spec.partitions = static_cast<int>(partitions);
  TS_ASSIGN_OR_RETURN(int64_t versions, IntField(j, "max_versions", 1, 1, 1));
  (void)versions;
  const json* pk = Field(j, "primary_key");
  if (pk == nullptr || !pk->is_array()) return Bad("primary_key: expected a list");
  for (const json& c : *pk) {
    if (!c.is_object()) return Bad("primary_key: expected objects {name, type}");
    TS_RETURN_IF_ERROR(OnlyKeys(c, {"name", "type"}, "primary_key"));
    PrimaryKeyColumn col;
    TS_ASSIGN_OR_RETURN(col.name, StringField(c, "name", true));
    TS_ASSIGN_OR_RETURN(std::string type, StringField(c, "type", true));
    TS_ASSIGN_OR_RETURN(col.type, PkType(type));
    spec.primary_key.push_back(std::move(col));
  }
  if (const json* sp = Field(j, "split_points")) {
    if (!sp->is_array()) return Bad("split_points: expected a list of VALUEs");
    for (const json& v : *sp) {
      base::Result<base::Value> value = ValueFromJson(v);
      if (!value.ok()) return Bad("split_points: " + value.status().message());
      spec.split_points.push_back(std::move(*value));
    }
  }
  return spec;
}

namespace {

base::Result<std::vector<base::RowChange>> ParseChanges(const json& j) {
  TS_RETURN_IF_ERROR(OnlyKeys(j, {"changes"}, "body"));
  const json* list = Field(j, "changes");
  if (list == nullptr || !list->is_array()) return Bad("changes: expected a list");
  std::vector<base::RowChange> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& c = (*list)[i];
    std::string where = "changes[" + std::to_string(i) + "]";
    if (!c.is_object()) return Bad(where + ": expected an object");
    TS_RETURN_IF_ERROR(OnlyKeys(c, {"op", "primary_key", "cells"}, where));
    base::Result<std::string> op = StringField(c, "op", true);
    if (!op.ok()) return Bad(where + ": " + op.status().message());
    base::RowChange ch;
    if (*op == "put") {
      ch.action = base::ActionType::kPutRow;
    } else if (*op == "update") {
      ch.action = base::ActionType::kUpdateRow;
    } else if (*op == "delete") {
      ch.action = base::ActionType::kDeleteRow;
    } else {
      return Bad(where + ".op: expected put, update or delete");
    }
    json row = json::object();
    if (const json* pk = Field(c, "primary_key")) row["primary_key"] = *pk;
    if (const json* cells = Field(c, "cells")) row["cells"] = *cells;
    base::Result<base::Row> parsed = RowFromJson(row);
    if (!parsed.ok()) return Bad(where + ": " + parsed.status().message());
    ch.row = std::move(*parsed);
    out.push_back(std::move(ch));
  }
  return out;
}

base::Result<std::vector<AccessKey>> ParseKeys(const json& j) {
  TS_RETURN_IF_ERROR(OnlyKeys(j, {"keys"}, "body"));
  const json* list = Field(j, "keys");
  if (list == nullptr || !list->is_array()) return Bad("keys: expected a list");
  std::vector<AccessKey> keys;
  for (const json& k : *list) {
    if (!k.is_object()) return Bad("keys: expected objects");
    TS_RETURN_IF_ERROR(
        OnlyKeys(k, {"access_key_id", "access_key_secret", "sts_token", "expires_at"}, "keys"));
    AccessKey key;
    TS_ASSIGN_OR_RETURN(key.access_key_id, StringField(k, "access_key_id", true));
    TS_ASSIGN_OR_RETURN(key.access_key_secret, StringField(k, "access_key_secret", true));
    TS_ASSIGN_OR_RETURN(key.sts_token, StringField(k, "sts_token", false));
    if (key.access_key_id.empty() || key.access_key_secret.empty()) {
      return Bad("keys: access_key_id and access_key_secret must be non-empty");
    }
    if (Field(k, "expires_at")) {
      TS_ASSIGN_OR_RETURN(int64_t at, DecimalField(k, "expires_at"));
      key.expires_at_ms = at;
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

base::Result<FaultSettings> ParseFaults(const json& j) {
  TS_RETURN_IF_ERROR(OnlyKeys(j, {"seed", "rates", "slow_ms"}, "body"));
  FaultSettings f;
  TS_ASSIGN_OR_RETURN(int64_t seed, IntField(j, "seed", 0, INT64_MAX, 0));
  f.seed = static_cast<uint64_t>(seed);
  TS_ASSIGN_OR_RETURN(int64_t slow, IntField(j, "slow_ms", 0, 600000, 200));
  f.slow_delay = std::chrono::milliseconds(slow);
  if (const json* rates = Field(j, "rates")) {
    if (!rates->is_object()) return Bad("rates: expected an object");
    TS_RETURN_IF_ERROR(OnlyKeys(*rates, {"http_5xx", "server_unavailable", "reset", "slow",
                                         "truncate", "corrupt"},
                                "rates"));
    std::pair<const char*, double*> all[] = {{"http_5xx", &f.http_5xx},
                                             {"server_unavailable", &f.server_unavailable},
                                             {"reset", &f.reset},
                                             {"slow", &f.slow},
                                             {"truncate", &f.truncate},
                                             {"corrupt", &f.corrupt}};
    double sum = 0;
    for (auto& [name, out] : all) {
      TS_ASSIGN_OR_RETURN(*out, NumberField(*rates, name, 0));
      if (*out < 0 || *out > 1) return Bad(std::string("rates.") + name + ": must be in [0, 1]");
      sum += *out;
    }
    if (sum > 1 + 1e-9) return Bad("rates: the sum must not exceed 1");
  }
  return f;
}

base::Result<WorkloadSpec> ParseWorkload(const json& j) {
  TS_RETURN_IF_ERROR(OnlyKeys(j, {"table", "initial_rows", "rate_per_s", "mix", "seed",
                                  "partitions"},
                              "body"));
  WorkloadSpec w;
  TS_ASSIGN_OR_RETURN(w.table, StringField(j, "table", true));
  TS_ASSIGN_OR_RETURN(w.initial_rows, IntField(j, "initial_rows", 0, 100'000'000, 0));
  TS_ASSIGN_OR_RETURN(w.rate_per_s, NumberField(j, "rate_per_s", 0));
  TS_ASSIGN_OR_RETURN(int64_t seed, IntField(j, "seed", 0, INT64_MAX, 1));
  w.seed = static_cast<uint64_t>(seed);
  TS_ASSIGN_OR_RETURN(int64_t parts, IntField(j, "partitions", 1, 64, 4));
  w.partitions = static_cast<int>(parts);
  if (const json* mix = Field(j, "mix")) {
    if (!mix->is_object()) return Bad("mix: expected an object");
    TS_RETURN_IF_ERROR(OnlyKeys(*mix, {"put", "update", "delete"}, "mix"));
    TS_ASSIGN_OR_RETURN(w.mix_put, NumberField(*mix, "put", 0));
    TS_ASSIGN_OR_RETURN(w.mix_update, NumberField(*mix, "update", 0));
    TS_ASSIGN_OR_RETURN(w.mix_delete, NumberField(*mix, "delete", 0));
  }
  return w;
}

json FaultsJson(const FaultSettings& f, const FaultCounts& c) {
  return {{"seed", f.seed},
          {"slow_ms", f.slow_delay.count()},
          {"rates",
           {{"http_5xx", f.http_5xx},
            {"server_unavailable", f.server_unavailable},
            {"reset", f.reset},
            {"slow", f.slow},
            {"truncate", f.truncate},
            {"corrupt", f.corrupt}}},
          {"injected",
           {{"http_5xx", c.http_5xx},
            {"server_unavailable", c.server_unavailable},
            {"reset", c.reset},
            {"slow", c.slow},
            {"truncate", c.truncate},
            {"corrupt", c.corrupt}}}};
}

}  // namespace

base::Result<int64_t> ParseDurationMs(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) {
    return Bad("duration '" + std::string(text) + "': expected an integer and a unit (ms, s, m, h, d)");
  }
  int64_t n = 0;
  std::from_chars(text.data(), text.data() + digits, n);
  std::string_view unit = text.substr(digits);
  int64_t mult;
  if (unit == "ms") {
    mult = 1;
  } else if (unit == "s") {
    mult = 1000;
  } else if (unit == "m") {
    mult = 60'000;
  } else if (unit == "h") {
    mult = 3'600'000;
  } else if (unit == "d") {
    mult = 86'400'000;
  } else {
    return Bad("duration '" + std::string(text) + "': unit must be ms, s, m, h or d");
  }
  if (n > INT64_MAX / mult / 1000) return Bad("duration '" + std::string(text) + "' is too long");
  return n * mult;
}

base::Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return Bad("malformed percent-encoding in the path");
    }
    int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
    if (hi < 0 || lo < 0) return Bad("malformed percent-encoding in the path");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

ControlApi::ControlApi(TunnelService* service, Authenticator* auth, FaultInjector* faults,
                       Workload* workload, bool served, std::string admin_token)
    : service_(service), auth_(auth), faults_(faults), workload_(workload), served_(served),
      admin_token_(std::move(admin_token)) {}

ControlReply ControlApi::Handle(std::string_view method, std::string_view raw_target,
                                std::string_view body, std::string_view authorization) {
  if (!served_) {
    return ErrorReply(403, "forbidden",
                      "the control API is served only on a loopback listener unless an admin "
                      "token is configured");
  }
  if (!admin_token_.empty()) {
    const std::string expect = "Bearer " + admin_token_;
    if (!ConstantTimeEquals(authorization, expect)) {
      return ErrorReply(403, "forbidden", "missing or wrong admin token (Authorization: Bearer)");
    }
  }
  try {
    return Route(method, raw_target, body);
  } catch (const std::exception& e) {  // nlohmann::json type errors: never crash
    return ErrorReply(400, "bad_request", std::string("bad request: ") + e.what());
  }
}

ControlReply ControlApi::Route(std::string_view method, std::string_view raw_target,
                               std::string_view body) {
  std::string_view path = raw_target.substr(0, raw_target.find('?'));
  std::vector<std::string_view> raw;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    raw.push_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  if (!raw.empty() && raw.back().empty()) raw.pop_back();  // trailing '/'
  std::vector<std::string> seg;
  for (std::string_view r : raw) {
    base::Result<std::string> d = PercentDecode(r);
    if (!d.ok()) return FromStatus(d.status());
    seg.push_back(std::move(*d));
  }
  if (seg.size() < 2 || seg[0] != "admin") return ErrorReply(404, "not_found", "no such endpoint");

  json j = json::object();
  bool has_body = method == "POST" || method == "PUT";
  if (has_body) {
    j = json::parse(body.begin(), body.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return ErrorReply(400, "bad_request", "the body must be a JSON object");
    }
  }
  auto wrong_method = [&] {
    return ErrorReply(405, "bad_request",
                      "method " + std::string(method) + " is not allowed on this endpoint");
  };
  const std::string& area = seg[1];

  if (area == "tables") {
    if (seg.size() == 2) {
      if (method == "GET") {
        json tables = json::array();
        for (const TableInfo& t : service_->ListTables()) tables.push_back(TableJson(t));
        return Reply(200, json{{"tables", tables}});
      }
      if (method != "POST") return wrong_method();
      base::Result<TableSpec> spec = TableSpecFromJson(j);
      if (!spec.ok()) return FromStatus(spec.status());
      base::Status s = service_->CreateTable(*spec);
      if (!s.ok()) return FromStatus(s);
      return Reply(200, json::object());
    }
    if (seg.size() < 4) return ErrorReply(404, "not_found", "no such endpoint");
    std::string name = seg[2];
    for (size_t i = 3; i + 1 < seg.size(); ++i) name += "/" + seg[i];
    const std::string& action = seg.back();
    if (action == "changes") {
      if (method != "POST") return wrong_method();
      base::Result<std::vector<base::RowChange>> changes = ParseChanges(j);
      if (!changes.ok()) return FromStatus(changes.status());
      base::Result<int> n = service_->ApplyChanges(name, std::move(*changes));
      if (!n.ok()) return FromStatus(n.status());
      return Reply(200, json{{"applied", *n}});
    }
    if (action == "rows") {
      if (method != "GET") return wrong_method();
      base::Result<std::string> lines = service_->DumpRowsJsonLines(name);
      if (!lines.ok()) return FromStatus(lines.status());
      return Lines(std::move(*lines));
    }
    if (action == "split") {
      if (method != "POST") return wrong_method();
      base::Status s = OnlyKeys(j, {"partition"}, "body");
      if (!s.ok()) return FromStatus(s);
      base::Result<int64_t> p = IntField(j, "partition", 0, 1 << 20, std::nullopt);
      if (!p.ok()) return FromStatus(p.status());
      base::Result<std::vector<int>> children = service_->Split(name, static_cast<int>(*p));
      if (!children.ok()) return FromStatus(children.status());
      return Reply(200, json{{"children", *children}});
    }
    return ErrorReply(404, "not_found", "no such endpoint");
  }

  if (area == "tunnels" && seg.size() == 4 && seg[3] == "rows_at") {
    if (method != "POST") return wrong_method();
    base::Status s = OnlyKeys(j, {"table", "checkpoints"}, "body");
    if (!s.ok()) return FromStatus(s);
    base::Result<std::string> table = StringField(j, "table", true);
    if (!table.ok()) return FromStatus(table.status());
    std::map<std::string, std::string> checkpoints;
    if (const json* cps = Field(j, "checkpoints")) {
      if (!cps->is_object()) return ErrorReply(400, "bad_request", "checkpoints: expected an object");
      for (const auto& [ch, token] : cps->items()) {
        if (!token.is_string()) {
          return ErrorReply(400, "bad_request", "checkpoints: tokens must be strings");
        }
        checkpoints[ch] = token.get<std::string>();
      }
    }
    base::Result<std::string> lines = service_->RowsAtJsonLines(seg[2], *table, checkpoints);
    if (!lines.ok()) return FromStatus(lines.status());
    return Lines(std::move(*lines));
  }

  if (seg.size() != 2) return ErrorReply(404, "not_found", "no such endpoint");

  if (area == "clock") {
    if (method == "GET") return Reply(200, json{{"now", std::to_string(service_->NowMs())}});
    if (method != "POST") return wrong_method();
    base::Status s = OnlyKeys(j, {"advance"}, "body");
    if (!s.ok()) return FromStatus(s);
    base::Result<std::string> text = StringField(j, "advance", true);
    if (!text.ok()) return FromStatus(text.status());
    base::Result<int64_t> ms = ParseDurationMs(*text);
    if (!ms.ok()) return FromStatus(ms.status());
    return Reply(200, json{{"now", std::to_string(service_->AdvanceClock(*ms))}});
  }
  if (area == "credentials") {
    if (method != "PUT") return wrong_method();
    base::Result<std::vector<AccessKey>> keys = ParseKeys(j);
    if (!keys.ok()) return FromStatus(keys.status());
    auth_->SetKeys(std::move(*keys));
    return Reply(200, json::object());
  }
  if (area == "permissions") {
    if (method != "PUT") return wrong_method();
    base::Status s = OnlyKeys(j, {"deny"}, "body");
    if (!s.ok()) return FromStatus(s);
    std::vector<std::string> deny;
    if (const json* list = Field(j, "deny")) {
      if (!list->is_array()) return ErrorReply(400, "bad_request", "deny: expected a list");
      for (const json& id : *list) {
        if (!id.is_string()) return ErrorReply(400, "bad_request", "deny: expected strings");
        deny.push_back(id.get<std::string>());
      }
    }
    auth_->SetDenied(std::move(deny));
    return Reply(200, json::object());
  }
  if (area == "faults") {
    if (method == "GET") return Reply(200, FaultsJson(faults_->settings(), faults_->counts()));
    if (method != "PUT") return wrong_method();
    base::Result<FaultSettings> f = ParseFaults(j);
    if (!f.ok()) return FromStatus(f.status());
    faults_->Set(*f);
    return Reply(200, json::object());
  }
  if (area == "workload") {
    if (method == "GET") {
      std::optional<WorkloadStatus> st = workload_->status();
      if (!st) st = WorkloadStatus{};  // never started: nothing done yet
      json out = {{"initial_done", st->initial_done},
                  {"changes", st->changes},
                  {"running", st->running},
                  {"initial_rows_written", st->initial_rows_written}};
      if (!st->error.empty()) out["error"] = st->error;
      return Reply(200, out);
    }
    if (method == "DELETE") {
      workload_->Stop();
      return Reply(200, json::object());
    }
    if (method != "POST") return wrong_method();
    base::Result<WorkloadSpec> w = ParseWorkload(j);
    if (!w.ok()) return FromStatus(w.status());
    base::Status s = workload_->Start(*w);
    if (!s.ok()) return FromStatus(s);
    return Reply(200, json::object());
  }
  return ErrorReply(404, "not_found", "no such endpoint");
}

}  // namespace tablestore::tunnel::emulator
