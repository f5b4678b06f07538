// What a WebSocket upgrade request may ask for: which Origins may use the
// proxy (RFC 6455 §10.2: the server must check Origin, or any web page the
// user visits could reach the user's mail through it) and which mail server
// the request names.
#pragma once

#include "close_codes.hpp"
#include "config.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace pop3ws::proxy {

// With no allowed_origins configured, only the proxy's own origin (the page
// it serves, scheme://Host) may connect. A request without Origin comes from
// a non-browser client and is allowed when allow_missing_origin is set.
bool origin_allowed(const Config& cfg, std::string_view origin, std::string_view host, bool secure);

struct TargetChoice {
  std::optional<Target> target;   // set on success
  CloseReason error = CloseReason::unknown_target;
  std::string detail;             // for the log only
};

// Resource forms (RFC 6455 §3 resource name = path and query):
//   /pop3/NAME            a configured target
//   /anything?target=NAME or ?token=NAME (websockify's token parameter)
//   /pop3?host=H&port=P[&security=tls|starttls|none]   only with [allowlist]
TargetChoice choose_target(const Config& cfg, std::string_view resource);

// Value of one query parameter, percent-decoded; nullopt when absent.
std::optional<std::string> query_param(std::string_view resource, std::string_view key);

}  // namespace pop3ws::proxy
