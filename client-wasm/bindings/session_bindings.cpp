// embind bindings of pop3ws::Session: one thin layer, no logic of its own.
//
// The JS/WASM line follows the codec's sans-I/O contract:
//  - input: inputView(n) hands JS a Uint8Array over WASM memory owned by the
//    session; JS fills it and calls commitInput(k). One copy, from the
//    WebSocket's ArrayBuffer into WASM memory.
//  - events are pulled with nextEvent() and come back as plain JS objects.
//    A body chunk's `data` is a view into session memory, valid until the
//    next call: the JS wrapper copies it out once.
//  - errors are values ({code, detail}) or null; nothing throws (the codec is
//    built without exceptions) and no C++ -> JS callback runs during receive.
// Views die when WASM memory grows (ALLOW_MEMORY_GROWTH): JS never keeps one
// across calls.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "pop3ws/session.hpp"

namespace {

using emscripten::val;

val error_value(const pop3ws::Error& e) {
  val o = val::object();
  o.set("code", std::string(pop3ws::to_string(e.code)));
  o.set("detail", e.detail);
  return o;
}

val status_value(const pop3ws::Status& s) {
  return s ? val::null() : error_value(s.error());
}

std::string command_string(pop3ws::Command c) { return pop3ws::command_name(c); }

// Message numbers from JS: a positive integer, or undefined/null for "none".
std::optional<std::uint32_t> optional_message(const val& v) {
  if (v.isUndefined() || v.isNull()) return std::nullopt;
  return v.as<std::uint32_t>();
}

template <class T>
T field_or(const val& o, const char* name, T fallback) {
  if (o.isUndefined() || o.isNull()) return fallback;
  val v = o[name];
  if (v.isUndefined() || v.isNull()) return fallback;
  return v.as<T>();
}

pop3ws::Settings settings_from(const val& o) {
  pop3ws::Settings s;
  s.max_line = field_or<std::size_t>(o, "maxLine", s.max_line);
  s.max_buffered_input = field_or<std::size_t>(o, "maxBufferedInput", s.max_buffered_input);
  s.pipeline_window = field_or<std::size_t>(o, "pipelineWindow", s.pipeline_window);
  s.max_queued_commands = field_or<std::size_t>(o, "maxQueuedCommands", s.max_queued_commands);
  s.transcript_capacity = field_or<std::size_t>(o, "transcriptCapacity", s.transcript_capacity);
  s.recapa = field_or<bool>(o, "recapa", s.recapa);
  s.allow_insecure_auth = field_or<bool>(o, "allowInsecureAuth", s.allow_insecure_auth);
  const std::string mode = field_or<std::string>(o, "pipelining", "auto");
  s.pipelining = mode == "on"    ? pop3ws::PipeliningMode::On
                 : mode == "off" ? pop3ws::PipeliningMode::Off
                                 : pop3ws::PipeliningMode::Auto;
  return s;
}

val capabilities_value(const pop3ws::Capabilities& c) {
  val o = val::object();
  o.set("known", c.known);
  o.set("top", c.top);
  o.set("uidl", c.uidl);
  o.set("user", c.user);
  o.set("pipelining", c.pipelining);
  o.set("respCodes", c.resp_codes);
  o.set("authRespCode", c.auth_resp_code);
  o.set("stls", c.stls);
  o.set("utf8", c.utf8);
  o.set("utf8User", c.utf8_user);
  val sasl = val::array();
  for (const auto& m : c.sasl) sasl.call<void>("push", m);
  o.set("sasl", sasl);
  o.set("loginDelay", c.login_delay ? val(*c.login_delay) : val::null());
  o.set("expire", c.expire ? val(*c.expire) : val::null());
  o.set("implementation", c.implementation);
  val other = val::array();
  for (const auto& l : c.other) other.call<void>("push", l);
  o.set("other", other);
  return o;
}

val detail_value(const std::variant<std::monostate, pop3ws::MailboxStat, pop3ws::ListItem,
                                    pop3ws::UidlItem>& d) {
  return std::visit(
      [](const auto& x) -> val {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return val::null();
        } else {
          val o = val::object();
          if constexpr (std::is_same_v<T, pop3ws::MailboxStat>) {
            o.set("kind", std::string("stat"));
            o.set("count", x.count);
            // Octet counts go to JS as doubles: exact below 2^53.
            o.set("octets", static_cast<double>(x.octets));
          } else if constexpr (std::is_same_v<T, pop3ws::ListItem>) {
            o.set("kind", std::string("list"));
            o.set("message", x.message);
            o.set("octets", static_cast<double>(x.octets));
          } else {
            o.set("kind", std::string("uidl"));
            o.set("message", x.message);
            o.set("uid", x.uid);
          }
          return o;
        }
      },
      d);
}

