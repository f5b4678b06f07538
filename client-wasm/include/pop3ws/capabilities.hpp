// The capability set of RFC 2449 §6 (CAPA), with RFC 2595 STLS, RFC 5034
// SASL, RFC 3206 AUTH-RESP-CODE and RFC 6856 UTF8. A server may change it
// after STLS and after login (RFC 2449 §5), so the session asks again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pop3ws/settings.hpp"

namespace pop3ws {

struct Capabilities {
  bool known = false;       // CAPA answered +OK at least once
  bool top = false;         // TOP
  bool uidl = false;        // UIDL
  bool user = false;        // USER
  bool pipelining = false;  // PIPELINING (RFC 2449 §6.6)
  bool resp_codes = false;  // RESP-CODES
  bool auth_resp_code = false;  // AUTH-RESP-CODE (RFC 3206 §6)
  bool stls = false;        // STLS (RFC 2595 §4)
  bool utf8 = false;        // UTF8 (RFC 6856 §2)
  bool utf8_user = false;   // UTF8 USER: user names and passwords may be UTF-8
  std::vector<std::string> sasl;     // mechanism names, upper case
  std::optional<std::uint32_t> login_delay;  // seconds (LOGIN-DELAY n)
  std::optional<std::string> expire;         // days, "NEVER", with optional USER
  std::string implementation;        // IMPLEMENTATION text, may contain spaces
  std::vector<std::string> other;    // lines we do not model, as sent

  bool has_sasl(std::string_view mechanism) const;
};

// The capability keywords modelled above (RFC 2449 §6 and extensions), for
// tools that explain them (the protocol console, `pop3ws shell`).
const std::vector<std::string_view>& known_capabilities();

// Applies one CAPA line (without line end) to `caps`. Unknown lines are kept
// in `other`; nothing here fails: RFC 2449 §6 lets servers add capabilities.
// SASL names beyond `max_sasl_mechanisms` in all are ignored (see Settings).
void apply_capability_line(std::string_view line, Capabilities& caps,
                           std::size_t max_sasl_mechanisms = Settings{}.max_sasl_mechanisms);

}  // namespace pop3ws
