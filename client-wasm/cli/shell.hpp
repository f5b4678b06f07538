// pop3ws shell: an interactive, annotated POP3 session for learning the
// protocol (issue 5). The user types raw commands; the codec checks state and
// arguments first (Session::submit_line) and a refusal is explained instead
// of sent. Every C:/S: line is explained from client-wasm/annotations/pop3.json.
#pragma once

#include <cstddef>
#include <string>

#include "options.hpp"

namespace pop3ws::cli {

struct ShellOptions {
  std::string lang;       // "en", "zh"; empty: from LC_ALL / LC_MESSAGES / LANG
  bool explain = true;    // --explain off: C:/S: lines only
  std::size_t fold = 20;  // multi-line replies show this many lines, then a count
};

int run_shell(const Options& o, const ShellOptions& so);

}  // namespace pop3ws::cli
