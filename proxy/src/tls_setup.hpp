// OpenSSL settings for both ends: the wss listener and the connections to
// mail servers. Client side follows RFC 9325 (TLS 1.2 or newer, certificate
// and host name verification, SNI) and optionally an RFC 7469-style SPKI pin.
#pragma once

#include "config.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace pop3ws::proxy {

// Throws std::runtime_error with a readable message when files do not load.
std::shared_ptr<boost::asio::ssl::context> make_server_context(const ListenTls& tls);
std::shared_ptr<boost::asio::ssl::context> make_client_context(const Target& target);

// SNI and the name the certificate must carry, on one connection.
bool prepare_client_ssl(SSL* ssl, const Target& target);

// base64(SHA-256(DER SubjectPublicKeyInfo)) of the peer's leaf certificate;
// empty when there is none.
std::string peer_spki_sha256(SSL* ssl);

// True when a handshake error means the certificate did not verify (as
// opposed to a network or protocol failure).
bool is_verify_failure(const boost::system::error_code& ec, SSL* ssl);

}  // namespace pop3ws::proxy
