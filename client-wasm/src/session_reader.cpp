// Session: bytes in, events out. The reply to the command at the front of
// the queue decides how the next bytes are framed (RFC 1939 §3).
#include <algorithm>
#include <cstring>

#include "crypto/crypto.hpp"
#include "session_impl.hpp"
#include "text.hpp"

namespace pop3ws {
namespace {

// RFC 1939 §7: the APOP timestamp is a msg-id, "<...>", in the greeting.
std::string find_apop_timestamp(std::string_view text) {
  const std::size_t open = text.find('<');
  if (open == std::string_view::npos) return {};
  const std::size_t close = text.find('>', open);
  if (close == std::string_view::npos) return {};
  const std::string_view ts = text.substr(open, close - open + 1);
  if (ts.find('@') == std::string_view::npos) return {};  // not a msg-id
  return std::string(ts);
}

}  // namespace

// ---- input -------------------------------------------------------------------

Expected<std::uint8_t*> Session::input_buffer(std::size_t n) {
  Impl& s = *impl_;
  if (s.end - s.read + n > s.settings.max_buffered_input)
    return make_error(ErrorCode::BufferLimit,
                      "more than " + std::to_string(s.settings.max_buffered_input) +
                          " unparsed bytes: pull events before giving more input");
  if (s.read > 0) {  // compact: only a partial line is ever left behind
    std::memmove(s.in.data(), s.in.data() + s.read, s.end - s.read);
    s.end -= s.read;
    s.scan -= s.read;
    s.read = 0;
  }
  if (s.in.size() < s.end + n) s.in.resize(std::max(s.end + n, s.in.size() * 2));
  return reinterpret_cast<std::uint8_t*>(s.in.data() + s.end);
}

Status Session::commit_input(std::size_t n) {
  Impl& s = *impl_;
  if (s.end + n > s.in.size()) return make_error(ErrorCode::BadArgument, "commit beyond the input buffer");
  s.end += n;
  if (n > 0 && s.awaiting_tls && !s.failure) {
    // RFC 2595 §4 / CVE-2011-0411 class: bytes after +OK to STLS and before
    // the handshake were injected by someone on the path. Use none of them.
    s.fail(ErrorCode::StlsInjection, "the server sent data after +OK to STLS, before TLS started");
  }
  return {};
}

Status Session::receive(std::string_view bytes) {
  auto buf = input_buffer(bytes.size());
  if (!buf) return buf.error();
  if (!bytes.empty()) std::memcpy(*buf, bytes.data(), bytes.size());
  return commit_input(bytes.size());
}

void Session::receive_eof() { impl_->eof = true; }

Event Session::next_event() { return impl_->next_event(); }

// ---- the reader -------------------------------------------------------------

void Session::Impl::pop_front() {
  queue.pop_front();
  --written;
}

void Session::Impl::finish_reply() {
  pop_front();
  phase = ReadPhase::StatusLine;
  flush();
}

Event Session::Impl::error_event() {
  if (failure && !failure_reported) {
    failure_reported = true;
    return ProtocolError{*failure};
  }
  return NeedData{};
}

std::optional<std::string_view> Session::Impl::take_line(bool& error) {
  error = false;
  const char* base = in.data();
  const void* nl = scan < end ? std::memchr(base + scan, '\n', end - scan) : nullptr;
  if (!nl) {
    scan = end;
    if (end - read > settings.max_line) {
      fail(ErrorCode::LineTooLong, "a response line is longer than " + std::to_string(settings.max_line) + " octets");
      error = true;
    }
    return std::nullopt;
  }
  const std::size_t stop = std::size_t(static_cast<const char*>(nl) - base);
  std::string_view line(base + read, stop - read);
  if (line.size() + 1 > settings.max_line) {
    fail(ErrorCode::LineTooLong, "a response line is longer than " + std::to_string(settings.max_line) + " octets");
    error = true;
    return std::nullopt;
  }
  read = stop + 1;
  scan = read;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // bare LF is accepted
  return line;
}

Event Session::Impl::next_event() {
  if (!ready.empty()) {
    Event e = std::move(ready.front());
    ready.pop_front();
    return e;
  }
  if (failure) return error_event();
  if (awaiting_tls) return eof ? on_close() : Event{NeedData{}};
  Event e = NeedData{};
  switch (phase) {
    case ReadPhase::StatusLine: e = read_status_line(); break;
    case ReadPhase::Body: e = read_body(); break;
    case ReadPhase::Listing: e = read_listing(); break;
  }
  // An event parsed before a failure is still delivered; the failure comes
  // with the next call, so the order of events never depends on splits.
  if (!std::holds_alternative<NeedData>(e)) return e;
  if (!ready.empty()) {
    Event r = std::move(ready.front());
    ready.pop_front();
    return r;
  }
  if (failure) return error_event();
  if (eof) return on_close();
  return NeedData{};
}

Event Session::Impl::on_close() {
  if (closed_reported) return NeedData{};
  closed_reported = true;
  if (state == SessionState::Closed) {
    note(TranscriptEntry::Direction::Note, "connection closed", 0);
    return Closed{true};
  }
  std::string why = "the server closed the connection";
  if (state == SessionState::Greeting) why += " before its greeting";
  else if (written > 0) {
    why += std::string(" while the reply to ") + command_name(queue.front().command) + " was due";
    if (phase == ReadPhase::Body)
      why += " (" + std::to_string(body_octets) + " bytes of message " + std::to_string(queue.front().message) +
             " had arrived)";
  }
  fail(ErrorCode::ConnectionClosed, why);
  failure_reported = true;
  ready.push_back(Closed{false});
  return ProtocolError{*failure};
}

Event Session::Impl::read_status_line() {
  bool error = false;
  const auto line = take_line(error);
  if (!line) return NeedData{};

  if (state == SessionState::Greeting) {
    StatusLine st;
    if (!parse_status_line(*line, st)) {
      fail(ErrorCode::MalformedResponse, "the greeting is not +OK or -ERR");
      return NeedData{};
    }
    note(TranscriptEntry::Direction::Server, std::string(*line), line->size() + 2);
    Greeting g;
    g.ok = st.ok;
    g.text = st.text;
    if (st.ok) {
      g.apop_timestamp = find_apop_timestamp(st.text);
      apop_timestamp = g.apop_timestamp;
      state = SessionState::Authorization;
      flush();
    } else {
      state = SessionState::Closed;
      cancel_unwritten();
    }
    return g;
  }

  if (written == 0) {
    fail(ErrorCode::UnexpectedData, "the server sent a line while no reply was due");
    return NeedData{};
  }
  PendingCommand& front = queue.front();
  if (front.command == Command::Auth && !line->empty() && (*line)[0] == '+' &&
      (line->size() == 1 || (*line)[1] == ' ')) {
    return sasl_challenge(*line);
  }
  return complete_reply(*line);
}

Event Session::Impl::sasl_challenge(std::string_view line) {
  PendingCommand& front = queue.front();
  note(TranscriptEntry::Direction::Server, std::string(line), line.size() + 2);
  const std::string_view payload = text::trim(line.substr(1));
  const auto decoded = crypto::base64_decode(payload);
  if (!decoded) {
    fail(ErrorCode::SaslFailure, "the server's SASL challenge is not valid base64");
    return NeedData{};
  }
  if (!front.mechanism) {
    fail(ErrorCode::SaslFailure, "unexpected SASL challenge");
    return NeedData{};
  }
  auto response = front.mechanism->respond(*decoded);
  if (!response) {
    fail(response.error().code, response.error().detail);
    return NeedData{};
  }
  const std::string encoded = crypto::base64_encode(*response);
  write_line(encoded);
  note(TranscriptEntry::Direction::Client, encoded.empty() ? std::string() : "********", encoded.size() + 2);
  return NeedData{};
}

Event Session::Impl::complete_reply(std::string_view line) {
  PendingCommand& front = queue.front();
  StatusLine st;
  if (!parse_status_line(line, st)) {
    fail(ErrorCode::MalformedResponse,
         std::string("the reply to ") + command_name(front.command) + " is not +OK or -ERR");
    return NeedData{};
  }
  note(TranscriptEntry::Direction::Server, std::string(line), line.size() + 2);
  Reply r;
  r.command = front.command;
  r.message = front.message;
  r.ok = st.ok;
  r.code = st.code;
  r.code_text = std::move(st.code_text);
  r.text = std::move(st.text);
  r.multiline = st.ok && is_multiline(front.command, front.has_argument);

  bool pop = !r.multiline;
  switch (front.command) {
    case Command::Pass:
    case Command::Apop:
    case Command::Auth:
      if (r.ok) {
        if (front.mechanism && !front.mechanism->accept_success(r.text)) {
          fail(ErrorCode::SaslFailure, "the server accepted the login without proving it knows the password (SCRAM)");
          return NeedData{};
        }
        state = SessionState::Transaction;
        if (settings.recapa && caps.known) {
          PendingCommand c;
          c.command = Command::Capa;
          queue.insert(queue.begin() + static_cast<std::ptrdiff_t>(written), std::move(c));
        }
      } else {
        pop_front();
        pop = false;
        cancel_unwritten();
      }
      break;
    case Command::User:
      if (!r.ok) projected_user_given = false;
      break;
    case Command::Stls:
      if (r.ok) {
        awaiting_tls = true;
        // Bytes already behind the +OK were sent before TLS: an injection
        // (RFC 2595 §4). Then there is no StartTls: nothing may build on them.
        if (read != end) fail(ErrorCode::StlsInjection, "the server sent data after +OK to STLS, before TLS started");
        else ready.push_back(StartTls{});
      } else {
        // Never fall back to sending secrets in the clear: drop what was queued.
        pop_front();
        pop = false;
        cancel_unwritten();
      }
      break;
    case Command::Quit:
      // RFC 1939 §6: the server removes deleted messages, then answers.
      state = SessionState::Closed;
      break;
    case Command::Utf8:
      if (r.ok) utf8 = true;
      break;
    case Command::Stat:
      if (r.ok) {
        std::string_view t = r.text;
        const auto n = text::parse_uint<std::uint32_t>(text::next_token(t));
        const auto size = text::parse_uint<std::uint64_t>(text::next_token(t));
        if (!n || !size) {
          fail(ErrorCode::MalformedResponse, "STAT's reply lacks a count and size (RFC 1939 §5)");
          return NeedData{};
        }
        r.detail = MailboxStat{*n, *size};
      }
      break;
    case Command::List:
    case Command::Uidl:
      if (r.ok && front.has_argument) {
        std::string_view t = r.text;
        const auto n = text::parse_uint<std::uint32_t>(text::next_token(t));
        const std::string_view second = text::next_token(t);
        if (!n || second.empty()) {
          fail(ErrorCode::MalformedResponse, std::string(command_name(front.command)) + " n reply does not parse");
          return NeedData{};
        }
        if (front.command == Command::List) {
          const auto size = text::parse_uint<std::uint64_t>(second);
          if (!size) {
            fail(ErrorCode::MalformedResponse, "LIST n reply has no size");
            return NeedData{};
          }
          r.detail = ListItem{*n, *size};
        } else {
          r.detail = UidlItem{*n, std::string(second)};
        }
      }
      break;
    default:
      break;
  }

  if (r.multiline) {
    if (front.command == Command::Retr || front.command == Command::Top) {
      phase = ReadPhase::Body;
      dots.reset();
      body_octets = 0;
    } else {
      phase = ReadPhase::Listing;
      if (front.command == Command::Capa) {
        next_caps = Capabilities{};
        capa_lines = 0;
      }
    }
  }
  if (pop) pop_front();
  flush();
  return r;
}

Event Session::Impl::read_body() {
  PendingCommand& front = queue.front();
  const DotReader::Step step = dots.next(in.data() + read, end - read);
  if (step.consumed == 0) return NeedData{};
  const char* base = in.data() + read;
  read += step.consumed;
  scan = read;
  if (step.finished) {
    note(TranscriptEntry::Direction::Server,
         "(" + std::to_string(body_octets) + " octets of message " + std::to_string(front.message) + ") .",
         body_octets);
    MultilineEnd e{front.command, front.message};
    finish_reply();
    return e;
  }
  body_octets += step.payload_size;
  return BodyChunk{front.command, front.message, std::string_view(base + step.payload_offset, step.payload_size)};
}

Event Session::Impl::read_listing() {
  PendingCommand& front = queue.front();
  bool error = false;
  auto line = take_line(error);
  if (!line) return NeedData{};
  note(TranscriptEntry::Direction::Server, std::string(*line), line->size() + 2);
  if (*line == ".") {
    MultilineEnd e{front.command, front.message};
    if (front.command == Command::Capa) {
      next_caps.known = true;
      caps = std::move(next_caps);
      next_caps = Capabilities{};
      ready.push_back(e);
      finish_reply();  // flushes: PIPELINING may have just appeared
      return CapabilitiesChanged{&caps};
    }
    finish_reply();
    return e;
  }
  std::string_view content = *line;
  if (!content.empty() && content.front() == '.') content.remove_prefix(1);  // dot-stuffed
  switch (front.command) {
    case Command::Capa:
      if (++capa_lines > settings.max_capabilities) {
        fail(ErrorCode::LineTooLong, "the CAPA response has more than " +
                                         std::to_string(settings.max_capabilities) + " lines");
        return NeedData{};
      }
      apply_capability_line(content, next_caps, settings.max_sasl_mechanisms);
      return read_listing();
    case Command::List: {
      std::string_view t = content;
      const auto n = text::parse_uint<std::uint32_t>(text::next_token(t));
      const auto size = text::parse_uint<std::uint64_t>(text::next_token(t));
      if (!n || !size) {
        fail(ErrorCode::MalformedResponse, "a LIST line is not \"n size\" (RFC 1939 §5)");
        return NeedData{};
      }
      return ListItem{*n, *size};
    }
    case Command::Uidl: {
      std::string_view t = content;
      const auto n = text::parse_uint<std::uint32_t>(text::next_token(t));
      const std::string_view uid = text::next_token(t);
      // RFC 1939 §7: the unique-id is 1 to 70 characters 0x21-0x7E.
      if (!n || uid.empty() || uid.size() > 70) {
        fail(ErrorCode::MalformedResponse, "a UIDL line is not \"n unique-id\" (RFC 1939 §7)");
        return NeedData{};
      }
      return UidlItem{*n, std::string(uid)};
    }
    default:
      fail(ErrorCode::MalformedResponse, "unexpected listing");
      return NeedData{};
  }
}

}  // namespace pop3ws
