// What Session::next_event() returns. Events are pulled, never pushed (like
// h11): no callbacks fire from inside receive, which across embind would be
// C++ -> JS -> C++ re-entrancy.
//
// string_view members point into the session's buffers and stay valid only
// until the next call on the session: copy them out once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "pop3ws/capabilities.hpp"
#include "pop3ws/command.hpp"
#include "pop3ws/response_code.hpp"
#include "pop3ws/result.hpp"

namespace pop3ws {

// No complete event in the buffered input: give the session more bytes.
struct NeedData {};

// The server's first line (RFC 1939 §4). `apop_timestamp` is the <...> msg-id
// used by APOP (RFC 1939 §7), empty if the server offers none.
struct Greeting {
  bool ok = false;
  std::string text;
  std::string apop_timestamp;
};

// STAT's answer (RFC 1939 §5): count and size in octets. Sizes are estimates:
// some servers count LF line ends, so never rely on them as exact.
struct MailboxStat { std::uint32_t count = 0; std::uint64_t octets = 0; };

// A scan listing (LIST, RFC 1939 §5) or unique-id listing (UIDL, §7).
struct ListItem { std::uint32_t message = 0; std::uint64_t octets = 0; };
struct UidlItem { std::uint32_t message = 0; std::string uid; };

// The status line of a reply to a command. For a positive reply to a
// multi-line command, data events follow and then MultilineEnd.
struct Reply {
  Command command = Command::Noop;
  std::uint32_t message = 0;  // the message number argument, 0 if none
  bool ok = false;
  bool multiline = false;     // data events and MultilineEnd follow
  ResponseCode code = ResponseCode::None;
  std::string code_text;
  std::string text;
  // Parsed single-line payloads: STAT, LIST n, UIDL n.
  std::variant<std::monostate, MailboxStat, ListItem, UidlItem> detail;
};

// A piece of a RETR or TOP message, dot-unstuffed, line ends as sent.
// Chunks of one message concatenate to exactly the message bytes.
struct BodyChunk {
  Command command = Command::Retr;
  std::uint32_t message = 0;
  std::string_view data;
};

// The capability set after a CAPA response ended.
struct CapabilitiesChanged { const Capabilities* capabilities = nullptr; };

// A multi-line response ended (the "." line of RFC 1939 §3).
struct MultilineEnd { Command command = Command::Noop; std::uint32_t message = 0; };

// +OK to STLS: start the TLS handshake now, then call tls_established().
// Nothing more is written until then (RFC 2595 §4).
struct StartTls {};

// A queued command was dropped because an earlier one it depended on failed
// (for example STAT queued behind a PASS that got -ERR).
struct Cancelled { Command command = Command::Noop; std::uint32_t message = 0; };

// The connection ended: cleanly after QUIT, or not (then a ProtocolError
// came first).
struct Closed { bool clean = false; };

// The session failed; it is sticky-failed from now on.
struct ProtocolError { Error error; };

using Event = std::variant<NeedData, Greeting, Reply, ListItem, UidlItem,
                           BodyChunk, CapabilitiesChanged, MultilineEnd,
                           StartTls, Cancelled, Closed, ProtocolError>;

}  // namespace pop3ws
