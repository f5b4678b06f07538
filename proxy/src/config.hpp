// The proxy's configuration: one TOML file (parsed by toml++) plus command
// line overrides. load_config() never stops at the first problem: it returns
// every error it finds, each with the line it refers to, so that
// `pop3ws-proxy --check-config` can explain a whole file at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pop3ws::proxy {

enum class Security : std::uint8_t { tls, starttls, none };

std::string_view to_string(Security s) noexcept;

// A mail server the page may name. The page sends only `name`; everything
// else is the operator's decision.
struct Target {
  std::string name;         // [A-Za-z0-9._-]{1,64}, used in /pop3/NAME
  std::string label;        // shown by the page
  std::string host;         // DNS name or IP literal
  std::uint16_t port = 995;
  Security security = Security::tls;
  std::string ca_file;      // PEM bundle; empty = the system store
  std::string spki_sha256;  // base64 SHA-256 of the SubjectPublicKeyInfo (RFC 7469 pin)
  std::string server_name;  // SNI and name to verify; empty = host
  bool allow_private = false;  // permit loopback/private/link-local addresses
  int line = 0;             // where it was defined, for later messages
};

// Lets the page name host:port itself, for a shared proxy in front of several
// public providers. Off unless the operator enables it.
struct Allowlist {
  bool enabled = false;
  std::vector<std::string> hosts;   // exact names or "*.example.com" patterns
  std::vector<std::uint16_t> ports; // e.g. [995]
  bool allow_plain = false;         // permit security=none from the page
};

struct ListenTls {
  std::string cert_file;  // PEM chain
  std::string key_file;   // PEM private key
};

struct Limits {
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_ip = 32;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds tls_timeout{10'000};
  std::chrono::milliseconds idle_timeout{600'000};   // RFC 1939 §3: servers use >= 10 min
  std::chrono::milliseconds close_timeout{5'000};    // wait for the peer's close frame
  std::chrono::milliseconds drain_timeout{30'000};   // SIGTERM: time sessions get to finish
  std::size_t max_message_bytes = 64 * 1024;         // one WebSocket message from the page
  std::size_t buffer_bytes = 256 * 1024;             // queued bytes per direction before we stop reading
  std::size_t read_chunk_bytes = 64 * 1024;          // one read: a thread-wide buffer, not per session
};

struct HttpOptions {
  std::string web_root;  // empty: no static files, only the API endpoints
  // The web app renders mail in sandboxed srcdoc iframes, which inherit this
  // policy on top of their own: it must allow what the app's per-message
  // policy allows (data: fonts, remote images once the user asks for them).
  std::string content_security_policy =
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
      "connect-src 'self' ws: wss: https:; img-src 'self' data: blob: https: http:; "
      "font-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; "
      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
};

struct Config {
  std::vector<std::string> listen{"127.0.0.1:8080"};  // host:port, [v6]:port
  std::optional<ListenTls> tls;
  int threads = 1;
  std::string log_level = "info";
  std::vector<std::string> allowed_origins;  // empty: same origin as the Host header only
  bool allow_missing_origin = true;          // non-browser clients send no Origin
  HttpOptions http;
  Limits limits;
  std::vector<Target> targets;
  Allowlist allowlist;

  // Line of each key in the file ("limits.idle_timeout_ms", "targets.2.ca_file"),
  // so that checks made after command line overrides still point at a line.
  std::map<std::string, int, std::less<>> lines;

  const Target* find_target(std::string_view name) const noexcept;
  int line_of(std::string_view key) const noexcept;
};

struct ConfigError {
  std::string file;
  int line = 0;  // 0: not tied to a line
  std::string message;
  std::string to_string() const;
};

struct ConfigResult {
  Config config;
  std::vector<ConfigError> errors;
  bool ok() const noexcept { return errors.empty(); }
};

// Parses TOML text; `file` names it in messages. Relative paths in the file
// (web root, certificates, CA files) are resolved against `base_dir`.
ConfigResult parse_config(std::string_view text, const std::string& file, const std::string& base_dir);
ConfigResult load_config_file(const std::string& path);

// Checks that need the whole Config (after command line overrides too):
// listen addresses parse, files exist, targets are unique.
void validate_config(const Config& c, const std::string& file, std::vector<ConfigError>& errors);

bool valid_target_name(std::string_view name) noexcept;

// "127.0.0.1:8080", "[::1]:8080", "*:8080" (all IPv4 and IPv6), ":8080"
struct ListenAddress {
  std::string host;  // empty = any
  std::uint16_t port = 0;
};
std::optional<ListenAddress> parse_listen_address(std::string_view s);

}  // namespace pop3ws::proxy
