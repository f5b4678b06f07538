// Any server bytes, under every pending command and state: no crash, no
// unbounded memory, errors are sticky, commands are refused after failure.
// Input: [scenario][read size][server bytes...]
#include <cstring>
#include <string>

#include "fuzz_common.hpp"

using namespace pop3ws;

namespace {

constexpr const char* kSecret = "s3cr3t-pw";

// Queues the scenario's commands; returns how many calls were made.
std::size_t queue_scenario(Session& s, std::uint8_t scenario) {
  LoginRequest req;
  req.user = "alice";
  req.secret = kSecret;
  req.client_nonce = "fyko+d2lbbFgONRv9qkxdawL";
  switch (scenario % 12) {
    case 0: (void)s.user("alice"); (void)s.pass(kSecret); (void)s.stat(); (void)s.list(); (void)s.uidl(); break;
    case 1: (void)s.capa(); (void)s.stls(); break;
    case 2: req.method = AuthMethod::ScramSha256; (void)s.login(req); (void)s.retr(1); break;
    case 3: req.method = AuthMethod::CramMd5; (void)s.login(req); (void)s.top(1, 0); break;
    case 4: req.method = AuthMethod::XOAuth2; (void)s.login(req); (void)s.quit(); break;
    case 5: req.method = AuthMethod::OAuthBearer; (void)s.login(req); break;
    case 6: req.method = AuthMethod::Login; req.initial_response = InitialResponse::Never; (void)s.login(req); break;
    case 7: req.method = AuthMethod::Plain; (void)s.login(req); (void)s.retr(1); (void)s.retr(2); (void)s.dele(1); break;
    case 8: (void)s.capa(); (void)s.user("a"); (void)s.pass("b"); (void)s.list(1); (void)s.uidl(1); (void)s.quit(); break;
    case 9: (void)s.user("a"); (void)s.pass("b"); (void)s.rset(); (void)s.noop(); (void)s.capa(); break;
    case 10: (void)s.capa(); (void)s.utf8(); break;
    default: (void)s.user("a"); (void)s.pass("b"); for (std::uint32_t i = 1; i < 6; ++i) (void)s.retr(i); break;
  }
  return 8;  // no scenario makes more calls
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  Settings settings;
  settings.max_line = 512;
  settings.max_buffered_input = 4096;
  settings.transcript_capacity = 16;
  settings.pipelining = (data[0] & 0x80) ? PipeliningMode::On : PipeliningMode::Auto;
  settings.pipeline_window = 1 + (data[0] & 7);
  Session s(settings);
  s.set_link({(data[0] & 0x40) != 0, (data[0] & 0x20) != 0});
  fuzz::EventSink sink;
  sink.commands += queue_scenario(s, data[0]);
  const std::size_t read = 1 + data[1] % 64;
  std::size_t fed = 0;
  for (std::size_t off = 2; off < size; off += read) {
    const std::size_t n = std::min(read, size - off);
    auto buf = s.input_buffer(n);
    FUZZ_CHECK(buf);  // we always drain, so a small read always fits
    std::memcpy(*buf, data + off, n);
    (void)s.commit_input(n);
    fed += n;
    sink.drain(s, fed);
    if (s.state() == SessionState::Authorization && (data[0] & 0x10))
      sink.commands += queue_scenario(s, std::uint8_t(data[0] + 1));
    if (auto ev = s.pending_output(); !ev.empty()) {
      FUZZ_CHECK(ev.size() >= 2 && ev.substr(ev.size() - 2) == "\r\n");
      s.consume_output(ev.size());
    }
  }
  s.receive_eof();
  sink.drain(s, fed + 1);
  while (auto t = s.next_transcript_entry()) {
    // What we sent never shows the password (the server's lines may say anything).
    if (t->direction == TranscriptEntry::Direction::Client)
      FUZZ_CHECK(t->text.find(kSecret) == std::string::npos);
  }
  if (s.failure()) FUZZ_CHECK(!s.noop());
  return 0;
}
