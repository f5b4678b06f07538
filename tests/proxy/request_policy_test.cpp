#include "request_policy.hpp"

#include <gtest/gtest.h>

namespace pop3ws::proxy {
namespace {

Config config() {
  Config c;
  Target t;
  t.name = "local";
  t.host = "127.0.0.1";
  c.targets.push_back(t);
  return c;
}

TEST(Origin, SameOriginByDefault) {
  Config c = config();
  EXPECT_TRUE(origin_allowed(c, "http://proxy.test:8080", "proxy.test:8080", false));
  EXPECT_TRUE(origin_allowed(c, "HTTP://Proxy.Test:8080", "proxy.test:8080", false));
  EXPECT_FALSE(origin_allowed(c, "https://proxy.test:8080", "proxy.test:8080", false));
  EXPECT_TRUE(origin_allowed(c, "https://proxy.test", "proxy.test", true));
  EXPECT_FALSE(origin_allowed(c, "http://evil.test", "proxy.test:8080", false));
  EXPECT_FALSE(origin_allowed(c, "null", "proxy.test", false));
  EXPECT_FALSE(origin_allowed(c, "http://proxy.test", "", false));
}

TEST(Origin, ConfiguredList) {
  Config c = config();
  c.allowed_origins = {"https://mail.example.org", "http://127.0.0.1:5173"};
  EXPECT_TRUE(origin_allowed(c, "https://mail.example.org", "proxy.test", false));
  EXPECT_TRUE(origin_allowed(c, "http://127.0.0.1:5173", "proxy.test", false));
  EXPECT_FALSE(origin_allowed(c, "https://mail.example.org.evil.test", "proxy.test", false));
  EXPECT_FALSE(origin_allowed(c, "http://proxy.test", "proxy.test", false));  // the list replaces same-origin
}

TEST(Origin, Missing) {
  Config c = config();
  EXPECT_TRUE(origin_allowed(c, "", "proxy.test", false));
  c.allow_missing_origin = false;
  EXPECT_FALSE(origin_allowed(c, "", "proxy.test", false));
}

TEST(TargetChoice, Named) {
  Config c = config();
  for (const char* r : {"/pop3/local", "/?target=local", "/ws?token=local", "/pop3/local?x=1"}) {
    auto t = choose_target(c, r);
    ASSERT_TRUE(t.target) << r;
    EXPECT_EQ(t.target->host, "127.0.0.1");
  }
  auto t = choose_target(c, "/pop3/other");
  EXPECT_FALSE(t.target);
  EXPECT_EQ(t.error, CloseReason::unknown_target);
  t = choose_target(c, "/");
  EXPECT_FALSE(t.target);
  EXPECT_EQ(t.error, CloseReason::unknown_target);
  t = choose_target(c, "/pop3/..%2f..");
  EXPECT_FALSE(t.target);
}

TEST(TargetChoice, HostAndPortNeedTheAllowlist) {
  Config c = config();
  auto t = choose_target(c, "/pop3?host=pop.gmail.com&port=995");
  EXPECT_FALSE(t.target);
  EXPECT_EQ(t.error, CloseReason::target_not_allowed);
  c.allowlist.enabled = true;
  c.allowlist.hosts = {"pop.gmail.com", "*.example.net"};
  c.allowlist.ports = {995};
  t = choose_target(c, "/pop3?host=pop.gmail.com&port=995");
  ASSERT_TRUE(t.target);
  EXPECT_EQ(t.target->host, "pop.gmail.com");
  EXPECT_EQ(t.target->port, 995);
  EXPECT_EQ(t.target->security, Security::tls);
  EXPECT_FALSE(t.target->allow_private);
  t = choose_target(c, "/pop3?host=pop.mail.example.net&port=995&security=starttls");
  ASSERT_TRUE(t.target);
  EXPECT_EQ(t.target->security, Security::starttls);
  for (const char* r : {"/pop3?host=pop.gmail.com&port=110", "/pop3?host=evil.test&port=995",
                        "/pop3?host=pop.gmail.com&port=995&security=none", "/pop3?host=pop.gmail.com",
                        "/pop3?host=127.0.0.1&port=995", "/pop3?host=pop.gmail.com%00.evil&port=995",
                        "/pop3?host=pop.gmail.com&port=99999"}) {
    t = choose_target(c, r);
    EXPECT_FALSE(t.target) << r;
    EXPECT_EQ(t.error, CloseReason::target_not_allowed) << r;
  }
  c.allowlist.allow_plain = true;
  EXPECT_TRUE(choose_target(c, "/pop3?host=pop.gmail.com&port=995&security=none").target);
}

TEST(Query, Params) {
  EXPECT_EQ(query_param("/a?x=1&y=2", "y"), "2");
  EXPECT_EQ(query_param("/a?x=a%20b", "x"), "a b");
  EXPECT_EQ(query_param("/a?x", "x"), "");
  EXPECT_FALSE(query_param("/a?x=1", "z"));
  EXPECT_FALSE(query_param("/a", "x"));
  EXPECT_FALSE(query_param("/a?x=%zz", "x"));
}

}  // namespace
}  // namespace pop3ws::proxy
