// Tunnel tokens (docs/tunnel-protocol.md §6).

#include "tunnel/protocol/token.h"

#include "tunnel/protocol/signing.h"

namespace tablestore::tunnel {

std::string EncodeToken(const pb::TokenContentV2& content) {
  pb::Token token;
  token.set_version(2);
  content.SerializeToString(token.mutable_content());
  return Base64Encode(token.SerializeAsString());
}

base::Result<pb::TokenContentV2> DecodeToken(std::string_view token) {
  // Tokens are never secret, but they can be long: show only a prefix.
  auto invalid = [&](const char* why) {
    std::string shown(token.substr(0, 48));
    if (token.size() > 48) shown += "...";
    return base::InvalidArgumentError(std::string("token '") + shown + "': " + why);
  };
  auto bytes = Base64Decode(token);
  if (!bytes.ok()) return invalid("not base64");
  pb::Token outer;
  // ParsePartial + IsInitialized: the same check as ParseFromString without its log line.
  if (!outer.ParsePartialFromString(*bytes) || !outer.IsInitialized()) {
    return invalid("not a Token message");
  }
  pb::TokenContentV2 content;
  if (outer.version() == 2) {
    if (!content.ParseFromString(outer.content())) return invalid("bad TokenContentV2");
  } else if (outer.version() == 1) {
    pb::TokenContent v1;
    if (!v1.ParseFromString(outer.content())) return invalid("bad TokenContent");
    if (v1.has_primary_key()) content.set_primary_key(v1.primary_key());
    if (v1.has_iterator()) content.set_iterator(v1.iterator());
    if (v1.has_timestamp()) content.set_timestamp(v1.timestamp());
  } else {
    return invalid("unknown token version");
  }
  return content;
}

bool IsStreamToken(std::string_view token) {
  auto content = DecodeToken(token);
  return content.ok() && !content->iterator().empty();
}

}  // namespace tablestore::tunnel
