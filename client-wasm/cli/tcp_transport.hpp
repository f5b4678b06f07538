// A TCP connection straight to the mail server, optionally upgraded to TLS
// (implicitly at connect, RFC 8314, or after STLS, RFC 2595 §4).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <functional>

#include "transport.hpp"

namespace pop3ws::cli {

class TcpTransport final : public Transport {
 public:
  // `ca_file` empty: verify against the system CA store.
  TcpTransport(std::chrono::seconds timeout, const std::string& ca_file);

  // Resolves and connects to the first address that answers. Throws
  // CliError(Network).
  void connect(const std::string& host, std::uint16_t port);
  // TLS >= 1.2 handshake with SNI, certificate chain and host name (or IP
  // address) verification (RFC 6125). Throws CliError(Tls).
  void start_tls() override;

  ReadResult read_some(std::uint8_t* p, std::size_t n, std::chrono::seconds limit) override;
  void write_all(std::string_view data) override;
  void close() override;

  bool tls_active() const override { return tls_; }
  bool loopback() const override { return loopback_; }
  std::chrono::seconds timeout() const override { return timeout_; }
  const std::string& peer() const { return peer_; }

 private:
  // Runs the queued asynchronous operation until it completes or the
  // deadline passes; on timeout `cancel` (default: close the socket) makes
  // the handler run. Returns false on timeout.
  bool run_with_deadline(const std::function<void()>& cancel = {});
  bool run_with_deadline(std::chrono::seconds limit, const std::function<void()>& cancel);

  std::chrono::seconds timeout_;
  boost::asio::io_context io_;
  boost::asio::ssl::context ssl_ctx_;
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  std::string host_;
  std::string peer_;
  bool tls_ = false;
  bool loopback_ = false;
};

// Whether an address is on this host: 127.0.0.0/8, ::1, or a v4-mapped v6
// address of the former.
bool is_loopback_address(const boost::asio::ip::address& addr);

}  // namespace pop3ws::cli
