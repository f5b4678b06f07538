// What every session shares: the configuration, counters, the connection
// caps, the registry used to drain on SIGTERM, and the upstream connector.
#pragma once

#include "config.hpp"
#include "http_handler.hpp"
#include "metrics.hpp"
#include "upstream.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace pop3ws::proxy {

class Session;

// Total and per-IP connection caps. Connections over a cap but within twice
// it still get a WebSocket close code the page can show ("limit reached");
// beyond that they are dropped at once so a flood cannot buy work.
class ConnectionTracker {
 public:
  enum class Admit { ok, over_limit, refuse };
  ConnectionTracker(std::size_t total, std::size_t per_ip) : total_(total), per_ip_(per_ip) {}
  // `ok` and `over_limit` are counted: call release() for them.
  Admit admit(const std::string& ip);
  void release(const std::string& ip);
  std::size_t open() const;

 private:
  mutable std::mutex mu_;
  std::size_t total_, per_ip_;
  std::size_t open_ = 0;
  std::unordered_map<std::string, std::size_t> by_ip_;
};

// Live sessions, so that shutdown can reach them.
class SessionRegistry {
 public:
  void add(std::uint64_t id, std::weak_ptr<Session> s);
  void remove(std::uint64_t id);
  void for_each(const std::function<void(const std::shared_ptr<Session>&)>& f);
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions_;
};

struct ProxyContext {
  const Config& config;
  Metrics& metrics;
  ConnectorFactory& connectors;
  const HttpHandler& http;
  SessionRegistry& sessions;
};

}  // namespace pop3ws::proxy
