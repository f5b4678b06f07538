// The SCRAM iteration count is the server's choice; the client's CPU cost is
// linear in it (PBKDF2, RFC 5802 §2.2), so Settings::max_scram_iterations
// bounds it. These check the limit is the one applied, at its boundary.
#include "sasl/mechanism.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pop3ws {
namespace {

// RFC 7677 §3: user "user", password "pencil", 4096 iterations.
constexpr const char* kNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr const char* kServerFirstPrefix =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=";

std::unique_ptr<sasl::Mechanism> scram_after_client_first(std::uint32_t limit) {
  LoginRequest req;
  req.user = "user";
  req.secret = "pencil";
  req.client_nonce = kNonce;
  Settings settings;
  settings.max_scram_iterations = limit;
  auto made = sasl::make_mechanism(AuthMethod::ScramSha256, req, settings);
  EXPECT_TRUE(made);
  if (!made) return nullptr;
  EXPECT_EQ((*made)->initial_response(), std::optional<std::string>("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
  return std::move(*made);
}

TEST(ScramIterationLimit, ACountEqualToTheLimitIsUsed) {
  auto m = scram_after_client_first(4096);
  ASSERT_TRUE(m);
  const auto final_message = m->respond(std::string(kServerFirstPrefix) + "4096");
  ASSERT_TRUE(final_message);
  // The client-final-message of RFC 7677 §3.
  EXPECT_EQ(*final_message,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
}

TEST(ScramIterationLimit, ACountAboveTheLimitIsRefused) {
  auto m = scram_after_client_first(4095);
  ASSERT_TRUE(m);
  const auto refused = m->respond(std::string(kServerFirstPrefix) + "4096");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::SaslFailure);
}

TEST(ScramIterationLimit, TheDefaultRefusesOneMore) {
  const std::uint32_t limit = Settings{}.max_scram_iterations;
  ASSERT_GE(limit, 4096u);  // RFC 7677 §4: servers use at least 4096
  auto m = scram_after_client_first(limit);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->respond(std::string(kServerFirstPrefix) + std::to_string(std::uint64_t(limit) + 1)));
}

TEST(ScramIterationLimit, ZeroAndOverflowingCountsAreRefused) {
  for (const char* count : {"0", "00", "4294967296", "99999999999999999999999", "-1", "+4096", " 4096", ""}) {
    auto m = scram_after_client_first(4096);
    ASSERT_TRUE(m);
    EXPECT_FALSE(m->respond(std::string(kServerFirstPrefix) + count)) << "i=" << count;
  }
}

}  // namespace
}  // namespace pop3ws
