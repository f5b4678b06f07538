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

// Opens the byte pipe the options ask for: TCP (TLS at once for
// --security tls) or a WebSocket to pop3ws-proxy. Throws CliError.
std::unique_ptr<Transport> open_transport(const Options& o);

struct Client {
  explicit Client(Settings settings);
  std::unique_ptr<Transport> transport;
  Session session;
  std::unique_ptr<Driver> driver;
  // What CAPA said before login (after STLS, if used): SASL and STLS are
  // usually listed only then.
  Capabilities before_login;
};

// The codec's login request for the configured --auth, --user and `secret`
// (with a fresh SCRAM client nonce).
LoginRequest make_login_request(const Options& o, std::string secret);

// Connects, authenticates and returns a client in the TRANSACTION state.
// Throws CliError with the exit code of the failure.
std::unique_ptr<Client> connect_and_login(const Options& o);

// The Settings every command uses (pipelining mode, transcript for -v).
Settings session_settings(const Options& o);

// Sends QUIT and waits for its reply (RFC 1939 §6: deletions happen now).
// Throws CliError(ServerError) if the server answers -ERR.
// `deletions`: messages marked with DELE in this session; a QUIT that
// commits some gets --quit-timeout.
void quit(Driver& d, std::size_t deletions = 0);

}  // namespace pop3ws::cli
