// SASL exchanges against a hostile server (RFC 4422 §3, RFC 5034 §4): every
// mechanism answers fuzzer-chosen challenges, either directly through the
// mechanism interface (raw challenges) or through a Session in the
// AUTHORIZATION state (base64 "+ " lines and status lines).
//
// Input: [mode][SCRAM iteration limit][server lines, separated by LF...]
//   mode bits 0-2: mechanism; bit 3: through a Session; bits 4-5: initial
//   response (auto, always, never, auto); bits 6-7: which credentials.
//   limit: Settings::max_scram_iterations; 0xFF stands for 4096, the count of
//   the RFC 7677 example, so the seeds from the vectors verify end to end.
// A fuzzer cannot guess a SCRAM server signature, so "@V" in a line stands for
// the base64 signature this target computed for the last server-first-message
// it accepted. In Session mode "+~text" and "+OK~text" send "+ " and "+OK "
// followed by base64(text); other lines are sent as written.
//
// Invariants (see the Checker):
// - whatever the mechanisms answer is exactly what the RFC says for these
//   credentials and challenges, and the number of answers is bounded;
// - CRAM-MD5 and SCRAM never put the password in an answer unless the server
//   sent it first;
// - SCRAM refuses a server-first-message whose nonce does not extend the
//   client's, a "m=" extension, a bad salt, and an iteration count of 0 or
//   above the named limit; it accepts a well-formed one and answers with the
//   client-final-message computed here from RFC 5802 §3;
// - SCRAM accepts a server-final-message (or +OK text) only if it carries the
//   server signature computed here, and always accepts the right one;
// - after a refusal the exchange never succeeds;
// - through a Session, every line written is CRLF-terminated with no CR or LF
//   inside, answers are canonical base64, nothing is written after the AUTH
//   reply, a password with a non-base64 character never appears in the output
//   and never in the transcript.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"
#include "fuzz_common.hpp"
#include "pop3ws/sasl.hpp"
#include "sasl/mechanism.hpp"
#include "text.hpp"

using namespace pop3ws;

namespace {

struct Credentials {
  const char* user;
  const char* secret;
  const char* nonce;
  const char* authzid;
  const char* host;
  std::uint16_t port;
};

constexpr Credentials kCredentials[] = {
    // RFC 7677 §3 (SCRAM-SHA-256 example).
    {"user", "pencil", "rOprNGfwEbeRWgbNEkqO", "", "", 0},
    // RFC 2195 §2 user and secret; the nonce of RFC 5802 §5.
    {"tim", "tanstaaftanstaaf", "fyko+d2lbbFgONRv9qkxdawL", "", "", 0},
    // Characters that need escaping (RFC 5802 §5.1) and a password that
    // cannot hide in base64 output.
    {"al=i,ce", "s3cr3t pw!", "0123456789abcdef~!", "", "127.0.0.1", 110},
    // An authorization identity, and a user name so long that no initial
    // response fits in the 255-octet AUTH line (RFC 5034 §4).
    {"bob.with.a.very.long.name.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789"
     ".0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789"
     ".0123456789.0123456789.0123456789@example.com",
     "an0ther s3cret!", "ZZZZZZZZZZZZZZZZ", "ad,m=in", "127.0.0.1", 995},
};

constexpr std::uint32_t kTwinIterationLimit = 255;

constexpr AuthMethod kMethods[] = {AuthMethod::Plain,   AuthMethod::Login,       AuthMethod::CramMd5,
                                   AuthMethod::ScramSha256, AuthMethod::XOAuth2, AuthMethod::OAuthBearer,
                                   AuthMethod::ScramSha256, AuthMethod::CramMd5};

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

bool canonical_base64(std::string_view s) {
  const auto d = crypto::base64_decode(s);
  return d && crypto::base64_encode(*d) == s;
}

// RFC 5802 §5: attributes are "k=value" separated by ','; the first of a
// kind counts.
std::optional<std::string_view> attribute(std::string_view msg, char key) {
  std::size_t start = 0;
  while (start <= msg.size()) {
    std::size_t comma = msg.find(',', start);
    if (comma == std::string_view::npos) comma = msg.size();
    const std::string_view part = msg.substr(start, comma - start);
    if (part.size() >= 2 && part[0] == key && part[1] == '=') return part.substr(2);
    start = comma + 1;
  }
  return std::nullopt;
}

std::string saslname(std::string_view name) {  // RFC 5802 §5.1
  std::string out;
  for (char c : name) out += c == '=' ? "=3D" : c == ',' ? "=2C" : std::string(1, c);
  return out;
}

// What an exchange must look like, tracked beside the real mechanism.
class Checker {
 public:
  Checker(AuthMethod method, const Credentials& c, std::uint32_t limit)
      : method_(method), c_(c), limit_(limit) {
    gs2_ = std::string("n,") + (*c.authzid ? "a=" + saslname(c.authzid) : "") + ",";
    client_first_bare_ = "n=" + saslname(c.user) + ",r=" + c.nonce;
  }

