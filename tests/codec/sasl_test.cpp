#include "pop3ws/sasl.hpp"

#include <gtest/gtest.h>

namespace pop3ws {
namespace {

Capabilities caps_with(std::initializer_list<const char*> mechs) {
  Capabilities c;
  c.known = true;
  for (auto m : mechs) c.sasl.emplace_back(m);
  return c;
}

TEST(ChooseAuth, StrongestFirst) {
  LoginRequest req;
  const LinkSecurity tls{true, false};
  EXPECT_EQ(*choose_auth_method(req, caps_with({"PLAIN", "SCRAM-SHA-256", "CRAM-MD5"}), true, tls),
            AuthMethod::ScramSha256);
  EXPECT_EQ(*choose_auth_method(req, caps_with({"PLAIN", "CRAM-MD5"}), true, tls), AuthMethod::CramMd5);
  EXPECT_EQ(*choose_auth_method(req, caps_with({"PLAIN", "LOGIN"}), true, tls), AuthMethod::Apop);
  EXPECT_EQ(*choose_auth_method(req, caps_with({"LOGIN", "PLAIN"}), false, tls), AuthMethod::Plain);
  EXPECT_EQ(*choose_auth_method(req, caps_with({}), false, tls), AuthMethod::UserPass);
}

TEST(ChooseAuth, TokensPickOAuth) {
  LoginRequest req;
  req.secret_is_token = true;
  const LinkSecurity tls{true, false};
  EXPECT_EQ(*choose_auth_method(req, caps_with({"PLAIN", "XOAUTH2"}), false, tls), AuthMethod::XOAuth2);
  EXPECT_EQ(*choose_auth_method(req, caps_with({"XOAUTH2", "OAUTHBEARER"}), false, tls), AuthMethod::OAuthBearer);
  auto none = choose_auth_method(req, caps_with({"PLAIN"}), false, tls);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::UnsupportedMechanism);
}

TEST(ChooseAuth, InsecureLinksRefuseExposingMethods) {
  LoginRequest req;
  const LinkSecurity plain{false, false};
  EXPECT_EQ(*choose_auth_method(req, caps_with({"PLAIN", "CRAM-MD5"}), true, plain), AuthMethod::CramMd5);
  auto r = choose_auth_method(req, caps_with({"PLAIN"}), true, plain);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::InsecureAuth);
  req.allow_insecure = true;
  EXPECT_EQ(*choose_auth_method(req, caps_with({"PLAIN"}), false, plain), AuthMethod::Plain);
  req.allow_insecure = false;
  EXPECT_EQ(*choose_auth_method(req, caps_with({"PLAIN"}), false, LinkSecurity{false, true}), AuthMethod::Plain);
}

TEST(ChooseAuth, NamesRoundTrip) {
  for (auto m : {AuthMethod::UserPass, AuthMethod::Apop, AuthMethod::Plain, AuthMethod::Login, AuthMethod::CramMd5,
                 AuthMethod::ScramSha256, AuthMethod::XOAuth2, AuthMethod::OAuthBearer}) {
    EXPECT_EQ(auth_method_from_name(auth_method_name(m)), m);
  }
  EXPECT_EQ(auth_method_from_name("scram-sha-256"), AuthMethod::ScramSha256);
  EXPECT_FALSE(auth_method_from_name("GSSAPI").has_value());
}

}  // namespace
}  // namespace pop3ws
