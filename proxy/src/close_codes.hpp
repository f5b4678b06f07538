// WebSocket close codes that pop3ws-proxy sends to the page, with the reason
// strings the page may show to its user. This header is the single list; the
// self-hosting guide (docs/self-hosting.md) documents the same table.
//
// RFC 6455 §7.4.2 reserves 4000-4999 for private use by applications, so our
// own conditions live there; standard conditions keep their standard codes
// (1000 normal, 1001 going away, 1003 unsupported data, 1009 message too big,
// 1011 internal error) so that websockify clients read them as usual.
#pragma once

#include <cstdint>
#include <string_view>

namespace pop3ws::proxy {

enum class CloseReason : std::uint8_t {
  upstream_closed,      // the mail server ended the TCP connection
  going_away,           // the proxy is shutting down (SIGTERM drain expired)
  text_frame,           // text frames carry no POP3 bytes; binary only
  message_too_big,      // page sent a message above limits.max_message_bytes
  protocol_error,       // page broke RFC 6455 (unmasked frame, bad opcode...)
  unknown_target,       // the page named a target that is not configured
  target_not_allowed,   // host:port outside the allowlist, or a denied address
  connect_failed,       // DNS, TCP connect or connect timeout failed
  tls_verify_failed,    // the server's certificate or pin did not verify
  tls_failed,           // any other TLS handshake failure or TLS timeout
  starttls_failed,      // STLS refused, bad greeting, or bytes injected before TLS
  limit_reached,        // total or per-IP connection cap reached
  idle_timeout,         // no bytes in either direction for limits.idle_timeout
  upstream_error,       // read or write error on the mail server connection
  internal_error,       // a bug or resource failure in the proxy
};

struct CloseCode {
  std::uint16_t code;
  std::string_view reason;  // short, for the page and the logs; < 123 bytes (RFC 6455 §5.5)
  std::string_view kind;    // label used in logs and the errors metric
};

constexpr CloseCode close_code(CloseReason r) noexcept {
  switch (r) {
    case CloseReason::upstream_closed: return {1000, "upstream closed", "upstream_closed"};
    case CloseReason::going_away: return {1001, "proxy shutting down", "going_away"};
    case CloseReason::text_frame: return {1003, "binary frames only", "text_frame"};
    case CloseReason::message_too_big: return {1009, "message too big", "message_too_big"};
    case CloseReason::protocol_error: return {1002, "protocol error", "protocol_error"};
    case CloseReason::unknown_target: return {4000, "unknown target", "unknown_target"};
    case CloseReason::target_not_allowed: return {4001, "target not allowed", "target_not_allowed"};
    case CloseReason::connect_failed: return {4002, "connect failed", "connect_failed"};
    case CloseReason::tls_verify_failed: return {4003, "TLS verification failed", "tls_verify_failed"};
    case CloseReason::tls_failed: return {4004, "TLS handshake failed", "tls_failed"};
    case CloseReason::starttls_failed: return {4005, "STARTTLS failed", "starttls_failed"};
    case CloseReason::limit_reached: return {4008, "limit reached", "limit_reached"};
    case CloseReason::idle_timeout: return {4009, "idle timeout", "idle_timeout"};
    case CloseReason::upstream_error: return {4010, "upstream error", "upstream_error"};
    case CloseReason::internal_error: return {1011, "internal error", "internal_error"};
  }
  return {1011, "internal error", "internal_error"};
}

// Every reason, for the metrics exporter (errors by kind).
inline constexpr CloseReason kAllCloseReasons[] = {
    CloseReason::upstream_closed,  CloseReason::going_away,       CloseReason::text_frame,
    CloseReason::message_too_big,  CloseReason::protocol_error,   CloseReason::unknown_target,   CloseReason::target_not_allowed,
    CloseReason::connect_failed,   CloseReason::tls_verify_failed, CloseReason::tls_failed,
    CloseReason::starttls_failed,  CloseReason::limit_reached,    CloseReason::idle_timeout,
    CloseReason::upstream_error,   CloseReason::internal_error,
};

}  // namespace pop3ws::proxy
