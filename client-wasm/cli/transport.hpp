// The byte pipe under the codec: a TCP connection, optionally upgraded to
// TLS (implicitly at connect, or after STLS, RFC 2595 §4). Every operation
// has a deadline; the calls block, which is all a one-connection client needs.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace pop3ws::cli {

class Transport {
 public:
  // `ca_file` empty: verify against the system CA store.
  Transport(std::chrono::seconds timeout, const std::string& ca_file);

  // Resolves and connects to the first address that answers. Throws
  // CliError(Network).
  void connect(const std::string& host, std::uint16_t port);
  // TLS >= 1.2 handshake with SNI, certificate chain and host name (or IP
  // address) verification (RFC 6125). Throws CliError(Tls).
  void start_tls();

  struct ReadResult {
    std::size_t bytes = 0;
    bool eof = false;        // the peer closed (TLS: with or without close_notify)
    bool timed_out = false;  // nothing arrived before the deadline
  };
  // Reads what is available (at least one byte) into [p, p+n).
  ReadResult read_some(std::uint8_t* p, std::size_t n);
  // Writes everything. Throws CliError(Network) (a timeout included).
  void write_all(std::string_view data);
  void close();

  bool tls_active() const { return tls_; }
  // The connected address is 127.0.0.0/8 or ::1 (the codec lets secrets
  // cross a loopback link unencrypted).
  bool loopback() const { return loopback_; }
  const std::string& peer() const { return peer_; }
  std::chrono::seconds timeout() const { return timeout_; }

 private:
  // Runs the queued asynchronous operation until it completes or the
  // deadline passes; on timeout `cancel` (default: close the socket) makes
  // the handler run. Returns false on timeout.
  bool run_with_deadline(const std::function<void()>& cancel = {});

  std::chrono::seconds timeout_;
  boost::asio::io_context io_;
  boost::asio::ssl::context ssl_ctx_;
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  std::string host_;
  std::string peer_;
  bool tls_ = false;
  bool loopback_ = false;
};

}  // namespace pop3ws::cli
