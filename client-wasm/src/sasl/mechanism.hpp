// A SASL client mechanism as a small state machine (RFC 4422 §3): it gives
// an optional initial response, answers each server challenge, and says at
// the end whether the server proved itself where the mechanism can tell.
// Payloads here are raw bytes; the session does the base64 (RFC 5034 §4).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pop3ws/result.hpp"
#include "pop3ws/sasl.hpp"
#include "pop3ws/settings.hpp"

namespace pop3ws::sasl {

class Mechanism {
 public:
  virtual ~Mechanism() = default;
  // The client-first message, if the mechanism has one.
  virtual std::optional<std::string> initial_response() = 0;
  // Whether initial_response() may go on the AUTH line.
  virtual bool prefers_initial_response() const { return true; }
  // The answer to one server challenge. An Error means the server's challenge
  // is broken or hostile: the exchange must end.
  virtual Expected<std::string> respond(std::string_view challenge) = 0;
  // Called when the server says +OK (with its text). False if the mechanism
  // expected proof from the server (SCRAM's server signature) and did not
  // get it.
  virtual bool accept_success(std::string_view ok_text) {
    (void)ok_text;
    return true;
  }
};

// Builds the mechanism for `method` (a SASL one, not USER/APOP).
Expected<std::unique_ptr<Mechanism>> make_mechanism(AuthMethod method,
                                                    const LoginRequest& req,
                                                    const Settings& settings);

}  // namespace pop3ws::sasl
