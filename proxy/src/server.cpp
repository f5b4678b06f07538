#include "server.hpp"

#include "asio_streams.hpp"
#include "session.hpp"
#include "tls_setup.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace pop3ws::proxy {
namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // On a strand of its own: with --threads N, stop() and the accept handler
  // may otherwise run at the same time.
  Listener(Server& srv, const tcp::endpoint& ep)
      : srv_(srv), strand_(asio::make_strand(srv.ioc_)), acceptor_(strand_), backoff_(strand_) {
    error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    // "*:port" listens on [::] for both families.
    if (!ec && ep.address().is_v6() && ep.address().is_unspecified()) acceptor_.set_option(asio::ip::v6_only(false), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      std::ostringstream o;
      o << "cannot listen on " << ep << ": " << ec.message();
      throw std::runtime_error(o.str());
    }
  }

  void run() { do_accept(); }
  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      error_code ec;
      self->acceptor_.close(ec);
      self->backoff_.cancel();
    });
  }
  tcp::endpoint local() const {
    error_code ec;
    return acceptor_.local_endpoint(ec);
  }

 private:
  void do_accept() {
    // Each connection gets its own strand: with --threads N its handlers
    // never run concurrently, and the session needs no locks.
    acceptor_.async_accept(asio::make_strand(srv_.ioc_), [self = shared_from_this()](const error_code& ec, tcp::socket s) {
      self->on_accept(ec, std::move(s));
    });
  }

  void on_accept(const error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // EMFILE and friends: wait a little instead of spinning.
      spdlog::warn("event=accept_error error=\"{}\"", ec.message());
      backoff_.expires_after(std::chrono::milliseconds(100));
      backoff_.async_wait([self = shared_from_this()](const error_code& e) {
        if (!e) self->do_accept();
      });
      return;
    }
    error_code ignored;
    const auto peer = socket.remote_endpoint(ignored);
    std::string ip = peer.address().is_v6() && peer.address().to_v6().is_v4_mapped()
                         ? asio::ip::make_address_v4(asio::ip::v4_mapped, peer.address().to_v6()).to_string()
                         : peer.address().to_string();
    // One IPv6 host usually owns a whole /64 (RFC 4291 §2.5.1 interface
    // identifiers): count the prefix, or a single client could take any number
    // of slots by rotating addresses.
    std::string cap_key = ip;
    if (peer.address().is_v6() && !peer.address().to_v6().is_v4_mapped()) {
      auto bytes = peer.address().to_v6().to_bytes();
      std::fill(bytes.begin() + 8, bytes.end(), 0);
      cap_key = asio::ip::address_v6(bytes).to_string() + "/64";
    }
    const auto admit = srv_.tracker_.admit(cap_key);
    if (admit == ConnectionTracker::Admit::refuse) {
      srv_.metrics_.count_close(CloseReason::limit_reached);
      spdlog::warn("event=refused peer={} why=connection_cap", ip);
      socket.close(ignored);
      return do_accept();
    }
    socket.set_option(tcp::no_delay(true), ignored);
    std::unique_ptr<Stream> stream;
    try {
      if (srv_.listen_tls_)
        stream = std::make_unique<TlsStream>(std::move(socket), srv_.listen_tls_->native_handle(),
                                             TlsStream::Role::server);
      else stream = std::make_unique<TcpStream>(std::move(socket));
    } catch (const std::exception& e) {  // SSL_new failing: out of memory
      spdlog::error("event=accept_error peer={} error=\"{}\"", ip, e.what());
      srv_.tracker_.release(cap_key);
      return do_accept();
    }
    SessionOptions o;
    o.id = ++srv_.next_id_;
    o.peer = ip;
    o.cap_key = cap_key;
    o.secure = static_cast<bool>(srv_.listen_tls_);
    o.over_limit = admit == ConnectionTracker::Admit::over_limit;
    o.tracker = &srv_.tracker_;
    std::make_shared<Session>(srv_.ctx_, std::move(stream), std::move(o))->start();
    do_accept();
  }

  Server& srv_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  asio::steady_timer backoff_;
};

