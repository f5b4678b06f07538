// pop3ws capa: the server's capabilities (RFC 2449 §6) before and after login.
#include <cstdio>
#include <string>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "login.hpp"
#include "printable.hpp"

namespace pop3ws::cli {

namespace {

void print(const char* heading, const Capabilities& c) {
  std::printf("# %s\n", heading);
  if (!c.known) {
    std::printf("(CAPA not supported)\n");
    return;
  }
  if (c.user) std::printf("USER\n");
  if (c.top) std::printf("TOP\n");
  if (c.uidl) std::printf("UIDL\n");
  if (c.pipelining) std::printf("PIPELINING\n");
  if (c.resp_codes) std::printf("RESP-CODES\n");
  if (c.auth_resp_code) std::printf("AUTH-RESP-CODE\n");
  if (c.stls) std::printf("STLS\n");
  if (c.utf8) std::printf(c.utf8_user ? "UTF8 USER\n" : "UTF8\n");
  if (!c.sasl.empty()) {
    std::string line = "SASL";
    for (const auto& m : c.sasl) line += " " + m;
    std::printf("%s\n", printable(line).c_str());
  }
  if (c.login_delay) std::printf("LOGIN-DELAY %u\n", *c.login_delay);
  if (c.expire) std::printf("EXPIRE %s\n", printable(*c.expire).c_str());
  if (!c.implementation.empty()) std::printf("IMPLEMENTATION %s\n", printable(c.implementation).c_str());
  for (const auto& other : c.other) std::printf("%s\n", printable(other).c_str());
}

}  // namespace

int run_capa(const Options& o) {
  auto c = connect_and_login(o);
  print("before login", c->before_login);
  print("after login", c->session.capabilities());
  quit(*c->driver);
  if (std::fflush(stdout) != 0) throw CliError(Exit::LocalIo, "cannot write to standard output");
  return 0;
}

}  // namespace pop3ws::cli
