#include "tcp_transport.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include "exit_codes.hpp"
#include "tls_client.hpp"

namespace pop3ws::cli {

namespace asio = boost::asio;
using boost::system::error_code;

bool is_loopback_address(const asio::ip::address& addr) {
  // is_loopback(): 127.0.0.0/8 for IPv4, ::1 for IPv6; a v4-mapped v6
  // address counts as its IPv4 address.
  return addr.is_loopback() ||
         (addr.is_v6() && addr.to_v6().is_v4_mapped() &&
          asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6()).is_loopback());
}

TcpTransport::TcpTransport(std::chrono::seconds timeout, const std::string& ca_file)
    : timeout_(timeout), ssl_ctx_(make_tls_client_context(ca_file, "--ca-file")), stream_(io_, ssl_ctx_) {}

bool TcpTransport::run_with_deadline(const std::function<void()>& cancel) {
  return run_with_deadline(timeout_, cancel);
}

bool TcpTransport::run_with_deadline(std::chrono::seconds limit, const std::function<void()>& cancel) {
  // The blocking-with-timeout pattern of Asio's timeouts examples: run the
  // one pending operation for at most the limit.
  io_.restart();
  io_.run_for(limit);
  if (io_.stopped()) return true;
  if (cancel) {
    cancel();
  } else {
    error_code ignored;
    stream_.next_layer().close(ignored);  // completes the operation with an error
  }
  io_.restart();
  io_.run();
  return false;
}

void TcpTransport::connect(const std::string& host, std::uint16_t port) {
  host_ = host;
  const std::string where = host + ":" + std::to_string(port);
  asio::ip::tcp::resolver resolver(io_);
  error_code ec;
  asio::ip::tcp::resolver::results_type results;
  resolver.async_resolve(host, std::to_string(port),
                         [&](const error_code& e, asio::ip::tcp::resolver::results_type r) {
                           ec = e;
                           results = std::move(r);
                         });
  if (!run_with_deadline([&] { resolver.cancel(); }))
    throw CliError(Exit::Network, "resolving " + host + " timed out");
  if (ec) throw CliError(Exit::Network, "cannot resolve " + host + ": " + ec.message());

  asio::ip::tcp::endpoint connected;
  asio::async_connect(stream_.next_layer(), results,
                      [&](const error_code& e, const asio::ip::tcp::endpoint& ep) {
                        ec = e;
                        connected = ep;
                      });
  if (!run_with_deadline())
    throw CliError(Exit::Network, "connecting to " + where + " timed out after " +
                                      std::to_string(timeout_.count()) + " s");
  if (ec) throw CliError(Exit::Network, "cannot connect to " + where + ": " + ec.message());
  stream_.next_layer().set_option(asio::ip::tcp::no_delay(true), ec);
  loopback_ = is_loopback_address(connected.address());
  peer_ = connected.address().to_string() + " port " + std::to_string(connected.port());
}

void TcpTransport::start_tls() {
  SSL* ssl = stream_.native_handle();
  expect_peer_name(ssl, host_);
  error_code ec;
  stream_.async_handshake(asio::ssl::stream_base::client, [&](const error_code& e) { ec = e; });
  if (!run_with_deadline())
    throw CliError(Exit::Tls, "the TLS handshake with " + host_ + " timed out");
  if (ec)
    throw CliError(Exit::Tls, describe_tls_failure(ssl, "the server's", host_,
                                                   "the TLS handshake with " + host_ + " failed: " + ec.message()));
  tls_ = true;
}

Transport::ReadResult TcpTransport::read_some(std::uint8_t* p, std::size_t n, std::chrono::seconds limit) {
  ReadResult r;
  error_code ec;
  auto done = [&](const error_code& e, std::size_t got) {
    ec = e;
    r.bytes = got;
  };
  if (tls_)
    stream_.async_read_some(asio::buffer(p, n), done);
  else
    stream_.next_layer().async_read_some(asio::buffer(p, n), done);
  if (!run_with_deadline(limit, {})) {
    r.timed_out = true;
    r.bytes = 0;
    return r;
  }
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
    // A server that closes after its last reply without close_notify cannot
    // truncate anything here: the codec frames every reply itself.
    r.eof = true;
  } else if (ec) {
    throw CliError(Exit::Network, "reading from the server failed: " + ec.message());
  }
  return r;
}

void TcpTransport::write_all(std::string_view data) {
  error_code ec;
  auto done = [&](const error_code& e, std::size_t) { ec = e; };
  if (tls_)
    asio::async_write(stream_, asio::buffer(data.data(), data.size()), done);
  else
    asio::async_write(stream_.next_layer(), asio::buffer(data.data(), data.size()), done);
  if (!run_with_deadline())
    throw CliError(Exit::Network, "writing to the server timed out after " + std::to_string(timeout_.count()) + " s");
  if (ec) throw CliError(Exit::Network, "writing to the server failed: " + ec.message());
}

void TcpTransport::close() {
  error_code ignored;
  stream_.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.next_layer().close(ignored);
}

}  // namespace pop3ws::cli
