// Line input for `pop3ws shell`: libedit (BSD licence, Debian's libedit-dev)
// through its readline-compatible interface for editing, in-memory history
// (up arrow) and tab completion of command names. When stdin is not a
// terminal, plain lines are read instead, so the shell can be scripted.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pop3ws::cli {

class LineEditor {
 public:
  // `words`: what tab completes at the start of a line (POP3 commands and
  // the shell's own). Completion keeps the case the user started typing in.
  explicit LineEditor(std::vector<std::string> words);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  // One line without its line end; nullopt at end of input (Ctrl-D).
  std::optional<std::string> read(const std::string& prompt);
  // Adds a line to the history. Callers keep secrets (PASS) out of it; the
  // history is never written to disk.
  void remember(const std::string& line);
  bool interactive() const { return interactive_; }

 private:
  bool interactive_;
};

}  // namespace pop3ws::cli
