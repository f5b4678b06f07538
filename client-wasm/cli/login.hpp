// Connecting and logging in, the same for every command:
// greeting -> CAPA (RFC 2449; -ERR ignored) -> STLS (RFC 2595) if asked for
// -> login (USER/PASS, APOP or SASL, RFC 5034) -> the codec's CAPA after login.
#pragma once

#include <memory>

#include "driver.hpp"
#include "options.hpp"
#include "pop3ws/session.hpp"
#include "transport.hpp"

namespace pop3ws::cli {

struct Client {
  Client(const Options& o, Settings settings);
  Transport transport;
  Session session;
  std::unique_ptr<Driver> driver;
  // What CAPA said before login (after STLS, if used): SASL and STLS are
  // usually listed only then.
  Capabilities before_login;
};

// Connects, authenticates and returns a client in the TRANSACTION state.
// Throws CliError with the exit code of the failure.
std::unique_ptr<Client> connect_and_login(const Options& o);

// The Settings every command uses (pipelining mode, transcript for -v).
Settings session_settings(const Options& o);

// Sends QUIT and waits for its reply (RFC 1939 §6: deletions happen now).
// Throws CliError(ServerError) if the server answers -ERR.
void quit(Driver& d);

}  // namespace pop3ws::cli
