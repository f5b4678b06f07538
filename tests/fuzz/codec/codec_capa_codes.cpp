// The CAPA parser (RFC 2449 §6) and the status-line / response-code parser
// (RFC 1939 §3, RFC 2449 §8, RFC 3206), checked against what the RFCs say
// rather than only for crashes.
//
// Input: lines separated by LF. Each line is parsed as a status line and as
// a CAPA line on its own; then all of them as one CAPA response, directly
// and through a Session.
//
// Invariants:
// - a status line parses exactly when it starts with +OK, -ERR or +ERR (any
//   case) followed by the end or a blank; ok means +OK;
// - a response code's text is the bracket contents as sent, known codes map
//   to their enum (and back to the same name), the rest to Other; rebuilding
//   the line from the parts parses to the same parts;
// - a CAPA line with a known keyword sets its typed field (and nothing lands
//   in `other`); an unknown one lands in `other` as sent (trimmed) and
//   changes nothing else; SASL names are the upper-cased tokens, without
//   duplicates, up to the named limit; nothing parsed is longer than the input;
// - a Session given the same lines as a CAPA response reports the same
//   capabilities, or refuses past its named line limit.
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "pop3ws/capabilities.hpp"
#include "pop3ws/response_code.hpp"
#include "text.hpp"

using namespace pop3ws;

