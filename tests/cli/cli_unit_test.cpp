// Unit tests of the CLI's own decisions (the protocol's are the codec's,
// tests/codec): what the codec is told about the link and so whether a
// secret may be sent, the --proxy URL, the proxy's close codes as exit
// codes, and --secret-is-token with --auth auto.
#include "ws_transport.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include "driver.hpp"
#include "exit_codes.hpp"
#include "login.hpp"
#include "tcp_transport.hpp"

using namespace pop3ws;
using namespace pop3ws::cli;

namespace {

// A transport that only reports what the codec is told; nothing is connected.
class FakeTransport final : public Transport {
 public:
  FakeTransport(bool tls, bool loopback) : tls_(tls), loopback_(loopback) {}
  ReadResult read_some(std::uint8_t*, std::size_t, std::chrono::seconds) override { return {0, true, false}; }
  void write_all(std::string_view) override {}
  void start_tls() override {}
  void close() override {}
  bool tls_active() const override { return tls_; }
  bool loopback() const override { return loopback_; }
  std::chrono::seconds timeout() const override { return std::chrono::seconds(1); }

 private:
  bool tls_, loopback_;
};

bool loopback(const char* a) { return is_loopback_address(boost::asio::ip::make_address(a)); }

// Whether login() with USER/PASS is refused before anything is sent, for a
// link as the driver reports it.
ErrorCode login_outcome(bool tls, bool is_loopback, bool allow_insecure = false) {
  Options o;
  o.user = "alice";
  o.auth = AuthMethod::UserPass;
  o.allow_insecure_auth = allow_insecure;
  FakeTransport t(tls, is_loopback);
  Session s(session_settings(o));
  Driver d(t, s, o);
  EXPECT_TRUE(s.receive("+OK ready\r\n").is_ok());
  EXPECT_TRUE(std::holds_alternative<Greeting>(s.next_event()));
  const Status st = s.login(make_login_request(o, "secret"));
  if (st) {
    EXPECT_NE(s.pending_output().find("USER alice"), std::string_view::npos);
    return ErrorCode::Failed;  // "not refused"
  }
  EXPECT_TRUE(s.pending_output().empty()) << "a refused login wrote bytes";
  return st.error().code;
}

}  // namespace

TEST(Link, LoopbackAddresses) {
  EXPECT_TRUE(loopback("127.0.0.1"));
  EXPECT_TRUE(loopback("127.9.8.7"));
  EXPECT_TRUE(loopback("::1"));
  EXPECT_TRUE(loopback("::ffff:127.0.0.1"));
  EXPECT_FALSE(loopback("10.0.0.1"));
  EXPECT_FALSE(loopback("192.0.2.1"));
  EXPECT_FALSE(loopback("::ffff:192.0.2.1"));
  EXPECT_FALSE(loopback("2001:db8::1"));
}

TEST(Link, PlainTextLoginToRemoteHostIsRefused) {
  EXPECT_EQ(login_outcome(/*tls=*/false, /*loopback=*/false), ErrorCode::InsecureAuth);
  EXPECT_EQ(login_outcome(false, true), ErrorCode::Failed);   // loopback: allowed
  EXPECT_EQ(login_outcome(true, false), ErrorCode::Failed);   // TLS: allowed
  EXPECT_EQ(login_outcome(false, false, /*allow_insecure=*/true), ErrorCode::Failed);
}

TEST(Link, RefusalIsAUsageErrorWithAHint) {
  try {
    throw_refusal(Error{ErrorCode::InsecureAuth, "would send the password in clear"}, "login");
    FAIL();
  } catch (const CliError& e) {
    EXPECT_EQ(e.code(), Exit::Usage);
    EXPECT_NE(std::string(e.what()).find("--allow-insecure-auth"), std::string::npos);
  }
}

TEST(ProxyUrl, Parses) {
  auto u = parse_proxy_url("ws://127.0.0.1:8080/pop3/gmail");
  EXPECT_FALSE(u.secure);
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.target, "/pop3/gmail");
  u = parse_proxy_url("wss://proxy.example.org/pop3/x");
  EXPECT_TRUE(u.secure);
  EXPECT_EQ(u.port, 443);
  u = parse_proxy_url("ws://[::1]:9000?target=a");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 9000);
  EXPECT_EQ(u.target, "/?target=a");
  EXPECT_EQ(parse_proxy_url("ws://h").port, 80);
}

TEST(ProxyUrl, BadFormsAreUsageErrors) {
  for (const char* bad : {"http://h/x", "ws://", "ws://:80/x", "ws://[::1/x", "ws://h:0/x", "ws://h:65536/x",
                          "ws://h:8x/x", "ws://user@h/x"}) {
    try {
      (void)parse_proxy_url(bad);
      ADD_FAILURE() << bad;
    } catch (const CliError& e) {
      EXPECT_EQ(e.code(), Exit::Usage) << bad;
    }
  }
}

