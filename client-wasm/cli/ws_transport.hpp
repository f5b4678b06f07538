// A WebSocket to pop3ws-proxy (docs/self-hosting.md, "What the page speaks"):
// `ws://HOST:PORT/pop3/NAME` or `wss://...`. Binary frames carry raw POP3
// bytes both ways (subprotocol `binary`, as websockify); the proxy connects
// to the target NAME and terminates the mail server's TLS itself, so STLS is
// never sent from here. Built on Boost.Beast's WebSocket client.
#pragma once

#include <memory>

#include "transport.hpp"

namespace pop3ws::cli {

// A parsed --proxy URL (RFC 6455 §3: ws-URI and wss-URI).
struct ProxyUrl {
  bool secure = false;  // wss
  std::string host;     // without brackets for IPv6
  std::uint16_t port = 0;
  std::string target;   // path and query, "/pop3/NAME"
};
// Throws CliError(Usage) for anything that is not ws://HOST[:PORT]/PATH or
// wss://... (ports default to 80 and 443).
ProxyUrl parse_proxy_url(const std::string& url);

// The exit code and words for a close frame of the proxy (its codes are
// listed in proxy/src/close_codes.hpp). 1000 is not an error: the mail
// server ended the connection, which the codec judges.
struct CloseMeaning {
  int exit_code;
  std::string text;
};
CloseMeaning proxy_close_meaning(unsigned code, const std::string& reason);

class WsTransport final : public Transport {
 public:
  // `ca_file`: CAs to verify a wss proxy's certificate (empty: system store).
  WsTransport(std::chrono::seconds timeout, const std::string& ca_file);
  ~WsTransport() override;

  // TCP connect, TLS for wss, then the WebSocket handshake. Throws CliError.
  void connect(const ProxyUrl& url);

  ReadResult read_some(std::uint8_t* p, std::size_t n, std::chrono::seconds limit) override;
  void write_all(std::string_view data) override;
  // The proxy runs STLS itself for STARTTLS targets (and forbids it after).
  void start_tls() override;
  void close() override;

  // The link rule (docs/cli.md): the codec learns only what this hop is.
  // wss counts as encrypted; ws:// to a proxy on this host counts as
  // loopback. How the proxy reaches the mail server is its operator's
  // target configuration (tls, starttls or none), which a client cannot see.
  bool tls_active() const override;
  bool loopback() const override;
  std::chrono::seconds timeout() const override { return timeout_; }

 private:
  struct Impl;
  std::chrono::seconds timeout_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pop3ws::cli
