#include "http_handler.hpp"

#include "addr_policy.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace pop3ws::proxy {
namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxFile = 64 * 1024 * 1024;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 §2.1 percent-decoding of a path; nullopt on malformed escapes.
std::optional<std::string> decode_path(std::string_view p) {
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '%') {
      out += p[i];
      continue;
    }
    if (i + 2 >= p.size()) return std::nullopt;
    const int h = hexval(p[i + 1]), l = hexval(p[i + 2]);
    if (h < 0 || l < 0) return std::nullopt;
    out += static_cast<char>(h * 16 + l);
    i += 2;
  }
  return out;
}

void text(HttpResponseInfo& res, int status, std::string body,
          const char* type = "text/plain; charset=utf-8") {
  res.status = status;
  res.headers.emplace_back("Content-Type", type);
  res.headers.emplace_back("Cache-Control", "no-store");
  res.body = std::move(body);
}

}  // namespace

HttpHandler::HttpHandler(const Config& cfg, const Metrics& metrics) : cfg_(cfg), metrics_(metrics) {
  nlohmann::json j;
  j["targets"] = nlohmann::json::array();
  // The page needs each target's link security to decide whether a
  // password may be sent (the proxy-to-server leg is invisible to it).
  for (const auto& t : cfg.targets)
    j["targets"].push_back({{"name", t.name},
                            {"label", t.label},
                            {"security", std::string(to_string(t.security))},
                            {"local", names_this_host(t.host)}});
  j["allowlist"] = cfg.allowlist.enabled;
  targets_json_ = j.dump() + "\n";
}

std::string_view HttpHandler::content_type(std::string_view path) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".wasm", "application/wasm"},  // required for WebAssembly.instantiateStreaming
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [ext, type] : kTypes)
    if (ends_with(path, ext)) return type;
  return "application/octet-stream";
}

std::string HttpHandler::resolve_file(const std::string& root, std::string_view url_path) {
  if (root.empty() || url_path.empty() || url_path[0] != '/') return {};
  auto decoded = decode_path(url_path);
  if (!decoded) return {};
  // Refuse rather than normalise: "..", backslashes and NUL have no place in
  // the app's URLs, and refusing is simpler to reason about than cleaning.
  if (decoded->find('\0') != std::string::npos || decoded->find('\\') != std::string::npos) return {};
  std::string rel = decoded->substr(1);
  std::istringstream segs(rel);
  for (std::string seg; std::getline(segs, seg, '/');)
    if (seg == ".." || seg == ".") return {};
  if (rel.empty() || rel.back() == '/') rel += "index.html";
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) return {};
  fs::path file = fs::canonical(base / rel, ec);  // resolves symlinks
  if (ec) return {};
  if (fs::is_directory(file, ec)) file = fs::canonical(file / "index.html", ec);
  if (ec) return {};
  // A symlink inside the root must not lead out of it.
  auto [b, f] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (b != base.end()) return {};
  if (!fs::is_regular_file(file, ec)) return {};
  return file.string();
}

void HttpHandler::security_headers(HttpResponseInfo& res) const {
  res.headers.emplace_back("Content-Security-Policy", cfg_.http.content_security_policy);
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("X-Frame-Options", "DENY");  // frame-ancestors for old browsers
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  res.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  res.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
}

void HttpHandler::handle(const HttpRequestInfo& req, HttpResponseInfo& res) const {
  security_headers(res);
  if (req.method != "GET" && req.method != "HEAD") {
    res.headers.emplace_back("Allow", "GET, HEAD");
    return text(res, 405, "method not allowed\n");
  }
  res.head_only = req.method == "HEAD";
  const std::string_view resource = req.resource;
  const std::string_view path = resource.substr(0, resource.find_first_of("?#"));
  if (path == "/healthz") return text(res, 200, "ok\n");
  if (path == "/metrics") {
    return text(res, 200, metrics_.to_prometheus(), "text/plain; version=0.0.4; charset=utf-8");
  }
  if (path == "/targets") {
    res.status = 200;
    res.headers.emplace_back("Content-Type", "application/json");
    res.headers.emplace_back("Cache-Control", "no-cache");
    res.body = targets_json_;
    return;
  }
  const std::string file = resolve_file(cfg_.http.web_root, path);
  if (file.empty()) return text(res, 404, "not found\n");
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec || size > kMaxFile) return text(res, 404, "not found\n");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  if (!in) return text(res, 500, "read error\n");
  res.status = 200;
  res.headers.emplace_back("Content-Type", std::string(content_type(file)));
  // Vite puts content-hashed names under assets/: they never change.
  const bool hashed = path.find("/assets/") != std::string_view::npos;
  res.headers.emplace_back("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
  res.body = body.str();
}

}  // namespace pop3ws::proxy