// One event as a plain object with a `type` tag; see pop3ws.d.mts.
val event_value(const pop3ws::Event& ev) {
  val o = val::object();
  std::visit(
      [&o](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, pop3ws::NeedData>) {
          o.set("type", std::string("need-data"));
        } else if constexpr (std::is_same_v<T, pop3ws::Greeting>) {
          o.set("type", std::string("greeting"));
          o.set("ok", e.ok);
          o.set("text", e.text);
          o.set("apopTimestamp", e.apop_timestamp);
        } else if constexpr (std::is_same_v<T, pop3ws::Reply>) {
          o.set("type", std::string("reply"));
          o.set("command", command_string(e.command));
          o.set("message", e.message);
          o.set("ok", e.ok);
          o.set("multiline", e.multiline);
          o.set("code", std::string(pop3ws::to_string(e.code)));
          o.set("codeText", e.code_text);
          o.set("text", e.text);
          o.set("detail", detail_value(e.detail));
        } else if constexpr (std::is_same_v<T, pop3ws::ListItem>) {
          o.set("type", std::string("list-item"));
          o.set("message", e.message);
          o.set("octets", static_cast<double>(e.octets));
        } else if constexpr (std::is_same_v<T, pop3ws::UidlItem>) {
          o.set("type", std::string("uidl-item"));
          o.set("message", e.message);
          o.set("uid", e.uid);
        } else if constexpr (std::is_same_v<T, pop3ws::BodyChunk>) {
          o.set("type", std::string("body"));
          o.set("command", command_string(e.command));
          o.set("message", e.message);
          // A view into session memory, valid until the next call.
          o.set("data", val(emscripten::typed_memory_view(
                            e.data.size(), reinterpret_cast<const std::uint8_t*>(e.data.data()))));
        } else if constexpr (std::is_same_v<T, pop3ws::CapabilitiesChanged>) {
          o.set("type", std::string("capabilities"));
          o.set("capabilities",
                e.capabilities ? capabilities_value(*e.capabilities) : val::null());
        } else if constexpr (std::is_same_v<T, pop3ws::MultilineEnd>) {
          o.set("type", std::string("multiline-end"));
          o.set("command", command_string(e.command));
          o.set("message", e.message);
        } else if constexpr (std::is_same_v<T, pop3ws::StartTls>) {
          o.set("type", std::string("start-tls"));
        } else if constexpr (std::is_same_v<T, pop3ws::Cancelled>) {
          o.set("type", std::string("cancelled"));
          o.set("command", command_string(e.command));
          o.set("message", e.message);
        } else if constexpr (std::is_same_v<T, pop3ws::Closed>) {
          o.set("type", std::string("closed"));
          o.set("clean", e.clean);
        } else if constexpr (std::is_same_v<T, pop3ws::ProtocolError>) {
          o.set("type", std::string("protocol-error"));
          o.set("error", error_value(e.error));
        }
      },
      ev);
  return o;
}

class JsSession {
 public:
  explicit JsSession(val settings) : s_(settings_from(settings)) {}

  // {view} or {error}; the view is session memory JS fills before commitInput.
  val inputView(std::size_t n) {
    auto buf = s_.input_buffer(n);
    val o = val::object();
    if (!buf) {
      o.set("error", error_value(buf.error()));
    } else {
      o.set("view", val(emscripten::typed_memory_view(n, *buf)));
    }
    return o;
  }
  val commitInput(std::size_t n) { return status_value(s_.commit_input(n)); }
  void receiveEof() { s_.receive_eof(); }
  val nextEvent() { return event_value(s_.next_event()); }

  val pendingOutput() const {
    const std::string_view out = s_.pending_output();
    return val(emscripten::typed_memory_view(
        out.size(), reinterpret_cast<const std::uint8_t*>(out.data())));
  }
  void consumeOutput(std::size_t n) { s_.consume_output(n); }
  std::size_t inFlight() const { return s_.in_flight(); }
  std::size_t outstanding() const { return s_.outstanding(); }

  val user(const std::string& name) { return status_value(s_.user(name)); }
  val pass(const std::string& pw) { return status_value(s_.pass(pw)); }
  val apop(const std::string& name, const std::string& secret) {
    return status_value(s_.apop(name, secret));
  }
  val stat() { return status_value(s_.stat()); }
  val list(val message) { return status_value(s_.list(optional_message(message))); }
  val uidl(val message) { return status_value(s_.uidl(optional_message(message))); }
  val retr(std::uint32_t m) { return status_value(s_.retr(m)); }
  val top(std::uint32_t m, std::uint32_t lines) { return status_value(s_.top(m, lines)); }
  val dele(std::uint32_t m) { return status_value(s_.dele(m)); }
  val noop() { return status_value(s_.noop()); }
  val rset() { return status_value(s_.rset()); }
  val quit() { return status_value(s_.quit()); }
  val capa() { return status_value(s_.capa()); }
  val stls() { return status_value(s_.stls()); }
  val utf8() { return status_value(s_.utf8()); }

