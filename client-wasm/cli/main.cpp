// pop3ws: a POP3 client for the terminal, built on the pop3ws codec.
//
//   pop3ws (--server HOST[:PORT] --security tls|starttls|none [--ca-file F]
//           | --proxy ws[s]://HOST:PORT/pop3/NAME [--proxy-ca-file F])
//          --user U (--password-env VAR | --password-file F)
//          [--auth METHOD] [--pipelining auto|on|off] [--allow-insecure-auth]
//          [--timeout SECONDS] [--quit-timeout SECONDS] [-v] COMMAND
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "printable.hpp"
#include "shell.hpp"
#include "ws_transport.hpp"

using namespace pop3ws;
using namespace pop3ws::cli;

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"pop3ws: check a POP3 account, read or fetch its mail (RFC 1939, 2449, 2595, 5034)", "pop3ws"};
  app.footer(exit_code_help() + "\nThe secret (password, or OAuth access token for xoauth2/oauthbearer) is read from\n"
             "an environment variable or a file, never from the command line.");
  app.set_version_flag("--version", POP3WS_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  auto* server = app.add_option("--server", o.server, "HOST[:PORT] ([IPv6]:PORT); port 995 with tls, 110 otherwise");
  std::string security = "tls", auth = "auto", pipelining = "auto";
  auto* security_opt =
      app.add_option("--security", security, "tls (implicit, RFC 8314), starttls (STLS, RFC 2595) or none")
          ->check(CLI::IsMember({"tls", "starttls", "none"}, CLI::ignore_case));
  app.add_option("--ca-file", o.ca_file, "PEM file of CA certificates to trust instead of the system store")
      ->check(CLI::ExistingFile);
  auto* proxy = app.add_option("--proxy", o.proxy,
                               "ws://HOST:PORT/pop3/NAME or wss://...: go through pop3ws-proxy to its target NAME "
                               "(the proxy handles the mail server's TLS)");
  auto* proxy_ca = app.add_option("--proxy-ca-file", o.proxy_ca_file, "PEM file of CAs for a wss proxy's certificate")
                       ->check(CLI::ExistingFile);
  proxy->excludes(server)->excludes(security_opt);
  proxy_ca->needs(proxy);
  app.add_option("--user", o.user, "user name (the shell needs it only for its login command)");
  auto* env = app.add_option("--password-env", o.password_env, "environment variable holding the secret");
  auto* file = app.add_option("--password-file", o.password_file, "file holding the secret (one line)");
  env->excludes(file);
  app.add_option("--auth", auth, "auto (strongest offered) or user, apop, plain, login, cram-md5, "
                                 "scram-sha-256, xoauth2, oauthbearer")
      ->check(CLI::IsMember({"auto", "user", "apop", "plain", "login", "cram-md5", "scram-sha-256", "xoauth2",
                             "oauthbearer"},
                            CLI::ignore_case))
      ->capture_default_str();
  app.add_flag("--secret-is-token", o.secret_is_token,
               "the secret is an OAuth 2 access token: --auth auto then picks OAUTHBEARER or XOAUTH2");
  app.add_option("--pipelining", pipelining, "auto (if advertised, RFC 2449), on, or off for servers that break")
      ->check(CLI::IsMember({"auto", "on", "off"}, CLI::ignore_case))
      ->capture_default_str();
  app.add_flag("--allow-insecure-auth", o.allow_insecure_auth,
               "send secrets over an unencrypted link to a remote host (off: refused)");
  int timeout = 30;
  app.add_option("--timeout", timeout, "seconds to wait for the network (connect, TLS, each read)")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  int quit_timeout = 300;
  app.add_option("--quit-timeout", quit_timeout,
                 "seconds to wait for the reply to a QUIT that deletes messages (the server expunges first)")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_flag("-v,--verbose", o.verbose, "print the protocol transcript on stderr (secrets redacted)");

  app.add_subcommand("capa", "print the server's capabilities before and after login");
  app.add_subcommand("stat", "print COUNT OCTETS of the mailbox");
  app.add_subcommand("list", "print NUMBER SIZE UIDL for each message");

  std::uint32_t message = 0, lines = 0;
  std::string output;
  auto* retr = app.add_subcommand("retr", "write message N, exactly as stored, to stdout or FILE");
  retr->add_option("N", message, "message number")->required()->check(CLI::PositiveNumber);
  retr->add_option("-o,--output", output, "write to FILE instead of stdout");
  auto* top = app.add_subcommand("top", "write the headers and the first LINES body lines of message N");
  top->add_option("N", message, "message number")->required()->check(CLI::PositiveNumber);
  top->add_option("LINES", lines, "body lines")->required()->check(CLI::NonNegativeNumber);
  top->add_option("-o,--output", output, "write to FILE instead of stdout");
  std::vector<std::uint32_t> doomed;
  auto* dele = app.add_subcommand("dele", "delete messages N...; the server deletes them at QUIT");
  dele->add_option("N", doomed, "message numbers")->required()->check(CLI::PositiveNumber);
  FetchOptions fo;
  auto* fetch = app.add_subcommand("fetch", "download every message not yet in the Maildir DIR");
  fetch->add_option("--maildir", fo.maildir, "Maildir to deliver into (created if missing)")->required();
  fetch->add_flag("--only-new", fo.only_new, "also skip messages fetched before and since removed (by UIDL)");
  fetch->add_flag("--delete", fo.delete_after,
                  "delete fetched messages from the server once safely stored (implies skipping those fetched before)");

  ShellOptions so;
  std::string explain = "on";
  auto* shell = app.add_subcommand("shell", "an interactive, annotated POP3 session for learning the protocol");
  shell->add_option("--lang", so.lang, "language of the explanations: en or zh (default: from LC_ALL/LANG)")
      ->check(CLI::IsMember({"en", "zh"}));
  shell->add_option("--explain", explain, "on: explain every line; off: plain C:/S: lines")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  shell->add_option("--fold", so.fold, "show this many lines of a multi-line reply, then a count")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(Exit::Usage);
  }

  try {
    const std::string cmd = app.get_subcommands().front()->get_name();
    const bool is_shell = cmd == "shell";
    if (!is_shell && o.user.empty()) throw CliError(Exit::Usage, "--user is required");
    if (!is_shell && o.password_env.empty() && o.password_file.empty())
      throw CliError(Exit::Usage, "give the secret with --password-env VAR or --password-file FILE");
    o.timeout = std::chrono::seconds(timeout);
    o.quit_timeout = std::max(o.timeout, std::chrono::seconds(quit_timeout));
    o.auth = *auth_method_from_name(auth);  // IsMember checked the name
    o.pipelining = pipelining == "on" ? PipeliningMode::On : pipelining == "off" ? PipeliningMode::Off : PipeliningMode::Auto;
    if (o.proxied()) {
      o.security = Security::None;  // the bytes to the proxy are the WebSocket's business
      (void)parse_proxy_url(o.proxy);  // a bad URL is a usage error before anything else
    } else {
      if (o.server.empty()) throw CliError(Exit::Usage, "give --server HOST[:PORT] (with --security) or --proxy URL");
      if (security_opt->count() == 0) throw CliError(Exit::Usage, "--security tls|starttls|none is required with --server");
      o.security = security == "tls" ? Security::Tls : security == "starttls" ? Security::StartTls : Security::None;
      parse_server(o);
    }
    if (cmd == "capa") return run_capa(o);
    if (cmd == "stat") return run_stat(o);
    if (cmd == "list") return run_list(o);
    if (cmd == "retr") return run_retr(o, message, output);
    if (cmd == "top") return run_top(o, message, lines, output);
    if (cmd == "dele") return run_dele(o, doomed);
    if (cmd == "fetch") return run_fetch(o, fo);
    if (cmd == "shell") {
      so.explain = explain == "on";
      return run_shell(o, so);
    }
    throw CliError(Exit::Usage, "unknown command " + cmd);
  } catch (const CliError& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "pop3ws: %s\n", printable(e.what()).c_str());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "pop3ws: internal error: %s\n", e.what());
    return static_cast<int>(Exit::Internal);
  }
}
