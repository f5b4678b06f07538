// Limits and switches of a Session, each a named setting with a documented
// default (like Beast's header_limit/body_limit). Exceeding a limit is a
// typed error, never unbounded memory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pop3ws {

enum class PipeliningMode : std::uint8_t {
  Auto,  // pipeline when the server advertises PIPELINING (RFC 2449 §6.6)
  On,    // pipeline even if not advertised
  Off,   // one command at a time, for servers that advertise it and break
};

struct Settings {
  // Longest status line or listing line (LIST/UIDL/CAPA) accepted, line end
  // included. RFC 2449 §4 sets 512 octets for responses, but real servers send
  // longer -ERR texts and IMPLEMENTATION lines; 8 KiB is generous and bounded.
  std::size_t max_line = 8192;
  // Unparsed input the session will hold. A caller pulls events between
  // writes; bodies stream out, so only a partial line ever stays behind.
  std::size_t max_buffered_input = 1u << 20;
  // Commands in flight when pipelining. mpop uses a window in the 20-100
  // range; 32 keeps the server's socket buffers busy without flooding it.
  std::size_t pipeline_window = 32;
  // Commands queued but not yet written, to bound a runaway caller.
  std::size_t max_queued_commands = 100000;
  // Longest command argument. RFC 1939 §3 says 40 characters; RFC 2449 §4
  // raised it to 255 octets, which real user names and passwords need.
  std::size_t max_argument = 255;
  // CAPA lines kept per response (a hostile server could send millions).
  std::size_t max_capabilities = 256;
  // SASL mechanism names kept from CAPA; further names are ignored. RFC 5034
  // §6 lists them on one line and the IANA registry holds a few dozen, while
  // a hostile server could send thousands per line: each new name is checked
  // against the kept ones, so without this bound 2 MiB of CAPA lines cost over
  // a minute of CPU.
  std::size_t max_sasl_mechanisms = 64;
  // SCRAM iteration count accepted from the server (RFC 7677 §4 recommends at
  // least 4096; more than this is treated as a denial-of-service attempt).
  std::uint32_t max_scram_iterations = 1000000;
  // Transcript entries kept until pulled; 0 turns the transcript off.
  std::size_t transcript_capacity = 0;
  // Let pass()/apop()/submit_line("PASS ...") send the secret over an
  // unencrypted non-loopback link. login() has its own per-call switch.
  bool allow_insecure_auth = false;
  PipeliningMode pipelining = PipeliningMode::Auto;
  // Ask CAPA again after STLS and after login (RFC 2449 §5 allows changes).
  bool recapa = true;
};

}  // namespace pop3ws
