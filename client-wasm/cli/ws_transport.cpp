#include "ws_transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <algorithm>
#include <charconv>
#include <optional>

#include "exit_codes.hpp"
#include "tcp_transport.hpp"
#include "tls_client.hpp"

namespace pop3ws::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using boost::system::error_code;

namespace {

// WebSocket messages written to the proxy stay well below its default
// max_message_bytes (64 KiB): a fetch --delete can queue thousands of DELEs
// at once, and message boundaries carry no meaning in this protocol.
constexpr std::size_t kMaxWriteMessage = 16 * 1024;

// How long close() waits for the proxy's answering close frame.
constexpr auto kCloseWait = std::chrono::seconds(2);

}  // namespace

ProxyUrl parse_proxy_url(const std::string& url) {
  // Hand-parsed: Boost 1.74 has no URL parser (Boost.URL came in 1.81), and
  // the ws-URI of RFC 6455 §3 is simple: scheme, authority, path and query.
  ProxyUrl u;
  std::string rest;
  if (url.rfind("ws://", 0) == 0) {
    rest = url.substr(5);
  } else if (url.rfind("wss://", 0) == 0) {
    u.secure = true;
    rest = url.substr(6);
  } else {
    throw CliError(Exit::Usage, "--proxy: expected ws://HOST:PORT/pop3/NAME or wss://..., got " + url);
  }
  const auto slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (u.target.front() == '?') u.target.insert(0, "/");
  if (authority.find('@') != std::string::npos)
    throw CliError(Exit::Usage, "--proxy: user information in the URL is not supported");
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) throw CliError(Exit::Usage, "--proxy: missing ']' in " + url);
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw CliError(Exit::Usage, "--proxy: expected ':' after ']' in " + url);
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    u.host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  } else {
    u.host = authority;
  }
  if (u.host.empty()) throw CliError(Exit::Usage, "--proxy: the host is empty in " + url);
  if (port.empty()) {
    u.port = u.secure ? 443 : 80;
  } else {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      throw CliError(Exit::Usage, "--proxy: bad port \"" + port + "\"");
    u.port = static_cast<std::uint16_t>(value);
  }
  return u;
}

CloseMeaning proxy_close_meaning(unsigned code, const std::string& reason) {
  const std::string what = "the proxy closed the connection: " + (reason.empty() ? std::string("(no reason)") : reason) +
                           " (WebSocket close code " + std::to_string(code) + ")";
  auto as = [&](Exit e, const std::string& hint = {}) {
    return CloseMeaning{static_cast<int>(e), what + hint};
  };
  switch (code) {
    case 1000: return as(Exit::Ok);  // upstream closed: the codec decides if that was clean
    case 4000: return as(Exit::Usage, "; check the target name in --proxy (GET /targets lists them)");
    case 4001: return as(Exit::Usage, "; the proxy's configuration does not allow this server");
    case 4002: return as(Exit::Network, "; the proxy could not reach the mail server");
    case 4003: return as(Exit::Tls, "; the mail server's certificate did not verify at the proxy");
    case 4004: return as(Exit::Tls);
    case 4005: return as(Exit::Tls, "; STLS refused or bytes injected before TLS at the proxy (RFC 2595 §4)");
    case 4008: return as(Exit::TryLater, "; the proxy is at its connection limit, try later");
    case 4009: return as(Exit::Network, "; nothing was sent for too long");
    case 4010: return as(Exit::Network);
    case 1001: return as(Exit::Network, "; the proxy is shutting down");
    case 1002: case 1003: case 1009: return as(Exit::Protocol, "; the proxy refused what pop3ws sent (a bug?)");
    default: return as(Exit::Network);
  }
}

struct WsTransport::Impl {
  using Plain = websocket::stream<beast::tcp_stream>;
  using Secure = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

  Impl(const std::string& ca_file) : ssl_ctx(make_tls_client_context(ca_file, "--proxy-ca-file")) {}

  asio::io_context io;
  asio::ssl::context ssl_ctx;
  std::optional<Plain> plain;
  std::optional<Secure> secure;
  ProxyUrl url;
  bool loopback = false;
  bool closed = false;  // a close frame arrived, or we closed

  template <class F>
  auto with(F&& f) {
    return secure ? f(*secure) : f(*plain);
  }
  beast::tcp_stream& tcp() {
    return secure ? beast::get_lowest_layer(*secure) : beast::get_lowest_layer(*plain);
  }

  // The same deadline pattern as TcpTransport: run the one pending operation
  // for at most `limit`; on timeout close the socket so its handler runs.
  bool run_for(std::chrono::steady_clock::duration limit) {
    io.restart();
    io.run_for(limit);
    if (io.stopped()) return true;
    tcp().close();
    io.restart();
    io.run();
    return false;
  }
};

WsTransport::WsTransport(std::chrono::seconds timeout, const std::string& ca_file)
    : timeout_(timeout), impl_(std::make_unique<Impl>(ca_file)) {}

WsTransport::~WsTransport() = default;

