// Dot framing against a reference: random bodies, stuffed, split anywhere.
#include "dot_reader.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace pop3ws {
namespace {

// RFC 1939 §3 byte-stuffing, the server's side, as a reference.
std::string stuff(const std::string& body) {
  std::string out;
  bool line_start = true;
  for (char c : body) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  return out + ".\r\n";
}

std::string random_body(std::mt19937& rng) {
  static const char* pieces[] = {".", "..", "\r\n", "\n", "a", "hello world", ".\r\n", "\r", "x.y", " "};
  std::string s;
  const int n = int(rng() % 40);
  for (int i = 0; i < n; ++i) s += pieces[rng() % 10];
  if (!s.empty() && s.back() != '\n') s += "\r\n";  // servers end bodies with a line end
  return s;
}

std::string read_all(const std::string& wire, const std::vector<std::size_t>& cuts, std::size_t& used) {
  DotReader r;
  std::string got, pending;
  std::size_t fed = 0;
  used = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(wire.size());
  for (std::size_t e : ends) {
    pending += wire.substr(fed, e - fed);
    fed = e;
    while (true) {
      const auto st = r.next(pending.data(), pending.size());
      if (st.consumed == 0) break;
      got.append(pending, st.payload_offset, st.payload_size);
      pending.erase(0, st.consumed);
      used += st.consumed;
      if (st.finished) return got;
    }
  }
  return got + "<unfinished>";
}

TEST(DotReader, RoundTripsRandomBodiesAtRandomSplits) {
  std::mt19937 rng(1939);
  for (int iter = 0; iter < 3000; ++iter) {
    const std::string body = random_body(rng);
    const std::string wire = stuff(body) + "+OK next";
    std::vector<std::size_t> cuts;
    for (std::size_t k = 0; k < 3; ++k) cuts.push_back(rng() % (wire.size() + 1));
    std::sort(cuts.begin(), cuts.end());
    std::size_t used = 0;
    ASSERT_EQ(read_all(wire, cuts, used), body) << "iteration " << iter;
    EXPECT_EQ(used, wire.size() - std::string("+OK next").size()) << "terminator must end the read";
  }
}

TEST(DotReader, SlicesAreLongWhenNoLineStartsWithDot) {
  DotReader r;
  const std::string wire = "line one\r\nline two\r\nline three\r\n";
  const auto st = r.next(wire.data(), wire.size());
  EXPECT_EQ(st.payload_offset, 0u);
  EXPECT_EQ(st.payload_size, wire.size());
  EXPECT_FALSE(st.finished);
}

TEST(DotReader, WaitsForMoreBytesAtAmbiguousLineStart) {
  DotReader r;
  EXPECT_EQ(r.next(".", 1).consumed, 0u);
  EXPECT_EQ(r.next(".\r", 2).consumed, 0u);
  EXPECT_TRUE(r.next(".\r\n", 3).finished);
}

}  // namespace
}  // namespace pop3ws
