#include "driver.hpp"

#include <cstdio>
#include <string>

#include "exit_codes.hpp"
#include "printable.hpp"

namespace pop3ws::cli {

namespace {

// Read size: large enough that a 50 MB RETR takes few system calls, small
// enough to stay far below Settings::max_buffered_input (1 MiB), since only a
// partial line is ever left unparsed between reads.
constexpr std::size_t kReadSize = 256 * 1024;

}  // namespace

Driver::Driver(Transport& transport, Session& session, const Options& options)
    : transport_(transport), session_(session), options_(options) {
  session_.set_link(LinkSecurity{transport_.tls_active(), transport_.loopback()});
}

void Driver::flush() {
  while (session_.wants_write()) {
    const std::string_view out = session_.pending_output();
    transport_.write_all(out);
    session_.consume_output(out.size());
  }
  drain_transcript();
}

void Driver::drain_transcript() {
  if (!options_.verbose) return;
  while (auto e = session_.next_transcript_entry()) {
    const char* tag = e->direction == TranscriptEntry::Direction::Client   ? "C: "
                      : e->direction == TranscriptEntry::Direction::Server ? "S: "
                                                                            : "*  ";
    std::fprintf(stderr, "%s%s\n", tag, printable(e->text).c_str());
  }
  if (const auto dropped = session_.transcript_dropped(); dropped > 0) {
    if (dropped != dropped_reported_) {
      std::fprintf(stderr, "*  (%llu transcript lines dropped)\n",
                   static_cast<unsigned long long>(dropped - dropped_reported_));
      dropped_reported_ = dropped;
    }
  }
}

void Driver::fail(const Error& error) {
  drain_transcript();
  const std::string detail = error.detail;
  switch (error.code) {
    case ErrorCode::ConnectionClosed:
      if (login_in_flight_)
        throw CliError(Exit::Auth, detail + " (some servers hang up on a wrong user name or secret)");
      throw CliError(Exit::Network, detail);
    case ErrorCode::StlsInjection:
      throw CliError(Exit::Tls, detail + " (possible STARTTLS command injection, RFC 2595 §4)");
    case ErrorCode::ServerRejected:
      throw CliError(Exit::ServerError, detail);
    default:
      throw CliError(Exit::Protocol, std::string("protocol error (") + to_string(error.code) + "): " + detail);
  }
}

void Driver::read_more() {
  if (eof_) throw CliError(Exit::Network, "the server closed the connection");
  auto buf = session_.input_buffer(kReadSize);
  if (!buf) fail(buf.error());
  const auto limit = committing_quit_ ? options_.quit_timeout : options_.timeout;
  const auto r = transport_.read_some(*buf, kReadSize, limit);
  if (r.timed_out) {
    drain_transcript();
    const std::string secs = std::to_string(limit.count());
    if (committing_quit_)
      throw CliError(Exit::Network, "no reply to QUIT for " + secs +
                                        " s (--quit-timeout): the server may or may not have deleted the messages; "
                                        "what was downloaded is kept");
    if (session_.pipelining_active() && session_.in_flight() > 1)
      throw CliError(Exit::PipelineStall,
                     "no reply for " + secs + " s with " + std::to_string(session_.in_flight()) +
                         " pipelined commands in flight: the server advertises PIPELINING but "
                         "may not honour it; retry with --pipelining off");
    throw CliError(Exit::Network, "no reply from the server for " + secs + " s (--timeout)");
  }
  if (auto st = session_.commit_input(r.bytes); !st) fail(st.error());
  bytes_read_ += r.bytes;
  if (r.eof) {
    eof_ = true;
    session_.receive_eof();
  }
}

void Driver::run(const EventHandler& on_event) {
  try {
    run_loop(on_event);
  } catch (...) {
    drain_transcript();  // -v shows the exchange up to the failure
    throw;
  }
}

void Driver::run_loop(const EventHandler& on_event) {
  // The server speaks first (RFC 1939 §4).
  if (bytes_read_ == 0 && !eof_) read_more();
  for (;;) {
    Event ev = session_.next_event();
    // Drained per event so that a long listing never overflows the
    // transcript's capacity between reads.
    if (options_.verbose) drain_transcript();
    if (std::holds_alternative<NeedData>(ev)) {
      flush();
      read_more();
      continue;
    }
    if (auto* err = std::get_if<ProtocolError>(&ev)) fail(err->error);
    if (std::holds_alternative<StartTls>(ev)) {
      // RFC 2595 §4: the handshake starts right after +OK. The codec may
      // already have failed on bytes that came with the +OK (STARTTLS
      // injection): never start a handshake on such a stream.
      if (const auto& failure = session_.failure()) fail(*failure);
      drain_transcript();
      transport_.start_tls();
      if (auto st = session_.tls_established(); !st) fail(st.error());
      continue;
    }
    if (auto* closed = std::get_if<Closed>(&ev); closed && !closed->clean) {
      // A ProtocolError came first and was thrown; this is unreachable in
      // practice but keeps the loop honest.
      throw CliError(Exit::Network, "the connection closed unexpectedly");
    }
    if (on_event(ev)) {
      flush();
      return;
    }
  }
}

void throw_refusal(const Error& error, const char* what) {
  const std::string msg = std::string(what) + ": " + error.detail;
  switch (error.code) {
    case ErrorCode::InsecureAuth:
      throw CliError(Exit::Usage, msg + " (use --security tls or starttls, or --allow-insecure-auth)");
    case ErrorCode::UnsupportedMechanism:
      throw CliError(Exit::ServerError, msg);
    case ErrorCode::BadArgument:
    case ErrorCode::ArgumentInjection:
    case ErrorCode::WrongState:
    case ErrorCode::QueueFull:
      throw CliError(Exit::Usage, msg);
    case ErrorCode::Failed:
      throw CliError(Exit::Protocol, msg);
    default:
      throw CliError(Exit::Protocol, msg);
  }
}

}  // namespace pop3ws::cli
