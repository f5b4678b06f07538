#include "vector_runner.hpp"

#include <algorithm>
#include <dirent.h>
#include <fstream>
#include <map>
#include <sstream>

#include "pop3ws/session.hpp"
#include "text.hpp"

namespace pop3ws::testing {
namespace {

std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    const char c = s[++i];
    if (c == 'r') out += '\r';
    else if (c == 'n') out += '\n';
    else if (c == '0') out += '\0';
    else if (c == 't') out += '\t';
    else if (c == 'x' && i + 2 < s.size()) {
      out += char(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else out += c;
  }
  return out;
}

std::string escape(std::string_view s) {
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c < 0x20 || c >= 0x7f) { out += "\\x"; out += kHex[c >> 4]; out += kHex[c & 15]; }
    else out += char(c);
  }
  return out;
}

std::map<std::string, std::string> parse_kv(std::string_view s) {
  std::map<std::string, std::string> kv;
  while (true) {
    auto tok = text::next_token(s);
    if (tok.empty()) break;
    const auto eq = tok.find('=');
    if (eq == std::string_view::npos) kv[std::string(tok)] = "1";
    else kv[std::string(tok.substr(0, eq))] = unescape(std::string(tok.substr(eq + 1)));
  }
  return kv;
}

std::string render_caps(const Capabilities& c) {
  std::string s = "capabilities";
  if (c.top) s += " TOP";
  if (c.uidl) s += " UIDL";
  if (c.user) s += " USER";
  if (c.pipelining) s += " PIPELINING";
  if (c.resp_codes) s += " RESP-CODES";
  if (c.auth_resp_code) s += " AUTH-RESP-CODE";
  if (c.stls) s += " STLS";
  if (c.utf8) s += c.utf8_user ? " UTF8=USER" : " UTF8";
  if (!c.sasl.empty()) {
    s += " SASL=";
    for (std::size_t i = 0; i < c.sasl.size(); ++i) s += (i ? "," : "") + c.sasl[i];
  }
  if (c.login_delay) s += " LOGIN-DELAY=" + std::to_string(*c.login_delay);
  if (c.expire) s += " EXPIRE=\"" + escape(*c.expire) + "\"";
  if (!c.implementation.empty()) s += " IMPLEMENTATION=\"" + escape(c.implementation) + "\"";
  for (const auto& o : c.other) s += " other=\"" + escape(o) + "\"";
  return s;
}

struct Renderer {
  std::string operator()(const NeedData&) const { return "need-data"; }
  std::string operator()(const Greeting& g) const {
    std::string s = std::string("greeting ") + (g.ok ? "ok" : "err") + " \"" + escape(g.text) + "\"";
    if (!g.apop_timestamp.empty()) s += " apop=" + g.apop_timestamp;
    return s;
  }
  std::string operator()(const Reply& r) const {
    std::string s = std::string("reply ") + command_name(r.command);
    if (r.message) s += " " + std::to_string(r.message);
    s += r.ok ? " ok" : " err";
    if (r.multiline) s += " multiline";
    if (r.code != ResponseCode::None) s += " [" + r.code_text + "]";
    s += " \"" + escape(r.text) + "\"";
    if (auto* st = std::get_if<MailboxStat>(&r.detail)) s += " stat=" + std::to_string(st->count) + "/" + std::to_string(st->octets);
    if (auto* li = std::get_if<ListItem>(&r.detail)) s += " list=" + std::to_string(li->message) + "/" + std::to_string(li->octets);
    if (auto* ui = std::get_if<UidlItem>(&r.detail)) s += " uidl=" + std::to_string(ui->message) + "/" + ui->uid;
    return s;
  }
  std::string operator()(const ListItem& l) const { return "list " + std::to_string(l.message) + " " + std::to_string(l.octets); }
  std::string operator()(const UidlItem& u) const { return "uidl " + std::to_string(u.message) + " " + u.uid; }
  std::string operator()(const BodyChunk& b) const {
    return std::string("body ") + command_name(b.command) + " " + std::to_string(b.message) + " \"" + escape(b.data) + "\"";
  }
  std::string operator()(const CapabilitiesChanged& c) const { return render_caps(*c.capabilities); }
  std::string operator()(const MultilineEnd& e) const {
    return std::string("end ") + command_name(e.command) + (e.message ? " " + std::to_string(e.message) : "");
  }
  std::string operator()(const StartTls&) const { return "start-tls"; }
  std::string operator()(const Cancelled& c) const { return std::string("cancelled ") + command_name(c.command); }
  std::string operator()(const Closed& c) const { return c.clean ? "closed clean" : "closed unclean"; }
  std::string operator()(const ProtocolError& e) const { return std::string("error ") + to_string(e.error.code); }
};

class Runner {
 public:
  Runner(const VectorCase& c, const FeedMode& m) : case_(c), mode_(m) {}

