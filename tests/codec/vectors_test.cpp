// Every transcript vector, fed whole, one byte at a time, and with each
// server block split at every index: the events must not depend on how the
// bytes arrive.
#include <gtest/gtest.h>

#include "vector_runner.hpp"

namespace pop3ws::testing {
namespace {

class Vectors : public ::testing::TestWithParam<VectorCase> {};

TEST_P(Vectors, Whole) {
  const auto r = run_vector(GetParam(), FeedMode{});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST_P(Vectors, ByteByByte) {
  const auto r = run_vector(GetParam(), FeedMode{FeedMode::ByteByByte, 0, 0});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST_P(Vectors, SplitAtEveryIndex) {
  const auto whole = run_vector(GetParam(), FeedMode{});
  ASSERT_TRUE(whole.ok) << whole.message;
  for (std::size_t b = 0; b < whole.block_sizes.size(); ++b) {
    for (std::size_t k = 1; k < whole.block_sizes[b]; ++k) {
      const auto r = run_vector(GetParam(), FeedMode{FeedMode::Split, b, k});
      ASSERT_TRUE(r.ok) << "block " << b << " split at " << k << ": " << r.message;
    }
  }
}

std::vector<VectorCase> all_cases() {
  auto v = load_vectors(POP3WS_VECTOR_DIR);
  return v;
}

std::string case_name(const ::testing::TestParamInfo<VectorCase>& info) {
  std::string n = info.param.file.substr(0, info.param.file.size() - 4) + "_" + info.param.name;
  for (char& c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '_';
  return n + "_" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(Codec, Vectors, ::testing::ValuesIn(all_cases()), case_name);

TEST(VectorFiles, ArePresent) {
  // Guards against a wrong POP3WS_VECTOR_DIR silently running zero cases.
  EXPECT_GE(load_vectors(POP3WS_VECTOR_DIR).size(), 20u);
}

}  // namespace
}  // namespace pop3ws::testing
