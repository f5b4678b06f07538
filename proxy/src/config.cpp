#include "config.hpp"

#include <openssl/evp.h>

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <set>
#include <sstream>

namespace pop3ws::proxy {
namespace fs = std::filesystem;

std::string_view to_string(Security s) noexcept {
  switch (s) {
    case Security::tls: return "tls";
    case Security::starttls: return "starttls";
    case Security::none: return "none";
  }
  return "?";
}

const Target* Config::find_target(std::string_view name) const noexcept {
  for (const auto& t : targets)
    if (t.name == name) return &t;
  return nullptr;
}

int Config::line_of(std::string_view key) const noexcept {
  auto it = lines.find(key);
  return it == lines.end() ? 0 : it->second;
}

std::string ConfigError::to_string() const {
  std::ostringstream o;
  o << file;
  if (line > 0) o << ':' << line;
  o << ": " << message;
  return o.str();
}

bool valid_target_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '.';
  });
}

std::optional<ListenAddress> parse_listen_address(std::string_view s) {
  ListenAddress a;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return std::nullopt;
    a.host = std::string(s.substr(1, close - 1));
    if (a.host.empty()) return std::nullopt;
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    a.host = std::string(s.substr(0, colon));
    if (a.host.find(':') != std::string::npos) return std::nullopt;  // bare IPv6 needs brackets
    if (a.host == "*") a.host.clear();
    port = s.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5) return std::nullopt;
  unsigned v = 0;
  for (char ch : port) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(ch - '0');
  }
  if (v > 65535) return std::nullopt;  // 0: an ephemeral port, logged at start
  a.port = static_cast<std::uint16_t>(v);
  return a;
}

namespace {

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

// Reads one TOML table with type checks, recording errors with their lines
// and refusing unknown keys (a misspelt limit must not silently fall back to
// its default).
class Reader {
 public:
  Reader(const std::string& file, std::vector<ConfigError>& errors, Config& cfg)
      : file_(file), errors_(errors), cfg_(cfg) {}

  void error(int line, std::string msg) { errors_.push_back({file_, line, std::move(msg)}); }
  void error(const toml::node& n, std::string msg) { error(line_of(n), std::move(msg)); }

  void only_keys(const toml::table& t, const std::string& where, std::initializer_list<std::string_view> keys) {
    for (const auto& [k, v] : t) {
      if (std::find(keys.begin(), keys.end(), k.str()) == keys.end())
        error(v, "unknown key '" + std::string(k.str()) + "'" + (where.empty() ? "" : " in [" + where + "]"));
    }
  }

  const toml::node* find(const toml::table& t, std::string_view key, const std::string& path) {
    const toml::node* n = t.get(key);
    if (n) cfg_.lines[path] = line_of(*n);
    return n;
  }

  void str(const toml::table& t, std::string_view key, const std::string& path, std::string& out) {
    const toml::node* n = find(t, key, path);
    if (!n) return;
    if (auto v = n->value<std::string>()) out = *v;
    else error(*n, "'" + path + "' must be a string");
  }

  void boolean(const toml::table& t, std::string_view key, const std::string& path, bool& out) {
    const toml::node* n = find(t, key, path);
    if (!n) return;
    if (auto v = n->value<bool>()) out = *v;
    else error(*n, "'" + path + "' must be true or false");
  }

  template <typename Int>
  void integer(const toml::table& t, std::string_view key, const std::string& path, Int& out,
               std::int64_t min, std::int64_t max) {
    const toml::node* n = find(t, key, path);
    if (!n) return;
    auto v = n->is_integer() ? n->value<std::int64_t>() : std::nullopt;
    if (!v) return error(*n, "'" + path + "' must be an integer");
    if (*v < min || *v > max)
      return error(*n, "'" + path + "' must be between " + std::to_string(min) + " and " + std::to_string(max));
    out = static_cast<Int>(*v);
  }

  void millis(const toml::table& t, std::string_view key, const std::string& path, std::chrono::milliseconds& out) {
    std::int64_t v = out.count();
    integer(t, key, path, v, 1, 86'400'000);
    out = std::chrono::milliseconds(v);
  }