  RunResult run() {
    for (const auto& line : case_.lines) {
      const std::string group = line.kind == "S=" ? "S:" : line.kind;
      if (group != block_kind_) settle();
      if (!result_.ok) return result_;
      block_kind_ = group;
      current_line_ = line.number;
      if (line.kind == "S:") server_ += unescape(line.text) + "\r\n";
      else if (line.kind == "S=") server_ += unescape(line.text);
      else if (line.kind == "C:") client_ += unescape(line.text) + "\r\n";
      else if (line.kind == "E:") events_.push_back(line.text);
      else if (line.kind == "T:") transcript_.push_back(line.text);
      else if (line.kind == ">") { act_line(line.text); block_kind_.clear(); }
      else if (line.kind == "@") { act_special(line.text); block_kind_.clear(); }
      if (!result_.ok) return result_;
    }
    settle();
    if (!result_.ok) return result_;
    drain();
    if (!log_.empty()) fail("events nobody expected: " + join(log_));
    else if (session_ && !session_->pending_output().empty())
      fail("client bytes nobody expected: \"" + escape(session_->pending_output()) + "\"");
    return result_;
  }

 private:
  Session& s() {
    if (!session_) session_ = std::make_unique<Session>(settings_);
    return *session_;
  }

  void fail(const std::string& why) {
    if (!result_.ok) return;
    result_.ok = false;
    std::ostringstream os;
    os << case_.file << ": case \"" << case_.name << "\" near line " << current_line_ << ": " << why;
    result_.message = os.str();
  }

  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += "\n    " + x;
    return s;
  }

  // Pull every event, merging consecutive chunks of one body.
  void drain() {
    if (!session_) return;
    while (true) {
      Event e = session_->next_event();
      if (std::holds_alternative<NeedData>(e)) break;
      std::string r = std::visit(Renderer{}, e);
      if (const auto* b = std::get_if<BodyChunk>(&e); b && !log_.empty() && merging_body_) {
        const std::string prefix = std::string("body ") + command_name(b->command) + " " + std::to_string(b->message) + " \"";
        if (log_.back().rfind(prefix, 0) == 0) {
          log_.back().pop_back();  // closing quote
          log_.back() += escape(b->data) + "\"";
          continue;
        }
      }
      merging_body_ = std::holds_alternative<BodyChunk>(e);
      log_.push_back(std::move(r));
      if (++pulled_ > 1000000) { fail("runaway event stream"); return; }
    }
  }

  void feed(std::string_view bytes) {
    Status st = s().receive(bytes);
    if (!st) log_.push_back(std::string("receive-error ") + to_string(st.error().code));
    drain();
  }

  void settle() {
    if (block_kind_ == "S:") {
      const std::size_t index = result_.block_sizes.size();
      result_.block_sizes.push_back(server_.size());
      if (mode_.kind == FeedMode::ByteByByte) {
        for (char c : server_) feed(std::string_view(&c, 1));
      } else if (mode_.kind == FeedMode::Split && mode_.split_block == index && mode_.split_at < server_.size()) {
        feed(std::string_view(server_).substr(0, mode_.split_at));
        feed(std::string_view(server_).substr(mode_.split_at));
      } else {
        feed(server_);
      }
      server_.clear();
    } else if (block_kind_ == "C:") {
      const std::string got(s().pending_output());
      if (got != client_) fail("client bytes: expected \"" + escape(client_) + "\", got \"" + escape(got) + "\"");
      s().consume_output(got.size());
      client_.clear();
    } else if (block_kind_ == "E:") {
      drain();
      const std::size_t n = std::min(events_.size(), log_.size());
      if (!std::equal(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(n), log_.begin()) ||
          log_.size() < events_.size()) {
        fail("events: expected" + join(events_) + "\n  got" + join(log_));
      } else {
        log_.erase(log_.begin(), log_.begin() + static_cast<std::ptrdiff_t>(n));
      }
      events_.clear();
    } else if (block_kind_ == "T:") {
      for (const auto& want : transcript_) {
        auto e = s().next_transcript_entry();
        if (!e) { fail("transcript: expected \"" + want + "\", got nothing"); break; }
        const char dir = e->direction == TranscriptEntry::Direction::Client ? 'C'
                         : e->direction == TranscriptEntry::Direction::Server ? 'S' : 'N';
        const std::string got = std::string(1, dir) + " " + escape(e->text);
        if (got != want) { fail("transcript: expected \"" + want + "\", got \"" + got + "\""); break; }
      }
      transcript_.clear();
    }
    block_kind_.clear();
  }

  void expect_status(const Status& st, const std::string& want_error) {
    if (want_error.empty()) {
      if (!st) fail(std::string("unexpected error ") + to_string(st.error().code) + ": " + st.error().detail);
    } else if (st) {
      fail("expected error " + want_error + ", got success");
    } else if (want_error != to_string(st.error().code)) {
      fail("expected error " + want_error + ", got " + to_string(st.error().code));
    }
  }

  static std::pair<std::string, std::string> split_expectation(const std::string& t) {
    const auto bang = t.rfind(" !");
    if (bang == std::string::npos) return {t, ""};
    return {t.substr(0, bang), t.substr(bang + 2)};
  }

  void act_line(const std::string& t) {
    const auto [line, want] = split_expectation(t);
    const auto r = s().submit_line(unescape(line));
    expect_status(r ? Status{} : Status{r.error()}, want);
    drain();
  }

  void act_special(const std::string& t) {
    std::string_view rest = t;
    const std::string verb(text::next_token(rest));
    const auto [args, want] = split_expectation(std::string(rest));
    auto kv = parse_kv(args);
    if (verb == "settings") {
      if (session_) { fail("@settings must come first"); return; }
      if (kv.count("pipelining"))
        settings_.pipelining = kv["pipelining"] == "on" ? PipeliningMode::On
                             : kv["pipelining"] == "off" ? PipeliningMode::Off : PipeliningMode::Auto;
      if (kv.count("window")) settings_.pipeline_window = std::stoul(kv["window"]);
      if (kv.count("max_line")) settings_.max_line = std::stoul(kv["max_line"]);
      if (kv.count("max_buffered")) settings_.max_buffered_input = std::stoul(kv["max_buffered"]);
      if (kv.count("transcript")) settings_.transcript_capacity = std::stoul(kv["transcript"]);
      if (kv.count("recapa")) settings_.recapa = kv["recapa"] == "1";
      if (kv.count("max_capabilities")) settings_.max_capabilities = std::stoul(kv["max_capabilities"]);
      if (kv.count("insecure")) settings_.allow_insecure_auth = kv["insecure"] == "1";
      return;
    }
    if (verb == "link") {
      s().set_link({kv["encrypted"] == "1", kv["loopback"] == "1"});
    } else if (verb == "tls") {
      expect_status(s().tls_established(), want);
    } else if (verb == "eof") {
      s().receive_eof();
    } else if (verb == "login") {
      LoginRequest req;
      if (kv.count("method")) {
        auto m = auth_method_from_name(kv["method"]);
        if (!m) { fail("bad method in vector"); return; }
        req.method = *m;
      }
      req.user = kv["user"];
      req.secret = kv["secret"];
      req.secret_is_token = kv["token"] == "1";
      req.client_nonce = kv["nonce"];
      req.authzid = kv["authzid"];
      req.host = kv["host"];
      req.allow_insecure = kv["insecure"] == "1";
      if (kv.count("ir"))
        req.initial_response = kv["ir"] == "always" ? InitialResponse::Always
                             : kv["ir"] == "never" ? InitialResponse::Never : InitialResponse::Auto;
      expect_status(s().login(req), want);
    } else {
      fail("unknown action @" + verb);
      return;
    }
    drain();
  }

  const VectorCase& case_;
  FeedMode mode_;
  Settings settings_;
  std::unique_ptr<Session> session_;
  RunResult result_;
  std::string block_kind_;
  std::string server_, client_;
  std::vector<std::string> events_, transcript_, log_;
  bool merging_body_ = false;
  std::size_t pulled_ = 0;
  int current_line_ = 0;
};

}  // namespace

