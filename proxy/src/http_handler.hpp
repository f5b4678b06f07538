// The plain HTTP side of the proxy: the web app's static files, /healthz,
// /metrics and /targets. Answers are whole responses (the web app's files are
// small, the largest being the codec's .wasm).
#pragma once

#include "config.hpp"
#include "metrics.hpp"
#include "ws_codec.hpp"

#include <string>
#include <string_view>

namespace pop3ws::proxy {

class HttpHandler {
 public:
  HttpHandler(const Config& cfg, const Metrics& metrics);
  void handle(const HttpRequestInfo& req, HttpResponseInfo& res) const;

  // Exposed for tests.
  static std::string_view content_type(std::string_view path);
  // The file under `root` that `url_path` names, or empty when it is outside
  // root, malformed, or absent.
  static std::string resolve_file(const std::string& root, std::string_view url_path);

 private:
  void security_headers(HttpResponseInfo& res) const;
  const Config& cfg_;
  const Metrics& metrics_;
  std::string targets_json_;
};

}  // namespace pop3ws::proxy