  void strings(const toml::table& t, std::string_view key, const std::string& path, std::vector<std::string>& out) {
    const toml::node* n = find(t, key, path);
    if (!n) return;
    const toml::array* a = n->as_array();
    if (!a) return error(*n, "'" + path + "' must be an array of strings");
    out.clear();
    for (const auto& e : *a) {
      if (auto v = e.value<std::string>()) out.push_back(*v);
      else error(e, "'" + path + "' must contain only strings");
    }
  }

  std::string path(std::string s) {
    if (s.empty()) return s;
    fs::path p(s);
    if (p.is_relative() && !base_dir_.empty()) p = fs::path(base_dir_) / p;
    return p.lexically_normal().string();
  }

  std::string base_dir_;

 private:
  const std::string& file_;
  std::vector<ConfigError>& errors_;
  Config& cfg_;
};

void read_limits(Reader& r, const toml::table& t, Limits& l) {
  r.only_keys(t, "limits",
              {"max_connections", "max_connections_per_ip", "handshake_timeout_ms", "connect_timeout_ms",
               "tls_timeout_ms", "idle_timeout_ms", "close_timeout_ms", "drain_timeout_ms", "max_message_bytes",
               "buffer_bytes", "read_chunk_bytes"});
  r.integer(t, "max_connections", "limits.max_connections", l.max_connections, 1, 1'000'000);
  r.integer(t, "max_connections_per_ip", "limits.max_connections_per_ip", l.max_connections_per_ip, 1, 1'000'000);
  r.millis(t, "handshake_timeout_ms", "limits.handshake_timeout_ms", l.handshake_timeout);
  r.millis(t, "connect_timeout_ms", "limits.connect_timeout_ms", l.connect_timeout);
  r.millis(t, "tls_timeout_ms", "limits.tls_timeout_ms", l.tls_timeout);
  r.millis(t, "idle_timeout_ms", "limits.idle_timeout_ms", l.idle_timeout);
  r.millis(t, "close_timeout_ms", "limits.close_timeout_ms", l.close_timeout);
  r.millis(t, "drain_timeout_ms", "limits.drain_timeout_ms", l.drain_timeout);
  // 512 bytes is the longest POP3 command line (RFC 2449 §4 allows 255-octet
  // arguments); a SASL response line can be longer, hence the higher ceiling.
  r.integer(t, "max_message_bytes", "limits.max_message_bytes", l.max_message_bytes, 512, 16 * 1024 * 1024);
  r.integer(t, "buffer_bytes", "limits.buffer_bytes", l.buffer_bytes, 1024, 64 * 1024 * 1024);
  r.integer(t, "read_chunk_bytes", "limits.read_chunk_bytes", l.read_chunk_bytes, 512, 1024 * 1024);
}

void read_target(Reader& r, const toml::table& t, std::size_t index, Config& cfg, int line) {
  const std::string p = "targets." + std::to_string(index) + ".";
  r.only_keys(t, "targets",
              {"name", "label", "host", "port", "security", "ca_file", "spki_sha256", "server_name", "allow_private"});
  Target tg;
  tg.line = line;
  r.str(t, "name", p + "name", tg.name);
  r.str(t, "label", p + "label", tg.label);
  r.str(t, "host", p + "host", tg.host);
  r.integer(t, "port", p + "port", tg.port, 1, 65535);
  std::string sec = "tls";
  r.str(t, "security", p + "security", sec);
  if (sec == "tls") tg.security = Security::tls;
  else if (sec == "starttls") tg.security = Security::starttls;
  else if (sec == "none") tg.security = Security::none;
  else r.error(cfg.line_of(p + "security"), "'security' must be \"tls\", \"starttls\" or \"none\", not \"" + sec + "\"");
  r.str(t, "ca_file", p + "ca_file", tg.ca_file);
  tg.ca_file = r.path(tg.ca_file);
  r.str(t, "spki_sha256", p + "spki_sha256", tg.spki_sha256);
  r.str(t, "server_name", p + "server_name", tg.server_name);
  r.boolean(t, "allow_private", p + "allow_private", tg.allow_private);
  if (!t.get("port") && tg.security != Security::tls) tg.port = 110;  // RFC 1939 §3
  if (tg.label.empty()) tg.label = tg.name;
  if (!t.get("name")) r.error(line, "target needs a 'name'");
  if (!t.get("host")) r.error(line, "target needs a 'host'");
  cfg.targets.push_back(std::move(tg));
}

}  // namespace

