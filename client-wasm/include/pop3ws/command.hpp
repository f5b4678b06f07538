// POP3 commands: names, the states they are allowed in, argument checks and
// wire form. RFC 1939 §§4-7 (base), RFC 2449 (CAPA), RFC 2595 (STLS),
// RFC 5034 (AUTH), RFC 6856 (UTF8).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pop3ws/result.hpp"

namespace pop3ws {

enum class Command : std::uint8_t {
  User, Pass, Apop, Auth, Stat, List, Retr, Dele, Noop, Rset, Quit, Top, Uidl,
  Capa, Stls, Utf8,
  AuthContinuation,  // a SASL response line (RFC 5034 §4); never typed by a user
};
inline constexpr int kCommandCount = 17;

const char* command_name(Command c) noexcept;  // "RETR"; "(AUTH response)" for AuthContinuation
std::optional<Command> command_from_name(std::string_view name) noexcept;  // case-insensitive

// The POP3 session states of RFC 1939 §3, plus the ends.
enum class SessionState : std::uint8_t {
  Greeting,       // connected, waiting for the server's greeting
  Authorization,  // RFC 1939 §4
  Transaction,    // RFC 1939 §5
  Update,         // RFC 1939 §6: QUIT sent from TRANSACTION
  Closed,         // the session ended (QUIT answered, or server refused us)
  Failed,         // a protocol error: sticky, nothing more is sent or parsed
};
const char* state_name(SessionState s) noexcept;

// Whether a successful reply to `c` is multi-line (RFC 1939 §3: LIST and UIDL
// only without an argument; RETR, TOP and CAPA always).
bool is_multiline(Command c, bool has_argument) noexcept;

// A command ready to be written: keyword plus already-checked arguments.
struct CommandLine {
  Command command;
  std::string arguments;           // after the keyword, without leading space
  std::optional<std::uint32_t> message;  // message number, where there is one
  bool secret = false;             // carries a password/token: redact in transcripts
};

}  // namespace pop3ws
