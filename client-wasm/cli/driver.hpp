// The I/O loop around the codec: bytes from the socket go straight into the
// session's input buffer (one copy), events are pulled until NeedData, and
// the session's pending output is written before every read. StartTls is
// handled here (handshake, then tls_established()).
#pragma once

#include <cstdint>
#include <functional>

#include "options.hpp"
#include "pop3ws/session.hpp"
#include "transport.hpp"

namespace pop3ws::cli {

class Driver {
 public:
  Driver(Transport& transport, Session& session, const Options& options);

  // Pulls events and hands each to `on_event` until it returns true.
  // Throws CliError for transport failures and codec protocol errors.
  using EventHandler = std::function<bool(Event&)>;
  void run(const EventHandler& on_event);

  // Writes what the session has queued.
  void flush();
  // Prints pending transcript entries to stderr (with -v).
  void drain_transcript();

  Session& session() { return session_; }
  Transport& transport() { return transport_; }
  // Set while a login is in flight: a close then is reported as an auth
  // failure (some servers, AOL among them, hang up on a wrong password).
  void set_login_in_flight(bool v) { login_in_flight_ = v; }
  // Set while a QUIT that commits deletions is in flight: reads wait up to
  // --quit-timeout instead of --timeout.
  void set_committing_quit(bool v) { committing_quit_ = v; }
  std::uint64_t bytes_read() const { return bytes_read_; }

 private:
  void run_loop(const EventHandler& on_event);
  void read_more();
  [[noreturn]] void fail(const Error& error);

  Transport& transport_;
  Session& session_;
  const Options& options_;
  bool eof_ = false;
  bool login_in_flight_ = false;
  bool committing_quit_ = false;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t dropped_reported_ = 0;
};

// A one-line description of a codec refusal, as CliError (usage problems,
// insecure login, unsupported mechanism).
[[noreturn]] void throw_refusal(const Error& error, const char* what);

}  // namespace pop3ws::cli
