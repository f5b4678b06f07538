#include "request_policy.hpp"

#include "addr_policy.hpp"

#include <algorithm>
#include <cctype>

namespace pop3ws::proxy {

namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return r;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int h = hex(s[i + 1]), l = hex(s[i + 2]);
      if (h < 0 || l < 0) return std::nullopt;
      out += static_cast<char>(h * 16 + l);
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

bool origin_allowed(const Config& cfg, std::string_view origin, std::string_view host, bool secure) {
  if (origin.empty()) return cfg.allow_missing_origin;
  // RFC 6454 §4: scheme and host compare case-insensitively.
  const std::string o = lower(origin);
  if (cfg.allowed_origins.empty()) {
    if (host.empty()) return false;
    return o == std::string(secure ? "https://" : "http://") + lower(host);
  }
  return std::any_of(cfg.allowed_origins.begin(), cfg.allowed_origins.end(),
                     [&](const std::string& a) { return lower(a) == o; });
}

std::optional<std::string> query_param(std::string_view resource, std::string_view key) {
  const auto q = resource.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = resource.substr(q + 1);
  const auto hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      if (eq == std::string_view::npos) return std::string();
      return percent_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return std::nullopt;
}

TargetChoice choose_target(const Config& cfg, std::string_view resource) {
  TargetChoice c;
  std::string_view path = resource.substr(0, resource.find('?'));
  std::optional<std::string> name;
  constexpr std::string_view kPrefix = "/pop3/";
  if (path.size() > kPrefix.size() && path.substr(0, kPrefix.size()) == kPrefix) {
    name = percent_decode(path.substr(kPrefix.size()));
  } else if (auto t = query_param(resource, "target")) {
    name = t;
  } else if (auto tok = query_param(resource, "token")) {
    name = tok;
  }
  if (name) {
    if (!valid_target_name(*name)) {
      c.detail = "malformed target name";
      return c;
    }
    if (const Target* t = cfg.find_target(*name)) {
      c.target = *t;
      return c;
    }
    c.detail = "no target named " + *name;
    return c;
  }
  auto host = query_param(resource, "host");
  auto port = query_param(resource, "port");
  if (!host && !port) {
    c.detail = "request names no target";
    return c;
  }
  c.error = CloseReason::target_not_allowed;
  if (!cfg.allowlist.enabled) {
    c.detail = "host and port from the page, but no allowlist";
    return c;
  }
  if (!host || !port || !valid_host_name(*host)) {
    c.detail = "bad host or port";
    return c;
  }
  unsigned p = 0;
  if (port->empty() || port->size() > 5 || !std::all_of(port->begin(), port->end(), ::isdigit)) {
    c.detail = "bad port";
    return c;
  }
  p = static_cast<unsigned>(std::stoul(*port));
  const auto& al = cfg.allowlist;
  if (std::find(al.ports.begin(), al.ports.end(), p) == al.ports.end()) {
    c.detail = "port not in the allowlist";
    return c;
  }
  if (!std::any_of(al.hosts.begin(), al.hosts.end(), [&](const std::string& pat) { return host_matches(pat, *host); })) {
    c.detail = "host not in the allowlist";
    return c;
  }
  Target t;
  t.host = lower(*host);
  t.port = static_cast<std::uint16_t>(p);
  t.name = t.host + ":" + *port;  // contains ':', so never equal to a configured name
  t.label = t.name;
  const std::string sec = query_param(resource, "security").value_or("tls");
  if (sec == "tls") t.security = Security::tls;
  else if (sec == "starttls") t.security = Security::starttls;
  else if (sec == "none" && al.allow_plain) t.security = Security::none;
  else {
    c.detail = "security not allowed";
    return c;
  }
  c.target = std::move(t);
  return c;
}

}  // namespace pop3ws::proxy
