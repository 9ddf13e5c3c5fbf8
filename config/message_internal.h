#pragma once

// Helpers for config error messages. Internal to config/.

#include <string>
#include <string_view>

namespace tablestore::config::internal {

// `s` quoted for an error message: '"' and '\' escaped, control bytes as \xNN, input
// longer than 64 bytes cut with "...". Never call it on a secret.
std::string Quote(std::string_view s);

}  // namespace tablestore::config::internal
