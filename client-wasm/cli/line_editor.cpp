#include "line_editor.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

// libedit's readline emulation; it declares C functions only.
#include <editline/readline.h>

namespace pop3ws::cli {

namespace {

// readline's completion hooks are plain C function pointers without a user
// argument, so the word list lives here (one editor per process).
std::vector<std::string>* g_words = nullptr;

bool starts_with_ci(const std::string& word, const char* prefix) {
  const std::size_t n = std::strlen(prefix);
  if (n > word.size()) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(word[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

char* complete_word(const char* text, int state) {
  static std::size_t next = 0;
  if (state == 0) next = 0;
  if (!g_words) return nullptr;
  // Lower case if the user started in lower case ("re" -> "retr").
  const bool lower = text[0] != '\0' && std::islower(static_cast<unsigned char>(text[0]));
  while (next < g_words->size()) {
    std::string w = (*g_words)[next++];
    if (!starts_with_ci(w, text)) continue;
    for (char& c : w)
      c = static_cast<char>(lower ? std::tolower(static_cast<unsigned char>(c)) : std::toupper(static_cast<unsigned char>(c)));
    char* out = static_cast<char*>(std::malloc(w.size() + 1));  // readline frees it
    if (!out) return nullptr;
    std::memcpy(out, w.c_str(), w.size() + 1);
    return out;
  }
  return nullptr;
}

char** complete(const char* text, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // no file name completion as a fallback
  if (start != 0) return nullptr;    // only the command name is completed
  return rl_completion_matches(text, complete_word);
}

}  // namespace

LineEditor::LineEditor(std::vector<std::string> words) : interactive_(::isatty(STDIN_FILENO) == 1) {
  g_words = new std::vector<std::string>(std::move(words));
  if (interactive_) {
    rl_readline_name = const_cast<char*>("pop3ws");
    rl_attempted_completion_function = complete;
    using_history();
  }
}

LineEditor::~LineEditor() {
  delete g_words;
  g_words = nullptr;
  if (interactive_) clear_history();
}

std::optional<std::string> LineEditor::read(const std::string& prompt) {
  if (!interactive_) {
    std::fputs(prompt.c_str(), stdout);
    std::fflush(stdout);
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  char* raw = readline(prompt.c_str());
  if (!raw) return std::nullopt;
  std::string line(raw);
  std::free(raw);
  return line;
}

void LineEditor::remember(const std::string& line) {
  if (interactive_ && !line.empty()) add_history(line.c_str());
}

}  // namespace pop3ws::cli
