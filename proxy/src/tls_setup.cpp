#include "tls_setup.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace pop3ws::proxy {
namespace ssl = boost::asio::ssl;

namespace {

void common(ssl::context& ctx) {
  // RFC 8996 deprecates TLS 1.0 and 1.1.
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression | SSL_OP_NO_RENEGOTIATION);
  // Idle sessions are the common case; OpenSSL frees its 16 KB+ record
  // buffers between records with this mode.
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  // With read-ahead, one read(2) can take several records when the peer
  // writes small ones; the buffer is freed whenever the connection idles.
  SSL_CTX_set_default_read_buffer_len(ctx.native_handle(), 64 * 1024);
}

std::string openssl_error(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return what + ": " + (e ? buf : "unknown error");
}

}  // namespace

std::shared_ptr<ssl::context> make_server_context(const ListenTls& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  common(*ctx);
  if (SSL_CTX_use_certificate_chain_file(ctx->native_handle(), tls.cert_file.c_str()) != 1)
    throw std::runtime_error(openssl_error("cannot load TLS certificate " + tls.cert_file));
  if (SSL_CTX_use_PrivateKey_file(ctx->native_handle(), tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error(openssl_error("cannot load TLS key " + tls.key_file));
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw std::runtime_error(openssl_error("TLS key does not match certificate " + tls.cert_file));
  return ctx;
}

std::shared_ptr<ssl::context> make_client_context(const Target& target) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  common(*ctx);
  if (!target.spki_sha256.empty() && target.ca_file.empty()) {
    // The pin is the whole trust decision (checked after the handshake), as
    // for a self-signed server certificate; no CA chain is consulted.
    ctx->set_verify_mode(ssl::verify_none);
    return ctx;
  }
  ctx->set_verify_mode(ssl::verify_peer);
  if (!target.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx->native_handle(), target.ca_file.c_str(), nullptr) != 1)
      throw std::runtime_error(openssl_error("cannot load CA file " + target.ca_file));
  } else if (SSL_CTX_set_default_verify_paths(ctx->native_handle()) != 1) {
    throw std::runtime_error(openssl_error("cannot load the system CA store"));
  }
  return ctx;
}

bool prepare_client_ssl(SSL* s, const Target& target) {
  const std::string& name = target.server_name.empty() ? target.host : target.server_name;
  boost::system::error_code ec;
  boost::asio::ip::make_address(name, ec);
  if (!ec) {
    // RFC 6066 §3: no IP literals in SNI; check the iPAddress SAN instead.
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), name.c_str()) == 1;
  }
  // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
  if (SSL_ctrl(s, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(name.c_str())) != 1)
    return false;
  // RFC 6125 host name check against the SAN dNSName entries, no partial wildcards.
  SSL_set_hostflags(s, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set1_host(s, name.c_str()) == 1;
}

std::string peer_spki_sha256(SSL* s) {
  X509* cert = SSL_get1_peer_certificate(s);
  if (!cert) return {};
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
  X509_free(cert);
  if (len <= 0) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  EVP_Digest(der, static_cast<std::size_t>(len), digest, &dlen, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(b64, digest, static_cast<int>(dlen));
  return std::string(reinterpret_cast<char*>(b64), static_cast<std::size_t>(n));
}

bool is_verify_failure(const boost::system::error_code& ec, SSL* s) {
  if (s && SSL_get_verify_result(s) != X509_V_OK) return true;
  return ec.category() == boost::asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

}  // namespace pop3ws::proxy
