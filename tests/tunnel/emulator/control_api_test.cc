// The control API (contracts.md §3) over HTTP.

#include <gtest/gtest.h>

#include <sstream>

#include "tests/tunnel/emulator/emulator_test_util.h"

namespace tablestore::tunnel::emulator::testing {
namespace {

using json = nlohmann::json;

json OrdersTable(const std::string& name = "orders") {
  return {{"name", name},
          {"primary_key",
           {{{"name", "id"}, {"type", "string"}}, {{"name", "seq"}, {"type", "integer"}}}},
          {"partitions", 4}};
}

json Key(const std::string& id, int seq) {
  return {{{"name", "id"}, {"value", {{"type", "string"}, {"value", id}}}},
          {{"name", "seq"}, {"value", {{"type", "integer"}, {"value", std::to_string(seq)}}}}};
}

json PutChange(const std::string& id, int seq, int qty) {
  return {{"op", "put"},
          {"primary_key", Key(id, seq)},
          {"cells", {{{"name", "qty"}, {"value", {{"type", "integer"}, {"value", std::to_string(qty)}}}}}}};
}

std::vector<json> JsonLines(const std::string& body) {
  std::vector<json> out;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

TEST(ControlApi, CreatesTablesAndAppliesChanges) {
  Harness h;
  int status = 0;
  EXPECT_EQ(h.Admin("POST", "/admin/tables", OrdersTable(), &status), json::object());
  EXPECT_EQ(status, 200);
  json applied = h.Admin("POST", "/admin/tables/orders/changes",
                         {{"changes", {PutChange("a", 1, 5), PutChange("b", 2, 6)}}}, &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(applied["applied"], 2);
  json tables = h.Admin("GET", "/admin/tables");
  ASSERT_EQ(tables["tables"].size(), 1u);
  EXPECT_EQ(tables["tables"][0]["rows"], 2);
  EXPECT_EQ(tables["tables"][0]["partitions"], json({0, 1, 2, 3}));
  RawResponse rows = h.client->Raw("GET", "/admin/tables/orders/rows", "");
  auto lines = JsonLines(rows.body);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["primary_key"][0]["value"]["value"], "a");
  EXPECT_EQ(lines[0]["cells"][0]["name"], "qty");
  EXPECT_EQ(lines[0]["cells"][0]["value"]["value"], "5");
  EXPECT_TRUE(lines[0]["cells"][0]["timestamp"].is_string());
}

TEST(ControlApi, BadBodyNeverChangesState) {
  Harness h;
  h.Admin("POST", "/admin/tables", OrdersTable());
  json bad_second = PutChange("b", 2, 6);
  bad_second["cells"][0]["value"]["type"] = "nonsense";
  int status = 0;
  json err = h.Admin("POST", "/admin/tables/orders/changes",
                     {{"changes", {PutChange("a", 1, 5), bad_second}}}, &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(err["error"], "bad_request");
  EXPECT_TRUE(err["message"].is_string());
  // Semantically invalid (wrong key) after a valid one: nothing applied either.
  json wrong_key = PutChange("c", 3, 1);
  wrong_key["primary_key"].erase(1);
  h.Admin("POST", "/admin/tables/orders/changes", {{"changes", {PutChange("a", 1, 5), wrong_key}}},
          &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(h.Admin("GET", "/admin/tables")["tables"][0]["rows"], 0);
  // Not JSON, unknown fields, max_versions other than 1.
  EXPECT_EQ(h.client->Raw("POST", "/admin/tables", "{not json").status, 400);
  json extra = OrdersTable("t2");
  extra["surprise"] = 1;
  h.Admin("POST", "/admin/tables", extra, &status);
  EXPECT_EQ(status, 400);
  json versions = OrdersTable("t3");
  versions["max_versions"] = 2;
  h.Admin("POST", "/admin/tables", versions, &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(h.Admin("GET", "/admin/tables")["tables"].size(), 1u);
}

TEST(ControlApi, ErrorCodes) {
  Harness h;
  int status = 0;
  h.Admin("POST", "/admin/tables", OrdersTable());
  json dup = h.Admin("POST", "/admin/tables", OrdersTable(), &status);
  EXPECT_EQ(status, 409);
  EXPECT_EQ(dup["error"], "conflict");
  json missing = h.Admin("GET", "/admin/tables/nope/rows", nullptr, &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(missing["error"], "not_found");
  h.Admin("POST", "/admin/nothing-here", json::object(), &status);
  EXPECT_EQ(status, 404);
  h.Admin("POST", "/admin/tables/orders/split", {{"partition", 9}}, &status);
  EXPECT_EQ(status, 404);
}

TEST(ControlApi, PercentEncodedTableNames) {
  Harness h;
  int status = 0;
  h.Admin("POST", "/admin/tables", OrdersTable("sales/2026 é"), &status);
  ASSERT_EQ(status, 200);
  json r = h.Admin("POST", "/admin/tables/sales%2F2026%20%C3%A9/changes",
                   {{"changes", {PutChange("a", 1, 5)}}}, &status);
  EXPECT_EQ(status, 200) << r.dump();
  EXPECT_EQ(JsonLines(h.client->Raw("GET", "/admin/tables/sales%2F2026%20%C3%A9/rows", "").body).size(),
            1u);
}

TEST(ControlApi, SplitClockAndTimestamps) {
  EmulatorOptions o = TestOptions();
  o.fixed_clock_ms = 1'795'620'408'409;
  Harness h(o);
  h.Admin("POST", "/admin/tables", OrdersTable());
  int status = 0;
  json split = h.Admin("POST", "/admin/tables/orders/split", {{"partition", 0}}, &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(split["children"], json({4, 5}));
  EXPECT_EQ(h.Admin("GET", "/admin/tables")["tables"][0]["partitions"], json({1, 2, 3, 4, 5}));
  h.Admin("POST", "/admin/tables/orders/split", {{"partition", 0}}, &status);
  EXPECT_EQ(status, 409);
  json now = h.Admin("POST", "/admin/clock", {{"advance", "90m"}}, &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(now["now"], std::to_string(1'795'620'408'409 + 90 * 60 * 1000));
  h.Admin("POST", "/admin/clock", {{"advance", "5x"}}, &status);
  EXPECT_EQ(status, 400);
  h.Admin("POST", "/admin/clock", {{"advance", "-5m"}}, &status);
  EXPECT_EQ(status, 400);
  // Server timestamps come from the emulator clock; far timestamps are refused.
  json c = PutChange("a", 1, 5);
  h.Admin("POST", "/admin/tables/orders/changes", {{"changes", {c}}});
  auto lines = JsonLines(h.client->Raw("GET", "/admin/tables/orders/rows", "").body);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["cells"][0]["timestamp"], std::to_string(1'795'620'408'409 + 90 * 60 * 1000));
  c["cells"][0]["timestamp"] = std::to_string(1'795'620'408'409 + 3LL * 86'400'000);
  h.Admin("POST", "/admin/tables/orders/changes", {{"changes", {c}}}, &status);
  EXPECT_EQ(status, 400);
}

TEST(ControlApi, UpdateCellsFollowVersionRules) {
  EmulatorOptions o = TestOptions();
  o.fixed_clock_ms = 1'795'620'408'409;
  Harness h(o);
  h.Admin("POST", "/admin/tables", OrdersTable());
  auto cell = [](const std::string& name, int v, int64_t ts) {
    return json{{"name", name},
                {"value", {{"type", "integer"}, {"value", std::to_string(v)}}},
                {"timestamp", std::to_string(ts)}};
  };
  const int64_t t = 1'795'620'408'409;
  json put = {{"op", "put"}, {"primary_key", Key("a", 1)}, {"cells", {cell("x", 1, t), cell("y", 2, t)}}};
  json older = {{"op", "update"}, {"primary_key", Key("a", 1)}, {"cells", {cell("x", 9, t - 5)}}};
  json del_one = {{"op", "update"},
                  {"primary_key", Key("a", 1)},
                  {"cells", {{{"name", "y"}, {"cell_type", "delete_one_version"},
                              {"timestamp", std::to_string(t)}}}}};
  json del_all = {{"op", "update"},
                  {"primary_key", Key("b", 1)},
                  {"cells", {{{"name", "y"}, {"cell_type", "delete_all_versions"}}}}};
  int status = 0;
  h.Admin("POST", "/admin/tables/orders/changes", {{"changes", {put, older, del_one, del_all}}},
          &status);
  ASSERT_EQ(status, 200);
  auto lines = JsonLines(h.client->Raw("GET", "/admin/tables/orders/rows", "").body);
  ASSERT_EQ(lines.size(), 1u) << "an update with only deletes creates no row";
  ASSERT_EQ(lines[0]["cells"].size(), 1u);
  EXPECT_EQ(lines[0]["cells"][0]["name"], "x");
  EXPECT_EQ(lines[0]["cells"][0]["value"]["value"], "1") << "an older put does not win";
}

TEST(ControlApi, RowsAtOverHttp) {
  Harness h;
  h.Admin("POST", "/admin/tables", OrdersTable());
  h.Admin("POST", "/admin/tables/orders/changes", {{"changes", {PutChange("a", 1, 5)}}});
  std::string tunnel = h.CreateTunnel("t", pb::BaseAndStream);
  std::string client = h.Connect(tunnel);
  int status = 0;
  json body = {{"table", "orders"},
               {"checkpoints",
                {{"BaseData_0", "finished"}, {"BaseData_1", "finished"},
                 {"BaseData_2", "finished"}, {"BaseData_3", "finished"}}}};
  RawResponse r = h.client->Raw("POST", "/admin/tunnels/" + tunnel + "/rows_at", body.dump());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(JsonLines(r.body).size(), 1u);
  json unknown = {{"table", "orders"}, {"checkpoints", {{"BaseData_0", "garbage"}}}};
  h.Admin("POST", "/admin/tunnels/" + tunnel + "/rows_at", unknown, &status);
  EXPECT_EQ(status, 404);
  json nochannel = {{"table", "orders"}, {"checkpoints", {{"Nope", "finished"}}}};
  h.Admin("POST", "/admin/tunnels/" + tunnel + "/rows_at", nochannel, &status);
  EXPECT_EQ(status, 404);
  // Stream progress while base channels are unfinished: conflict.
  h.Heartbeat(tunnel, client);
  json stream_only = {{"table", "orders"}, {"checkpoints", {{"Stream_0", "finished"}}}};
  json err = h.Admin("POST", "/admin/tunnels/" + tunnel + "/rows_at", stream_only, &status);
  EXPECT_EQ(status, 409);
  EXPECT_EQ(err["error"], "conflict");
  (void)client;
}

TEST(ControlApi, CredentialsPermissionsFaultsValidation) {
  Harness h;
  int status = 0;
  h.Admin("PUT", "/admin/credentials", {{"keys", {{{"access_key_id", ""}}}}}, &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(h.client->Post("/tunnel/list", "").status, 200) << "bad body changed the keys";
  h.Admin("PUT", "/admin/faults", {{"rates", {{"reset", 0.7}, {"slow", 0.7}}}}, &status);
  EXPECT_EQ(status, 400);
  h.Admin("PUT", "/admin/faults", {{"rates", {{"bogus", 0.1}}}}, &status);
  EXPECT_EQ(status, 400);
  h.Admin("PUT", "/admin/permissions", {{"deny", {kAk}}}, &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(h.client->Post("/tunnel/list", "").error.code(), "OTSPermissionDenied");
  h.Admin("PUT", "/admin/credentials",
          {{"keys", {{{"access_key_id", "AK2"}, {"access_key_secret", "S2"}}}}}, &status);
  EXPECT_EQ(status, 200);
  SignOptions o;
  o.access_key_id = "AK2";
  o.access_key_secret = "S2";
  EXPECT_EQ(h.client->Post("/tunnel/list", "", o).status, 200);
}

TEST(ControlApi, AdminTokenRequired) {
  EmulatorOptions o = TestOptions();
  o.admin_token = "s3cret-admin";
  Harness h(o);
  RawResponse r = h.client->Raw("GET", "/admin/tables", "");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json::parse(r.body)["error"], "forbidden");
  r = h.client->Raw("GET", "/admin/tables", "", {{"Authorization", "Bearer s3cret-admin"}});
  EXPECT_EQ(r.status, 200);
}

TEST(ControlApi, WorkloadWritesTypicalRows) {
  Harness h;
  int status = 0;
  h.Admin("POST", "/admin/workload",
          {{"table", "orders"}, {"initial_rows", 2500}, {"rate_per_s", 0}, {"seed", 3}}, &status);
  ASSERT_EQ(status, 200);
  ASSERT_TRUE(PollUntil([&] { return h.Admin("GET", "/admin/workload")["initial_done"] == true; }));
  json tables = h.Admin("GET", "/admin/tables");
  EXPECT_EQ(tables["tables"][0]["rows"], 2500);
  auto lines = JsonLines(h.client->Raw("GET", "/admin/tables/orders/rows", "").body);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0]["cells"].size(), 6u);
  h.Admin("POST", "/admin/workload",
          {{"table", "orders"}, {"initial_rows", 0}, {"rate_per_s", 100000}, {"seed", 4}}, &status);
  ASSERT_EQ(status, 200);
  ASSERT_TRUE(PollUntil([&] { return h.Admin("GET", "/admin/workload")["changes"] > 100; }));
  h.Admin("DELETE", "/admin/workload", nullptr, &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(h.Admin("GET", "/admin/workload")["running"], false);
}

}  // namespace
}  // namespace tablestore::tunnel::emulator::testing