void WsTransport::connect(const ProxyUrl& url) {
  Impl& m = *impl_;
  m.url = url;
  if (url.secure)
    m.secure.emplace(m.io, m.ssl_ctx);
  else
    m.plain.emplace(m.io);
  const std::string where = url.host + ":" + std::to_string(url.port);

  error_code ec;
  asio::ip::tcp::resolver resolver(m.io);
  asio::ip::tcp::resolver::results_type results;
  resolver.async_resolve(url.host, std::to_string(url.port),
                         [&](const error_code& e, asio::ip::tcp::resolver::results_type r) {
                           ec = e;
                           results = std::move(r);
                         });
  m.io.restart();
  m.io.run_for(timeout_);
  if (!m.io.stopped()) {
    resolver.cancel();
    m.io.restart();
    m.io.run();
    throw CliError(Exit::Network, "resolving the proxy " + url.host + " timed out");
  }
  if (ec) throw CliError(Exit::Network, "cannot resolve the proxy " + url.host + ": " + ec.message());

  asio::ip::tcp::endpoint connected;
  m.tcp().async_connect(results, [&](const error_code& e, const asio::ip::tcp::endpoint& ep) {
    ec = e;
    connected = ep;
  });
  if (!m.run_for(timeout_)) throw CliError(Exit::Network, "connecting to the proxy " + where + " timed out");
  if (ec) throw CliError(Exit::Network, "cannot connect to the proxy " + where + ": " + ec.message());
  m.tcp().socket().set_option(asio::ip::tcp::no_delay(true), ec);
  m.loopback = is_loopback_address(connected.address());

  if (m.secure) {
    SSL* ssl = m.secure->next_layer().native_handle();
    expect_peer_name(ssl, url.host);
    m.secure->next_layer().async_handshake(asio::ssl::stream_base::client, [&](const error_code& e) { ec = e; });
    if (!m.run_for(timeout_)) throw CliError(Exit::Tls, "the TLS handshake with the proxy " + where + " timed out");
    if (ec)
      throw CliError(Exit::Tls, describe_tls_failure(ssl, "the proxy's", url.host,
                                                     "the TLS handshake with the proxy failed: " + ec.message()));
  }

  // RFC 6455 §4.1: Host carries the port unless it is the default; IPv6
  // literals in brackets.
  std::string host_header = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != (url.secure ? 443 : 80)) host_header += ":" + std::to_string(url.port);
  websocket::response_type res;
  m.with([&](auto& ws) {
    ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      // websockify's subprotocol: binary frames carry raw bytes.
      req.set(http::field::sec_websocket_protocol, "binary");
      req.set(http::field::user_agent, "pop3ws/" POP3WS_VERSION);
    }));
    ws.binary(true);
    ws.async_handshake(res, host_header, url.target, [&](const error_code& e) { ec = e; });
  });
  if (!m.run_for(timeout_)) throw CliError(Exit::Network, "the WebSocket handshake with the proxy timed out");
  if (ec) {
    const unsigned status = res.result_int();
    if (status == 503)
      throw CliError(Exit::TryLater, "the proxy is at its connection limit (HTTP 503), try later");
    if (status == 403)
      throw CliError(Exit::Usage, "the proxy refused the WebSocket (HTTP 403: Origin not allowed?)");
    if (status != 0 && status != 101)
      throw CliError(Exit::Usage, "the proxy refused the WebSocket at " + url.target + " (HTTP " +
                                      std::to_string(status) + ")");
    throw CliError(Exit::Network, "the WebSocket handshake with the proxy failed: " + ec.message());
  }
}

Transport::ReadResult WsTransport::read_some(std::uint8_t* p, std::size_t n, std::chrono::seconds limit) {
  Impl& m = *impl_;
  ReadResult r;
  if (m.closed) {
    r.eof = true;
    return r;
  }
  error_code ec;
  m.with([&](auto& ws) {
    ws.async_read_some(asio::buffer(p, n), [&](const error_code& e, std::size_t got) {
      ec = e;
      r.bytes = got;
    });
  });
  if (!m.run_for(limit)) {
    r.timed_out = true;
    r.bytes = 0;
    return r;
  }
  if (ec == websocket::error::closed) {
    m.closed = true;
    const auto reason = m.with([](auto& ws) { return ws.reason(); });
    const CloseMeaning meaning = proxy_close_meaning(reason.code, std::string(reason.reason.data(), reason.reason.size()));
    if (meaning.exit_code != 0) throw CliError(static_cast<Exit>(meaning.exit_code), meaning.text);
    r.eof = true;
  } else if (ec) {
    throw CliError(Exit::Network, "the connection to the proxy failed: " + ec.message());
  }
  return r;
}

void WsTransport::write_all(std::string_view data) {
  Impl& m = *impl_;
  if (m.closed) throw CliError(Exit::Network, "the proxy closed the connection");
  while (!data.empty()) {
    const std::size_t k = std::min(data.size(), kMaxWriteMessage);
    error_code ec;
    m.with([&](auto& ws) {
      ws.async_write(asio::buffer(data.data(), k), [&](const error_code& e, std::size_t) { ec = e; });
    });
    if (!m.run_for(timeout_))
      throw CliError(Exit::Network, "writing to the proxy timed out after " + std::to_string(timeout_.count()) + " s");
    if (ec) throw CliError(Exit::Network, "writing to the proxy failed: " + ec.message());
    data.remove_prefix(k);
  }
}

void WsTransport::start_tls() {
  throw CliError(Exit::Tls,
                 "STLS through pop3ws-proxy: the proxy upgrades STARTTLS targets itself before the session starts");
}

void WsTransport::close() {
  Impl& m = *impl_;
  if (!m.plain && !m.secure) return;
  if (!m.closed && m.with([](auto& ws) { return ws.is_open(); })) {
    m.closed = true;
    // RFC 6455 §7.1.2: send a close frame and wait (briefly) for the answer.
    m.with([&](auto& ws) { ws.async_close(websocket::close_code::normal, [](const error_code&) {}); });
    m.run_for(kCloseWait);
  }
  error_code ignored;
  m.tcp().socket().close(ignored);
}

bool WsTransport::tls_active() const { return impl_->url.secure; }
bool WsTransport::loopback() const { return impl_->loopback; }

}  // namespace pop3ws::cli
