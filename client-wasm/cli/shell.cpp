#include "shell.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include <fmt/core.h>

#include "annotations.hpp"
#include "driver.hpp"
#include "exit_codes.hpp"
#include "line_editor.hpp"
#include "login.hpp"
#include "output.hpp"
#include "printable.hpp"
#include "secret.hpp"
#include "shell_text.hpp"

namespace pop3ws::cli {

namespace {

// The last multi-line reply kept for `show`. Bodies above this are kept only
// in part: the shell is for learning, `pop3ws retr` is for big downloads.
constexpr std::size_t kMaxShownBody = 16u << 20;

// Messages come from a run-time table (two languages): fmt checks the
// arguments against each string as it formats.
template <class... Args>
std::string format(const char* fmt_string, const Args&... args) {
  return fmt::format(fmt::runtime(fmt_string), args...);
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string first_word(const std::string& line) {
  const auto b = line.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = line.find_first_of(" \t", b);
  return line.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// What the screen and the export show for a typed line: the arguments of
// PASS and APOP's digest are secrets (RFC 1939 §7).
std::string masked(const std::string& line) {
  const std::string cmd = upper(first_word(line));
  if (cmd == "PASS") return first_word(line) + " ********";
  if (cmd == "APOP") {
    const auto parts = trim(line.substr(line.find(first_word(line)) + 4));
    return first_word(line) + " " + first_word(parts) + " ********";
  }
  return line;
}

class Shell {
 public:
  Shell(const Options& o, const ShellOptions& so)
      : o_(o),
        driver_options_(quiet(o)),
        so_(so),
        lang_(so.lang == "zh" ? Lang::Zh : so.lang == "en" ? Lang::En : lang_from_environment()),
        notes_(lang_),
        session_(settings(o)),
        editor_(completion_words()) {}

  int run();

 private:
  // The shell shows the transcript itself; the driver must not drain it
  // to stderr (-v).
  static Options quiet(Options o) {
    o.verbose = false;
    return o;
  }
  static Settings settings(const Options& o) {
    Settings s = session_settings(o);
    s.transcript_capacity = 1u << 16;  // drained after every event
    s.allow_insecure_auth = o.allow_insecure_auth;
    return s;
  }
  std::vector<std::string> completion_words() const {
    std::vector<std::string> w;
    for (const auto& k : notes_.keys("commands")) w.push_back(k);
    for (const char* c : {"help", "login", "show", "export", "exit"}) w.emplace_back(c);
    return w;
  }

  // ---- output ------------------------------------------------------------
  void out(const std::string& line) {
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    record_.push_back(line);
  }
  void note(const std::optional<Note>& n, const std::string& prefix = {}) {
    if (!so_.explain || !n) return;
    out("    | " + prefix + n->text + (n->rfc.empty() ? "" : " (" + n->rfc + ")"));
  }
  void note_text(const std::string& t) {
    if (so_.explain) out("    | " + t);
  }
  std::optional<Note> find(std::string_view section, std::string_view key) const { return notes_.find(section, key); }

  // ---- protocol ----------------------------------------------------------
  void show_entry(const TranscriptEntry& e, const Event& ev);
  void show_transcript(const Event& ev);
  void show_status(const std::string& line, const Event& ev);
  void flush_block(const std::string& end_line);
  bool on_event(Event& ev);
  void wait_for_replies();
  void state_changed();
  void explain_refusal(const Error& err, const std::string& line);

  // ---- commands ------------------------------------------------------------
  void pop3_line(const std::string& line);
  void login();
  void show();
  void export_to(const std::string& path);
  void help();
  void starttls();

  const Options& o_;
  const Options driver_options_;
  ShellOptions so_;
  Lang lang_;
  Annotations notes_;
  std::unique_ptr<Transport> transport_;
  Session session_;
  std::unique_ptr<Driver> driver_;
  LineEditor editor_;
  std::vector<std::string> record_;   // what was shown, for export
  std::set<std::string> secrets_;     // scrubbed from the export as well
  SessionState shown_state_ = SessionState::Greeting;
  bool gone_ = false;                 // the connection failed

  // The multi-line reply being received, folded when it ends.
  bool in_block_ = false;
  Command block_command_ = Command::Noop;
  std::uint32_t block_message_ = 0;
  std::vector<std::string> block_lines_;  // display lines (data and their notes)
  std::string body_;                      // RETR/TOP bytes
  std::uint64_t body_octets_ = 0;
  std::vector<std::string> last_block_;   // for `show`
};

int Shell::run() {
  transport_ = open_transport(o_);
  driver_ = std::make_unique<Driver>(*transport_, session_, driver_options_);
  if (o_.proxied())
    out("* " + format(text(lang_, Msg::ConnectedProxy), o_.proxy.c_str()));
  else
    out("* " + format(text(lang_, Msg::Connected), o_.where().c_str(),
                      transport_->tls_active() ? "TLS" : o_.security == Security::StartTls ? "STLS" : "plain"));
  wait_for_replies();  // the greeting
  if (!o_.proxied() && o_.security == Security::StartTls) starttls();
  out("* " + std::string(text(lang_, Msg::TryHelp)));

  for (;;) {
    const std::string prompt = std::string("pop3ws ") + state_name(session_.state()) + "> ";
    auto got = editor_.read(prompt);
    if (!got) {
      std::fputc('\n', stdout);  // the prompt's line stays open at Ctrl-D
      if (session_.state() == SessionState::Transaction) note_text(text(lang_, Msg::LeftWithoutQuit));
      break;
    }
    const std::string line = trim(*got);
    const std::string word = first_word(line);
    const std::string lower = [&] {
      std::string l = word;
      for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return l;
    }();
    const bool secret_line = lower == "pass" || lower == "apop";
    if (editor_.interactive() && secret_line && ::isatty(STDOUT_FILENO)) {
      // The terminal echoed the password as it was typed: overwrite that
      // line with its masked form (cursor up, erase line).
      std::fputs("\x1b[1A\r\x1b[2K", stdout);
      std::fputs((prompt + masked(line) + "\n").c_str(), stdout);
      std::fflush(stdout);
    } else if (!editor_.interactive()) {
      std::fputs((masked(line) + "\n").c_str(), stdout);  // a scripted run reads like a session
    }
    record_.push_back(prompt + masked(line));
    if (line.empty()) continue;
    if (!secret_line) editor_.remember(line);
    if (secret_line && lower == "pass") secrets_.insert(trim(line.substr(line.find(word) + word.size())));

    try {
      if (lower == "exit") {
        if (session_.state() == SessionState::Transaction) note_text(text(lang_, Msg::LeftWithoutQuit));
        break;
      }
      if (lower == "help") { help(); continue; }
      if (lower == "login") { login(); continue; }
      if (lower == "show") { show(); continue; }
      if (lower == "export") {
        const std::string path = trim(line.substr(word.size()));
        if (path.empty()) out("! " + std::string(text(lang_, Msg::UnknownShellUse)));
        else export_to(path);
        continue;
      }
      pop3_line(line);
    } catch (const CliError& e) {
      // The connection or the session failed: stay, so the user can read,
      // show and export what happened.
      show_transcript(Event{NeedData{}});
      out("! " + format(text(lang_, Msg::ErrorLine), printable(e.what()).c_str()));
      gone_ = true;
      state_changed();
      note_text(text(lang_, Msg::ConnectionGone));
    }
  }
  transport_->close();
  out("* " + std::string(text(lang_, Msg::Bye)));
  return 0;
}

void Shell::starttls() {
  // --security starttls promises TLS before any secret: CAPA, then STLS
  // (RFC 2595 §4), shown like typed commands.
  pop3_line("CAPA");
  if (!session_.capabilities().stls)
    throw CliError(Exit::Tls, "the server does not offer STLS (RFC 2595); refusing to continue without TLS");
  pop3_line("STLS");
  if (!transport_->tls_active()) throw CliError(Exit::Tls, "the server refused STLS");
}

void Shell::pop3_line(const std::string& line) {
  if (gone_) {
    out("! " + std::string(text(lang_, Msg::ConnectionGone)));
    return;
  }
  if (o_.proxied() && upper(first_word(line)) == "STLS") {
    out("! " + format(text(lang_, Msg::Refused), text(lang_, Msg::StlsViaProxy)));
    return;
  }
  auto r = session_.submit_line(line);
  if (!r) {
    explain_refusal(r.error(), line);
    return;
  }
  wait_for_replies();
}

void Shell::explain_refusal(const Error& err, const std::string& line) {
  out("! " + format(text(lang_, Msg::Refused), printable(err.detail).c_str()));
  note(find("errors", to_string(err.code)));
  const std::string cmd = upper(first_word(line));
  const auto c = find("commands", cmd);
  if (!c) return;
  const std::string now = state_name(session_.state());
  const bool state_fits = std::find(c->states.begin(), c->states.end(), now) != c->states.end();
  // A wrong-state refusal in a fitting state is about the session's history
  // (STLS twice, PASS without USER): the codec's detail says which.
  if (err.code == ErrorCode::WrongState && !state_fits) {
    std::string states;
    for (const auto& s : c->states) states += (states.empty() ? "" : ", ") + s;
    note_text(format(text(lang_, Msg::AllowedIn), cmd.c_str(), states.c_str(), state_name(session_.state())));
    note(find("states", state_name(session_.state())), std::string(state_name(session_.state())) + ": ");
  }
  if (err.code == ErrorCode::BadArgument && !c->usage.empty()) note_text(format(text(lang_, Msg::Usage), c->usage.c_str()));
  note(c, cmd + ": ");
}

void Shell::wait_for_replies() {
  if (session_.wants_write()) show_transcript(Event{NeedData{}});  // the C: line first
  driver_->run([&](Event& ev) { return on_event(ev); });
  show_transcript(Event{NeedData{}});
  state_changed();
}

void Shell::state_changed() {
  const SessionState now = session_.state();
  if (now == shown_state_) return;
  // QUIT from TRANSACTION passes through UPDATE (RFC 1939 §6): the server
  // deleted the marked messages before its +OK, which ends the session.
  if (shown_state_ == SessionState::Transaction && now == SessionState::Closed) {
    if (auto n = find("states", "UPDATE"))
      note_text(format(text(lang_, Msg::StateNow), "UPDATE", n->text + " (" + n->rfc + ")"));
  }
  shown_state_ = now;
  if (auto n = find("states", state_name(now)))
    note_text(format(text(lang_, Msg::StateNow), state_name(now), (n->text + " (" + n->rfc + ")").c_str()));
}

bool Shell::on_event(Event& ev) {
  show_transcript(ev);
  if (std::holds_alternative<Greeting>(ev)) {
    state_changed();
    return true;
  }
  if (auto* r = std::get_if<Reply>(&ev)) {
    if (r->multiline) {
      in_block_ = true;
      block_command_ = r->command;
      block_message_ = r->message;
      block_lines_.clear();
      body_.clear();
      body_octets_ = 0;
      return false;
    }
    state_changed();
    // +OK to STLS: the StartTls event follows, which the driver turns into
    // the handshake; the CAPA asked after it (RFC 2595 §4) ends the wait.
    if (r->command == Command::Stls && r->ok) return false;
    return session_.outstanding() == 0;
  }
  if (auto* chunk = std::get_if<BodyChunk>(&ev)) {
    body_octets_ += chunk->data.size();
    if (body_.size() < kMaxShownBody)
      body_.append(chunk->data.substr(0, std::min(chunk->data.size(), kMaxShownBody - body_.size())));
    return false;
  }
  if (std::holds_alternative<MultilineEnd>(ev) || std::holds_alternative<Cancelled>(ev)) {
    if (auto* c = std::get_if<Cancelled>(&ev)) out(std::string("*  cancelled: ") + command_name(c->command));
    state_changed();
    return session_.outstanding() == 0;
  }
  if (std::holds_alternative<Closed>(ev)) return true;
  return false;
}

void Shell::show_transcript(const Event& ev) {
  while (auto e = session_.next_transcript_entry()) show_entry(*e, ev);
}

void Shell::show_entry(const TranscriptEntry& e, const Event& ev) {
  const std::string t = printable(e.text);
  if (e.direction == TranscriptEntry::Direction::Note) {
    out("*  " + t);
    return;
  }
  if (e.direction == TranscriptEntry::Direction::Client) {
    out("C: " + t);
    if (t.empty() || t == "********") {
      note_text(text(lang_, Msg::SaslResponse));
      return;
    }
    const std::string cmd = upper(first_word(t));
    note(find("commands", cmd));
    return;
  }
  // Server lines.
  if (in_block_) {
    const bool body = block_command_ == Command::Retr || block_command_ == Command::Top;
    const bool end = body ? (t.size() >= 2 && t.compare(t.size() - 2, 2, " .") == 0 && t[0] == '(') : t == ".";
    if (end) {
      flush_block(".");
      return;
    }
    block_lines_.push_back("S: " + t);
    if (!so_.explain) return;
    std::string_view rest = t;
    if (block_command_ == Command::List) {
      unsigned n = 0;
      unsigned long long size = 0;
      if (std::sscanf(t.c_str(), "%u %llu", &n, &size) == 2)
        block_lines_.push_back("    | " + format(text(lang_, Msg::ListLine), n, size));
    } else if (block_command_ == Command::Uidl) {
      unsigned n = 0;
      char uid[80] = {0};
      if (std::sscanf(t.c_str(), "%u %79s", &n, uid) == 2)
        block_lines_.push_back("    | " + format(text(lang_, Msg::UidlLine), n, uid));
    } else if (block_command_ == Command::Capa) {
      const auto key = upper(first_word(std::string(rest)));
      const auto c = find("capabilities", key);
      block_lines_.push_back("    | " + (c ? c->text + " (" + c->rfc + ")" : std::string(text(lang_, Msg::UnknownCapability))));
    }
    return;
  }
  if (t.size() >= 1 && t[0] == '+' && (t.size() == 1 || t[1] == ' ')) {
    out("S: " + t);
    note(find("responses", "+"));  // a SASL challenge
    return;
  }
  out("S: " + t);
  show_status(t, ev);
}

void Shell::show_status(const std::string& line, const Event& ev) {
  if (auto* g = std::get_if<Greeting>(&ev)) {
    note(find("responses", "greeting"));
    if (!g->apop_timestamp.empty()) note_text(format(text(lang_, Msg::ApopTimestamp), printable(g->apop_timestamp).c_str()));
    return;
  }
  const auto* r = std::get_if<Reply>(&ev);
  const bool ok = r ? r->ok : line.rfind("+OK", 0) == 0;
  if (r && r->ok) {
    if (auto* st = std::get_if<MailboxStat>(&r->detail))
      note_text(format(text(lang_, Msg::StatLine), st->count, static_cast<unsigned long long>(st->octets)));
    else if (auto* li = std::get_if<ListItem>(&r->detail))
      note_text(format(text(lang_, Msg::ListLine), li->message, static_cast<unsigned long long>(li->octets)));
    else if (auto* ui = std::get_if<UidlItem>(&r->detail))
      note_text(format(text(lang_, Msg::UidlLine), ui->message, printable(ui->uid).c_str()));
  }
  note(find("responses", ok ? "+OK" : "-ERR"));
  if (r && !r->code_text.empty()) note(find("codes", upper(r->code_text)), "[" + printable(r->code_text) + "] ");
}

void Shell::flush_block(const std::string& end_line) {
  const bool body = block_command_ == Command::Retr || block_command_ == Command::Top;
  if (body) {
    // One display line per message line, as it is after dot-unstuffing.
    std::size_t start = 0;
    while (start < body_.size()) {
      auto nl = body_.find('\n', start);
      std::string l = body_.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (!l.empty() && l.back() == '\r') l.pop_back();
      block_lines_.push_back("S: " + printable(l));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  last_block_ = block_lines_;
  // Fold after `fold` data lines (annotation lines ride with their line).
  std::size_t data_seen = 0, i = 0;
  for (; i < block_lines_.size(); ++i) {
    if (block_lines_[i].rfind("S: ", 0) == 0 && ++data_seen > so_.fold) break;
    out(block_lines_[i]);
  }
  std::size_t hidden = 0;
  for (std::size_t j = i; j < block_lines_.size(); ++j)
    if (block_lines_[j].rfind("S: ", 0) == 0) ++hidden;
  if (hidden > 0) {
    if (body)
      out("   " + format(text(lang_, Msg::FoldedBody), hidden, static_cast<unsigned long long>(body_octets_)));
    else
      out("   " + format(text(lang_, Msg::FoldedLines), hidden));
  }
  out("S: " + end_line);
  if (body) {
    std::size_t lines = 0;
    for (const auto& l : last_block_) lines += l.rfind("S: ", 0) == 0;
    note_text(format(text(lang_, Msg::BodySummary), block_message_, lines, static_cast<unsigned long long>(body_octets_)));
  }
  note(find("responses", "."));
  last_block_.push_back("S: " + end_line);
  in_block_ = false;
  body_.clear();
}

void Shell::login() {
  if (gone_) {
    out("! " + std::string(text(lang_, Msg::ConnectionGone)));
    return;
  }
  if (o_.user.empty() || (o_.password_env.empty() && o_.password_file.empty())) {
    out("! " + std::string(text(lang_, Msg::LoginNeeds)));
    return;
  }
  std::string secret;
  try {
    secret = read_secret(o_);
  } catch (const CliError& e) {
    out("! " + printable(e.what()));
    return;
  }
  secrets_.insert(secret);
  if (!session_.capabilities().known && session_.state() == SessionState::Authorization) {
    note_text(text(lang_, Msg::LoginCapaFirst));
    pop3_line("CAPA");
  }
  if (auto st = session_.login(make_login_request(o_, secret)); !st) {
    explain_refusal(st.error(), "AUTH");
    return;
  }
  wait_for_replies();
}

void Shell::show() {
  if (last_block_.empty()) {
    out("* " + std::string(text(lang_, Msg::NothingToShow)));
    return;
  }
  for (const auto& l : last_block_) out(l);
}

void Shell::export_to(const std::string& path) {
  std::string all;
  for (const auto& l : record_) all += l + "\n";
  // Defence in depth: the transcript never holds secrets (the codec masks
  // PASS, APOP and AUTH; typed lines are masked above), but scrub any that
  // slipped through.
  for (const auto& s : secrets_) {
    if (s.size() < 3) continue;
    for (auto at = all.find(s); at != std::string::npos; at = all.find(s, at)) all.replace(at, s.size(), "********");
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || !write_fully(fd, all) || ::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    out("! " + format(text(lang_, Msg::ExportFailed), path.c_str(), why.c_str()));
    return;
  }
  out("* " + format(text(lang_, Msg::Exported), path.c_str()));
}

void Shell::help() {
  out(text(lang_, Msg::Help));
  for (const auto& k : notes_.keys("commands")) {
    const auto c = find("commands", k);
    if (!c) continue;
    std::string states;
    for (const auto& s : c->states) states += (states.empty() ? "" : ", ") + s;
    out(format("  {:<28} {}", c->usage, states));
    if (so_.explain) out("      " + c->text + " (" + c->rfc + ")");
  }
}

}  // namespace

int run_shell(const Options& o, const ShellOptions& so) {
  Shell shell(o, so);
  return shell.run();
}

}  // namespace pop3ws::cli