TEST(ProxyClose, CodesBecomeExitCodes) {
  auto code = [](unsigned c) { return proxy_close_meaning(c, "r").exit_code; };
  EXPECT_EQ(code(1000), 0);
  EXPECT_EQ(code(4000), static_cast<int>(Exit::Usage));
  EXPECT_EQ(code(4001), static_cast<int>(Exit::Usage));
  EXPECT_EQ(code(4002), static_cast<int>(Exit::Network));
  EXPECT_EQ(code(4003), static_cast<int>(Exit::Tls));
  EXPECT_EQ(code(4004), static_cast<int>(Exit::Tls));
  EXPECT_EQ(code(4005), static_cast<int>(Exit::Tls));
  EXPECT_EQ(code(4008), static_cast<int>(Exit::TryLater));
  EXPECT_EQ(code(4009), static_cast<int>(Exit::Network));
  EXPECT_EQ(code(4010), static_cast<int>(Exit::Network));
  EXPECT_EQ(code(1009), static_cast<int>(Exit::Protocol));
  EXPECT_EQ(code(4999), static_cast<int>(Exit::Network));
  const auto m = proxy_close_meaning(4003, "TLS verification failed");
  EXPECT_NE(m.text.find("TLS verification failed"), std::string::npos);
  EXPECT_NE(m.text.find("4003"), std::string::npos);
}

TEST(Login, SecretIsTokenMakesAutoChooseOAuth) {
  Options o;
  o.user = "alice";
  o.secret_is_token = true;
  const LoginRequest req = make_login_request(o, "token");
  EXPECT_TRUE(req.secret_is_token);
  Capabilities caps;
  caps.known = true;
  caps.user = true;
  caps.sasl = {"PLAIN", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER"};
  const auto m = choose_auth_method(req, caps, false, LinkSecurity{true, false});
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(*m == AuthMethod::OAuthBearer || *m == AuthMethod::XOAuth2);
  Options password;
  password.user = "alice";
  const auto p = choose_auth_method(make_login_request(password, "pw"), caps, false, LinkSecurity{true, false});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p, AuthMethod::ScramSha256);
}

namespace {

// A transport on which nothing ever arrives; it records each read's limit.
class SilentTransport final : public Transport {
 public:
  ReadResult read_some(std::uint8_t*, std::size_t, std::chrono::seconds limit) override {
    limits.push_back(limit);
    return {0, false, true};
  }
  void write_all(std::string_view) override {}
  void start_tls() override {}
  void close() override {}
  bool tls_active() const override { return true; }
  bool loopback() const override { return true; }
  std::chrono::seconds timeout() const override { return std::chrono::seconds(1); }
  std::vector<std::chrono::seconds> limits;
};

// Runs quit() against a server that greets and then never answers.
std::pair<std::vector<std::chrono::seconds>, std::string> silent_quit(std::size_t deletions) {
  Options o;
  o.timeout = std::chrono::seconds(7);
  o.quit_timeout = std::chrono::seconds(400);
  SilentTransport t;
  Session s(session_settings(o));
  Driver d(t, s, o);
  EXPECT_TRUE(s.receive("+OK ready\r\n").is_ok());
  EXPECT_TRUE(std::holds_alternative<Greeting>(s.next_event()));
  try {
    quit(d, deletions);
  } catch (const CliError& e) {
    EXPECT_EQ(e.code(), Exit::Network);
    return {t.limits, e.what()};
  }
  ADD_FAILURE() << "quit() returned although nothing arrived";
  return {};
}

}  // namespace

// RFC 1939 §6: the server expunges before it answers QUIT; with thousands of
// deletions that outlasts --timeout, so that one reply gets --quit-timeout.
TEST(Quit, CommittingDeletionsWaitsForTheQuitTimeout) {
  const auto [limits, message] = silent_quit(3);
  ASSERT_EQ(limits.size(), 1u);
  EXPECT_EQ(limits[0], std::chrono::seconds(400));
  EXPECT_NE(message.find("--quit-timeout"), std::string::npos) << message;
  EXPECT_NE(message.find("kept"), std::string::npos) << message;
}

TEST(Quit, WithoutDeletionsTheUsualTimeoutApplies) {
  const auto [limits, message] = silent_quit(0);
  ASSERT_EQ(limits.size(), 1u);
  EXPECT_EQ(limits[0], std::chrono::seconds(7));
  EXPECT_NE(message.find("--timeout"), std::string::npos) << message;
}
