#include "metrics.hpp"

#include <fmt/format.h>

namespace pop3ws::proxy {

std::string Metrics::to_prometheus() const {
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, std::uint64_t v) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, v);
  };
  metric("pop3ws_proxy_connections_open", "gauge", "Accepted connections currently open.", connections_open.load());
  metric("pop3ws_proxy_connections_total", "counter", "Connections accepted since start.", connections_total.load());
  metric("pop3ws_proxy_sessions_open", "gauge", "WebSocket sessions currently open.", sessions_open.load());
  metric("pop3ws_proxy_sessions_total", "counter", "WebSocket sessions opened since start.", sessions_total.load());
  metric("pop3ws_proxy_http_requests_total", "counter", "Plain HTTP requests answered.", http_requests_total.load());
  metric("pop3ws_proxy_origin_refused_total", "counter", "WebSocket handshakes refused for their Origin.",
         origin_refused.load());
  out += "# HELP pop3ws_proxy_bytes_total Payload bytes relayed.\n# TYPE pop3ws_proxy_bytes_total counter\n";
  out += fmt::format("pop3ws_proxy_bytes_total{{direction=\"to_upstream\"}} {}\n", bytes_to_upstream.load());
  out += fmt::format("pop3ws_proxy_bytes_total{{direction=\"to_client\"}} {}\n", bytes_to_client.load());
  out += "# HELP pop3ws_proxy_closes_total Sessions ended, by reason.\n# TYPE pop3ws_proxy_closes_total counter\n";
  for (CloseReason r : kAllCloseReasons)
    out += fmt::format("pop3ws_proxy_closes_total{{kind=\"{}\"}} {}\n", close_code(r).kind,
                       closes[static_cast<std::size_t>(r)].load());
  return out;
}

}  // namespace pop3ws::proxy
