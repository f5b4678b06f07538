// Names of enum values, for messages, transcripts and bindings.
#include "pop3ws/command.hpp"
#include "pop3ws/response_code.hpp"
#include "pop3ws/result.hpp"
#include "text.hpp"

namespace pop3ws {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::WrongState: return "wrong-state";
    case ErrorCode::BadArgument: return "bad-argument";
    case ErrorCode::ArgumentInjection: return "argument-injection";
    case ErrorCode::InsecureAuth: return "insecure-auth";
    case ErrorCode::UnsupportedMechanism: return "unsupported-mechanism";
    case ErrorCode::QueueFull: return "queue-full";
    case ErrorCode::LineTooLong: return "line-too-long";
    case ErrorCode::BufferLimit: return "buffer-limit";
    case ErrorCode::MalformedResponse: return "malformed-response";
    case ErrorCode::UnexpectedData: return "unexpected-data";
    case ErrorCode::StlsInjection: return "stls-injection";
    case ErrorCode::SaslFailure: return "sasl-failure";
    case ErrorCode::ConnectionClosed: return "connection-closed";
    case ErrorCode::ServerRejected: return "server-rejected";
    case ErrorCode::Failed: return "failed";
  }
  return "unknown";
}

namespace {
constexpr const char* kCommandNames[kCommandCount] = {
    "USER", "PASS", "APOP", "AUTH", "STAT", "LIST", "RETR", "DELE", "NOOP",
    "RSET", "QUIT", "TOP",  "UIDL", "CAPA", "STLS", "UTF8", "(AUTH response)"};
}

const char* command_name(Command c) noexcept {
  const auto i = static_cast<std::size_t>(c);
  return i < static_cast<std::size_t>(kCommandCount) ? kCommandNames[i] : "?";
}

std::optional<Command> command_from_name(std::string_view name) noexcept {
  for (int i = 0; i + 1 < kCommandCount; ++i) {  // AuthContinuation has no name
    if (text::iequals(name, kCommandNames[i])) return static_cast<Command>(i);
  }
  return std::nullopt;
}

const char* state_name(SessionState s) noexcept {
  switch (s) {
    case SessionState::Greeting: return "GREETING";
    case SessionState::Authorization: return "AUTHORIZATION";
    case SessionState::Transaction: return "TRANSACTION";
    case SessionState::Update: return "UPDATE";
    case SessionState::Closed: return "CLOSED";
    case SessionState::Failed: return "FAILED";
  }
  return "?";
}

bool is_multiline(Command c, bool has_argument) noexcept {
  switch (c) {
    case Command::Retr:
    case Command::Top:
    case Command::Capa:
      return true;
    case Command::List:
    case Command::Uidl:
      return !has_argument;
    default:
      return false;
  }
}

const char* to_string(ResponseCode c) noexcept {
  switch (c) {
    case ResponseCode::None: return "";
    case ResponseCode::InUse: return "IN-USE";
    case ResponseCode::LoginDelay: return "LOGIN-DELAY";
    case ResponseCode::SysTemp: return "SYS/TEMP";
    case ResponseCode::SysPerm: return "SYS/PERM";
    case ResponseCode::Auth: return "AUTH";
    case ResponseCode::Utf8: return "UTF8";
    case ResponseCode::Other: return "OTHER";
  }
  return "";
}

}  // namespace pop3ws
