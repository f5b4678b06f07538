// Server text reaches the terminal (-v transcript, error messages, capa): a
// hostile server could embed escape sequences that rewrite the screen or the
// window title. ASCII control characters are shown as \xNN instead.
#pragma once

#include <string>
#include <string_view>

namespace pop3ws::cli {

inline std::string printable(std::string_view text) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace pop3ws::cli