namespace {
tcp::endpoint to_endpoint(const std::string& s) {
  auto a = parse_listen_address(s);
  if (!a) throw std::runtime_error("bad listen address " + s);
  if (a->host.empty()) return {asio::ip::address_v6::any(), a->port};
  error_code ec;
  auto addr = asio::ip::make_address(a->host == "localhost" ? "127.0.0.1" : a->host, ec);
  if (ec) throw std::runtime_error("listen address must be an IP literal: " + s);
  return {addr, a->port};
}
}  // namespace

Server::Server(Config cfg)
    : cfg_(std::move(cfg)),
      connectors_(std::make_unique<AsioConnectorFactory>(cfg_)),
      http_(std::make_unique<HttpHandler>(cfg_, metrics_)),
      tracker_(cfg_.limits.max_connections, cfg_.limits.max_connections_per_ip),
      ctx_{cfg_, metrics_, *connectors_, *http_, registry_},
      signals_(ioc_, SIGTERM, SIGINT),
      drain_timer_(ioc_) {
  // OpenSSL writes to sockets with write(2), not send(MSG_NOSIGNAL): a page
  // that disconnects mid-write would otherwise kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  if (cfg_.tls) listen_tls_ = make_server_context(*cfg_.tls);
  for (const auto& l : cfg_.listen) listeners_.push_back(std::make_shared<Listener>(*this, to_endpoint(l)));
}

Server::~Server() = default;

std::vector<tcp::endpoint> Server::local_endpoints() const {
  std::vector<tcp::endpoint> v;
  for (const auto& l : listeners_) v.push_back(l->local());
  return v;
}

int Server::run() {
  for (const auto& l : listeners_) {
    std::ostringstream o;
    o << l->local();
    spdlog::info("event=listening addr={} tls={} threads={}", o.str(), cfg_.tls ? "yes" : "no", cfg_.threads);
    l->run();
  }
  signals_.async_wait([this](const error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("event=signal signal={} sessions={}", sig, registry_.size());
    begin_drain();
  });
  std::vector<std::thread> threads;
  for (int i = 1; i < cfg_.threads; ++i) threads.emplace_back([this] { ioc_.run(); });
  ioc_.run();
  for (auto& t : threads) t.join();
  spdlog::info("event=stopped connections_total={}", metrics_.connections_total.load());
  return 0;
}

void Server::begin_drain() {
  asio::post(ioc_, [this] {
    if (draining_) return;
    draining_ = true;
    signals_.cancel();
    for (auto& l : listeners_) l->stop();
    drain_deadline_ = std::chrono::steady_clock::now() + cfg_.limits.drain_timeout;
    on_drain_tick();
  });
}

// Polls the registry: the process exits as soon as the last session ends,
// and after drain_timeout the remaining sessions are told to go away.
void Server::on_drain_tick() {
  if (registry_.size() == 0) {
    spdlog::info("event=drained");
    return;
  }
  if (!told_to_go_ && std::chrono::steady_clock::now() >= drain_deadline_) {
    told_to_go_ = true;
    spdlog::info("event=drain_timeout sessions={}", registry_.size());
    registry_.for_each([](const std::shared_ptr<Session>& s) { s->shut_down(); });
  }
  // Sessions told to go away get close_timeout to finish; past that, stop.
  if (told_to_go_ && std::chrono::steady_clock::now() >= drain_deadline_ + 2 * cfg_.limits.close_timeout) {
    spdlog::warn("event=drain_abandoned sessions={}", registry_.size());
    ioc_.stop();
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(50));
  drain_timer_.async_wait([this](const error_code& ec) {
    if (!ec) on_drain_tick();
  });
}

}  // namespace pop3ws::proxy
