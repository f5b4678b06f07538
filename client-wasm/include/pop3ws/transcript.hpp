// A protocol transcript for `pop3ws -v`, the shell and the web console.
// Secrets never enter it: PASS arguments, APOP digests and every AUTH payload
// are replaced by a placeholder before the line is stored.
#pragma once

#include <cstdint>
#include <string>

namespace pop3ws {

struct TranscriptEntry {
  enum class Direction : std::uint8_t { Client, Server, Note };
  Direction direction = Direction::Note;
  std::string text;          // one line without line end, redacted
  std::uint64_t octets = 0;  // bytes this entry stands for on the wire
};

}  // namespace pop3ws
