// Runs transcript vectors (tests/vectors/codec/*.txt) against a Session.
//
// A vector file holds cases. Each case is a list of lines:
//   ## name                 starts a case
//   # text                  a comment
//   @settings k=v ...       pipelining=auto|on|off window=N max_line=N
//                           max_buffered=N transcript=N recapa=0|1
//   @link encrypted=0|1 loopback=0|1
//   @login method=.. user=.. secret=.. [token=1] [ir=auto|always|never]
//          [nonce=..] [insecure=1] [authzid=..]   (expect an error: !code)
//   @tls / @eof             tls_established() / receive_eof()
//   > RETR 1 [!code]        submit_line(), optionally expecting an error
//   S: text                 server bytes, CRLF appended (escapes \r \n \xNN \\)
//   S= text                 server bytes exactly as written (escapes apply)
//   C: text                 the client bytes now due, CRLF appended
//   E: event                the next event, rendered (see render_event)
//   T: C|S|N text           the next transcript entry
// Blocks of S:/C:/E:/T: lines are settled as a whole when the line kind
// changes. Events of one body are merged, so the log does not depend on how
// the server bytes were split.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pop3ws::testing {

struct VectorLine {
  int number = 0;
  std::string kind;  // "@", ">", "S:", "S=", "C:", "E:", "T:"
  std::string text;
};

struct VectorCase {
  std::string file;
  std::string name;
  std::vector<VectorLine> lines;
};

std::vector<VectorCase> load_vectors(const std::string& dir);

// How server bytes are fed: each S block whole, one byte at a time, or with
// block `split_block` cut in two at `split_at` (the others whole).
struct FeedMode {
  enum Kind { Whole, ByteByByte, Split } kind = Whole;
  std::size_t split_block = 0;
  std::size_t split_at = 0;
};

struct RunResult {
  bool ok = true;
  std::string message;                  // first mismatch, with line number
  std::vector<std::size_t> block_sizes; // sizes of the S blocks, in order
};

RunResult run_vector(const VectorCase& c, const FeedMode& mode);

}  // namespace pop3ws::testing
