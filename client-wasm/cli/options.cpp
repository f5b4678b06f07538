#include "options.hpp"

#include <charconv>

#include "exit_codes.hpp"

namespace pop3ws::cli {

std::string Options::where() const {
  return proxied() ? proxy : host + ":" + std::to_string(port);
}

void parse_server(Options& o) {
  const std::string& s = o.server;
  std::string host = s;
  std::string port;
  if (!s.empty() && s.front() == '[') {  // [IPv6]:port (RFC 3986 §3.2.2)
    const auto close = s.find(']');
    if (close == std::string::npos) throw CliError(Exit::Usage, "--server: missing ']' in " + s);
    host = s.substr(1, close - 1);
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') throw CliError(Exit::Usage, "--server: expected ':' after ']' in " + s);
      port = s.substr(close + 2);
    }
  } else if (const auto colon = s.rfind(':'); colon != std::string::npos) {
    if (s.find(':') != colon)
      throw CliError(Exit::Usage, "--server: write an IPv6 address as [ADDRESS]:PORT");
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (host.empty()) throw CliError(Exit::Usage, "--server: the host name is empty");
  o.host = host;
  if (port.empty()) {
    o.port = o.security == Security::Tls ? 995 : 110;
    return;
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
    throw CliError(Exit::Usage, "--server: bad port \"" + port + "\"");
  o.port = static_cast<std::uint16_t>(value);
}

}  // namespace pop3ws::cli
