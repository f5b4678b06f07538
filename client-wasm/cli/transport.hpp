// The byte pipe under the codec. Two kinds: a TCP connection to the mail
// server, optionally upgraded to TLS (tcp_transport.hpp), or a WebSocket to
// pop3ws-proxy, which reaches the mail server and terminates its TLS
// (ws_transport.hpp). Every operation has a deadline; the calls block, which
// is all a one-connection client needs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pop3ws::cli {

class Transport {
 public:
  virtual ~Transport() = default;

  struct ReadResult {
    std::size_t bytes = 0;
    bool eof = false;        // the peer closed (TLS: with or without close_notify)
    bool timed_out = false;  // nothing arrived before the deadline
  };
  // Reads what is available (at least one byte) into [p, p+n), waiting at
  // most `limit` (timed_out, and the link closed, when nothing came).
  virtual ReadResult read_some(std::uint8_t* p, std::size_t n, std::chrono::seconds limit) = 0;
  // Writes everything. Throws CliError(Network) (a timeout included).
  virtual void write_all(std::string_view data) = 0;
  // Upgrades the link after +OK to STLS (RFC 2595 §4). Throws CliError(Tls).
  virtual void start_tls() = 0;
  virtual void close() = 0;

  // What the codec is told (LinkSecurity): whether the bytes are encrypted,
  // and whether the peer is on this host (127.0.0.0/8 or ::1), where secrets
  // may cross unencrypted.
  virtual bool tls_active() const = 0;
  virtual bool loopback() const = 0;
  virtual std::chrono::seconds timeout() const = 0;
};

}  // namespace pop3ws::cli
