// TLS client settings shared by the direct transport and the wss:// proxy
// transport: TLS 1.2 or newer (RFC 8996), chain verification, and the peer
// name check of RFC 6125 with SNI (RFC 6066 §3).
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <string>

namespace pop3ws::cli {

// `ca_file` empty: the system CA store. Throws CliError (Tls, or LocalIo
// for an unreadable file; `option` names the option in the message).
boost::asio::ssl::context make_tls_client_context(const std::string& ca_file, const char* option);

// Makes the handshake check `host` (a DNS name, or an IP literal against the
// certificate's iPAddress SANs) and sends SNI for names. Throws CliError(Tls).
void expect_peer_name(SSL* ssl, const std::string& host);

// Why a handshake failed, in words: the verification result if there was
// one ("the proxy's certificate was not accepted: ..."), otherwise `fallback`.
std::string describe_tls_failure(SSL* ssl, const char* whose, const std::string& host, const std::string& fallback);

}  // namespace pop3ws::cli
