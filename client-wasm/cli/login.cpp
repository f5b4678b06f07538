#include "login.hpp"

#include "exit_codes.hpp"
#include "secret.hpp"
#include "tcp_transport.hpp"
#include "ws_transport.hpp"

namespace pop3ws::cli {

namespace {

bool is_login_command(Command c) {
  return c == Command::Pass || c == Command::Apop || c == Command::Auth;
}

std::string reply_text(const Reply& r) {
  std::string t = r.code_text.empty() ? std::string() : "[" + r.code_text + "] ";
  return t + r.text;
}

[[noreturn]] void login_failed(const Reply& r) {
  const std::string text = reply_text(r);
  switch (classify_auth_failure(r.code)) {
    case AuthFailureKind::TryLater:
      throw CliError(Exit::TryLater, "the server says to try later: " + text);
    case AuthFailureKind::ServerTrouble:
      throw CliError(Exit::ServerError, "the server cannot log you in: " + text);
    case AuthFailureKind::WrongCredentials:
      break;
  }
  throw CliError(Exit::Auth, "login refused (wrong user name or secret?): " + text);
}

bool is_capa_end(const Event& ev) {
  if (auto* r = std::get_if<Reply>(&ev)) return r->command == Command::Capa && !r->ok;
  if (auto* e = std::get_if<MultilineEnd>(&ev)) return e->command == Command::Capa;
  return false;
}

}  // namespace

Settings session_settings(const Options& o) {
  Settings s;
  s.pipelining = o.pipelining;
  s.allow_insecure_auth = o.allow_insecure_auth;
  s.transcript_capacity = o.verbose ? 4096 : 0;
  s.recapa = true;
  // A deeper window than the codec's default (32), at the top of mpop's
  // range: with a 10 ms round trip, 32 RETRs of small messages in flight
  // leave the link idle part of the time (docs/benchmarks.md, "fetch").
  s.pipeline_window = 100;
  return s;
}

LoginRequest make_login_request(const Options& o, std::string secret) {
  LoginRequest req;
  req.method = o.auth;
  req.user = o.user;
  req.secret = std::move(secret);
  req.secret_is_token = o.secret_is_token || o.auth == AuthMethod::XOAuth2 || o.auth == AuthMethod::OAuthBearer;
  req.client_nonce = make_client_nonce();
  req.host = o.host;
  req.port = o.port;
  req.allow_insecure = o.allow_insecure_auth;
  return req;
}

std::unique_ptr<Transport> open_transport(const Options& o) {
  if (o.proxied()) {
    auto ws = std::make_unique<WsTransport>(o.timeout, o.proxy_ca_file);
    ws->connect(parse_proxy_url(o.proxy));
    return ws;
  }
  auto tcp = std::make_unique<TcpTransport>(o.timeout, o.ca_file);
  tcp->connect(o.host, o.port);
  if (o.security == Security::Tls) tcp->start_tls();
  return tcp;
}

Client::Client(Settings settings) : session(settings) {}

std::unique_ptr<Client> connect_and_login(const Options& o) {
  // Read the secret first: a missing variable is a usage error, no connection needed.
  const std::string secret = read_secret(o);

  auto c = std::make_unique<Client>(session_settings(o));
  c->transport = open_transport(o);
  c->driver = std::make_unique<Driver>(*c->transport, c->session, o);
  Driver& d = *c->driver;
  Session& s = c->session;

  d.run([&](Event& ev) {
    if (auto* g = std::get_if<Greeting>(&ev)) {
      if (!g->ok) throw CliError(Exit::ServerError, "the server refused the connection: " + g->text);
      return true;
    }
    return false;
  });

  // RFC 2449 §5: CAPA before anything else; a server without it says -ERR.
  if (auto st = s.capa(); !st) throw_refusal(st.error(), "CAPA");
  d.run([&](Event& ev) { return is_capa_end(ev); });

  // Through the proxy, security is the target's: the proxy ran STLS already.
  if (!o.proxied() && o.security == Security::StartTls) {
    if (!s.capabilities().stls)
      throw CliError(Exit::Tls, "the server does not offer STLS (RFC 2595); refusing to continue without TLS");
    if (auto st = s.stls(); !st) throw_refusal(st.error(), "STLS");
    // The driver runs the handshake on StartTls; the codec then asks CAPA
    // again (RFC 2595 §4: capabilities learned before TLS are forgotten).
    d.run([&](Event& ev) {
      if (auto* r = std::get_if<Reply>(&ev); r && r->command == Command::Stls && !r->ok)
        throw CliError(Exit::Tls, "the server refused STLS: " + reply_text(*r));
      return is_capa_end(ev);
    });
  }

  // RFC 6856 §2: UTF8 mode before login where offered. Courier replaces
  // messages with UTF-8 headers by a stub for clients that do not ask.
  if (s.capabilities().utf8) {
    if (auto st = s.utf8(); !st) throw_refusal(st.error(), "UTF8");
    d.run([&](Event& ev) {
      auto* r = std::get_if<Reply>(&ev);
      return r && r->command == Command::Utf8;  // -ERR: carry on without it
    });
  }

  c->before_login = s.capabilities();
  const LoginRequest req = make_login_request(o, secret);
  if (auto st = s.login(req); !st) throw_refusal(st.error(), "login");

  d.set_login_in_flight(true);
  d.run([&](Event& ev) {
    auto* r = std::get_if<Reply>(&ev);
    if (!r) return false;
    if (r->command == Command::User && !r->ok) login_failed(*r);
    if (!is_login_command(r->command)) return false;
    if (!r->ok) login_failed(*r);
    return true;
  });
  d.set_login_in_flight(false);

  // The codec asks CAPA again after login (RFC 2449 §5: UIDL, PIPELINING or
  // SASL may only appear now); wait for it so later decisions use it.
  if (s.outstanding() > 0) d.run([&](Event& ev) { return is_capa_end(ev); });
  return c;
}

void quit(Driver& d, std::size_t deletions) {
  if (auto st = d.session().quit(); !st) throw_refusal(st.error(), "QUIT");
  d.set_committing_quit(deletions > 0);
  d.run([&](Event& ev) {
    auto* r = std::get_if<Reply>(&ev);
    if (!r || r->command != Command::Quit) return false;
    if (!r->ok) throw CliError(Exit::ServerError, "QUIT failed (deletions may not have happened): " + reply_text(*r));
    return true;
  });
  d.transport().close();
}

}  // namespace pop3ws::cli
