// Session internals, shared by session.cpp (commands, output) and
// session_reader.cpp (input, events).
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "dot_reader.hpp"
#include "pop3ws/session.hpp"
#include "sasl/mechanism.hpp"

namespace pop3ws {

// One command from queueing until its reply has completed.
struct PendingCommand {
  Command command = Command::Noop;
  std::string arguments;              // wire form after the keyword
  std::uint32_t message = 0;
  bool has_argument = false;
  bool secret = false;                // redact in the transcript
  bool written = false;
  std::unique_ptr<sasl::Mechanism> mechanism;  // AUTH only
  std::string mechanism_name;                  // AUTH only
};

// Where the reader is within the reply to the front command.
enum class ReadPhase : std::uint8_t {
  StatusLine,   // waiting for +OK/-ERR (or "+ " during AUTH)
  Body,         // RETR/TOP data, streamed
  Listing,      // LIST/UIDL/CAPA data, line by line
};

struct Session::Impl {
  explicit Impl(Settings s) : settings(s) {}

  Settings settings;
  SessionState state = SessionState::Greeting;
  LinkSecurity link;
  Capabilities caps;
  Capabilities next_caps;  // being filled by a CAPA response
  std::string apop_timestamp;
  bool utf8 = false;
  std::optional<Error> failure;
  bool failure_reported = false;
  bool awaiting_tls = false;
  bool eof = false;
  bool closed_reported = false;

  // What the state will be once everything queued succeeds; new commands are
  // checked against it.
  SessionState projected = SessionState::Authorization;
  bool projected_user_given = false;
  bool projected_stls = false;

  std::deque<PendingCommand> queue;  // written ones first, oldest first
  std::size_t written = 0;           // how many at the front are written

  // Input: [read, end) is unparsed; scan is where the search for LF resumes
  // (so a partial line is never scanned twice, as in picohttpparser).
  std::vector<char> in;
  std::size_t read = 0, end = 0, scan = 0;

  std::string out;
  std::size_t out_pos = 0;

  ReadPhase phase = ReadPhase::StatusLine;
  DotReader dots;
  std::uint64_t body_octets = 0;
  std::size_t capa_lines = 0;
  std::deque<Event> ready;  // owning events waiting to be returned

  std::deque<TranscriptEntry> transcript;
  std::uint64_t transcript_dropped = 0;

  // session.cpp
  Status check_usable() const;
  Status check_state(Command command) const;
  Status enqueue(PendingCommand cmd);
  void flush();
  void write_line(std::string_view line);
  void note(TranscriptEntry::Direction dir, std::string text, std::uint64_t octets);
  void cancel_unwritten();
  void fail(ErrorCode code, std::string detail);
  bool link_allows_secret(bool per_call_allow) const;

  // session_reader.cpp
  void pop_front();     // the front command's reply is complete
  void finish_reply();  // ... and a multi-line reply ended: read status lines, write more
  Event next_event();
  Event read_status_line();
  Event read_body();
  Event read_listing();
  Event on_close();
  std::optional<std::string_view> take_line(bool& error);
  Event complete_reply(std::string_view line);
  Event sasl_challenge(std::string_view line);
  Event error_event();
};

}  // namespace pop3ws
