// Choosing an authentication method and building SASL mechanisms.
#include "pop3ws/sasl.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/mechanisms.hpp"
#include "text.hpp"

namespace pop3ws {

const char* auth_method_name(AuthMethod m) noexcept {
  switch (m) {
    case AuthMethod::Auto: return "AUTO";
    case AuthMethod::UserPass: return "USER";
    case AuthMethod::Apop: return "APOP";
    case AuthMethod::Plain: return "PLAIN";
    case AuthMethod::Login: return "LOGIN";
    case AuthMethod::CramMd5: return "CRAM-MD5";
    case AuthMethod::ScramSha256: return "SCRAM-SHA-256";
    case AuthMethod::XOAuth2: return "XOAUTH2";
    case AuthMethod::OAuthBearer: return "OAUTHBEARER";
  }
  return "?";
}

std::optional<AuthMethod> auth_method_from_name(std::string_view name) noexcept {
  if (text::iequals(name, "auto")) return AuthMethod::Auto;
  if (text::iequals(name, "user") || text::iequals(name, "userpass")) return AuthMethod::UserPass;
  for (auto m : {AuthMethod::Apop, AuthMethod::Plain, AuthMethod::Login, AuthMethod::CramMd5,
                 AuthMethod::ScramSha256, AuthMethod::XOAuth2, AuthMethod::OAuthBearer}) {
    if (text::iequals(name, auth_method_name(m))) return m;
  }
  return std::nullopt;
}

bool auth_method_exposes_secret(AuthMethod m) noexcept {
  // USER/PASS, PLAIN and LOGIN send the password itself; the OAuth methods
  // send a bearer token; APOP's MD5 digest can be attacked offline.
  switch (m) {
    case AuthMethod::UserPass:
    case AuthMethod::Apop:
    case AuthMethod::Plain:
    case AuthMethod::Login:
    case AuthMethod::XOAuth2:
    case AuthMethod::OAuthBearer:
      return true;
    default:
      return false;
  }
}

Expected<AuthMethod> choose_auth_method(const LoginRequest& req, const Capabilities& caps,
                                        bool apop_offered, const LinkSecurity& link) {
  const bool link_safe = link.encrypted || link.loopback || req.allow_insecure;
  auto usable = [&](AuthMethod m) { return link_safe || !auth_method_exposes_secret(m); };

  if (req.method != AuthMethod::Auto) {
    if (!usable(req.method))
      return make_error(ErrorCode::InsecureAuth,
                        std::string(auth_method_name(req.method)) +
                            " would expose the secret on an unencrypted link; use TLS or allow it explicitly");
    return req.method;
  }

  if (req.secret_is_token) {
    // OAUTHBEARER is the standard (RFC 7628); XOAUTH2 is what Gmail and
    // Office 365 offer.
    for (auto m : {AuthMethod::OAuthBearer, AuthMethod::XOAuth2}) {
      if (caps.has_sasl(auth_method_name(m)) && usable(m)) return m;
    }
    return make_error(caps.has_sasl("XOAUTH2") || caps.has_sasl("OAUTHBEARER") ? ErrorCode::InsecureAuth
                                                                                : ErrorCode::UnsupportedMechanism,
                      "no usable OAuth mechanism (XOAUTH2 or OAUTHBEARER) on this server");
  }

  // Strongest first.
  for (auto m : {AuthMethod::ScramSha256, AuthMethod::CramMd5}) {
    if (caps.has_sasl(auth_method_name(m))) return m;
  }
  if (apop_offered && usable(AuthMethod::Apop)) return AuthMethod::Apop;
  for (auto m : {AuthMethod::Plain, AuthMethod::Login}) {
    if (caps.has_sasl(auth_method_name(m)) && usable(m)) return m;
  }
  // USER/PASS is in every RFC 1939 server, advertised or not.
  if (usable(AuthMethod::UserPass)) return AuthMethod::UserPass;
  return make_error(ErrorCode::InsecureAuth,
                    "the server offers only methods that expose the password on an unencrypted link; "
                    "use TLS (or STLS) or allow it explicitly");
}

namespace sasl {

Expected<std::unique_ptr<Mechanism>> make_mechanism(AuthMethod method, const LoginRequest& req,
                                                    const Settings& settings) {
  switch (method) {
    case AuthMethod::Plain: return make_plain(req);
    case AuthMethod::Login: return make_login(req);
    case AuthMethod::CramMd5: return make_cram_md5(req);
    case AuthMethod::ScramSha256: return make_scram_sha256(req, settings);
    case AuthMethod::XOAuth2: return make_xoauth2(req);
    case AuthMethod::OAuthBearer: return make_oauthbearer(req);
    default: break;
  }
  return make_error(ErrorCode::UnsupportedMechanism, "not a SASL mechanism");
}

}  // namespace sasl
}  // namespace pop3ws
