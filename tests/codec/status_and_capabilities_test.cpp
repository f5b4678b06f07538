#include "pop3ws/capabilities.hpp"
#include "pop3ws/response_code.hpp"

#include <gtest/gtest.h>

namespace pop3ws {
namespace {

TEST(StatusLine, ParsesCodesAndText) {
  StatusLine s;
  ASSERT_TRUE(parse_status_line("-ERR [SYS/TEMP] later", s));
  EXPECT_FALSE(s.ok);
  EXPECT_EQ(s.code, ResponseCode::SysTemp);
  EXPECT_EQ(s.text, "later");
  ASSERT_TRUE(parse_status_line("+OK", s));
  EXPECT_TRUE(s.ok);
  EXPECT_EQ(s.text, "");
  EXPECT_FALSE(parse_status_line("OK fine", s));
  EXPECT_FALSE(parse_status_line("", s));
  EXPECT_FALSE(parse_status_line("-ERRx", s));
}

TEST(StatusLine, ClassifiesLoginFailures) {
  EXPECT_EQ(classify_auth_failure(ResponseCode::Auth), AuthFailureKind::WrongCredentials);
  EXPECT_EQ(classify_auth_failure(ResponseCode::None), AuthFailureKind::WrongCredentials);
  EXPECT_EQ(classify_auth_failure(ResponseCode::InUse), AuthFailureKind::TryLater);
  EXPECT_EQ(classify_auth_failure(ResponseCode::LoginDelay), AuthFailureKind::TryLater);
  EXPECT_EQ(classify_auth_failure(ResponseCode::SysTemp), AuthFailureKind::TryLater);
  EXPECT_EQ(classify_auth_failure(ResponseCode::SysPerm), AuthFailureKind::ServerTrouble);
}

TEST(Capabilities, SaslNamesAreCaseInsensitiveAndDeduplicated) {
  Capabilities c;
  apply_capability_line("SASL plain PLAIN Login", c);
  ASSERT_EQ(c.sasl.size(), 2u);
  EXPECT_TRUE(c.has_sasl("LOGIN"));
  EXPECT_TRUE(c.has_sasl("plain"));
  apply_capability_line("LOGIN-DELAY notanumber", c);
  EXPECT_FALSE(c.login_delay.has_value());
  apply_capability_line("", c);
  EXPECT_TRUE(c.other.empty());
}

}  // namespace
}  // namespace pop3ws
