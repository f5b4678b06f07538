// Errors as values. The codec never throws across its API: Emscripten builds
// run with exception catching off, and a caller (C++, or JS through embind)
// must be able to tell every failure apart without a try block.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace pop3ws {

enum class ErrorCode {
  // Refused before a byte was sent.
  WrongState,          // command not allowed in the session's (projected) state
  BadArgument,         // out of range, empty, too long
  ArgumentInjection,   // CR, LF or NUL inside an argument (command injection)
  InsecureAuth,        // secret would cross an unencrypted non-loopback link
  UnsupportedMechanism,// no usable SASL mechanism / unknown name
  QueueFull,           // more commands queued than Settings::max_queued_commands
  // Caused by what the server sent (the session becomes sticky-failed).
  LineTooLong,         // a status or listing line beyond its limit
  BufferLimit,         // caller gave more input than Settings::max_buffered_input
  MalformedResponse,   // not +OK/-ERR, or a listing line that does not parse
  UnexpectedData,      // bytes while no reply is expected
  StlsInjection,       // bytes after +OK to STLS, before TLS (RFC 2595 §4)
  SaslFailure,         // hostile or broken SASL challenge, bad server signature
  ConnectionClosed,    // EOF while replies were still due
  ServerRejected,      // greeting was -ERR
  Failed,              // the session already failed earlier (sticky)
};

const char* to_string(ErrorCode code) noexcept;

struct Error {
  ErrorCode code;
  std::string detail;  // human-readable; never contains secrets or payload
};

// A status for operations that return nothing on success.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : error_(std::move(e)) {}  // NOLINT: implicit by design
  static Status ok() { return {}; }
  explicit operator bool() const noexcept { return !error_; }
  bool is_ok() const noexcept { return !error_; }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}   // NOLINT
  Expected(Error e) : v_(std::move(e)) {}        // NOLINT
  explicit operator bool() const noexcept { return v_.index() == 0; }
  bool has_value() const noexcept { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

inline Error make_error(ErrorCode code, std::string detail) {
  return Error{code, std::move(detail)};
}

}  // namespace pop3ws