std::vector<VectorCase> load_vectors(const std::string& dir) {
  std::vector<std::string> files;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 4 && n.substr(n.size() - 4) == ".txt") files.push_back(n);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  std::vector<VectorCase> cases;
  for (const auto& f : files) {
    std::ifstream in(dir + "/" + f, std::ios::binary);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind("## ", 0) == 0) {
        cases.push_back(VectorCase{f, line.substr(3), {}});
        continue;
      }
      if (line.empty() || line[0] == '#' || cases.empty()) continue;
      VectorLine vl;
      vl.number = number;
      if (line[0] == '@' || line[0] == '>') {
        vl.kind = std::string(1, line[0]);
        vl.text = line.size() > 1 ? line.substr(line[1] == ' ' ? 2 : 1) : "";
      } else if (line.size() >= 2 && (line.compare(0, 2, "S:") == 0 || line.compare(0, 2, "S=") == 0 ||
                                      line.compare(0, 2, "C:") == 0 || line.compare(0, 2, "E:") == 0 ||
                                      line.compare(0, 2, "T:") == 0)) {
        vl.kind = line.substr(0, 2);
        vl.text = line.size() > 3 ? line.substr(3) : "";
      } else {
        vl.kind = "?";
        vl.text = line;
      }
      cases.back().lines.push_back(vl);
    }
  }
  return cases;
}

RunResult run_vector(const VectorCase& c, const FeedMode& mode) {
  for (const auto& l : c.lines) {
    if (l.kind == "?") {
      RunResult r;
      r.ok = false;
      r.message = c.file + ":" + std::to_string(l.number) + ": line not understood: " + l.text;
      return r;
    }
  }
  return Runner(c, mode).run();
}

}  // namespace pop3ws::testing
