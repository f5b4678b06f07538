// pop3ws dele N...: marks messages deleted (RFC 1939 §5 DELE); the server
// removes them only when it processes QUIT (RFC 1939 §6, the UPDATE state).
// All or nothing: if any DELE is refused, RSET unmarks the others first.
#include <cstdio>
#include <string>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "login.hpp"

namespace pop3ws::cli {

int run_dele(const Options& o, const std::vector<std::uint32_t>& messages) {
  auto c = connect_and_login(o);
  Session& s = c->session;
  for (const auto n : messages)
    if (auto st = s.dele(n); !st) throw_refusal(st.error(), "DELE");

  std::size_t pending = messages.size();
  std::string refused;
  c->driver->run([&](Event& ev) {
    auto* r = std::get_if<Reply>(&ev);
    if (!r || r->command != Command::Dele) return false;
    if (!r->ok) refused += (refused.empty() ? "" : "; ") + std::to_string(r->message) + ": " + r->text;
    return --pending == 0;
  });
  if (!refused.empty()) {
    if (auto st = s.rset(); !st) throw_refusal(st.error(), "RSET");
    c->driver->run([&](Event& ev) {
      auto* r = std::get_if<Reply>(&ev);
      return r && r->command == Command::Rset;
    });
    quit(*c->driver);
    throw CliError(Exit::ServerError, "DELE refused (" + refused + "); nothing was deleted");
  }
  quit(*c->driver, messages.size());
  std::printf("%zu message(s) marked and deleted by the server at QUIT\n", messages.size());
  if (std::fflush(stdout) != 0) throw CliError(Exit::LocalIo, "cannot write to standard output");
  return 0;
}

}  // namespace pop3ws::cli
