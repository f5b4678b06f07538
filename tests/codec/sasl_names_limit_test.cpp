// A hostile CAPA response cannot grow the SASL list without bound
// (Settings::max_sasl_mechanisms): each new name is compared with the kept
// ones, so an unbounded list made 2 MiB of CAPA lines cost over a minute of
// CPU (quadratic in the number of names).
#include "pop3ws/capabilities.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pop3ws/session.hpp"

namespace pop3ws {
namespace {

// The capabilities a Session reports after `capa_lines` (each without CRLF).
std::vector<std::string> sasl_after_capa(const Settings& settings, const std::vector<std::string>& capa_lines,
                                         bool& failed) {
  Session s(settings);
  EXPECT_TRUE(s.receive("+OK hi\r\n"));
  while (!std::holds_alternative<NeedData>(s.next_event())) {}
  EXPECT_TRUE(s.capa());
  std::string wire = "+OK\r\n";
  for (const auto& l : capa_lines) wire += l + "\r\n";
  wire += ".\r\n";
  std::vector<std::string> sasl;
  failed = false;
  for (std::size_t off = 0; off < wire.size(); off += 4096) {
    EXPECT_TRUE(s.receive(std::string_view(wire).substr(off, 4096)));
    while (true) {
      Event e = s.next_event();
      if (std::holds_alternative<NeedData>(e)) break;
      if (auto* c = std::get_if<CapabilitiesChanged>(&e)) sasl = c->capabilities->sasl;
      if (std::holds_alternative<ProtocolError>(e)) failed = true;
    }
  }
  return sasl;
}

TEST(SaslNamesLimit, NamesPastTheLimitAreIgnored) {
  Capabilities c;
  apply_capability_line("SASL plain LOGIN Plain CRAM-MD5 SCRAM-SHA-256", c, 3);
  EXPECT_EQ(c.sasl, (std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5"}));
  apply_capability_line("SASL XOAUTH2", c, 3);
  EXPECT_EQ(c.sasl.size(), 3u);
  EXPECT_FALSE(c.has_sasl("XOAUTH2"));
  apply_capability_line("TOP", c, 3);  // other capabilities still apply
  EXPECT_TRUE(c.top);
}

TEST(SaslNamesLimit, TheSessionAppliesItsSetting) {
  Settings settings;
  settings.max_sasl_mechanisms = 2;
  bool failed = false;
  const auto sasl = sasl_after_capa(settings, {"SASL PLAIN LOGIN CRAM-MD5", "SASL SCRAM-SHA-256", "USER"}, failed);
  EXPECT_FALSE(failed);
  EXPECT_EQ(sasl, (std::vector<std::string>{"PLAIN", "LOGIN"}));
}

TEST(SaslNamesLimit, AHostileResponseKeepsTheDefaultNumber) {
  // Lines as long as the default max_line allows, full of distinct names.
  const Settings settings;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::vector<std::string> lines;
  unsigned next = 0;
  for (int l = 0; l < 16; ++l) {
    std::string line = "SASL";
    while (line.size() + 5 + 2 <= settings.max_line) {
      unsigned k = next++;
      line += ' ';
      for (int c = 0; c < 4; ++c, k /= 36) line += alphabet[k % 36];
    }
    lines.push_back(line);
  }
  bool failed = false;
  const auto sasl = sasl_after_capa(settings, lines, failed);
  EXPECT_FALSE(failed);
  ASSERT_EQ(sasl.size(), settings.max_sasl_mechanisms);
  EXPECT_EQ(sasl.front(), "AAAA");  // the first names sent are the ones kept
}

}  // namespace
}  // namespace pop3ws
