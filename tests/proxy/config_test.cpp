#include "config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace pop3ws::proxy {
namespace {

ConfigResult parse(std::string_view text) {
  ConfigResult r = parse_config(text, "test.toml", "/base");
  if (r.ok()) validate_config(r.config, "test.toml", r.errors);
  return r;
}

// The single error a config produces, as "line: message".
std::string only_error(std::string_view text) {
  ConfigResult r = parse(text);
  if (r.errors.size() != 1) {
    std::string all = std::to_string(r.errors.size()) + " errors:";
    for (const auto& e : r.errors) all += "\n  " + e.to_string();
    return all;
  }
  return std::to_string(r.errors[0].line) + ": " + r.errors[0].message;
}

constexpr const char* kTarget = R"(
[[targets]]
name = "local"
host = "127.0.0.1"
port = 995
)";

TEST(Config, FullExampleParses) {
  ConfigResult r = parse(R"(
listen = ["127.0.0.1:8080", "[::1]:8080"]
threads = 2
log_level = "debug"
allowed_origins = ["https://mail.example.org"]
allow_missing_origin = false

[limits]
max_connections = 100
max_connections_per_ip = 10
idle_timeout_ms = 60000
max_message_bytes = 4096
buffer_bytes = 65536

[[targets]]
name = "gmail"
label = "Gmail"
host = "pop.gmail.com"

[[targets]]
name = "local"
host = "127.0.0.1"
port = 110
security = "starttls"
server_name = "localhost"
allow_private = true
spki_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

[allowlist]
enabled = true
hosts = ["*.example.net"]
ports = [995]
)");
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  const Config& c = r.config;
  EXPECT_EQ(c.listen.size(), 2u);
  EXPECT_EQ(c.threads, 2);
  EXPECT_FALSE(c.allow_missing_origin);
  EXPECT_EQ(c.limits.max_connections, 100u);
  EXPECT_EQ(c.limits.idle_timeout, std::chrono::milliseconds(60000));
  ASSERT_EQ(c.targets.size(), 2u);
  EXPECT_EQ(c.targets[0].port, 995);  // tls default
  EXPECT_EQ(c.targets[0].label, "Gmail");
  EXPECT_EQ(c.targets[1].security, Security::starttls);
  EXPECT_TRUE(c.targets[1].allow_private);
  EXPECT_EQ(c.find_target("local"), &c.targets[1]);
  EXPECT_TRUE(c.allowlist.enabled);
}

