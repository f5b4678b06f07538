// pop3ws retr / top: the exact message bytes (RFC 1939 §5 RETR, §7 TOP),
// dot-unstuffed by the codec, line ends as the server sent them.
#include <string>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "login.hpp"
#include "output.hpp"

namespace pop3ws::cli {

namespace {

int transfer(const Options& o, Command command, std::uint32_t message, std::uint32_t lines,
             const std::string& output) {
  auto c = connect_and_login(o);
  Session& s = c->session;
  const Status st = command == Command::Retr ? s.retr(message) : s.top(message, lines);
  if (!st) throw_refusal(st.error(), command_name(command));
  // Opened only once logged in, so that a failed login leaves no empty file.
  OutputFile out(output);
  c->driver->run([&](Event& ev) {
    if (auto* r = std::get_if<Reply>(&ev); r && r->command == command && !r->ok)
      throw CliError(Exit::ServerError, std::string(command_name(command)) + " " + std::to_string(message) +
                                            " failed: " + r->text);
    if (auto* chunk = std::get_if<BodyChunk>(&ev)) out.write(chunk->data);
    if (auto* e = std::get_if<MultilineEnd>(&ev)) return e->command == command;
    return false;
  });
  out.close();
  quit(*c->driver);
  return 0;
}

}  // namespace

int run_retr(const Options& o, std::uint32_t message, const std::string& output) {
  return transfer(o, Command::Retr, message, 0, output);
}

int run_top(const Options& o, std::uint32_t message, std::uint32_t lines, const std::string& output) {
  return transfer(o, Command::Top, message, lines, output);
}

}  // namespace pop3ws::cli
