// Just enough of an RFC 6455 client to drive the relay in unit tests:
// the opening handshake request, masked client frames (§5.3), and a parser
// for the server's unmasked frames. Hand-written on purpose: the test must
// not share code with the library under test.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pop3ws::proxy::test {

inline std::string ws_request(std::string_view path, std::string_view origin = {},
                              std::string_view protocols = "binary") {
  std::string r = "GET " + std::string(path) + " HTTP/1.1\r\nHost: proxy.test\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\n";
  if (!origin.empty()) r += "Origin: " + std::string(origin) + "\r\n";
  if (!protocols.empty()) r += "Sec-WebSocket-Protocol: " + std::string(protocols) + "\r\n";
  return r + "\r\n";
}

inline std::string client_frame(int opcode, std::string_view payload, bool fin = true, bool masked = true) {
  std::string f;
  f += static_cast<char>((fin ? 0x80 : 0) | opcode);
  const char mask_bit = masked ? '\x80' : '\0';
  if (payload.size() < 126) {
    f += static_cast<char>(mask_bit | static_cast<char>(payload.size()));
  } else if (payload.size() < 65536) {
    f += static_cast<char>(mask_bit | 126);
    f += static_cast<char>((payload.size() >> 8) & 0xff);
    f += static_cast<char>(payload.size() & 0xff);
  } else {
    f += static_cast<char>(mask_bit | 127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> (8 * i)) & 0xff);
  }
  const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked) f.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    f += masked ? static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i % 4]) : payload[i];
  return f;
}

inline std::string close_payload(std::uint16_t code, std::string_view reason = {}) {
  std::string p;
  p += static_cast<char>(code >> 8);
  p += static_cast<char>(code & 0xff);
  return p + std::string(reason);
}

struct Frame {
  int opcode = 0;
  bool fin = false;
  std::string payload;
  std::uint16_t close_code() const {
    return payload.size() >= 2 ? static_cast<std::uint16_t>((static_cast<unsigned>(static_cast<unsigned char>(payload[0])) << 8) |
                                                             static_cast<unsigned char>(payload[1]))
                               : 0;
  }
  std::string close_reason() const { return payload.size() > 2 ? payload.substr(2) : std::string(); }
};

// Takes one complete server frame off the front of `buf`.
inline std::optional<Frame> take_frame(std::string& buf) {
  if (buf.size() < 2) return std::nullopt;
  const auto b0 = static_cast<unsigned char>(buf[0]), b1 = static_cast<unsigned char>(buf[1]);
  std::size_t len = b1 & 0x7f, pos = 2;
  if (len == 126) {
    if (buf.size() < 4) return std::nullopt;
    len = (static_cast<std::size_t>(static_cast<unsigned char>(buf[2])) << 8) | static_cast<unsigned char>(buf[3]);
    pos = 4;
  } else if (len == 127) {
    if (buf.size() < 10) return std::nullopt;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(buf[2 + static_cast<std::size_t>(i)]);
    pos = 10;
  }
  if (buf.size() < pos + len) return std::nullopt;
  Frame f;
  f.fin = (b0 & 0x80) != 0;
  f.opcode = b0 & 0x0f;
  f.payload = buf.substr(pos, len);
  buf.erase(0, pos + len);
  return f;
}

}  // namespace pop3ws::proxy::test
