// XOAUTH2 (Google's and Microsoft's) and OAUTHBEARER (RFC 7628).
#include <string>

#include "sasl/mechanism.hpp"
#include "sasl/mechanisms.hpp"

namespace pop3ws::sasl {
namespace {

class XOAuth2 final : public Mechanism {
 public:
  explicit XOAuth2(const LoginRequest& r)
      : message_("user=" + r.user + "\x01" "auth=Bearer " + r.secret + "\x01\x01") {}
  std::optional<std::string> initial_response() override {
    sent_ = true;
    return message_;
  }
  // Office 365 answers the one-line form with "-ERR Protocol error": send
  // AUTH XOAUTH2 alone and the token after the empty "+ " challenge.
  bool prefers_initial_response() const override { return false; }
  Expected<std::string> respond(std::string_view challenge) override {
    if (!sent_) {
      sent_ = true;
      return message_;
    }
    // A challenge after the token is a JSON error report; the client answers
    // with an empty line and the server then sends -ERR.
    (void)challenge;
    if (error_answered_) return make_error(ErrorCode::SaslFailure, "XOAUTH2: repeated error challenge");
    error_answered_ = true;
    return std::string();
  }

 private:
  std::string message_;
  bool sent_ = false;
  bool error_answered_ = false;
};

class OAuthBearer final : public Mechanism {
 public:
  explicit OAuthBearer(const LoginRequest& r) {
    // RFC 7628 §3.1: gs2-header, then key=value pairs separated by %x01.
    message_ = "n,a=" + escape_saslname(r.user) + ",\x01";
    if (!r.host.empty()) message_ += "host=" + r.host + "\x01";
    if (r.port) message_ += "port=" + std::to_string(r.port) + "\x01";
    message_ += "auth=Bearer " + r.secret + "\x01\x01";
  }
  std::optional<std::string> initial_response() override {
    sent_ = true;
    return message_;
  }
  Expected<std::string> respond(std::string_view) override {
    if (!sent_) {
      sent_ = true;
      return message_;
    }
    // RFC 7628 §3.2.3: after an error challenge the client sends %x01.
    if (error_answered_) return make_error(ErrorCode::SaslFailure, "OAUTHBEARER: repeated error challenge");
    error_answered_ = true;
    return std::string("\x01");
  }

 private:
  std::string message_;
  bool sent_ = false;
  bool error_answered_ = false;
};

}  // namespace

std::unique_ptr<Mechanism> make_xoauth2(const LoginRequest& r) { return std::make_unique<XOAuth2>(r); }
std::unique_ptr<Mechanism> make_oauthbearer(const LoginRequest& r) { return std::make_unique<OAuthBearer>(r); }

}  // namespace pop3ws::sasl
