// Counters for GET /metrics, in the Prometheus text exposition format
// (version 0.0.4). Atomics: sessions on several threads update them.
#pragma once

#include "close_codes.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace pop3ws::proxy {

struct Metrics {
  std::atomic<std::uint64_t> connections_open{0};   // accepted TCP connections still open
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> sessions_open{0};      // WebSocket sessions relaying
  std::atomic<std::uint64_t> sessions_total{0};
  std::atomic<std::uint64_t> http_requests_total{0};
  std::atomic<std::uint64_t> bytes_to_upstream{0};
  std::atomic<std::uint64_t> bytes_to_client{0};
  std::atomic<std::uint64_t> origin_refused{0};
  std::array<std::atomic<std::uint64_t>, std::size(kAllCloseReasons)> closes{};

  void count_close(CloseReason r) { closes[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed); }
  std::string to_prometheus() const;
};

}  // namespace pop3ws::proxy