  const std::string& server_signature_b64() const { return signature_b64_; }
  bool refused() const { return refused_; }
  bool succeeded() const { return succeeded_; }

  // The mechanism's initial response, when the driver asked for one (or when
  // the Session put one on the AUTH line).
  void initial(const std::optional<std::string>& ir) {
    FUZZ_CHECK(answers_ == 0 && !refused_);
    switch (method_) {
      case AuthMethod::CramMd5: FUZZ_CHECK(!ir); return;
      case AuthMethod::Login: FUZZ_CHECK(ir && *ir == c_.user); break;
      case AuthMethod::ScramSha256: FUZZ_CHECK(ir && *ir == gs2_ + client_first_bare_); break;
      default: FUZZ_CHECK(ir && *ir == first_message()); break;
    }
    ++answers_;
  }

  // One challenge and the mechanism's answer (nullopt: it refused).
  void challenge(std::string_view ch, const std::optional<std::string>& answer) {
    FUZZ_CHECK(!refused_ && !succeeded_);  // drivers stop at the end of an exchange
    challenges_ += std::string(ch) + '\n';
    if (!answer) {
      refused_ = true;
      check_refusal_allowed(ch);
      return;
    }
    // Only mechanisms that send the secret by design may show it; the others
    // only echo what the server sent (a SCRAM nonce).
    if (!auth_method_exposes_secret(method_) && contains(*answer, c_.secret))
      FUZZ_CHECK(contains(challenges_, c_.secret));
    const int n = answers_++;
    switch (method_) {
      case AuthMethod::Plain:
        // RFC 4616 §2: one message, after an empty challenge.
        FUZZ_CHECK(n == 0 && ch.empty() && *answer == first_message());
        break;
      case AuthMethod::Login:
        FUZZ_CHECK(n < 2 && *answer == (n == 0 ? std::string(c_.user) : std::string(c_.secret)));
        break;
      case AuthMethod::CramMd5:
        // RFC 2195 §2: user SP hex(HMAC-MD5(secret, challenge)).
        FUZZ_CHECK(n == 0 && !ch.empty());
        FUZZ_CHECK(*answer == std::string(c_.user) + ' ' + crypto::to_hex(crypto::hmac_md5(c_.secret, ch)));
        break;
      case AuthMethod::XOAuth2:
      case AuthMethod::OAuthBearer:
        // The message, then one answer to an error report (RFC 7628 §3.2.3).
        FUZZ_CHECK(n < 2);
        FUZZ_CHECK(*answer == (n == 0 ? first_message() : method_ == AuthMethod::XOAuth2 ? "" : "\x01"));
        break;
      case AuthMethod::ScramSha256: scram_answer(n, ch, *answer); break;
      default: FUZZ_CHECK(false);
    }
  }

  // The server said +OK with `text`; `accepted` is whether the client took it.
  void success(std::string_view text, bool accepted) {
    FUZZ_CHECK(!succeeded_);
    if (refused_) FUZZ_CHECK(!accepted);
    if (method_ == AuthMethod::ScramSha256 && !refused_) {
      // Success needs the server's proof: before (server-final) or in the text.
      const bool proved = answers_ == 3;
      const bool proof_in_text =
          answers_ == 2 && crypto::base64_decode(text) == std::optional<std::string>("v=" + signature_b64_);
      const bool proof_somewhere = answers_ == 2 && verifies(crypto::base64_decode(text).value_or(""));
      if (accepted) FUZZ_CHECK(proved || proof_somewhere);
      if (proved || proof_in_text) FUZZ_CHECK(accepted);
    }
    succeeded_ = accepted;
    if (!accepted) refused_ = true;
  }

