#include "replicator/cli/inspect_command.h"

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/row_json.h"

namespace tablestore::replicator {
namespace {

constexpr char kCommand[] = "replicator inspect plainbuffer";

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hex digits with any ASCII whitespace between them.
base::Result<std::string> ParseHex(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 2);
  int high = -1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') continue;
    const int d = HexDigit(c);
    if (d < 0) {
      return base::InvalidArgumentError("input is not hex: unexpected character at position " +
                                        std::to_string(i));
    }
    if (high < 0) {
      high = d;
    } else {
      out.push_back(static_cast<char>(high << 4 | d));
      high = -1;
    }
  }
  if (high >= 0) return base::InvalidArgumentError("input has an odd number of hex digits");
  return out;
}

struct PlainBufferOptions {
  std::string context = "record";
  std::string input = "-";
};

}  // namespace

int RunInspectPlainBuffer(std::istream& input, const std::string& context, std::ostream& out,
                          std::ostream& err) {
  tunnel::PlainBufferContext ctx = tunnel::PlainBufferContext::kRecord;
  if (context == "origin_record") {
    ctx = tunnel::PlainBufferContext::kOriginRecord;
  } else if (context == "request") {
    ctx = tunnel::PlainBufferContext::kRequest;
  } else if (context != "record") {
    err << kCommand << ": unknown context '" << context << "'\n";
    return 2;
  }
  const std::string text((std::istreambuf_iterator<char>(input)), std::istreambuf_iterator<char>());
  if (input.bad()) {
    err << kCommand << ": cannot read the input\n";
    return 1;
  }
  auto bytes = ParseHex(text);
  if (!bytes.ok()) {
    err << kCommand << ": " << bytes.status().ToString() << "\n";
    return 1;
  }
  auto rows = tunnel::DecodePlainBuffer(*bytes, ctx);
  if (!rows.ok()) {
    err << kCommand << ": " << rows.status().ToString() << "\n";
    return 1;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const base::Row& r : *rows) list.push_back(tunnel::RowToJson(r));
  nlohmann::json doc = nlohmann::json::object();
  doc["rows"] = std::move(list);
  // Column names are bytes; a name that is not UTF-8 is shown with U+FFFD replacements.
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

void RegisterInspectCommand(CLI::App& app, int* exit_code) {
  CLI::App* inspect = app.add_subcommand("inspect", "Decode and show wire data offline");
  inspect->require_subcommand(1);

  auto opts = std::make_shared<PlainBufferOptions>();
  CLI::App* pb = inspect->add_subcommand(
      "plainbuffer",
      "Decode PlainBuffer bytes given as hex (whitespace ignored) and print {\"rows\": [...]}\n"
      "in the ROW/CELL/VALUE JSON shape. Malformed input: the error on stderr, exit 1.");
  pb->add_option("--context", opts->context,
                 "record: one row, non-empty primary key (default); origin_record: one row, "
                 "empty primary key allowed; request: any valid PlainBuffer")
      ->check(CLI::IsMember({"record", "origin_record", "request"}))
      ->capture_default_str();
  pb->add_option("input", opts->input, "File with the hex bytes, or - for stdin")
      ->capture_default_str();
  pb->callback([opts, exit_code] {
    if (opts->input == "-") {
      *exit_code = RunInspectPlainBuffer(std::cin, opts->context, std::cout, std::cerr);
      return;
    }
    std::ifstream file(opts->input, std::ios::binary);
    if (!file) {
      std::cerr << kCommand << ": cannot open '" << opts->input << "'\n";
      *exit_code = 1;
      return;
    }
    *exit_code = RunInspectPlainBuffer(file, opts->context, std::cout, std::cerr);
  });
}

}  // namespace tablestore::replicator
