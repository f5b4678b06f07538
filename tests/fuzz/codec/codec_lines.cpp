// Line parsers and the command writer: status lines, CAPA lines, base64, and
// submit_line(), whose output must be exactly one command line (no injection).
#include <string>

#include "crypto/crypto.hpp"
#include "fuzz_common.hpp"
#include "pop3ws/capabilities.hpp"
#include "pop3ws/response_code.hpp"

using namespace pop3ws;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);

  StatusLine st;
  if (parse_status_line(line, st)) FUZZ_CHECK(st.text.size() <= line.size());
  Capabilities caps;
  apply_capability_line(line, caps);
  for (const auto& m : caps.sasl) FUZZ_CHECK(!m.empty());

  if (auto decoded = crypto::base64_decode(line)) FUZZ_CHECK(crypto::base64_encode(*decoded) == line);
  FUZZ_CHECK(crypto::base64_decode(crypto::base64_encode(line)) == std::optional<std::string>(std::string(line)));

  for (bool logged_in : {false, true}) {
    Session s;
    s.set_link({true, false});
    (void)s.receive("+OK hi\r\n");
    while (!std::holds_alternative<NeedData>(s.next_event())) {}
    if (logged_in) {
      (void)s.user("a");
      (void)s.pass("b");
      (void)s.receive("+OK\r\n+OK\r\n");
      while (!std::holds_alternative<NeedData>(s.next_event())) {}
      s.consume_output(s.pending_output().size());
    }
    const auto r = s.submit_line(line);
    const std::string_view out = s.pending_output();
    if (!r) {
      FUZZ_CHECK(out.empty());
      continue;
    }
    if (out.empty()) continue;  // queued behind another command
    // Exactly one line: the only CR and LF are the final CRLF.
    FUZZ_CHECK(out.size() >= 2 && out.substr(out.size() - 2) == "\r\n");
    const std::string_view body = out.substr(0, out.size() - 2);
    FUZZ_CHECK(body.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos);
  }
  return 0;
}
