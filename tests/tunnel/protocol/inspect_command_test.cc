// Runs the built `replicator` binary: `replicator inspect plainbuffer` (contracts.md §2).

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/support/test_paths.h"
#include "tests/tunnel/protocol/protocol_test_util.h"

namespace tablestore::tunnel {
namespace {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class InspectCli {
 public:
  // `args` is appended to the command line as is (shell syntax).
  RunResult Run(const std::string& args) {
    const std::string out = dir_.File("stdout"), err = dir_.File("stderr");
    const std::string cmd = std::string(TS_BINARY_DIR) + "/replicator/replicator " + args +
                            " >" + out + " 2>" + err;
    const int status = std::system(cmd.c_str());
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = tablestore::testing::ReadFileOrFail(out);
    r.err = tablestore::testing::ReadFileOrFail(err);
    return r;
  }
  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::string path = dir_.File(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

 private:
  tablestore::testing::TempDir dir_;
};

nlohmann::json Case(const std::string& name) {
  const nlohmann::json doc = testing::LoadTestData("plainbuffer/vectors.json");
  for (const auto& c : doc.value("cases", nlohmann::json::array())) {
    if (c.at("name") == name) return c;
  }
  ADD_FAILURE() << "no vector " << name;
  return nlohmann::json::object();
}

// The hex split over lines with spaces, as a person might paste it.
std::string Spaced(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out += hex.substr(i, 2);
    out += (i / 2) % 16 == 15 ? "\n" : " ";
  }
  return out;
}

TEST(InspectPlainBuffer, PrintsTheFullRowShapeFromAFile) {
  InspectCli cli;
  const nlohmann::json c = Case("stream_put_all_types_with_extension");
  const std::string file = cli.WriteFile("in.hex", Spaced(c.at("hex").get<std::string>()));
  const RunResult r = cli.Run("inspect plainbuffer " + file);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json out = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << r.out;
  EXPECT_EQ(out, nlohmann::json({{"rows", c.at("rows")}}));
}

TEST(InspectPlainBuffer, ReadsStdinAndHonoursTheContext) {
  InspectCli cli;
  const nlohmann::json c = Case("two_rows_one_buffer");
  const std::string file = cli.WriteFile("in.hex", c.at("hex").get<std::string>() + "\n");
  RunResult r = cli.Run("inspect plainbuffer --context request - < " + file);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json({{"rows", c.at("rows")}}));
  // The default context is `record`: exactly one row.
  r = cli.Run("inspect plainbuffer < " + file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("PlainBuffer: more than one row"), std::string::npos) << r.err;

  const nlohmann::json origin = Case("origin_record_shape");
  const std::string ofile = cli.WriteFile("o.hex", origin.at("hex").get<std::string>());
  EXPECT_EQ(cli.Run("inspect plainbuffer " + ofile).exit_code, 1);
  r = cli.Run("inspect plainbuffer --context origin_record " + ofile);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json({{"rows", origin.at("rows")}}));
}

TEST(InspectPlainBuffer, MalformedInputExitsOneWithTheDecoderError) {
  InspectCli cli;
  const nlohmann::json c = Case("bad_cell_checksum");
  RunResult r = cli.Run("inspect plainbuffer " + cli.WriteFile("bad.hex", c.at("hex")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("PlainBuffer: cell checksum mismatch at offset"), std::string::npos)
      << r.err;

  r = cli.Run("inspect plainbuffer " + cli.WriteFile("garbage.hex", "deadbeef00112233"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad header"), std::string::npos) << r.err;

  r = cli.Run("inspect plainbuffer " + cli.WriteFile("nothex.txt", "hello, world"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not hex"), std::string::npos) << r.err;

  r = cli.Run("inspect plainbuffer " + cli.WriteFile("odd.hex", "750"));
  EXPECT_EQ(r.exit_code, 1);
}

TEST(InspectPlainBuffer, UsageErrorsExitTwoAndHelpExitsZero) {
  InspectCli cli;
  EXPECT_EQ(cli.Run("inspect plainbuffer --context nope").exit_code, 2);
  EXPECT_EQ(cli.Run("inspect plainbuffer --bogus").exit_code, 2);
  EXPECT_EQ(cli.Run("inspect").exit_code, 2);
  EXPECT_EQ(cli.Run("").exit_code, 2);
  RunResult r = cli.Run("inspect plainbuffer --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--context"), std::string::npos);
  EXPECT_EQ(cli.Run("--help").exit_code, 0);
  EXPECT_EQ(cli.Run("inspect --help").exit_code, 0);
}

}  // namespace
}  // namespace tablestore::tunnel
