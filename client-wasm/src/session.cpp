// Session: commands in, bytes out. Each command is checked against the state
// the session will be in once everything queued before it succeeds (RFC 1939
// §§4-6), then queued; flush() writes what the pipeline window allows.
#include <algorithm>
#include <cstring>

#include "crypto/crypto.hpp"
#include "session_impl.hpp"
#include "text.hpp"

namespace pop3ws {
namespace {

bool allowed_in(Command c, SessionState s) {
  switch (c) {
    case Command::User:
    case Command::Pass:
    case Command::Apop:
    case Command::Auth:
    case Command::Stls:
    case Command::Utf8:
      return s == SessionState::Authorization;
    case Command::Quit:
    case Command::Capa:
      return s == SessionState::Authorization || s == SessionState::Transaction;
    case Command::Stat:
    case Command::List:
    case Command::Retr:
    case Command::Dele:
    case Command::Noop:
    case Command::Rset:
    case Command::Top:
    case Command::Uidl:
      return s == SessionState::Transaction;
    case Command::AuthContinuation:
      return false;
  }
  return false;
}

// A command that changes the state: nothing after it is written until its
// reply arrives, since the reply decides what may follow.
bool is_barrier(Command c) {
  return c == Command::Pass || c == Command::Apop || c == Command::Auth ||
         c == Command::Stls || c == Command::Quit || c == Command::Utf8;
}

Status check_argument(std::string_view arg, std::size_t max, const char* what) {
  for (char c : arg) {
    if (c == '\r' || c == '\n' || c == '\0')
      return make_error(ErrorCode::ArgumentInjection,
                        std::string(what) + " contains CR, LF or NUL (command injection)");
  }
  if (arg.empty()) return make_error(ErrorCode::BadArgument, std::string(what) + " is empty");
  if (arg.size() > max)
    return make_error(ErrorCode::BadArgument,
                      std::string(what) + " is longer than " + std::to_string(max) + " octets (RFC 2449 §4)");
  return {};
}

Status check_message(std::uint32_t n) {
  if (n == 0) return make_error(ErrorCode::BadArgument, "message numbers start at 1 (RFC 1939 §5)");
  return {};
}

PendingCommand make(Command c, std::string args = {}, std::uint32_t message = 0, bool has_arg = false) {
  PendingCommand p;
  p.command = c;
  p.arguments = std::move(args);
  p.message = message;
  p.has_argument = has_arg;
  return p;
}

}  // namespace

// ---- Impl: queue and output ----------------------------------------------

void Session::Impl::fail(ErrorCode code, std::string detail) {
  if (failure) return;
  failure = Error{code, std::move(detail)};
  state = SessionState::Failed;
  // A StartTls not yet pulled must never reach the caller after a failure.
  ready.erase(std::remove_if(ready.begin(), ready.end(),
                             [](const Event& e) { return std::holds_alternative<StartTls>(e); }),
              ready.end());
  note(TranscriptEntry::Direction::Note, std::string("error: ") + failure->detail, 0);
}

Status Session::Impl::check_usable() const {
  if (failure) return make_error(ErrorCode::Failed, "the session failed earlier: " + failure->detail);
  if (state == SessionState::Closed) return make_error(ErrorCode::WrongState, "the session is closed");
  return {};
}

bool Session::Impl::link_allows_secret(bool per_call_allow) const {
  return link.encrypted || link.loopback || per_call_allow || settings.allow_insecure_auth;
}

Status Session::Impl::enqueue(PendingCommand cmd) {
  if (auto st = check_state(cmd.command); !st) return st;
  if (queue.size() >= settings.max_queued_commands)
    return make_error(ErrorCode::QueueFull, "too many commands queued");

  switch (cmd.command) {
    case Command::User: projected_user_given = true; break;
    case Command::Pass:
    case Command::Apop:
    case Command::Auth: projected = SessionState::Transaction; break;
    case Command::Stls: projected_stls = true; break;
    case Command::Quit:
      projected = projected == SessionState::Transaction ? SessionState::Update : SessionState::Closed;
      break;
    default: break;
  }
  queue.push_back(std::move(cmd));
  flush();
  return {};
}

Status Session::Impl::check_state(Command command) const {
  if (auto st = check_usable(); !st) return st;
  PendingCommand cmd;
  cmd.command = command;
  if (!allowed_in(cmd.command, projected)) {
    std::string why = std::string(command_name(cmd.command)) + " is not allowed in the " +
                      state_name(projected) + " state";
    if (projected == SessionState::Authorization && allowed_in(cmd.command, SessionState::Transaction))
      why += " (log in first: RFC 1939 §5 allows it only in TRANSACTION)";
    else if (projected == SessionState::Transaction)
      why += " (already logged in: RFC 1939 §4 commands end with authentication)";
    else if (projected == SessionState::Update || projected == SessionState::Closed)
      why += " (QUIT was already sent)";
    return make_error(ErrorCode::WrongState, why);
  }
  if (cmd.command == Command::Pass && !projected_user_given)
    return make_error(ErrorCode::WrongState, "PASS must follow a USER command (RFC 1939 §7)");
  if (cmd.command == Command::Stls) {
    if (link.encrypted || projected_stls)
      return make_error(ErrorCode::WrongState, "TLS is already active or requested (RFC 2595 §4)");
  }
  return {};
}

void Session::Impl::cancel_unwritten() {
  while (queue.size() > written) {
    ready.push_back(Cancelled{queue.back().command, queue.back().message});
    queue.pop_back();
  }
  // Reverse so Cancelled events come out oldest first.
  std::size_t n = 0;
  for (auto it = ready.rbegin(); it != ready.rend() && std::holds_alternative<Cancelled>(*it); ++it) ++n;
  std::reverse(ready.end() - static_cast<std::ptrdiff_t>(n), ready.end());
  projected = state;
  projected_user_given = false;
  projected_stls = false;
}

void Session::Impl::write_line(std::string_view line) {
  if (out_pos == out.size()) {
    out.clear();
    out_pos = 0;
  }
  out.append(line);
  out.append("\r\n");
}

void Session::Impl::note(TranscriptEntry::Direction dir, std::string text, std::uint64_t octets) {
  if (settings.transcript_capacity == 0) return;
  if (transcript.size() >= settings.transcript_capacity) {
    transcript.pop_front();
    ++transcript_dropped;
  }
  transcript.push_back(TranscriptEntry{dir, std::move(text), octets});
}

void Session::Impl::flush() {
  if (failure || awaiting_tls || state == SessionState::Greeting || state == SessionState::Closed) return;
  const bool pipelining = settings.pipelining == PipeliningMode::On ||
                          (settings.pipelining == PipeliningMode::Auto && caps.pipelining);
  const std::size_t window = pipelining ? std::max<std::size_t>(1, settings.pipeline_window) : 1;
  while (written < queue.size() && written < window) {
    if (written > 0 && is_barrier(queue[written - 1].command)) break;
    PendingCommand& c = queue[written];
    if (c.written) break;
    std::string line = command_name(c.command);
    if (!c.arguments.empty()) line += ' ' + c.arguments;
    write_line(line);
    std::string shown = c.secret ? std::string(command_name(c.command)) + " ********" : line;
    if (c.command == Command::Auth) shown = "AUTH " + c.mechanism_name + (c.secret ? " ********" : "");
    note(TranscriptEntry::Direction::Client, std::move(shown), line.size() + 2);
    c.written = true;
    ++written;
  }
}

// ---- Session: construction -------------------------------------------------

Session::Session(Settings settings) : impl_(std::make_unique<Impl>(settings)) {}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

// ---- output ------------------------------------------------------------------

std::string_view Session::pending_output() const {
  return std::string_view(impl_->out).substr(impl_->out_pos);
}

void Session::consume_output(std::size_t n) {
  impl_->out_pos = std::min(impl_->out.size(), impl_->out_pos + n);
  if (impl_->out_pos == impl_->out.size()) {
    impl_->out.clear();
    impl_->out_pos = 0;
  }
}

std::size_t Session::in_flight() const { return impl_->written; }
std::size_t Session::outstanding() const { return impl_->queue.size(); }

// ---- commands ----------------------------------------------------------------

Status Session::user(std::string_view name) {
  if (auto st = check_argument(name, impl_->settings.max_argument, "user name"); !st) return st;
  auto c = make(Command::User, std::string(name), 0, true);
  return impl_->enqueue(std::move(c));
}

Status Session::pass(std::string_view password) {
  if (auto st = impl_->check_state(Command::Pass); !st) return st;
  if (auto st = check_argument(password, impl_->settings.max_argument, "password"); !st) return st;
  if (!impl_->link_allows_secret(false))
    return make_error(ErrorCode::InsecureAuth,
                      "PASS would send the password unencrypted to a remote host; use TLS or allow it explicitly");
  auto c = make(Command::Pass, std::string(password), 0, true);
  c.secret = true;
  return impl_->enqueue(std::move(c));
}

Status Session::apop(std::string_view name, std::string_view secret) {
  if (auto st = impl_->check_state(Command::Apop); !st) return st;
  if (auto st = check_argument(name, impl_->settings.max_argument, "user name"); !st) return st;
  if (auto st = check_argument(secret, impl_->settings.max_argument, "secret"); !st) return st;
  if (impl_->apop_timestamp.empty())
    return make_error(ErrorCode::UnsupportedMechanism, "the greeting carries no APOP timestamp (RFC 1939 §7)");
  if (!impl_->link_allows_secret(false))
    return make_error(ErrorCode::InsecureAuth, "APOP over an unencrypted link to a remote host is refused");
  // RFC 1939 §7: digest = MD5(timestamp || secret), lower-case hex.
  const std::string digest = crypto::to_hex(crypto::md5(impl_->apop_timestamp + std::string(secret)));
  auto c = make(Command::Apop, std::string(name) + ' ' + digest, 0, true);
  c.secret = true;
  return impl_->enqueue(std::move(c));
}

Status Session::stat() { return impl_->enqueue(make(Command::Stat)); }
Status Session::noop() { return impl_->enqueue(make(Command::Noop)); }
Status Session::rset() { return impl_->enqueue(make(Command::Rset)); }
Status Session::quit() { return impl_->enqueue(make(Command::Quit)); }
Status Session::capa() { return impl_->enqueue(make(Command::Capa)); }
Status Session::stls() { return impl_->enqueue(make(Command::Stls)); }

Status Session::utf8() {
  if (!impl_->caps.utf8)
    return make_error(ErrorCode::WrongState, "the server does not advertise UTF8 (RFC 6856 §2)");
  return impl_->enqueue(make(Command::Utf8));
}

Status Session::list(std::optional<std::uint32_t> message) {
  if (!message) return impl_->enqueue(make(Command::List));
  if (auto st = check_message(*message); !st) return st;
  return impl_->enqueue(make(Command::List, std::to_string(*message), *message, true));
}

Status Session::uidl(std::optional<std::uint32_t> message) {
  if (!message) return impl_->enqueue(make(Command::Uidl));
  if (auto st = check_message(*message); !st) return st;
  return impl_->enqueue(make(Command::Uidl, std::to_string(*message), *message, true));
}

Status Session::retr(std::uint32_t message) {
  if (auto st = check_message(message); !st) return st;
  return impl_->enqueue(make(Command::Retr, std::to_string(message), message, true));
}

Status Session::top(std::uint32_t message, std::uint32_t lines) {
  if (auto st = check_message(message); !st) return st;
  return impl_->enqueue(
      make(Command::Top, std::to_string(message) + ' ' + std::to_string(lines), message, true));
}

Status Session::dele(std::uint32_t message) {
  if (auto st = check_message(message); !st) return st;
  return impl_->enqueue(make(Command::Dele, std::to_string(message), message, true));
}

Status Session::login(const LoginRequest& req) {
  if (auto st = impl_->check_usable(); !st) return st;
  if (auto st = check_argument(req.user, impl_->settings.max_argument, "user name"); !st) return st;
  for (char c : req.secret)
    if (c == '\r' || c == '\n' || c == '\0')
      return make_error(ErrorCode::ArgumentInjection, "secret contains CR, LF or NUL");
  if (req.secret.empty()) return make_error(ErrorCode::BadArgument, "secret is empty");
  if (impl_->projected != SessionState::Authorization)
    return make_error(ErrorCode::WrongState, "login is only possible in the AUTHORIZATION state");

  auto method = choose_auth_method(req, impl_->caps, !impl_->apop_timestamp.empty(), impl_->link);
  if (!method) return method.error();
  const bool allow = req.allow_insecure;
  switch (*method) {
    case AuthMethod::UserPass: {
      // Every check before USER is queued, so a refusal leaves nothing behind.
      if (auto st = check_argument(req.secret, impl_->settings.max_argument, "password"); !st) return st;
      if (!impl_->link_allows_secret(allow))
        return make_error(ErrorCode::InsecureAuth, "PASS would expose the password");
      if (auto st = user(req.user); !st) return st;
      auto c = make(Command::Pass, req.secret, 0, true);
      c.secret = true;
      return impl_->enqueue(std::move(c));
    }
    case AuthMethod::Apop: {
      if (impl_->apop_timestamp.empty())
        return make_error(ErrorCode::UnsupportedMechanism, "the greeting carries no APOP timestamp");
      const std::string digest = crypto::to_hex(crypto::md5(impl_->apop_timestamp + req.secret));
      auto c = make(Command::Apop, req.user + ' ' + digest, 0, true);
      c.secret = true;
      return impl_->enqueue(std::move(c));
    }
    default: break;
  }

  auto mech = sasl::make_mechanism(*method, req, impl_->settings);
  if (!mech) return mech.error();
  PendingCommand c = make(Command::Auth);
  c.mechanism_name = auth_method_name(*method);
  c.arguments = c.mechanism_name;
  c.secret = false;
  bool use_ir = false;
  switch (req.initial_response) {
    case InitialResponse::Auto: use_ir = (*mech)->prefers_initial_response(); break;
    case InitialResponse::Always: use_ir = true; break;
    case InitialResponse::Never: use_ir = false; break;
  }
  if (use_ir) {
    if (auto ir = (*mech)->initial_response()) {
      // RFC 5034 §4: an empty initial response is sent as "=".
      const std::string encoded = ir->empty() ? "=" : crypto::base64_encode(*ir);
      // RFC 5034 §4: the AUTH line with its initial response must fit in
      // 255 octets; otherwise wait for the empty challenge.
      if (6 + c.mechanism_name.size() + 1 + encoded.size() + 2 <= 255) {
        c.arguments += ' ' + encoded;
        c.secret = true;
      } else {
        // Rebuild the mechanism: initial_response() advanced its state.
        auto fresh = sasl::make_mechanism(*method, req, impl_->settings);
        if (!fresh) return fresh.error();
        mech = std::move(fresh);
      }
    }
  }
  c.mechanism = std::move(*mech);
  return impl_->enqueue(std::move(c));
}

Expected<Command> Session::submit_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  for (char ch : line)
    if (ch == '\r' || ch == '\n' || ch == '\0')
      return make_error(ErrorCode::ArgumentInjection, "the line contains CR, LF or NUL");
  std::string_view rest = line;
  const std::string_view keyword = text::next_token(rest);
  if (keyword.empty()) return make_error(ErrorCode::BadArgument, "empty command");
  const auto cmd = command_from_name(keyword);
  if (!cmd) return make_error(ErrorCode::BadArgument, "unknown command " + std::string(keyword));
  // PASS keeps everything after one space: passwords may contain spaces.
  const std::string_view raw_rest = line.size() > keyword.size() ? line.substr(keyword.size() + 1) : std::string_view();
  std::vector<std::string_view> args;
  for (std::string_view r = rest;;) {
    const auto t = text::next_token(r);
    if (t.empty()) break;
    args.push_back(t);
  }
  auto number = [&](std::size_t i) -> std::optional<std::uint32_t> {
    return i < args.size() ? text::parse_uint<std::uint32_t>(args[i]) : std::nullopt;
  };
  auto arity = [&](std::size_t lo, std::size_t hi) -> Status {
    if (args.size() < lo || args.size() > hi)
      return make_error(ErrorCode::BadArgument, std::string(command_name(*cmd)) + " takes " +
                                                    (lo == hi ? std::to_string(lo) : std::to_string(lo) + " or " + std::to_string(hi)) +
                                                    " argument(s)");
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (!number(i)) return make_error(ErrorCode::BadArgument, "\"" + std::string(args[i]) + "\" is not a number");
    }
    return {};
  };
  Status st;
  switch (*cmd) {
    case Command::User: st = user(text::trim(raw_rest)); break;
    case Command::Pass: st = pass(raw_rest); break;
    case Command::Apop: {
      if (args.size() != 2) return make_error(ErrorCode::BadArgument, "APOP takes a name and a digest");
      auto c = make(Command::Apop, std::string(args[0]) + ' ' + std::string(args[1]), 0, true);
      c.secret = true;
      st = impl_->enqueue(std::move(c));
      break;
    }
    case Command::Auth:
      return make_error(ErrorCode::BadArgument,
                        "AUTH is a multi-step exchange (RFC 5034): sign in with a mechanism instead of typing it");
    case Command::Stat: case Command::Noop: case Command::Rset: case Command::Quit:
    case Command::Capa: case Command::Stls: case Command::Utf8:
      if (!args.empty())
        return make_error(ErrorCode::BadArgument, std::string(command_name(*cmd)) + " takes no argument");
      st = *cmd == Command::Stat ? stat() : *cmd == Command::Noop ? noop() : *cmd == Command::Rset ? rset()
         : *cmd == Command::Quit ? quit() : *cmd == Command::Capa ? capa() : *cmd == Command::Stls ? stls() : utf8();
      break;
    case Command::List:
    case Command::Uidl:
      if (auto a = arity(0, 1); !a) return a.error();
      st = *cmd == Command::List ? list(number(0)) : uidl(number(0));
      break;
    case Command::Retr:
    case Command::Dele:
      if (auto a = arity(1, 1); !a) return a.error();
      st = *cmd == Command::Retr ? retr(*number(0)) : dele(*number(0));
      break;
    case Command::Top:
      if (auto a = arity(2, 2); !a) return a.error();
      st = top(*number(0), *number(1));
      break;
    case Command::AuthContinuation:
      return make_error(ErrorCode::BadArgument, "not a command");
  }
  if (!st) return st.error();
  return *cmd;
}

