// SCRAM-SHA-256 (RFC 5802, RFC 7677), client side, without channel binding
// (the gs2 flag "n": the TLS ends at the proxy for browser sessions, so the
// page cannot see the channel the server sees).
//
// The server signature is checked before success is accepted: a server (or
// a man in the middle) that does not know the password cannot complete it.
// Passwords are used as given (no SASLprep, RFC 4013): ASCII and already
// normalised UTF-8 passwords, the common case, are unaffected.
#include <string>

#include "crypto/crypto.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/mechanisms.hpp"
#include "text.hpp"

namespace pop3ws::sasl {

std::string escape_saslname(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '=') out += "=3D";
    else if (c == ',') out += "=2C";
    else out += c;
  }
  return out;
}

namespace {

// Splits "a=1,b=2" attributes; returns the value of `key` or nullopt.
std::optional<std::string_view> attribute(std::string_view msg, char key) {
  while (!msg.empty()) {
    const std::size_t comma = msg.find(',');
    const std::string_view part = msg.substr(0, comma);
    if (part.size() >= 2 && part[0] == key && part[1] == '=') return part.substr(2);
    if (comma == std::string_view::npos) break;
    msg.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

class ScramSha256 final : public Mechanism {
 public:
  ScramSha256(const LoginRequest& r, std::uint32_t max_iterations)
      : password_(r.secret), max_iterations_(max_iterations) {
    gs2_header_ = "n," + (r.authzid.empty() ? std::string() : "a=" + escape_saslname(r.authzid)) + ",";
    client_nonce_ = r.client_nonce;
    client_first_bare_ = "n=" + escape_saslname(r.user) + ",r=" + client_nonce_;
  }

  std::optional<std::string> initial_response() override {
    step_ = Step::SentFirst;
    return gs2_header_ + client_first_bare_;
  }

  Expected<std::string> respond(std::string_view challenge) override {
    switch (step_) {
      case Step::Start:
        if (!challenge.empty())
          return make_error(ErrorCode::SaslFailure, "SCRAM: non-empty first challenge");
        return *initial_response();
      case Step::SentFirst:
        return client_final(challenge);
      case Step::SentFinal:
        return check_server_final(challenge);
      case Step::Done:
        break;
    }
    return make_error(ErrorCode::SaslFailure, "SCRAM: unexpected challenge after the exchange");
  }

  bool accept_success(std::string_view ok_text) override {
    if (step_ == Step::Done) return true;
    // Some servers put server-final in the +OK text instead of a last
    // challenge; accept it there only if it verifies.
    if (step_ != Step::SentFinal) return false;
    const auto decoded = crypto::base64_decode(ok_text);
    return decoded && check_server_final(*decoded).has_value();
  }

 private:
  enum class Step { Start, SentFirst, SentFinal, Done };

  Expected<std::string> client_final(std::string_view server_first) {
    // RFC 5802 §5.1: a mandatory extension we do not know ("m=") must fail.
    if (server_first.substr(0, 2) == "m=")
      return make_error(ErrorCode::SaslFailure, "SCRAM: unsupported mandatory extension");
    const auto nonce = attribute(server_first, 'r');
    const auto salt_b64 = attribute(server_first, 's');
    const auto iter_text = attribute(server_first, 'i');
    if (!nonce || !salt_b64 || !iter_text)
      return make_error(ErrorCode::SaslFailure, "SCRAM: server-first-message lacks r, s or i");
    // The server's nonce must extend ours (RFC 5802 §5.1), else it is replaying.
    if (nonce->size() <= client_nonce_.size() || nonce->substr(0, client_nonce_.size()) != client_nonce_)
      return make_error(ErrorCode::SaslFailure, "SCRAM: server nonce does not extend the client nonce");
    const auto salt = crypto::base64_decode(*salt_b64);
    if (!salt || salt->empty()) return make_error(ErrorCode::SaslFailure, "SCRAM: bad salt");
    const auto iterations = text::parse_uint<std::uint32_t>(*iter_text);
    if (!iterations || *iterations == 0 || *iterations > max_iterations_)
      return make_error(ErrorCode::SaslFailure, "SCRAM: iteration count out of range");

    const auto salted = crypto::pbkdf2_sha256(password_, *salt, *iterations);
    const std::string salted_s = crypto::as_bytes(salted);
    const auto client_key = crypto::hmac_sha256(salted_s, "Client Key");
    const auto stored_key = crypto::sha256(crypto::as_bytes(client_key));
    const std::string without_proof =
        "c=" + crypto::base64_encode(gs2_header_) + ",r=" + std::string(*nonce);
    const std::string auth_message =
        client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
    const auto client_signature = crypto::hmac_sha256(crypto::as_bytes(stored_key), auth_message);
    std::string proof = crypto::as_bytes(client_key);
    for (std::size_t i = 0; i < proof.size(); ++i) proof[i] = char(proof[i] ^ char(client_signature[i]));
    const auto server_key = crypto::hmac_sha256(salted_s, "Server Key");
    expected_server_signature_ = crypto::as_bytes(crypto::hmac_sha256(crypto::as_bytes(server_key), auth_message));
    step_ = Step::SentFinal;
    return without_proof + ",p=" + crypto::base64_encode(proof);
  }

  Expected<std::string> check_server_final(std::string_view server_final) {
    if (const auto err = attribute(server_final, 'e'))
      return make_error(ErrorCode::SaslFailure, "SCRAM: server error " + std::string(*err));
    const auto v = attribute(server_final, 'v');
    const auto signature = v ? crypto::base64_decode(*v) : std::nullopt;
    if (!signature || *signature != expected_server_signature_)
      return make_error(ErrorCode::SaslFailure, "SCRAM: server signature does not verify");
    step_ = Step::Done;
    return std::string();  // RFC 5034 §4: empty response to the final challenge
  }

  std::string password_;
  std::uint32_t max_iterations_;
  std::string gs2_header_, client_nonce_, client_first_bare_, expected_server_signature_;
  Step step_ = Step::Start;

};

}  // namespace

Expected<std::unique_ptr<Mechanism>> make_scram_sha256(const LoginRequest& r, const Settings& s) {
  if (r.client_nonce.size() < 16)
    return make_error(ErrorCode::BadArgument, "SCRAM needs a client nonce of at least 16 characters");
  for (char c : r.client_nonce)
    if (c < 0x21 || c > 0x7e || c == ',')
      return make_error(ErrorCode::BadArgument, "SCRAM client nonce must be printable without ','");
  return std::unique_ptr<Mechanism>(std::make_unique<ScramSha256>(r, s.max_scram_iterations));
}

}  // namespace pop3ws::sasl
