// CAPA response lines, RFC 2449 §6.
#include "pop3ws/capabilities.hpp"

#include "text.hpp"

namespace pop3ws {

bool Capabilities::has_sasl(std::string_view mechanism) const {
  for (const auto& m : sasl)
    if (text::iequals(m, mechanism)) return true;
  return false;
}

const std::vector<std::string_view>& known_capabilities() {
  static const std::vector<std::string_view> names = {
      "TOP", "UIDL", "USER", "PIPELINING", "RESP-CODES", "AUTH-RESP-CODE", "STLS",
      "UTF8", "SASL", "LOGIN-DELAY", "EXPIRE", "IMPLEMENTATION"};
  return names;
}

void apply_capability_line(std::string_view line, Capabilities& caps, std::size_t max_sasl_mechanisms) {
  line = text::trim(line);
  std::string_view rest = line;
  const std::string keyword = text::upper(text::next_token(rest));
  rest = text::trim(rest);
  if (keyword.empty()) return;
  if (keyword == "TOP") caps.top = true;
  else if (keyword == "UIDL") caps.uidl = true;
  else if (keyword == "USER") caps.user = true;
  else if (keyword == "PIPELINING") caps.pipelining = true;
  else if (keyword == "RESP-CODES") caps.resp_codes = true;
  else if (keyword == "AUTH-RESP-CODE") caps.auth_resp_code = true;
  else if (keyword == "STLS") caps.stls = true;
  else if (keyword == "UTF8") {
    caps.utf8 = true;
    // RFC 6856 §2: "UTF8 USER" says user names/passwords may be UTF-8.
    std::string_view args = rest;
    while (!args.empty())
      if (text::iequals(text::next_token(args), "USER")) caps.utf8_user = true;
  } else if (keyword == "SASL") {
    std::string_view args = rest;
    while (caps.sasl.size() < max_sasl_mechanisms) {
      const std::string_view mech = text::next_token(args);
      if (mech.empty()) break;
      std::string name = text::upper(mech);
      if (!caps.has_sasl(name)) caps.sasl.push_back(std::move(name));
    }
  } else if (keyword == "LOGIN-DELAY") {
    std::string_view args = rest;
    caps.login_delay = text::parse_uint<std::uint32_t>(text::next_token(args));
  } else if (keyword == "EXPIRE") {
    caps.expire = std::string(rest);
  } else if (keyword == "IMPLEMENTATION") {
    caps.implementation = std::string(rest);  // Cyrus puts spaces in it
  } else {
    caps.other.emplace_back(line);
  }
}

}  // namespace pop3ws