namespace {

// Settings::max_capabilities and max_sasl_mechanisms here: small enough for
// the fuzzer to reach.
constexpr std::size_t kMaxCapabilities = 32;
constexpr std::size_t kMaxSasl = 8;

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

bool same(const Capabilities& a, const Capabilities& b) {
  return a.known == b.known && a.top == b.top && a.uidl == b.uidl && a.user == b.user &&
         a.pipelining == b.pipelining && a.resp_codes == b.resp_codes && a.auth_resp_code == b.auth_resp_code &&
         a.stls == b.stls && a.utf8 == b.utf8 && a.utf8_user == b.utf8_user && a.sasl == b.sasl &&
         a.login_delay == b.login_delay && a.expire == b.expire && a.implementation == b.implementation &&
         a.other == b.other;
}

void check_status_line(std::string_view line) {
  StatusLine st;
  const bool parsed = parse_status_line(line, st);

  // RFC 1939 §3: the keyword, then the end of the line or a blank.
  std::size_t keyword = 0;
  if (text::istarts_with(line, "+OK")) keyword = 3;
  else if (text::istarts_with(line, "-ERR") || text::istarts_with(line, "+ERR")) keyword = 4;
  const bool well_formed =
      keyword > 0 && (line.size() == keyword || line[keyword] == ' ' || line[keyword] == '\t');
  FUZZ_CHECK(parsed == well_formed);
  if (!parsed) return;
  FUZZ_CHECK(st.ok == (keyword == 3));

  // The parts come from the line and are no longer than it.
  FUZZ_CHECK(st.code_text.size() + st.text.size() <= line.size());
  FUZZ_CHECK(contains(line, st.text));
  FUZZ_CHECK((st.code == ResponseCode::None) == st.code_text.empty());
  if (st.code != ResponseCode::None) {
    // RFC 2449 §8: the code is the bracketed word that opens the text.
    const std::string_view after = text::trim(line.substr(keyword));
    FUZZ_CHECK(text::istarts_with(after, "[" + st.code_text + "]"));
    FUZZ_CHECK(!contains(st.code_text, "]"));
    if (st.code == ResponseCode::Other) {
      for (auto known : {ResponseCode::InUse, ResponseCode::LoginDelay, ResponseCode::SysTemp,
                         ResponseCode::SysPerm, ResponseCode::Auth, ResponseCode::Utf8})
        FUZZ_CHECK(!text::iequals(st.code_text, to_string(known)));
    } else {
      FUZZ_CHECK(text::iequals(st.code_text, to_string(st.code)));
    }
  }
  // The text is trimmed (a trailing CR of a CRLF split elsewhere included).
  if (!st.text.empty()) {
    FUZZ_CHECK(!text::is_space(st.text.front()));
    FUZZ_CHECK(!text::is_space(st.text.back()) && st.text.back() != '\r');
  }

  // Rebuilt from its parts, the line parses to the same parts.
  std::string rebuilt = st.ok ? "+OK" : "-ERR";
  if (st.code != ResponseCode::None) rebuilt += " [" + st.code_text + "]";
  if (!st.text.empty()) rebuilt += " " + st.text;
  StatusLine again;
  FUZZ_CHECK(parse_status_line(rebuilt, again));
  FUZZ_CHECK(again.ok == st.ok && again.code == st.code && again.code_text == st.code_text &&
             again.text == st.text);
}

// Any bracket contents (without ']') come back as the code's text.
void check_code_round_trip(std::string_view bytes) {
  std::string code;
  for (char c : bytes)
    if (c != ']') code += c;
  if (code.empty()) return;
  StatusLine st;
  FUZZ_CHECK(parse_status_line("-ERR [" + code + "] then text", st));
  FUZZ_CHECK(!st.ok && st.code_text == code && st.code != ResponseCode::None && st.text == "then text");
}

void check_capability_line(std::string_view line) {
  Capabilities caps;
  apply_capability_line(line, caps, kMaxSasl);
  const std::string_view trimmed = text::trim(line);
  std::string_view rest = trimmed;
  const std::string keyword = text::upper(text::next_token(rest));
  const std::string_view args = text::trim(rest);
  Capabilities untouched;
  if (keyword.empty()) {
    FUZZ_CHECK(same(caps, untouched));
    return;
  }
  const auto& names = known_capabilities();
  const bool known = std::find(names.begin(), names.end(), keyword) != names.end();
  if (!known) {
    // RFC 2449 §6: servers may add capabilities; kept as sent, nothing else.
    untouched.other.emplace_back(trimmed);
    FUZZ_CHECK(same(caps, untouched));
    return;
  }
  FUZZ_CHECK(caps.other.empty());
  FUZZ_CHECK(caps.implementation.size() <= line.size());
  if (keyword == "TOP") FUZZ_CHECK(caps.top);
  if (keyword == "UIDL") FUZZ_CHECK(caps.uidl);
  if (keyword == "USER") FUZZ_CHECK(caps.user);
  if (keyword == "PIPELINING") FUZZ_CHECK(caps.pipelining);
  if (keyword == "RESP-CODES") FUZZ_CHECK(caps.resp_codes);
  if (keyword == "AUTH-RESP-CODE") FUZZ_CHECK(caps.auth_resp_code);
  if (keyword == "STLS") FUZZ_CHECK(caps.stls);
  if (keyword == "IMPLEMENTATION") FUZZ_CHECK(caps.implementation == args);
  if (keyword == "EXPIRE") FUZZ_CHECK(caps.expire == std::optional<std::string>(std::string(args)));
  if (keyword == "LOGIN-DELAY") {
    std::string_view a = args;
    const std::string_view seconds = text::next_token(a);
    FUZZ_CHECK(caps.login_delay == text::parse_uint<std::uint32_t>(seconds));
    if (caps.login_delay) FUZZ_CHECK(std::to_string(*caps.login_delay).size() <= seconds.size());
  }
  std::vector<std::string> tokens;
  for (std::string_view a = args;;) {
    const std::string_view t = text::next_token(a);
    if (t.empty()) break;
    tokens.push_back(text::upper(t));
  }
  if (keyword == "UTF8") {
    FUZZ_CHECK(caps.utf8);
    FUZZ_CHECK(caps.utf8_user == (std::find(tokens.begin(), tokens.end(), "USER") != tokens.end()));
  }
  if (keyword == "SASL") {
    // RFC 5034 §6: the mechanism names, once each, in the order sent, up to
    // the limit.
    std::vector<std::string> unique;
    for (const auto& t : tokens)
      if (unique.size() < kMaxSasl && std::find(unique.begin(), unique.end(), t) == unique.end())
        unique.push_back(t);
    FUZZ_CHECK(caps.sasl == unique);
  } else {
    FUZZ_CHECK(caps.sasl.empty());
  }
}

// The same lines through a Session's CAPA response.
void check_session(const std::vector<std::string_view>& lines, const Capabilities& direct) {
  Settings settings;
  settings.max_capabilities = kMaxCapabilities;
  settings.max_sasl_mechanisms = kMaxSasl;
  Session s(settings);
  (void)s.receive("+OK hi\r\n");
  while (!std::holds_alternative<NeedData>(s.next_event())) {}
  FUZZ_CHECK(s.capa());
  std::string wire = "+OK\r\n";
  bool fits = true;
  for (std::string_view l : lines) {
    if (!l.empty() && l.front() == '.') wire += '.';  // dot-stuffing, RFC 1939 §3
    wire += l;
    wire += "\r\n";
    fits = fits && l.size() + 3 <= settings.max_line;
  }
  wire += ".\r\n";
  (void)s.receive(wire);
  const Capabilities* reported = nullptr;
  bool error = false;
  while (true) {
    Event e = s.next_event();
    if (std::holds_alternative<NeedData>(e)) break;
    if (auto* c = std::get_if<CapabilitiesChanged>(&e)) reported = c->capabilities;
    if (std::holds_alternative<ProtocolError>(e)) error = true;
  }
  if (!fits) return;
  if (lines.size() > kMaxCapabilities) {
    FUZZ_CHECK(error && !reported);  // the named limit holds
    return;
  }
  FUZZ_CHECK(reported && !error);
  FUZZ_CHECK(same(*reported, direct));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  for (std::string_view rest = input; !rest.empty();) {
    const std::size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }

  Capabilities all;
  all.known = true;  // as a Session marks a completed CAPA
  for (std::string_view line : lines) {
    check_status_line(line);
    check_code_round_trip(line);
    check_capability_line(line);
    apply_capability_line(line, all, kMaxSasl);
  }
  // Across lines: SASL names stay unique and within the limit; nothing kept
  // exceeds the input.
  FUZZ_CHECK(all.sasl.size() <= kMaxSasl);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < all.sasl.size(); ++i) {
    kept += all.sasl[i].size();
    for (std::size_t j = 0; j < i; ++j) FUZZ_CHECK(!text::iequals(all.sasl[i], all.sasl[j]));
  }
  for (const auto& o : all.other) kept += o.size();
  FUZZ_CHECK(kept <= size);
  FUZZ_CHECK(all.other.size() <= lines.size());

  check_session(lines, all);
  return 0;
}