 private:
  // PLAIN, XOAUTH2 and OAUTHBEARER send one message with the secret.
  std::string first_message() const {
    const std::string user = c_.user, secret = c_.secret;
    switch (method_) {
      case AuthMethod::Plain: return std::string(c_.authzid) + '\0' + user + '\0' + secret;
      case AuthMethod::XOAuth2: return "user=" + user + "\x01" "auth=Bearer " + secret + "\x01\x01";
      case AuthMethod::OAuthBearer: {
        std::string m = "n,a=" + saslname(user) + ",\x01";
        if (*c_.host) m += std::string("host=") + c_.host + "\x01";
        if (c_.port) m += "port=" + std::to_string(c_.port) + "\x01";
        return m + "auth=Bearer " + secret + "\x01\x01";
      }
      default: return {};
    }
  }

  // The client-final-message for `server_first` (RFC 5802 §3), or nullopt if
  // the client must refuse it. `canonical` says the iteration count is
  // written without leading zeros, so a correct client must accept.
  struct ScramStep {
    std::string client_final;
    std::string signature_b64;
    bool canonical = false;
  };
  std::optional<ScramStep> scram_client_final(std::string_view server_first) const {
    if (server_first.substr(0, 2) == "m=") return std::nullopt;  // §5.1: unknown mandatory extension
    const auto r = attribute(server_first, 'r');
    const auto s = attribute(server_first, 's');
    const auto i = attribute(server_first, 'i');
    if (!r || !s || !i) return std::nullopt;
    const std::string_view nonce = c_.nonce;
    if (r->size() <= nonce.size() || r->substr(0, nonce.size()) != nonce) return std::nullopt;
    const auto salt = crypto::base64_decode(*s);
    if (!salt || salt->empty()) return std::nullopt;
    std::uint64_t iterations = 0;
    if (i->empty()) return std::nullopt;
    for (char ch : *i) {
      if (ch < '0' || ch > '9') return std::nullopt;
      iterations = iterations * 10 + std::uint64_t(ch - '0');
      if (iterations > limit_) return std::nullopt;  // the named limit: no CPU blow-up
    }
    if (iterations == 0) return std::nullopt;

    const std::string salted = crypto::as_bytes(crypto::pbkdf2_sha256(c_.secret, *salt, std::uint32_t(iterations)));
    const std::string client_key = crypto::as_bytes(crypto::hmac_sha256(salted, "Client Key"));
    const std::string stored_key = crypto::as_bytes(crypto::sha256(client_key));
    const std::string without_proof = "c=" + crypto::base64_encode(gs2_) + ",r=" + std::string(*r);
    const std::string auth_message = client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
    const std::string client_signature = crypto::as_bytes(crypto::hmac_sha256(stored_key, auth_message));
    std::string proof(client_key.size(), '\0');
    for (std::size_t k = 0; k < proof.size(); ++k) proof[k] = char(client_key[k] ^ client_signature[k]);
    const std::string server_key = crypto::as_bytes(crypto::hmac_sha256(salted, "Server Key"));
    ScramStep step;
    step.client_final = without_proof + ",p=" + crypto::base64_encode(proof);
    step.signature_b64 = crypto::base64_encode(crypto::as_bytes(crypto::hmac_sha256(server_key, auth_message)));
    step.canonical = std::to_string(iterations) == *i;
    return step;
  }

  // A server-final-message whose v= carries the expected signature.
  bool verifies(std::string_view server_final) const {
    const auto v = attribute(server_final, 'v');
    return v && !signature_b64_.empty() && crypto::base64_decode(*v) == crypto::base64_decode(signature_b64_);
  }

