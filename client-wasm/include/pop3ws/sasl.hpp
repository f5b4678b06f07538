// Authentication choices: RFC 1939 USER/PASS and APOP, RFC 5034 SASL AUTH
// with PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195), SCRAM-SHA-256
// (RFC 5802, RFC 7677), XOAUTH2 and OAUTHBEARER (RFC 7628).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pop3ws/capabilities.hpp"
#include "pop3ws/result.hpp"

namespace pop3ws {

enum class AuthMethod : std::uint8_t {
  Auto, UserPass, Apop, Plain, Login, CramMd5, ScramSha256, XOAuth2, OAuthBearer,
};
const char* auth_method_name(AuthMethod m) noexcept;           // "SCRAM-SHA-256", "USER", "APOP"
std::optional<AuthMethod> auth_method_from_name(std::string_view) noexcept;  // also "auto", "cram-md5"

enum class InitialResponse : std::uint8_t {
  Auto,    // one line where RFC 5034 §4 allows it; two steps for XOAUTH2
  Always,  // send the initial response with AUTH (if it fits in the line)
  Never,   // AUTH MECH, then answer the empty "+ " challenge
};

struct LoginRequest {
  AuthMethod method = AuthMethod::Auto;
  std::string user;
  std::string secret;          // password, or access token for OAuth methods
  bool secret_is_token = false;// an OAuth2 access token (Auto picks OAuth)
  std::string authzid;         // PLAIN/SCRAM authorization identity, usually empty
  std::string client_nonce;    // SCRAM: at least 16 random printable chars (caller's RNG)
  std::string host;            // OAUTHBEARER host= (RFC 7628 §3.1), optional
  std::uint16_t port = 0;      // OAUTHBEARER port=, optional
  InitialResponse initial_response = InitialResponse::Auto;
  // Send secrets over an unencrypted non-loopback link anyway. Off by default:
  // several clients had CVEs for doing this silently.
  bool allow_insecure = false;
};

// How the bytes travel, told by the caller (the codec does no I/O).
struct LinkSecurity {
  bool encrypted = false;  // TLS to the mail server (directly or at the proxy)
  bool loopback = false;   // the mail server is on this host
};

// Strongest first (SCRAM, CRAM-MD5, APOP, PLAIN, LOGIN, USER): the method
// Auto resolves to, given what the server offers. Errors if none fits.
Expected<AuthMethod> choose_auth_method(const LoginRequest& req,
                                        const Capabilities& caps,
                                        bool apop_offered,
                                        const LinkSecurity& link);

// Whether a method sends the secret (or something replayable) in the clear.
bool auth_method_exposes_secret(AuthMethod m) noexcept;

}  // namespace pop3ws