// ---- transport and state -------------------------------------------------

void Session::set_link(const LinkSecurity& link) { impl_->link = link; }
const LinkSecurity& Session::link() const { return impl_->link; }

Status Session::tls_established() {
  if (auto st = impl_->check_usable(); !st) return st;
  if (!impl_->awaiting_tls) return make_error(ErrorCode::WrongState, "no STLS upgrade is pending");
  impl_->awaiting_tls = false;
  impl_->link.encrypted = true;
  impl_->note(TranscriptEntry::Direction::Note, "TLS established", 0);
  // RFC 2595 §4: forget what was learned before TLS; ask CAPA again.
  impl_->caps = Capabilities{};
  if (impl_->settings.recapa) {
    PendingCommand c;
    c.command = Command::Capa;
    impl_->queue.insert(impl_->queue.begin() + static_cast<std::ptrdiff_t>(impl_->written), std::move(c));
  }
  impl_->flush();
  return {};
}

SessionState Session::state() const { return impl_->state; }
const Capabilities& Session::capabilities() const { return impl_->caps; }
const std::string& Session::apop_timestamp() const { return impl_->apop_timestamp; }
const Settings& Session::settings() const { return impl_->settings; }
bool Session::utf8_active() const { return impl_->utf8; }
const std::optional<Error>& Session::failure() const { return impl_->failure; }

bool Session::pipelining_active() const {
  return impl_->settings.pipelining == PipeliningMode::On ||
         (impl_->settings.pipelining == PipeliningMode::Auto && impl_->caps.pipelining);
}

std::optional<TranscriptEntry> Session::next_transcript_entry() {
  if (impl_->transcript.empty()) return std::nullopt;
  TranscriptEntry e = std::move(impl_->transcript.front());
  impl_->transcript.pop_front();
  return e;
}

std::uint64_t Session::transcript_dropped() const { return impl_->transcript_dropped; }

}  // namespace pop3ws
