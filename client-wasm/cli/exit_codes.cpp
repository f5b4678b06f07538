#include "exit_codes.hpp"

namespace pop3ws::cli {

std::string exit_code_help() {
  return "Exit codes:\n"
         "  0   success\n"
         "  1   internal error (a bug in pop3ws)\n"
         "  2   usage: bad options or arguments; secret refused on an unencrypted link\n"
         "  3   network: resolve, connect, connection reset or closed, timeout\n"
         "  4   TLS: handshake, certificate or host name check failed; STLS not offered\n"
         "  5   authentication: the server rejected the user name or secret\n"
         "  6   try later: mailbox in use, login delay or temporary server failure\n"
         "      ([IN-USE], [LOGIN-DELAY], [SYS/TEMP])\n"
         "  7   server error: -ERR to a command (no such message, [SYS/PERM], ...)\n"
         "  8   protocol error: the server's reply broke the POP3 protocol\n"
         "  9   local I/O: output file, Maildir or UIDL state could not be written\n"
         "  10  pipelining stall: no reply while pipelined commands were in flight\n"
         "      (the server advertises PIPELINING but breaks; retry with --pipelining off)\n";
}

}  // namespace pop3ws::cli