TEST(Config, StarttlsDefaultsToPort110) {
  ConfigResult r = parse("[[targets]]\nname = \"a\"\nhost = \"h\"\nsecurity = \"starttls\"\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config.targets[0].port, 110);
  EXPECT_EQ(r.config.targets[0].label, "a");
}

TEST(Config, SyntaxErrorHasItsLine) {
  EXPECT_EQ(only_error("threads = 1\nlisten = [\"a\"\n"), "2: Error while parsing array: encountered end-of-file");
}

TEST(Config, EveryBadValueIsReportedWithItsLine) {
  EXPECT_EQ(only_error(std::string("threads = 0\n") + kTarget), "1: 'threads' must be between 1 and 256");
  EXPECT_EQ(only_error(std::string("threads = \"two\"\n") + kTarget), "1: 'threads' must be an integer");
  EXPECT_EQ(only_error(std::string("log_level = \"loud\"\n") + kTarget),
            "1: 'log_level' must be one of trace, debug, info, warn, error, critical, off");
  EXPECT_EQ(only_error(std::string("listen = [\"localhost\"]\n") + kTarget),
            "1: listen address \"localhost\" is not host:port, [ipv6]:port or *:port");
  EXPECT_EQ(only_error(std::string("listen = [\"::1:80\"]\n") + kTarget),
            "1: listen address \"::1:80\" is not host:port, [ipv6]:port or *:port");
  EXPECT_EQ(only_error(std::string("allowed_origins = [\"example.org\"]\n") + kTarget),
            "1: allowed origin \"example.org\" is not scheme://host[:port]");
  EXPECT_EQ(only_error(std::string("mystery = 1\n") + kTarget), "1: unknown key 'mystery'");
  EXPECT_EQ(only_error(std::string("[limits]\nidle_timeout = 5\n") + kTarget), "2: unknown key 'idle_timeout' in [limits]");
  EXPECT_EQ(only_error(std::string("[limits]\nidle_timeout_ms = 0\n") + kTarget),
            "2: 'limits.idle_timeout_ms' must be between 1 and 86400000");
  EXPECT_EQ(only_error(std::string("[limits]\nbuffer_bytes = 2048\nread_chunk_bytes = 4096\n") + kTarget),
            "2: 'buffer_bytes' must be at least 'read_chunk_bytes'");
  EXPECT_EQ(only_error(std::string("[limits]\nmax_connections = 5\nmax_connections_per_ip = 6\n") + kTarget),
            "3: 'max_connections_per_ip' is larger than 'max_connections'");
  EXPECT_EQ(only_error(std::string("limits = 3\n") + kTarget), "1: 'limits' must be a table ([limits])");
  EXPECT_EQ(only_error(std::string("[tls]\ncert = \"c.pem\"\n") + kTarget), "1: [tls] needs both 'cert' and 'key'");
  EXPECT_EQ(only_error(std::string("[tls]\ncert = \"/nonexistent/c.pem\"\nkey = \"/nonexistent/k.pem\"\n") + kTarget)
                .substr(0, 2),
            "2 ");  // both files reported
  EXPECT_EQ(only_error(std::string("[http]\nweb_root = \"/nonexistent/dist\"\n") + kTarget),
            "2: web root \"/nonexistent/dist\" is not a directory");
}

TEST(Config, TargetErrorsNameTheTargetAndLine) {
  EXPECT_EQ(only_error("[[targets]]\nname = \"a b\"\nhost = \"h\"\n"),
            "2: target \"a b\": name may use only letters, digits, '.', '-' and '_' (1-64)");
  EXPECT_EQ(only_error("[[targets]]\nname = \"a\"\nhost = \"h\"\nport = 0\n"),
            "4: 'targets.0.port' must be between 1 and 65535");
  EXPECT_EQ(only_error("[[targets]]\nname = \"a\"\nhost = \"h\"\nsecurity = \"ssl\"\n"),
            "4: 'security' must be \"tls\", \"starttls\" or \"none\", not \"ssl\"");
  EXPECT_EQ(only_error("[[targets]]\nhost = \"h\"\n"), "1: target needs a 'name'");
  EXPECT_EQ(only_error("[[targets]]\nname = \"a\"\n"), "1: target needs a 'host'");
  EXPECT_EQ(only_error("[[targets]]\nname = \"a\"\nhost = \"h\"\n[[targets]]\nname = \"a\"\nhost = \"i\"\n"),
            "5: target \"a\": name is defined twice");
  EXPECT_EQ(only_error("[[targets]]\nname = \"a\"\nhost = \"h\"\nca_file = \"/nonexistent/ca.pem\"\n"),
            "4: target \"a\": cannot read CA file \"/nonexistent/ca.pem\"");
  EXPECT_EQ(only_error("[[targets]]\nname = \"a\"\nhost = \"h\"\nspki_sha256 = \"deadbeef\"\n"),
            "4: target \"a\": spki_sha256 must be the base64 SHA-256 of the key (44 characters)");
  EXPECT_EQ(only_error("[[targets]]\nname = \"a\"\nhost = \"h\"\nsecurity = \"none\"\n"
                       "spki_sha256 = \"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"\n"),
            "4: target \"a\": ca_file and spki_sha256 need security \"tls\" or \"starttls\"");
  EXPECT_EQ(only_error("[[targets]]\nname = \"a\"\nhost = \"h\"\nunknown = 1\n"), "4: unknown key 'unknown' in [targets]");
  EXPECT_EQ(only_error("targets = 1\n"), "1: 'targets' must be an array of tables ([[targets]])");
}

TEST(Config, NoTargetAndNoAllowlistIsAnError) {
  EXPECT_EQ(only_error("threads = 1\n"), "0: no [[targets]] and no [allowlist]: the proxy could not connect anywhere");
  EXPECT_EQ(only_error("[allowlist]\nenabled = true\nports = [995]\n"), "0: [allowlist] is enabled but lists no hosts");
  EXPECT_EQ(only_error("[allowlist]\nenabled = true\nhosts = [\"a\"]\nports = [0]\n").substr(0, 3), "4: ");
}

TEST(Config, SeveralErrorsAreAllReported) {
  // Value errors found while parsing, then whole-file checks: all reported.
  ConfigResult r = parse_config("threads = 0\nlog_level = \"x\"\n[limits]\nnope = 1\n[[targets]]\nname = \"a b\"\n",
                                "t.toml", "");
  validate_config(r.config, "t.toml", r.errors);
  ASSERT_EQ(r.errors.size(), 5u);
  std::vector<int> lines;
  for (const auto& e : r.errors) lines.push_back(e.line);
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<int>{1, 2, 4, 5, 6}));
}

TEST(Config, RelativePathsResolveAgainstTheFile) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "pop3ws-config-test";
  fs::create_directories(dir / "dist");
  std::ofstream(dir / "ca.pem") << "x";
  std::ofstream(dir / "proxy.toml") << "[http]\nweb_root = \"dist\"\n[[targets]]\nname = \"a\"\nhost = \"h\"\n"
                                       "ca_file = \"ca.pem\"\n";
  ConfigResult r = load_config_file((dir / "proxy.toml").string());
  ASSERT_TRUE(r.ok());
  validate_config(r.config, "proxy.toml", r.errors);
  EXPECT_TRUE(r.ok()) << r.errors[0].to_string();
  EXPECT_EQ(r.config.http.web_root, (dir / "dist").string());
  EXPECT_EQ(r.config.targets[0].ca_file, (dir / "ca.pem").string());
  fs::remove_all(dir);
}

TEST(Config, MissingFileIsAnError) {
  ConfigResult r = load_config_file("/nonexistent/proxy.toml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), "/nonexistent/proxy.toml: cannot open the configuration file");
}

TEST(Config, ListenAddresses) {
  auto a = parse_listen_address("127.0.0.1:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  a = parse_listen_address("[::1]:443");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "::1");
  a = parse_listen_address("*:80");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "");
  EXPECT_FALSE(parse_listen_address("127.0.0.1"));
  EXPECT_FALSE(parse_listen_address("127.0.0.1:65536"));
  EXPECT_FALSE(parse_listen_address("127.0.0.1:8o"));
  EXPECT_FALSE(parse_listen_address("[]:80"));
  EXPECT_FALSE(parse_listen_address("[::1]80"));
}

}  // namespace
}  // namespace pop3ws::proxy