ConfigResult parse_config(std::string_view text, const std::string& file, const std::string& base_dir) {
  ConfigResult res;
  Config& c = res.config;
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    res.errors.push_back({file, static_cast<int>(e.source().begin.line), std::string(e.description())});
    return res;
  }
  Reader r(file, res.errors, c);
  r.base_dir_ = base_dir;
  r.only_keys(root, "",
              {"listen", "threads", "log_level", "allowed_origins", "allow_missing_origin", "tls", "http", "limits",
               "targets", "allowlist"});
  r.strings(root, "listen", "listen", c.listen);
  r.integer(root, "threads", "threads", c.threads, 1, 256);
  r.str(root, "log_level", "log_level", c.log_level);
  r.strings(root, "allowed_origins", "allowed_origins", c.allowed_origins);
  r.boolean(root, "allow_missing_origin", "allow_missing_origin", c.allow_missing_origin);

  auto table_at = [&](std::string_view key) -> const toml::table* {
    const toml::node* n = root.get(key);
    if (!n) return nullptr;
    c.lines[std::string(key)] = line_of(*n);
    if (const toml::table* t = n->as_table()) return t;
    r.error(*n, "'" + std::string(key) + "' must be a table ([" + std::string(key) + "])");
    return nullptr;
  };

  if (const toml::table* t = table_at("tls")) {
    r.only_keys(*t, "tls", {"cert", "key"});
    ListenTls tls;
    r.str(*t, "cert", "tls.cert", tls.cert_file);
    r.str(*t, "key", "tls.key", tls.key_file);
    tls.cert_file = r.path(tls.cert_file);
    tls.key_file = r.path(tls.key_file);
    if (tls.cert_file.empty() || tls.key_file.empty()) r.error(c.line_of("tls"), "[tls] needs both 'cert' and 'key'");
    c.tls = tls;
  }
  if (const toml::table* t = table_at("http")) {
    r.only_keys(*t, "http", {"web_root", "content_security_policy"});
    r.str(*t, "web_root", "http.web_root", c.http.web_root);
    c.http.web_root = r.path(c.http.web_root);
    r.str(*t, "content_security_policy", "http.content_security_policy", c.http.content_security_policy);
  }
  if (const toml::table* t = table_at("limits")) read_limits(r, *t, c.limits);
  if (const toml::table* t = table_at("allowlist")) {
    r.only_keys(*t, "allowlist", {"enabled", "hosts", "ports", "allow_plain"});
    r.boolean(*t, "enabled", "allowlist.enabled", c.allowlist.enabled);
    r.strings(*t, "hosts", "allowlist.hosts", c.allowlist.hosts);
    r.boolean(*t, "allow_plain", "allowlist.allow_plain", c.allowlist.allow_plain);
    if (const toml::node* n = r.find(*t, "ports", "allowlist.ports")) {
      const toml::array* a = n->as_array();
      if (!a) r.error(*n, "'allowlist.ports' must be an array of port numbers");
      else
        for (const auto& e : *a) {
          auto v = e.is_integer() ? e.value<std::int64_t>() : std::nullopt;
          if (!v || *v < 1 || *v > 65535) r.error(e, "'allowlist.ports' entries must be integers from 1 to 65535");
          else c.allowlist.ports.push_back(static_cast<std::uint16_t>(*v));
        }
    }
  }
  if (const toml::node* n = root.get("targets")) {
    c.lines["targets"] = line_of(*n);
    const toml::array* a = n->as_array();
    if (!a || !a->is_array_of_tables()) {
      r.error(*n, "'targets' must be an array of tables ([[targets]])");
    } else {
      std::size_t i = 0;
      for (const auto& e : *a) read_target(r, *e.as_table(), i++, c, line_of(e));
    }
  }
  return res;
}

ConfigResult load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigResult res;
    res.errors.push_back({path, 0, "cannot open the configuration file"});
    return res;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  return parse_config(text, path, fs::path(path).parent_path().string());
}

