#include "upstream.hpp"

#include "addr_policy.hpp"
#include "asio_streams.hpp"
#include "tls_setup.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace pop3ws::proxy {
namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

// RFC 1939 §3 limits a response line to 512 octets; RFC 2449 §4 keeps that.
// A little slack for servers with long greetings.
constexpr std::size_t kMaxLine = 1024;

class AsioConnector final : public UpstreamConnector, public std::enable_shared_from_this<AsioConnector> {
 public:
  AsioConnector(asio::any_io_executor ex, AsioConnectorFactory& f)
      : factory_(f), resolver_(ex), socket_(ex), timer_(ex) {}

  void async_connect(const Target& target, Handler h) override {
    target_ = target;
    handler_ = std::move(h);
    arm(factory_.limits().connect_timeout, CloseReason::connect_failed, "connect timeout");
    resolver_.async_resolve(target_.host, std::to_string(target_.port),
                            [self = shared_from_this()](const error_code& ec, tcp::resolver::results_type r) {
                              self->on_resolve(ec, std::move(r));
                            });
  }

  void cancel() override {
    if (done_) return;
    cancelled_ = true;
    resolver_.cancel();
    error_code ec;
    socket_.close(ec);
    if (tls_) tls_->close();
    timer_.cancel();
  }

 private:
  void arm(std::chrono::milliseconds d, CloseReason why, const char* detail) {
    timer_.expires_after(d);
    timer_.async_wait([self = shared_from_this(), why, detail](const error_code& ec) {
      if (ec || self->done_) return;
      self->timeout_ = std::make_pair(why, detail);
      self->resolver_.cancel();
      error_code ignored;
      self->socket_.close(ignored);
      if (self->tls_) self->tls_->close();
    });
  }

  void fail(CloseReason why, std::string detail) {
    if (done_) return;
    done_ = true;
    timer_.cancel();
    error_code ec;
    socket_.close(ec);
    if (tls_) tls_->close();
    UpstreamResult r;
    if (timeout_) {
      why = timeout_->first;
      detail = timeout_->second;
    }
    r.error = why;
    r.detail = std::move(detail);
    deliver(std::move(r));
  }

  void succeed(std::unique_ptr<Stream> s) {
    if (done_) return;
    done_ = true;
    timer_.cancel();
    UpstreamResult r;
    r.stream = std::move(s);
    r.greeting = std::move(greeting_);
    deliver(std::move(r));
  }

  // The handler usually holds its session, which holds this connector:
  // moving it out breaks that cycle.
  void deliver(UpstreamResult r) {
    Handler h = std::move(handler_);
    handler_ = nullptr;
    h(std::move(r));
  }

  void on_resolve(const error_code& ec, tcp::resolver::results_type results) {
    if (ec || cancelled_) return fail(CloseReason::connect_failed, "resolve: " + ec.message());
    std::vector<tcp::endpoint> allowed;
    std::string denied;
    for (const auto& e : results) {
      auto why = denied_range(e.endpoint().address());
      if (why && !target_.allow_private) {
        denied = std::string(*why);
        continue;
      }
      allowed.push_back(e.endpoint());
    }
    if (allowed.empty())
      return fail(denied.empty() ? CloseReason::connect_failed : CloseReason::target_not_allowed,
                  denied.empty() ? "no addresses" : "address in denied range (" + denied + ")");
    asio::async_connect(socket_, allowed, [self = shared_from_this()](const error_code& e, const tcp::endpoint&) {
      self->on_connect(e);
    });
  }