  val login(val req) {
    pop3ws::LoginRequest r;
    const std::string method = field_or<std::string>(req, "method", "auto");
    auto m = pop3ws::auth_method_from_name(method);
    if (!m) {
      return error_value(pop3ws::make_error(pop3ws::ErrorCode::UnsupportedMechanism,
                                            "unknown authentication method"));
    }
    r.method = *m;
    r.user = field_or<std::string>(req, "user", "");
    r.secret = field_or<std::string>(req, "secret", "");
    r.secret_is_token = field_or<bool>(req, "secretIsToken", false);
    r.authzid = field_or<std::string>(req, "authzid", "");
    r.client_nonce = field_or<std::string>(req, "clientNonce", "");
    r.host = field_or<std::string>(req, "host", "");
    r.port = field_or<std::uint16_t>(req, "port", 0);
    r.allow_insecure = field_or<bool>(req, "allowInsecure", false);
    const std::string ir = field_or<std::string>(req, "initialResponse", "auto");
    r.initial_response = ir == "always"  ? pop3ws::InitialResponse::Always
                         : ir == "never" ? pop3ws::InitialResponse::Never
                                         : pop3ws::InitialResponse::Auto;
    return status_value(s_.login(r));
  }

  // {command} or {error}
  val submitLine(const std::string& line) {
    auto c = s_.submit_line(line);
    val o = val::object();
    if (!c) {
      o.set("error", error_value(c.error()));
    } else {
      o.set("command", command_string(*c));
    }
    return o;
  }

  void setLink(bool encrypted, bool loopback) {
    pop3ws::LinkSecurity l;
    l.encrypted = encrypted;
    l.loopback = loopback;
    s_.set_link(l);
  }
  val tlsEstablished() { return status_value(s_.tls_established()); }

  std::string state() const { return pop3ws::state_name(s_.state()); }
  val capabilities() const { return capabilities_value(s_.capabilities()); }
  std::string apopTimestamp() const { return s_.apop_timestamp(); }
  bool pipeliningActive() const { return s_.pipelining_active(); }
  bool utf8Active() const { return s_.utf8_active(); }
  val failure() const {
    const auto& f = s_.failure();
    return f ? error_value(*f) : val::null();
  }

  // {direction: 'C'|'S'|'note', text, octets} or null when none is left.
  val nextTranscriptEntry() {
    auto e = s_.next_transcript_entry();
    if (!e) return val::null();
    val o = val::object();
    using D = pop3ws::TranscriptEntry::Direction;
    o.set("direction", std::string(e->direction == D::Client   ? "C"
                                   : e->direction == D::Server ? "S"
                                                               : "note"));
    o.set("text", e->text);
    o.set("octets", static_cast<double>(e->octets));
    return o;
  }
  double transcriptDropped() const { return static_cast<double>(s_.transcript_dropped()); }

 private:
  pop3ws::Session s_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(pop3ws_codec) {
  emscripten::class_<JsSession>("Session")
      .constructor<emscripten::val>()
      .function("inputView", &JsSession::inputView)
      .function("commitInput", &JsSession::commitInput)
      .function("receiveEof", &JsSession::receiveEof)
      .function("nextEvent", &JsSession::nextEvent)
      .function("pendingOutput", &JsSession::pendingOutput)
      .function("consumeOutput", &JsSession::consumeOutput)
      .function("inFlight", &JsSession::inFlight)
      .function("outstanding", &JsSession::outstanding)
      .function("user", &JsSession::user)
      .function("pass", &JsSession::pass)
      .function("apop", &JsSession::apop)
      .function("stat", &JsSession::stat)
      .function("list", &JsSession::list)
      .function("uidl", &JsSession::uidl)
      .function("retr", &JsSession::retr)
      .function("top", &JsSession::top)
      .function("dele", &JsSession::dele)
      .function("noop", &JsSession::noop)
      .function("rset", &JsSession::rset)
      .function("quit", &JsSession::quit)
      .function("capa", &JsSession::capa)
      .function("stls", &JsSession::stls)
      .function("utf8", &JsSession::utf8)
      .function("login", &JsSession::login)
      .function("submitLine", &JsSession::submitLine)
      .function("setLink", &JsSession::setLink)
      .function("tlsEstablished", &JsSession::tlsEstablished)
      .function("state", &JsSession::state)
      .function("capabilities", &JsSession::capabilities)
      .function("apopTimestamp", &JsSession::apopTimestamp)
      .function("pipeliningActive", &JsSession::pipeliningActive)
      .function("utf8Active", &JsSession::utf8Active)
      .function("failure", &JsSession::failure)
      .function("nextTranscriptEntry", &JsSession::nextTranscriptEntry)
      .function("transcriptDropped", &JsSession::transcriptDropped);
}
