// Status lines and response codes: RFC 1939 §3, RFC 2449 §8, RFC 3206.
#include "pop3ws/response_code.hpp"

#include "text.hpp"

namespace pop3ws {
namespace {

ResponseCode code_from_text(std::string_view code) {
  // RFC 2449 §8: codes are hierarchical ("SYS/TEMP"); match the known ones
  // exactly and keep anything else as Other with its text.
  if (text::iequals(code, "IN-USE")) return ResponseCode::InUse;
  if (text::iequals(code, "LOGIN-DELAY")) return ResponseCode::LoginDelay;
  if (text::iequals(code, "SYS/TEMP")) return ResponseCode::SysTemp;
  if (text::iequals(code, "SYS/PERM")) return ResponseCode::SysPerm;
  if (text::iequals(code, "AUTH")) return ResponseCode::Auth;
  if (text::iequals(code, "UTF8")) return ResponseCode::Utf8;
  return ResponseCode::Other;
}

}  // namespace

bool parse_status_line(std::string_view line, StatusLine& out) {
  out = StatusLine{};
  std::string_view rest;
  if (text::istarts_with(line, "+OK")) {
    out.ok = true;
    rest = line.substr(3);
  } else if (text::istarts_with(line, "-ERR")) {
    rest = line.substr(4);
  } else if (text::istarts_with(line, "+ERR")) {  // hMailServer has sent this
    rest = line.substr(4);
  } else {
    return false;
  }
  // The keyword must end here or be followed by a space (RFC 1939 §3).
  if (!rest.empty() && !text::is_space(rest.front())) return false;
  rest = text::trim(rest);
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close != std::string_view::npos && close > 1) {
      const std::string_view code = rest.substr(1, close - 1);
      out.code = code_from_text(code);
      out.code_text = std::string(code);
      rest = text::trim(rest.substr(close + 1));
    }
  }
  out.text = std::string(rest);
  return true;
}

AuthFailureKind classify_auth_failure(ResponseCode code) noexcept {
  switch (code) {
    case ResponseCode::InUse:
    case ResponseCode::LoginDelay:
    case ResponseCode::SysTemp:
      return AuthFailureKind::TryLater;
    case ResponseCode::SysPerm:
      return AuthFailureKind::ServerTrouble;
    default:
      return AuthFailureKind::WrongCredentials;
  }
}

}  // namespace pop3ws
