// Command line options shared by every command of pop3ws.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "pop3ws/sasl.hpp"
#include "pop3ws/settings.hpp"

namespace pop3ws::cli {

enum class Security { Tls, StartTls, None };

struct Options {
  std::string server;  // as given: HOST, HOST:PORT, [V6]:PORT
  std::string host;    // parsed from `server`
  std::uint16_t port = 0;
  Security security = Security::Tls;
  std::string ca_file;  // empty: the system CA store
  std::string proxy;          // ws:// or wss:// URL of pop3ws-proxy; replaces server/security
  std::string proxy_ca_file;  // CAs for a wss proxy's certificate
  std::string user;
  std::string password_env;
  std::string password_file;
  AuthMethod auth = AuthMethod::Auto;
  // The secret is an OAuth 2 access token (implied by --auth xoauth2 or
  // oauthbearer); with --auth auto the strongest OAuth method offered is used.
  bool secret_is_token = false;
  PipeliningMode pipelining = PipeliningMode::Auto;
  bool allow_insecure_auth = false;
  std::chrono::seconds timeout{30};
  // The wait for the reply to a QUIT that commits deletions: the server
  // removes the messages before it answers (RFC 1939 §6), and expunging
  // thousands of files can take far longer than any other reply.
  std::chrono::seconds quit_timeout{300};
  bool verbose = false;

  bool proxied() const { return !proxy.empty(); }
  // Where the connection goes, for messages: HOST:PORT or the proxy URL.
  std::string where() const;
};

// Splits --server into host and port; the port defaults to 995 for implicit
// TLS (RFC 8314 §3.3) and 110 otherwise (RFC 1939 §3). Throws CliError(Usage).
void parse_server(Options& o);

}  // namespace pop3ws::cli
