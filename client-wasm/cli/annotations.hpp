// The protocol annotations of client-wasm/annotations/pop3.json (the same
// file the web app's console shows), embedded in the binary at build time
// and parsed with nlohmann-json. Each entry has an explanation in English
// and Simplified Chinese and the RFC section it comes from.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pop3ws::cli {

enum class Lang { En, Zh };

// LC_ALL, then LC_MESSAGES, then LANG (POSIX precedence): zh* gives Chinese.
Lang lang_from_environment();

struct Note {
  std::string text;  // in the chosen language
  std::string rfc;   // "RFC 1939 §5"
  std::vector<std::string> states;  // commands: the states they are allowed in
  std::string usage;                // commands: "TOP msg n"
};

class Annotations {
 public:
  // Parses the embedded JSON; throws CliError(Internal) if it is broken.
  explicit Annotations(Lang lang);

  // `section`: commands, responses, codes, capabilities, states, errors.
  // `key` is matched as written in the file (upper case for commands).
  std::optional<Note> find(std::string_view section, std::string_view key) const;
  // Keys of a section (commands, for completion and help).
  std::vector<std::string> keys(std::string_view section) const;
  Lang lang() const { return lang_; }

 private:
  struct Data;
  Lang lang_;
  std::shared_ptr<const Data> data_;
};

}  // namespace pop3ws::cli
