// Any message body, dot-stuffed as a server would (RFC 1939 §3) and split at
// fuzzer-chosen points, comes out of the codec byte-identical.
// Input: [split seed][body...]
#include <cstring>
#include <string>

#include "fuzz_common.hpp"

using namespace pop3ws;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  if (!body.empty() && body.back() != '\n') body += "\r\n";  // servers end bodies with a line end
  std::string wire = "+OK\r\n";
  bool at_start = true;
  for (char c : body) {
    if (at_start && c == '.') wire += '.';
    wire += c;
    at_start = c == '\n';
  }
  wire += ".\r\n+OK after\r\n";

  Session s;
  s.set_link({false, true});
  (void)s.receive("+OK hi\r\n+OK\r\n+OK\r\n");
  (void)s.user("a");
  (void)s.pass("b");
  while (!std::holds_alternative<NeedData>(s.next_event())) {}
  (void)s.retr(1);
  (void)s.noop();
  FUZZ_CHECK(s.state() == SessionState::Transaction);

  std::string got;
  bool ended = false, noop_seen = false;
  std::size_t off = 0;
  std::uint32_t seed = data[0] * 2654435761u;
  while (off < wire.size()) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t n = std::min<std::size_t>(1 + (seed >> 16) % 97, wire.size() - off);
    FUZZ_CHECK(s.receive(std::string_view(wire).substr(off, n)));
    off += n;
    while (true) {
      Event e = s.next_event();
      if (std::holds_alternative<NeedData>(e)) break;
      if (auto* b = std::get_if<BodyChunk>(&e)) {
        FUZZ_CHECK(!ended);
        got.append(b->data);
      } else if (std::holds_alternative<MultilineEnd>(e)) {
        ended = true;
      } else if (auto* r = std::get_if<Reply>(&e)) {
        if (r->command == Command::Noop) noop_seen = true;
      } else {
        FUZZ_CHECK(!std::holds_alternative<ProtocolError>(e));
      }
    }
  }
  FUZZ_CHECK(ended);
  FUZZ_CHECK(noop_seen);
  FUZZ_CHECK(got == body);
  return 0;
}