  void scram_answer(int n, std::string_view ch, const std::string& answer) {
    switch (n) {
      case 0:  // no initial response: the first challenge is empty (RFC 5034 §4)
        FUZZ_CHECK(ch.empty() && answer == gs2_ + client_first_bare_);
        break;
      case 1: {
        const auto expected = scram_client_final(ch);
        FUZZ_CHECK(expected && answer == expected->client_final);
        signature_b64_ = expected->signature_b64;
        break;
      }
      case 2:  // server-final-message: accepted only with the right signature
        FUZZ_CHECK(verifies(ch) && answer.empty());
        break;
      default: FUZZ_CHECK(false);  // nothing after the exchange
    }
  }

  // Refusing is always safe, except where the RFC leaves no doubt.
  void check_refusal_allowed(std::string_view ch) const {
    if (method_ != AuthMethod::ScramSha256) return;
    if (answers_ == 1) {
      const auto expected = scram_client_final(ch);
      if (expected && expected->canonical) FUZZ_CHECK(false);  // a well-formed server-first refused
    }
    if (answers_ == 2 && ch == "v=" + signature_b64_) FUZZ_CHECK(false);  // the right signature refused
  }

  AuthMethod method_;
  Credentials c_;
  std::uint32_t limit_;
  std::string gs2_, client_first_bare_, signature_b64_;
  std::string challenges_;  // every challenge so far, for the password check
  int answers_ = 0;
  bool refused_ = false;
  bool succeeded_ = false;
};

std::vector<std::string_view> split_lines(std::string_view rest) {
  std::vector<std::string_view> lines;
  while (!rest.empty() && lines.size() < 64) {
    const std::size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return lines;
}

std::string with_signature(std::string_view line, const std::string& signature_b64) {
  std::string out(line);
  for (std::size_t at; (at = out.find("@V")) != std::string::npos;) out.replace(at, 2, signature_b64);
  return out;
}

LoginRequest request(AuthMethod method, const Credentials& c, InitialResponse ir) {
  LoginRequest req;
  req.method = method;
  req.user = c.user;
  req.secret = c.secret;
  req.authzid = c.authzid;
  req.client_nonce = c.nonce;
  req.host = c.host;
  req.port = c.port;
  req.initial_response = ir;
  return req;
}

// Calls made on a mechanism, to build a twin in the same state.
struct Call {
  bool initial = false;
  std::string challenge;
};

std::unique_ptr<sasl::Mechanism> replay(AuthMethod method, const LoginRequest& req, const Settings& settings,
                                        const std::vector<Call>& calls,
                                        const std::vector<std::optional<std::string>>& answers) {
  auto mech = sasl::make_mechanism(method, req, settings);
  FUZZ_CHECK(mech);
  for (std::size_t k = 0; k < calls.size(); ++k) {
    std::optional<std::string> a;
    if (calls[k].initial) {
      a = (*mech)->initial_response();
    } else if (auto r = (*mech)->respond(calls[k].challenge)) {
      a = *r;
    }
    FUZZ_CHECK(a == answers[k]);  // the same calls give the same answers
  }
  return std::move(*mech);
}

// SCRAM after an accepted server-first: the right signature is accepted (as
// a challenge and as +OK text), a wrong one and a bare +OK are refused.
void scram_twins(AuthMethod method, const LoginRequest& req, const Settings& settings,
                 const std::vector<Call>& calls, const std::vector<std::optional<std::string>>& answers,
                 const std::string& signature_b64, std::uint8_t flip) {
  const std::string right = "v=" + signature_b64;
  auto a = replay(method, req, settings, calls, answers);
  const auto final_answer = a->respond(right);
  FUZZ_CHECK(final_answer && final_answer->empty());
  FUZZ_CHECK(a->accept_success(""));
  FUZZ_CHECK(!a->respond(""));  // nothing after the exchange

  auto b = replay(method, req, settings, calls, answers);
  FUZZ_CHECK(b->accept_success(crypto::base64_encode(right)));

  std::string wrong = *crypto::base64_decode(signature_b64);
  wrong[flip % wrong.size()] = char(wrong[flip % wrong.size()] ^ (1 << (flip % 8)));
  auto c = replay(method, req, settings, calls, answers);
  FUZZ_CHECK(!c->respond("v=" + crypto::base64_encode(wrong)));

  auto d = replay(method, req, settings, calls, answers);
  FUZZ_CHECK(!d->accept_success(""));  // success without the server's proof
}

void run_direct(AuthMethod method, const Credentials& cred, InitialResponse ir, const Settings& settings,
                const std::vector<std::string_view>& lines, std::uint8_t flip) {
  const LoginRequest req = request(method, cred, ir);
  auto made = sasl::make_mechanism(method, req, settings);
  FUZZ_CHECK(made);
  auto& mech = *made;
  Checker check(method, cred, settings.max_scram_iterations);
  std::vector<Call> calls;
  std::vector<std::optional<std::string>> answers;

  const bool use_ir = ir == InitialResponse::Always || (ir == InitialResponse::Auto && mech->prefers_initial_response());
  if (use_ir) {
    auto a = mech->initial_response();
    check.initial(a);
    if (a) {
      calls.push_back({true, {}});
      answers.push_back(a);
    }
  }
  bool twins_done = false;
  for (std::string_view line : lines) {
    if (line.substr(0, 3) == "+OK") {
      line.remove_prefix(3);
      if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      const std::string text = with_signature(line, check.server_signature_b64());
      check.success(text, mech->accept_success(text));
      return;
    }
    const std::string ch = with_signature(line, check.server_signature_b64());
    auto r = mech->respond(ch);
    std::optional<std::string> a;
    if (r) a = *r;
    check.challenge(ch, a);
    if (!a) return;  // RFC 4422 §3: a refused exchange ends
    calls.push_back({false, ch});
    answers.push_back(a);
    // Twins cost four more key derivations: only under the small limits,
    // not the 4096 iterations of the RFC example.
    if (method == AuthMethod::ScramSha256 && !twins_done && !check.server_signature_b64().empty() &&
        settings.max_scram_iterations <= kTwinIterationLimit) {
      twins_done = true;
      scram_twins(method, req, settings, calls, answers, check.server_signature_b64(), flip);
    }
  }
}

// One line without CR or LF inside, ending in CRLF; returns it without CRLF.
std::string_view one_line(std::string_view out) {
  FUZZ_CHECK(out.size() >= 2 && out.substr(out.size() - 2) == "\r\n");
  const std::string_view line = out.substr(0, out.size() - 2);
  FUZZ_CHECK(line.find_first_of("\r\n") == std::string_view::npos);
  return line;
}

void run_session(AuthMethod method, const Credentials& cred, InitialResponse ir, Settings settings,
                 const std::vector<std::string_view>& lines) {
  settings.transcript_capacity = 256;
  Session s(settings);
  s.set_link({true, false});
  (void)s.receive("+OK ready\r\n");
  while (!std::holds_alternative<NeedData>(s.next_event())) {}
  FUZZ_CHECK(s.login(request(method, cred, ir)));  // these credentials are always acceptable

  Checker check(method, cred, settings.max_scram_iterations);
  const std::string_view secret = cred.secret;
  // A password with a character outside base64 cannot appear in base64 text.
  const bool secret_detectable = secret.find_first_not_of(
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
                              std::string_view::npos;
  std::string output;

  // The AUTH line, with or without an initial response (RFC 5034 §4).
  {
    const std::string out(s.pending_output());
    s.consume_output(out.size());
    output += out;
    const std::string_view line = one_line(out);
    const std::string prefix = std::string("AUTH ") + auth_method_name(method);
    FUZZ_CHECK(line.substr(0, prefix.size()) == prefix);
    if (line.size() > prefix.size()) {
      FUZZ_CHECK(line[prefix.size()] == ' ');
      const std::string_view arg = line.substr(prefix.size() + 1);
      FUZZ_CHECK(arg == "=" || canonical_base64(arg));
      check.initial(arg == "=" ? std::string() : crypto::base64_decode(arg));
    }
  }

  std::size_t fed = 0, events = 0;
  bool auth_over = false, saw_error = false;
  // Pulls every event: nothing but Closed after a ProtocolError, and a
  // number of events bounded by the input.
  auto drain = [&](auto&& on_reply) {
    while (true) {
      Event e = s.next_event();
      if (std::holds_alternative<NeedData>(e)) return;
      FUZZ_CHECK(++events <= 4 * fed + 64);
      if (saw_error) FUZZ_CHECK(std::holds_alternative<Closed>(e));
      if (std::holds_alternative<ProtocolError>(e)) {
        saw_error = true;
        FUZZ_CHECK(s.state() == SessionState::Failed);
      }
      if (auto* r = std::get_if<Reply>(&e)) on_reply(*r);
    }
  };
  for (std::string_view raw : lines) {
    std::string wire;
    if (raw.substr(0, 2) == "+~") {
      wire = "+ " + crypto::base64_encode(with_signature(raw.substr(2), check.server_signature_b64()));
    } else if (raw.substr(0, 4) == "+OK~") {
      wire = "+OK " + crypto::base64_encode(with_signature(raw.substr(4), check.server_signature_b64()));
    } else {
      wire = std::string(raw);
    }
    const bool failed_before = s.failure().has_value();
    const bool pending = !auth_over && !failed_before && wire.size() + 2 <= settings.max_line;
    // What the Session sees (it drops one CR before LF, RFC 1939 §3).
    std::string_view seen = wire;
    if (!seen.empty() && seen.back() == '\r') seen.remove_suffix(1);
    const bool is_challenge = !seen.empty() && seen[0] == '+' && (seen.size() == 1 || seen[1] == ' ');
    StatusLine status;
    const bool is_ok = !is_challenge && parse_status_line(seen, status) && status.ok;

    (void)s.receive(wire + "\r\n");
    fed += wire.size() + 2;
    bool replied_ok = false;
    drain([&](const Reply& r) {
      FUZZ_CHECK(r.command == Command::Auth && pending);  // nothing else was queued
      auth_over = true;
      replied_ok = r.ok;
    });
    const bool failed = s.failure().has_value();
    const std::string out(s.pending_output());
    s.consume_output(out.size());
    output += out;
    if (failed_before) FUZZ_CHECK(out.empty());

    if (pending && is_challenge) {
      const auto decoded = crypto::base64_decode(text::trim(seen.substr(1)));
      if (!decoded) {
        FUZZ_CHECK(failed && out.empty());
      } else if (out.empty()) {
        FUZZ_CHECK(failed);
        check.challenge(*decoded, std::nullopt);
      } else {
        const std::string_view line = one_line(out);
        FUZZ_CHECK(canonical_base64(line));
        check.challenge(*decoded, crypto::base64_decode(line));
      }
    } else {
      FUZZ_CHECK(out.empty());  // only challenges are answered; nothing follows AUTH here
    }
    if (pending && is_ok) {
      FUZZ_CHECK(replied_ok != failed);
      check.success(status.text, replied_ok);
    }
    if (failed) FUZZ_CHECK(s.state() != SessionState::Transaction || check.succeeded());
  }
  s.receive_eof();
  fed += 1;
  drain([](const Reply&) { FUZZ_CHECK(false); });

  if (s.state() == SessionState::Transaction) FUZZ_CHECK(check.succeeded() && !check.refused());
  if (secret_detectable) FUZZ_CHECK(!contains(output, secret));
  while (auto t = s.next_transcript_entry())
    if (t->direction == TranscriptEntry::Direction::Client) FUZZ_CHECK(!contains(t->text, secret));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t mode = data[0];
  const AuthMethod method = kMethods[mode & 7];
  const bool through_session = (mode & 8) != 0;
  constexpr InitialResponse kIr[] = {InitialResponse::Auto, InitialResponse::Always, InitialResponse::Never,
                                     InitialResponse::Auto};
  const InitialResponse ir = kIr[(mode >> 4) & 3];
  const Credentials& cred = kCredentials[mode >> 6];
  Settings settings;
  settings.max_scram_iterations = data[1] == 0xFF ? 4096 : data[1];
  const std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  const auto lines = split_lines(rest);
  if (through_session)
    run_session(method, cred, ir, settings, lines);
  else
    run_direct(method, cred, ir, settings, lines, std::uint8_t(size));
  return 0;
}
