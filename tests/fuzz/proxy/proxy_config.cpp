// Any configuration text: parse_config() and validate_config() never crash,
// every error names a message, and an accepted configuration is coherent.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "config.hpp"

#define FUZZ_CHECK(c) do { if (!(c)) { std::fprintf(stderr, "invariant failed: %s\n", #c); std::abort(); } } while (0)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto result = pop3ws::proxy::parse_config(text, "fuzz.toml", "/nonexistent-base");
  for (const auto& e : result.errors) FUZZ_CHECK(!e.message.empty());
  if (result.ok()) {
    std::vector<pop3ws::proxy::ConfigError> errors;
    pop3ws::proxy::validate_config(result.config, "fuzz.toml", errors);
    for (const auto& e : errors) FUZZ_CHECK(!e.message.empty());
    if (!errors.empty()) return 0;
    for (const auto& t : result.config.targets) {
      FUZZ_CHECK(pop3ws::proxy::valid_target_name(t.name));
      FUZZ_CHECK(t.port != 0);
      FUZZ_CHECK(!t.host.empty());
    }
  }
  for (std::size_t cut = 0; cut < text.size() && cut < 64; cut += 7)
    (void)pop3ws::proxy::parse_listen_address(std::string_view(text).substr(cut, 32));
  return 0;
}
