// pop3ws list: one line per message, "NUMBER SIZE UIDL" (RFC 1939 §5 LIST and
// §7 UIDL, sent together so that they pipeline when the server allows it).
#include <cstdio>
#include <map>
#include <string>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "login.hpp"

namespace pop3ws::cli {

int run_list(const Options& o) {
  auto c = connect_and_login(o);
  Session& s = c->session;
  if (auto st = s.list(); !st) throw_refusal(st.error(), "LIST");
  if (auto st = s.uidl(); !st) throw_refusal(st.error(), "UIDL");

  std::map<std::uint32_t, std::uint64_t> sizes;
  std::map<std::uint32_t, std::string> uids;
  bool uidl_ok = true;
  int pending = 2;
  c->driver->run([&](Event& ev) {
    if (auto* item = std::get_if<ListItem>(&ev)) {
      sizes[item->message] = item->octets;
    } else if (auto* u = std::get_if<UidlItem>(&ev)) {
      uids[u->message] = u->uid;
    } else if (auto* r = std::get_if<Reply>(&ev)) {
      if (r->command == Command::List && !r->ok) throw CliError(Exit::ServerError, "LIST failed: " + r->text);
      // UIDL is optional (RFC 1939 §7): without it the third column is "-".
      if (r->command == Command::Uidl && !r->ok) {
        uidl_ok = false;
        --pending;
      }
    } else if (auto* e = std::get_if<MultilineEnd>(&ev)) {
      if (e->command == Command::List || e->command == Command::Uidl) --pending;
    }
    return pending == 0;
  });
  quit(*c->driver);

  for (const auto& [n, size] : sizes) {
    const auto it = uids.find(n);
    std::printf("%u %llu %s\n", n, static_cast<unsigned long long>(size),
                it != uids.end() ? it->second.c_str() : "-");
  }
  if (!uidl_ok) std::fprintf(stderr, "pop3ws: the server does not support UIDL\n");
  if (std::fflush(stdout) != 0) throw CliError(Exit::LocalIo, "cannot write to standard output");
  return 0;
}

}  // namespace pop3ws::cli
