// The page's side of the proxy: any bytes after (or instead of) a WebSocket
// opening handshake. The codec never crashes, never delivers more than it
// was given, never delivers a message over the size limit, stops after it
// finishes, and its own output stays proportional to its input.
// Input: [mode][bytes...]; mode bit 0: prepend a valid handshake.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ws_codec.hpp"

#define FUZZ_CHECK(c) do { if (!(c)) { std::fprintf(stderr, "invariant failed: %s\n", #c); std::abort(); } } while (0)

using namespace pop3ws::proxy;

namespace {

constexpr std::size_t kMaxMessage = 4096;

struct Sink final : WsCodecEvents {
  std::size_t delivered = 0, output = 0, messages = 0;
  bool open = false, finished = false;
  bool on_ws_request(const HttpRequestInfo& req, std::string& subprotocol, int&) override {
    FUZZ_CHECK(!finished);
    for (const auto& p : req.subprotocols)
      if (p == "binary") subprotocol = p;
    return true;
  }
  void on_http_request(const HttpRequestInfo&, HttpResponseInfo& res) override {
    FUZZ_CHECK(!finished);
    res.status = 404;
    res.body = "not found";
  }
  void on_open() override { FUZZ_CHECK(!finished); open = true; }
  void on_binary(const char*, std::size_t size) override {
    FUZZ_CHECK(open && !finished);
    FUZZ_CHECK(size <= kMaxMessage);
    delivered += size;
    ++messages;
  }
  void on_text(std::size_t size) override { FUZZ_CHECK(size <= kMaxMessage); }
  void on_output(const char*, std::size_t size) override { output += size; }
  void on_finished(bool, std::uint16_t, std::uint16_t) override { FUZZ_CHECK(!finished); finished = true; }
};

const char kHandshake[] =
    "GET /pop3/demo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: binary\r\nOrigin: http://127.0.0.1:8080\r\n\r\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string input;
  if (data[0] & 1) input = kHandshake;
  input.append(reinterpret_cast<const char*>(data + 1), size - 1);

  Sink sink;
  WsCodecOptions opts;
  opts.max_message_bytes = kMaxMessage;
  auto codec = make_ws_codec(sink, opts);
  // Feed in pieces whose sizes come from the mode byte, as reads would.
  const std::size_t piece = 1 + (data[0] >> 1);
  std::size_t off = 0;
  while (off < input.size()) {
    const std::size_t n = std::min(piece, input.size() - off);
    const std::size_t used = codec->feed(input.data() + off, n);
    FUZZ_CHECK(used <= n);
    off += used;
    if (used < n) {
      FUZZ_CHECK(sink.finished);  // fewer bytes used only once finished
      break;
    }
    if (sink.open && !sink.finished && (data[0] & 2)) codec->send_binary("+OK\r\n", 5);
  }
  if (!sink.finished) codec->feed_eof();
  FUZZ_CHECK(sink.delivered <= input.size());
  // Handshake answer, pongs, close frames, our own sends: bounded by input.
  FUZZ_CHECK(sink.output <= 2048 + 2 * input.size() + 16 * input.size() / 2);
  return 0;
}
