// Exit codes of pop3ws: one per kind of failure, so that scripts can tell a
// wrong password from "try later" from a broken network (listed in --help
// and docs/cli.md).
#pragma once

#include <stdexcept>
#include <string>

namespace pop3ws::cli {

enum class Exit : int {
  Ok = 0,
  Internal = 1,       // a bug in pop3ws
  Usage = 2,          // bad options or arguments, or a refused insecure login
  Network = 3,        // name resolution, connect, reset, timeout, early close
  Tls = 4,            // handshake, certificate or host name, STLS not offered
  Auth = 5,           // the server rejected the credentials
  TryLater = 6,       // [IN-USE], [LOGIN-DELAY], [SYS/TEMP] (RFC 2449, RFC 3206)
  ServerError = 7,    // -ERR to a command (no such message, [SYS/PERM], ...)
  Protocol = 8,       // the server broke the protocol (the codec failed)
  LocalIo = 9,        // a local file, the Maildir or stdout could not be written
  PipelineStall = 10, // no reply with pipelined commands in flight
};

// Thrown inside the client, caught once in main(): prints `what()` and exits
// with `code`. Messages never contain secrets or message content.
class CliError : public std::runtime_error {
 public:
  CliError(Exit code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Exit code() const noexcept { return code_; }

 private:
  Exit code_;
};

// The table of exit codes for --help.
std::string exit_code_help();

}  // namespace pop3ws::cli
