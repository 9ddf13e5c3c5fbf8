#pragma once

// `replicator inspect ...` (contracts.md §2). Thread-compatible (runs on the main thread).

#include <iosfwd>
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace tablestore::replicator {

// Adds `inspect` with its `plainbuffer` subcommand to `app`. When a subcommand runs, its
// process exit code (0, or 1 on malformed input) is stored in `*exit_code`, which must
// outlive `app.parse()`.
void RegisterInspectCommand(CLI::App& app, int* exit_code);

// `inspect plainbuffer` without the CLI: reads hex (whitespace ignored) from `input`,
// decodes it in `context` ("record", "origin_record" or "request"), writes
// {"rows": [...]} to `out`, or the error to `err`. Returns the exit code.
int RunInspectPlainBuffer(std::istream& input, const std::string& context, std::ostream& out,
                          std::ostream& err);

}  // namespace tablestore::replicator