  void on_connect(const error_code& ec) {
    if (ec || cancelled_) return fail(CloseReason::connect_failed, "connect: " + ec.message());
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);  // POP3 is request/response: no Nagle delay
    if (target_.security == Security::none) return succeed(std::make_unique<TcpStream>(std::move(socket_)));
    arm(factory_.limits().tls_timeout, CloseReason::tls_failed, "TLS timeout");
    if (target_.security == Security::tls) return start_tls();
    // STARTTLS, RFC 2595 §4: greeting, STLS, +OK, then the TLS handshake.
    asio::async_read_until(socket_, asio::dynamic_buffer(line_, kMaxLine), "\r\n",
                           [self = shared_from_this()](const error_code& e, std::size_t n) { self->on_greeting(e, n); });
  }

  void on_greeting(const error_code& ec, std::size_t n) {
    if (ec || cancelled_) return fail(CloseReason::starttls_failed, "greeting: " + ec.message());
    if (n != line_.size()) return fail(CloseReason::starttls_failed, "data after the greeting before STLS");
    if (line_.compare(0, 3, "+OK") != 0) return fail(CloseReason::starttls_failed, "greeting is not +OK");
    greeting_ = line_;
    line_.clear();
    static const char kStls[] = "STLS\r\n";
    asio::async_write(socket_, asio::buffer(kStls, sizeof kStls - 1),
                      [self = shared_from_this()](const error_code& e, std::size_t) {
                        if (e) return self->fail(CloseReason::starttls_failed, "STLS: " + e.message());
                        asio::async_read_until(self->socket_, asio::dynamic_buffer(self->line_, kMaxLine), "\r\n",
                                               [self](const error_code& e2, std::size_t n2) { self->on_stls(e2, n2); });
                      });
  }

  void on_stls(const error_code& ec, std::size_t n) {
    if (ec || cancelled_) return fail(CloseReason::starttls_failed, "STLS reply: " + ec.message());
    if (line_.compare(0, 3, "+OK") != 0) return fail(CloseReason::starttls_failed, "server refused STLS");
    // Anything after the +OK line arrived before the handshake: it would be
    // taken as if protected by TLS (the STARTTLS injection, CVE-2011-0411).
    if (n != line_.size()) return fail(CloseReason::starttls_failed, "data injected before the TLS handshake");
    line_.clear();
    start_tls();
  }

  void start_tls() {
    tls_ = std::make_unique<TlsStream>(std::move(socket_), factory_.context_for(target_).native_handle(),
                                       TlsStream::Role::client);
    if (!prepare_client_ssl(tls_->ssl(), target_)) return fail(CloseReason::tls_failed, "cannot set the server name");
    tls_->async_handshake([self = shared_from_this()](const error_code& ec) { self->on_handshake(ec); });
  }

  void on_handshake(const error_code& ec) {
    SSL* s = tls_->ssl();
    if (ec || cancelled_) {
      if (!timeout_ && is_verify_failure(ec, s))
        return fail(CloseReason::tls_verify_failed,
                    std::string("certificate: ") + X509_verify_cert_error_string(SSL_get_verify_result(s)));
      return fail(CloseReason::tls_failed, "handshake: " + ec.message());
    }
    if (!target_.spki_sha256.empty() && peer_spki_sha256(s) != target_.spki_sha256)
      return fail(CloseReason::tls_verify_failed, "SPKI pin mismatch");
    succeed(std::move(tls_));
  }

  AsioConnectorFactory& factory_;
  Target target_;
  Handler handler_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::unique_ptr<TlsStream> tls_;
  std::string line_;
  std::string greeting_;
  std::optional<std::pair<CloseReason, const char*>> timeout_;
  bool done_ = false;
  bool cancelled_ = false;
};

}  // namespace

AsioConnectorFactory::AsioConnectorFactory(const Config& cfg) : limits_(cfg.limits) {
  for (const auto& t : cfg.targets)
    if (t.security != Security::none) contexts_[t.name] = make_client_context(t);
  default_context_ = make_client_context(Target{});  // system store, for allowlisted hosts
}

asio::ssl::context& AsioConnectorFactory::context_for(const Target& t) {
  auto it = contexts_.find(t.name);
  return it != contexts_.end() ? *it->second : *default_context_;
}

std::shared_ptr<UpstreamConnector> AsioConnectorFactory::make(asio::any_io_executor ex) {
  return std::make_shared<AsioConnector>(std::move(ex), *this);
}

}  // namespace pop3ws::proxy
