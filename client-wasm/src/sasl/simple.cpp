// PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login) and CRAM-MD5 (RFC 2195).
#include "crypto/crypto.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/mechanisms.hpp"

namespace pop3ws::sasl {
namespace {

class Plain final : public Mechanism {
 public:
  Plain(std::string authzid, std::string user, std::string pass)
      : message_(authzid + '\0' + user + '\0' + pass) {}
  std::optional<std::string> initial_response() override {
    sent_ = true;
    return message_;
  }
  Expected<std::string> respond(std::string_view challenge) override {
    // RFC 4616 §2: one message; the server's first challenge is empty.
    if (sent_ || !challenge.empty())
      return make_error(ErrorCode::SaslFailure, "PLAIN: unexpected server challenge");
    sent_ = true;
    return message_;
  }
 private:
  std::string message_;
  bool sent_ = false;
};

class Login final : public Mechanism {
 public:
  Login(std::string user, std::string pass) : user_(std::move(user)), pass_(std::move(pass)) {}
  std::optional<std::string> initial_response() override {
    step_ = 1;  // the user name goes with AUTH; the next challenge asks for the password
    return user_;
  }
  Expected<std::string> respond(std::string_view) override {
    // The prompts ("Username:", "Password:") vary between servers: the order
    // of the challenges is what counts.
    switch (step_++) {
      case 0: return user_;
      case 1: return pass_;
      default: return make_error(ErrorCode::SaslFailure, "LOGIN: more than two challenges");
    }
  }

 private:
  std::string user_, pass_;
  int step_ = 0;
};

class CramMd5 final : public Mechanism {
 public:
  CramMd5(std::string user, std::string pass) : user_(std::move(user)), pass_(std::move(pass)) {}
  std::optional<std::string> initial_response() override { return std::nullopt; }
  bool prefers_initial_response() const override { return false; }
  Expected<std::string> respond(std::string_view challenge) override {
    if (answered_ || challenge.empty())
      return make_error(ErrorCode::SaslFailure, "CRAM-MD5: bad server challenge");
    answered_ = true;
    // RFC 2195 §2: user SP hex(HMAC-MD5(secret, challenge)).
    return user_ + ' ' + crypto::to_hex(crypto::hmac_md5(pass_, challenge));
  }

 private:
  std::string user_, pass_;
  bool answered_ = false;
};

}  // namespace

std::unique_ptr<Mechanism> make_plain(const LoginRequest& r) {
  return std::make_unique<Plain>(r.authzid, r.user, r.secret);
}
std::unique_ptr<Mechanism> make_login(const LoginRequest& r) {
  return std::make_unique<Login>(r.user, r.secret);
}
std::unique_ptr<Mechanism> make_cram_md5(const LoginRequest& r) {
  return std::make_unique<CramMd5>(r.user, r.secret);
}

}  // namespace pop3ws::sasl
