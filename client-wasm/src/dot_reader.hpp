// Multi-line response framing (RFC 1939 §3) for message bodies, streamed.
//
// A body is cut into slices of the caller's buffer, never copied: each slice
// ends at a line that begins with '.', where the stuffing dot is dropped or
// the terminator "." CRLF is found. Dots at line starts are rare in mail, so
// slices are long. A line that begins with a dot is never taken for the end:
// only a line that is exactly "." is. Bare LF line ends are accepted (some
// servers send them), and lines of any length stream through.
#pragma once

#include <cstddef>
#include <cstring>

namespace pop3ws {

class DotReader {
 public:
  struct Step {
    std::size_t consumed = 0;        // bytes of input used
    std::size_t payload_offset = 0;  // payload slice within the input
    std::size_t payload_size = 0;
    bool finished = false;           // the terminator was consumed
  };

  void reset() { at_line_start_ = true; }

  // Reads from [data, data+n). A step with consumed == 0 needs more input.
  Step next(const char* data, std::size_t n) {
    Step s;
    if (n == 0) return s;
    std::size_t i = 0;
    if (at_line_start_) {
      if (data[0] == '.') {
        if (n < 2) return s;
        if (data[1] == '\n') return finish(s, 2);
        if (data[1] == '\r') {
          if (n < 3) return s;
          if (data[2] == '\n') return finish(s, 3);
        }
        i = 1;  // a stuffed dot: drop it, keep the rest of the line
      }
    }
    s.payload_offset = i;
    while (true) {
      const void* nl = i < n ? std::memchr(data + i, '\n', n - i) : nullptr;
      if (!nl) {
        i = n;
        at_line_start_ = false;
        break;
      }
      i = std::size_t(static_cast<const char*>(nl) - data) + 1;
      if (i == n || data[i] == '.') {
        at_line_start_ = true;
        break;
      }
    }
    s.consumed = i;
    s.payload_size = i - s.payload_offset;
    return s;
  }

 private:
  Step finish(Step s, std::size_t n) {
    s.consumed = n;
    s.finished = true;
    at_line_start_ = true;
    return s;
  }
  bool at_line_start_ = true;
};

}  // namespace pop3ws
