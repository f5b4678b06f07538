// The whole proxy: listeners on the configured addresses, the shared
// context, N threads running one io_context, and the SIGTERM drain
// (stop accepting, let sessions finish for limits.drain_timeout, then close
// the rest with 1001 "going away").
#pragma once

#include "config.hpp"
#include "context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <memory>
#include <vector>

namespace pop3ws::proxy {

class Listener;

class Server {
 public:
  explicit Server(Config cfg);  // throws std::runtime_error when it cannot listen or load TLS files
  ~Server();
  // Runs until drained; returns the exit status.
  int run();
  void begin_drain();
  std::vector<boost::asio::ip::tcp::endpoint> local_endpoints() const;

 private:
  void on_drain_tick();

  Config cfg_;
  boost::asio::io_context ioc_;
  Metrics metrics_;
  std::unique_ptr<ConnectorFactory> connectors_;
  std::unique_ptr<HttpHandler> http_;
  ConnectionTracker tracker_;
  SessionRegistry registry_;
  ProxyContext ctx_;
  std::shared_ptr<boost::asio::ssl::context> listen_tls_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer drain_timer_;
  std::chrono::steady_clock::time_point drain_deadline_;
  bool draining_ = false, told_to_go_ = false;
  std::atomic<std::uint64_t> next_id_{0};
  friend class Listener;
};

}  // namespace pop3ws::proxy
