#include "tls_client.hpp"

#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

#include "exit_codes.hpp"

namespace pop3ws::cli {

namespace asio = boost::asio;
using boost::system::error_code;

asio::ssl::context make_tls_client_context(const std::string& ca_file, const char* option) {
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
    if (ec) throw CliError(Exit::LocalIo, std::string(option) + ": cannot load " + ca_file + ": " + ec.message());
  }
  return ctx;
}

void expect_peer_name(SSL* ssl, const std::string& host) {
  error_code ec;
  (void)asio::ip::make_address(host, ec);
  if (!ec) {
    // An IP literal: match it against the certificate's iPAddress SANs
    // (RFC 6125 §1.7.2); RFC 6066 §3 forbids IP literals in SNI.
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1)
      throw CliError(Exit::Tls, "cannot set up IP address verification for " + host);
    return;
  }
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  // SNI (RFC 6066 §3); SSL_set_tlsext_host_name() spelled out, since the
  // macro's C cast trips -Wold-style-cast.
  if (SSL_set1_host(ssl, host.c_str()) != 1 ||
      SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str())) != 1)
    throw CliError(Exit::Tls, "cannot set up host name verification for " + host);
}

std::string describe_tls_failure(SSL* ssl, const char* whose, const std::string& host, const std::string& fallback) {
  const long verify = SSL_get_verify_result(ssl);
  if (verify == X509_V_OK) return fallback;
  return std::string(whose) + " certificate was not accepted: " + std::string(X509_verify_cert_error_string(verify)) +
         (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH ? " (" + host + ")"
                                                                                            : std::string());
}

}  // namespace pop3ws::cli
