// pop3ws: a POP3 client for the terminal, built on the pop3ws codec.
//
//   pop3ws --server HOST[:PORT] --security tls|starttls|none [--ca-file F]
//          --user U (--password-env VAR | --password-file F)
//          [--auth METHOD] [--pipelining auto|on|off] [--allow-insecure-auth]
//          [--timeout SECONDS] [-v] COMMAND
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "options.hpp"
#include "printable.hpp"

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

  app.add_option("--server", o.server, "HOST[:PORT] ([IPv6]:PORT); port 995 with tls, 110 otherwise")
      ->required();
  std::string security = "tls", auth = "auto", pipelining = "auto";
  app.add_option("--security", security, "tls (implicit, RFC 8314), starttls (STLS, RFC 2595) or none")
      ->required()
      ->check(CLI::IsMember({"tls", "starttls", "none"}, CLI::ignore_case));
  app.add_option("--ca-file", o.ca_file, "PEM file of CA certificates to trust instead of the system store")
      ->check(CLI::ExistingFile);
  app.add_option("--user", o.user, "user name")->required();
  auto* env = app.add_option("--password-env", o.password_env, "environment variable holding the secret");
  auto* file = app.add_option("--password-file", o.password_file, "file holding the secret (one line)");
  env->excludes(file);
  app.add_option("--auth", auth, "auto (strongest offered) or user, apop, plain, login, cram-md5, "
                                 "scram-sha-256, xoauth2, oauthbearer")
      ->check(CLI::IsMember({"auto", "user", "apop", "plain", "login", "cram-md5", "scram-sha-256", "xoauth2",
                             "oauthbearer"},
                            CLI::ignore_case))
      ->capture_default_str();
  app.add_option("--pipelining", pipelining, "auto (if advertised, RFC 2449), on, or off for servers that break")
      ->check(CLI::IsMember({"auto", "on", "off"}, CLI::ignore_case))
      ->capture_default_str();
  app.add_flag("--allow-insecure-auth", o.allow_insecure_auth,
               "send secrets over an unencrypted link to a remote host (off: refused)");
  int timeout = 30;
  app.add_option("--timeout", timeout, "seconds to wait for the network (connect, TLS, each read)")
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(Exit::Usage);
  }

  try {
    if (o.password_env.empty() && o.password_file.empty())
      throw CliError(Exit::Usage, "give the secret with --password-env VAR or --password-file FILE");
    o.timeout = std::chrono::seconds(timeout);
    o.security = security == "tls" ? Security::Tls : security == "starttls" ? Security::StartTls : Security::None;
    o.auth = *auth_method_from_name(auth);  // IsMember checked the name
    o.pipelining = pipelining == "on" ? PipeliningMode::On : pipelining == "off" ? PipeliningMode::Off : PipeliningMode::Auto;
    parse_server(o);
    const std::string cmd = app.get_subcommands().front()->get_name();
    if (cmd == "capa") return run_capa(o);
    if (cmd == "stat") return run_stat(o);
    if (cmd == "list") return run_list(o);
    if (cmd == "retr") return run_retr(o, message, output);
    if (cmd == "top") return run_top(o, message, lines, output);
    if (cmd == "dele") return run_dele(o, doomed);
    if (cmd == "fetch") return run_fetch(o, fo);
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
