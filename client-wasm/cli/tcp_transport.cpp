#include "transport.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include "exit_codes.hpp"

namespace pop3ws::cli {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

asio::ssl::context make_context(const std::string& ca_file) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  // TLS 1.0 and 1.1 are deprecated (RFC 8996).
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  error_code ec;
  if (ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
    if (ec) throw CliError(Exit::Tls, "cannot load the system CA store: " + ec.message());
  } else {
    ctx.load_verify_file(ca_file, ec);
    if (ec) throw CliError(Exit::LocalIo, "--ca-file: cannot load " + ca_file + ": " + ec.message());
  }
  return ctx;
}

}  // namespace

Transport::Transport(std::chrono::seconds timeout, const std::string& ca_file)
    : timeout_(timeout), ssl_ctx_(make_context(ca_file)), stream_(io_, ssl_ctx_) {}

bool Transport::run_with_deadline(const std::function<void()>& cancel) {
  // The blocking-with-timeout pattern of Asio's timeouts examples: run the
  // one pending operation for at most the timeout.
  io_.restart();
  io_.run_for(timeout_);
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

void Transport::connect(const std::string& host, std::uint16_t port) {
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
  const auto addr = connected.address();
  // is_loopback(): 127.0.0.0/8 for IPv4, ::1 for IPv6; a v4-mapped v6
  // address counts as its IPv4 address.
  loopback_ = addr.is_loopback() ||
              (addr.is_v6() && addr.to_v6().is_v4_mapped() &&
               asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6()).is_loopback());
  peer_ = connected.address().to_string() + " port " + std::to_string(connected.port());
}

void Transport::start_tls() {
  SSL* ssl = stream_.native_handle();
  error_code ec;
  (void)asio::ip::make_address(host_, ec);
  if (!ec) {
    // An IP literal: match it against the certificate's iPAddress SANs
    // (RFC 6125 §1.7.2); RFC 6066 §3 forbids IP literals in SNI.
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host_.c_str()) != 1)
      throw CliError(Exit::Tls, "cannot set up IP address verification for " + host_);
  } else {
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    // SNI (RFC 6066 §3); SSL_set_tlsext_host_name() spelled out, since the
    // macro's C cast trips -Wold-style-cast.
    if (SSL_set1_host(ssl, host_.c_str()) != 1 || SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host_.c_str())) != 1)
      throw CliError(Exit::Tls, "cannot set up host name verification for " + host_);
  }
  ec = {};
  stream_.async_handshake(asio::ssl::stream_base::client, [&](const error_code& e) { ec = e; });
  if (!run_with_deadline())
    throw CliError(Exit::Tls, "the TLS handshake with " + host_ + " timed out");
  if (ec) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK)
      throw CliError(Exit::Tls, "the server's certificate was not accepted: " +
                                    std::string(X509_verify_cert_error_string(verify)) +
                                    (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH
                                         ? " (" + host_ + ")"
                                         : std::string()));
    throw CliError(Exit::Tls, "the TLS handshake with " + host_ + " failed: " + ec.message());
  }
  tls_ = true;
}

Transport::ReadResult Transport::read_some(std::uint8_t* p, std::size_t n) {
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
  if (!run_with_deadline()) {
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

void Transport::write_all(std::string_view data) {
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

void Transport::close() {
  error_code ignored;
  stream_.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.next_layer().close(ignored);
}

}  // namespace pop3ws::cli
