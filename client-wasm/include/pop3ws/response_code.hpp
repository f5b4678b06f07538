// Extended response codes: RFC 2449 §8 ([IN-USE], [LOGIN-DELAY]), RFC 3206
// ([SYS/TEMP], [SYS/PERM], [AUTH]) and RFC 6856 §3 ([UTF8]).
// They let a caller tell "wrong password" from "mailbox busy, try later"
// from "server trouble" — clients that cannot make users retype good passwords.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pop3ws {

enum class ResponseCode : std::uint8_t {
  None,        // no [CODE] in the line
  InUse,       // [IN-USE]: mailbox locked by another session (RFC 2449 §8.1.1)
  LoginDelay,  // [LOGIN-DELAY]: logged in too recently (RFC 2449 §8.1.2)
  SysTemp,     // [SYS/TEMP]: temporary server failure (RFC 3206 §4)
  SysPerm,     // [SYS/PERM]: permanent server failure (RFC 3206 §4)
  Auth,        // [AUTH]: the credentials are wrong (RFC 3206 §5)
  Utf8,        // [UTF8]: needs UTF8 mode (RFC 6856 §3)
  Other,       // some other code; its text is kept
};

const char* to_string(ResponseCode c) noexcept;  // "IN-USE", "" for None

// A status line split into its parts. RFC 1939 §3: "+OK" or "-ERR", then
// optional text; RFC 2449 §8: a response code in brackets opens the text.
struct StatusLine {
  bool ok = false;
  ResponseCode code = ResponseCode::None;
  std::string code_text;  // the bracketed code as sent, e.g. "SYS/TEMP"
  std::string text;       // the rest, without the code
};

// Parses one line without its line end. Lenient where servers are known to
// err: "+ERR" (seen from hMailServer) counts as negative; "+OK" and "-ERR"
// are matched case-insensitively. Returns false if neither form matches.
bool parse_status_line(std::string_view line, StatusLine& out);

// What the codes mean for a failed login, so a UI can choose its words.
enum class AuthFailureKind : std::uint8_t {
  WrongCredentials,  // [AUTH], or a plain -ERR to PASS/AUTH/APOP
  TryLater,          // [IN-USE], [LOGIN-DELAY], [SYS/TEMP]
  ServerTrouble,     // [SYS/PERM]
};
AuthFailureKind classify_auth_failure(ResponseCode code) noexcept;

}  // namespace pop3ws
