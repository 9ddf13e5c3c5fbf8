#pragma once

// Tunnel tokens (docs/tunnel-protocol.md §6): base64(Token{version, content}).
// Clients never build tokens; the emulator does. Thread-safe.

#include <string>
#include <string_view>

#include "tablestore/base/result.h"
#include "tunnel/protocol/tunnel.pb.h"

namespace tablestore::tunnel {

inline constexpr std::string_view kFinishedToken = "finished";

// base64(Token{version: 2, content: serialized content}).
std::string EncodeToken(const pb::TokenContentV2& content);
// Parses a version 1 or 2 token; kInvalidArgument for anything else (e.g. "finished").
base::Result<pb::TokenContentV2> DecodeToken(std::string_view token);
// True when the token parses and carries a non-empty iterator (§5.4).
bool IsStreamToken(std::string_view token);

}  // namespace tablestore::tunnel
