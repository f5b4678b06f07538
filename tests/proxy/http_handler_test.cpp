#include "http_handler.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace pop3ws::proxy {
namespace {
namespace fs = std::filesystem;

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() / ("pop3ws-http-test-" + std::to_string(::getpid()));
    fs::create_directories(root / "dist" / "assets");
    std::ofstream(root / "dist" / "index.html") << "<!doctype html>";
    std::ofstream(root / "dist" / "assets" / "app-1234.js") << "console.log(1)";
    std::ofstream(root / "dist" / "assets" / "codec.wasm") << std::string("\0asm", 4);
    std::ofstream(root / "secret.txt") << "secret";
    fs::create_symlink(root / "secret.txt", root / "dist" / "link.txt");
    cfg.http.web_root = (root / "dist").string();
    Target t;
    t.name = "local";
    t.label = "Local \"Dovecot\"";
    t.host = "127.0.0.1";
    cfg.targets.push_back(t);
    handler = std::make_unique<HttpHandler>(cfg, metrics);
  }
  void TearDown() override { fs::remove_all(root); }

  HttpResponseInfo get(const std::string& path, const std::string& method = "GET") {
    HttpRequestInfo req;
    req.method = method;
    req.resource = path;
    HttpResponseInfo res;
    handler->handle(req, res);
    return res;
  }
  static std::string header(const HttpResponseInfo& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }

  fs::path root;
  Config cfg;
  Metrics metrics;
  std::unique_ptr<HttpHandler> handler;
};

TEST_F(HttpTest, ServesIndexAndAssetsWithTypesAndCaching) {
  auto r = get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<!doctype html>");
  EXPECT_EQ(header(r, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  r = get("/assets/app-1234.js");
  EXPECT_EQ(header(r, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(r, "Cache-Control"), "public, max-age=31536000, immutable");
  r = get("/assets/codec.wasm");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(header(r, "Content-Type"), "application/wasm");
  EXPECT_EQ(r.body.size(), 4u);
}

TEST_F(HttpTest, SecurityHeadersOnEveryResponse) {
  for (const char* p : {"/", "/nope", "/healthz", "/targets"}) {
    auto r = get(p);
    EXPECT_NE(header(r, "Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos) << p;
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff") << p;
  }
}

TEST_F(HttpTest, TraversalIsRefused) {
  for (const char* p : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
                        "/link.txt", "/..%5csecret.txt", "/index.html%00.js", "/%zz", "/./index.html"}) {
    auto r = get(p);
    EXPECT_EQ(r.status, 404) << p;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << p;
  }
}

TEST_F(HttpTest, ApiEndpoints) {
  auto r = get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  r = get("/targets");
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
  EXPECT_EQ(r.body, "{\"allowlist\":false,\"targets\":[{\"label\":\"Local \\\"Dovecot\\\"\",\"local\":true,\"name\":\"local\",\"security\":\"tls\"}]}\n");
  metrics.bytes_to_client = 42;
  r = get("/metrics");
  EXPECT_NE(r.body.find("pop3ws_proxy_bytes_total{direction=\"to_client\"} 42\n"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE pop3ws_proxy_connections_open gauge"), std::string::npos);
}

TEST_F(HttpTest, MethodsAndHead) {
  auto r = get("/", "POST");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "GET, HEAD");
  r = get("/", "HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.head_only);
}

TEST(HttpTypes, ContentTypes) {
  EXPECT_EQ(HttpHandler::content_type("a.wasm"), "application/wasm");
  EXPECT_EQ(HttpHandler::content_type("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(HttpHandler::content_type("a.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(HttpHandler::content_type("a"), "application/octet-stream");
}

}  // namespace
}  // namespace pop3ws::proxy
