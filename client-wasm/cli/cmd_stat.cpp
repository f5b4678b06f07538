// pop3ws stat: message count and total size (RFC 1939 §5 STAT).
#include <cstdio>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "login.hpp"

namespace pop3ws::cli {

int run_stat(const Options& o) {
  auto c = connect_and_login(o);
  if (auto st = c->session.stat(); !st) throw_refusal(st.error(), "STAT");
  MailboxStat result;
  c->driver->run([&](Event& ev) {
    auto* r = std::get_if<Reply>(&ev);
    if (!r || r->command != Command::Stat) return false;
    if (!r->ok) throw CliError(Exit::ServerError, "STAT failed: " + r->text);
    result = std::get<MailboxStat>(r->detail);
    return true;
  });
  quit(*c->driver);
  // "COUNT OCTETS", as in the STAT reply; sizes are the server's estimate.
  std::printf("%u %llu\n", result.count, static_cast<unsigned long long>(result.octets));
  if (std::fflush(stdout) != 0) throw CliError(Exit::LocalIo, "cannot write to standard output");
  return 0;
}

}  // namespace pop3ws::cli