namespace {

bool readable_file(const std::string& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return false;
  std::ifstream f(p);
  return static_cast<bool>(f);
}

// RFC 7469 §2.4 pins are base64 of a SHA-256 digest: 32 bytes.
bool valid_pin(const std::string& b64) {
  if (b64.size() != 44) return false;
  unsigned char out[64];
  const int n = EVP_DecodeBlock(out, reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  return n == 33 && b64[43] == '=' && b64[42] != '=';  // EVP_DecodeBlock counts the pad byte
}

bool valid_origin(const std::string& o) {
  // RFC 6454 §6.2 serialisation: scheme "://" host [":" port], no path.
  auto pos = o.find("://");
  if (pos == std::string::npos || pos == 0) return false;
  const std::string scheme = o.substr(0, pos);
  if (scheme != "http" && scheme != "https") return false;
  const std::string rest = o.substr(pos + 3);
  return !rest.empty() && rest.find('/') == std::string::npos;
}

}  // namespace

void validate_config(const Config& c, const std::string& file, std::vector<ConfigError>& errors) {
  auto err = [&](std::string_view key, std::string msg) { errors.push_back({file, c.line_of(key), std::move(msg)}); };
  if (c.listen.empty()) err("listen", "'listen' needs at least one address");
  for (const auto& l : c.listen)
    if (!parse_listen_address(l)) err("listen", "listen address \"" + l + "\" is not host:port, [ipv6]:port or *:port");
  if (c.threads < 1 || c.threads > 256) err("threads", "'threads' must be between 1 and 256");
  static const std::set<std::string, std::less<>> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!levels.count(c.log_level)) err("log_level", "'log_level' must be one of trace, debug, info, warn, error, critical, off");
  for (const auto& o : c.allowed_origins)
    if (!valid_origin(o)) err("allowed_origins", "allowed origin \"" + o + "\" is not scheme://host[:port]");
  if (c.tls) {
    if (!c.tls->cert_file.empty() && !readable_file(c.tls->cert_file))
      err("tls.cert", "cannot read TLS certificate \"" + c.tls->cert_file + "\"");
    if (!c.tls->key_file.empty() && !readable_file(c.tls->key_file))
      err("tls.key", "cannot read TLS key \"" + c.tls->key_file + "\"");
  }
  if (!c.http.web_root.empty()) {
    std::error_code ec;
    if (!fs::is_directory(c.http.web_root, ec)) err("http.web_root", "web root \"" + c.http.web_root + "\" is not a directory");
  }
  const Limits& l = c.limits;
  if (l.max_connections_per_ip > l.max_connections)
    err("limits.max_connections_per_ip", "'max_connections_per_ip' is larger than 'max_connections'");
  if (l.buffer_bytes < l.read_chunk_bytes)
    err("limits.buffer_bytes", "'buffer_bytes' must be at least 'read_chunk_bytes'");
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < c.targets.size(); ++i) {
    const Target& t = c.targets[i];
    const std::string p = "targets." + std::to_string(i) + ".";
    auto terr = [&](std::string_view key, std::string msg) {
      int line = c.line_of(p + std::string(key));
      errors.push_back({file, line ? line : t.line, "target \"" + t.name + "\": " + std::move(msg)});
    };
    if (t.name.empty() ? c.line_of(p + "name") != 0 : !valid_target_name(t.name))
      terr("name", "name may use only letters, digits, '.', '-' and '_' (1-64)");
    if (!t.name.empty() && !names.insert(t.name).second) terr("name", "name is defined twice");
    if (t.host.empty() && c.line_of(p + "host")) terr("host", "host is empty");
    if (!t.ca_file.empty() && !readable_file(t.ca_file)) terr("ca_file", "cannot read CA file \"" + t.ca_file + "\"");
    if (!t.spki_sha256.empty() && !valid_pin(t.spki_sha256))
      terr("spki_sha256", "spki_sha256 must be the base64 SHA-256 of the key (44 characters)");
    if (t.security == Security::none && (!t.ca_file.empty() || !t.spki_sha256.empty()))
      terr("security", "ca_file and spki_sha256 need security \"tls\" or \"starttls\"");
  }
  if (c.allowlist.enabled) {
    if (c.allowlist.hosts.empty()) err("allowlist.hosts", "[allowlist] is enabled but lists no hosts");
    if (c.allowlist.ports.empty()) err("allowlist.ports", "[allowlist] is enabled but lists no ports");
  }
  if (c.targets.empty() && !c.allowlist.enabled)
    err("targets", "no [[targets]] and no [allowlist]: the proxy could not connect anywhere");
}

}  // namespace pop3ws::proxy
