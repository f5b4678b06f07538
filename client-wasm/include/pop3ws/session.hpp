// pop3ws::Session — a sans-I/O POP3 client (RFC 1939 and extensions).
//
// Bytes in, events out; commands in, bytes out. The session never touches
// sockets, clocks, threads or files, so the same code runs natively and as
// WebAssembly. Usage:
//
//   Session s;                          // then, in the I/O loop:
//   s.receive(bytes)                    // or input_buffer(n) + commit_input(n)
//   while (!holds<NeedData>(ev = s.next_event())) handle(ev);
//   write(s.pending_output()); s.consume_output(n);
//
// The reply framing depends on the command that was sent (RFC 1939 §3), so
// sent commands wait in a FIFO; that FIFO also gives pipelining (RFC 2449
// §6.6). Any protocol error makes the session sticky-failed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pop3ws/capabilities.hpp"
#include "pop3ws/command.hpp"
#include "pop3ws/events.hpp"
#include "pop3ws/result.hpp"
#include "pop3ws/sasl.hpp"
#include "pop3ws/settings.hpp"
#include "pop3ws/transcript.hpp"

namespace pop3ws {

class Session {
 public:
  explicit Session(Settings settings = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // ---- input -------------------------------------------------------------
  // A writable area of `n` bytes inside the session (for the one-copy path
  // from a socket or a WASM memory view), then commit how many were written.
  // Errors with BufferLimit if unparsed input would exceed the limit.
  Expected<std::uint8_t*> input_buffer(std::size_t n);
  Status commit_input(std::size_t n);
  // Copying convenience over the two calls above.
  Status receive(std::string_view bytes);
  // The peer closed the connection (or TLS ended).
  void receive_eof();

  // The next event, or NeedData. Views inside it live until the next call.
  Event next_event();

  // ---- output ------------------------------------------------------------
  // Bytes to write to the server; valid until the next non-const call.
  std::string_view pending_output() const;
  void consume_output(std::size_t n);
  bool wants_write() const { return !pending_output().empty(); }
  // Commands sent whose replies have not completed.
  std::size_t in_flight() const;
  // Commands queued (sent or not) whose replies have not completed.
  std::size_t outstanding() const;

  // ---- commands (RFC 1939 unless noted). Each is checked against the state
  // the session will be in once everything queued before it succeeds; a
  // refusal sends nothing.
  Status user(std::string_view name);
  Status pass(std::string_view password);
  Status apop(std::string_view name, std::string_view secret);  // RFC 1939 §7
  Status stat();
  Status list(std::optional<std::uint32_t> message = std::nullopt);
  Status uidl(std::optional<std::uint32_t> message = std::nullopt);
  Status retr(std::uint32_t message);
  Status top(std::uint32_t message, std::uint32_t lines);
  Status dele(std::uint32_t message);
  Status noop();
  Status rset();
  Status quit();
  Status capa();   // RFC 2449 §5
  Status stls();   // RFC 2595 §4
  Status utf8();   // RFC 6856 §2
  // SASL (RFC 5034) or USER/PASS/APOP, chosen by req.method (Auto: strongest
  // the server offers). The exchange runs inside the session; its outcome is a
  // Reply for Command::Auth (or Pass/Apop).
  Status login(const LoginRequest& req);
  // One raw command line as a learner types it ("RETR 2"): parsed, checked
  // like the methods above, then queued. PASS/AUTH typed this way are allowed
  // (the console), but still redacted in the transcript.
  Expected<Command> submit_line(std::string_view line);

  // ---- transport ---------------------------------------------------------
  void set_link(const LinkSecurity& link);
  const LinkSecurity& link() const;
  // Call once the TLS handshake that followed StartTls has completed.
  Status tls_established();

  // ---- state -------------------------------------------------------------
  SessionState state() const;
  const Capabilities& capabilities() const;
  const std::string& apop_timestamp() const;
  const Settings& settings() const;
  bool pipelining_active() const;
  bool utf8_active() const;
  const std::optional<Error>& failure() const;

  // Transcript entries (Settings::transcript_capacity > 0), oldest first.
  std::optional<TranscriptEntry> next_transcript_entry();
  std::uint64_t transcript_dropped() const;  // entries lost to the capacity

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pop3ws
