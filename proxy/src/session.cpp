#include "session.hpp"

#include "request_policy.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace pop3ws::proxy {
namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

// A queue's string keeps its capacity between writes; an idle session should
// not keep a burst's worth of memory.
void release_if_large(std::string& s, std::size_t keep) {
  s.clear();
  if (s.capacity() > keep) std::string().swap(s);
}

std::string path_only(const std::string& resource) { return resource.substr(0, resource.find_first_of("?#")); }

}  // namespace

Session::Session(ProxyContext& ctx, std::unique_ptr<Stream> client, SessionOptions opts)
    : ctx_(ctx),
      opts_(std::move(opts)),
      client_(std::move(client)),
      timer_(client_->get_executor()),
      started_(Clock::now()),
      last_activity_(started_) {
  ctx_.metrics.connections_open.fetch_add(1, std::memory_order_relaxed);
  ctx_.metrics.connections_total.fetch_add(1, std::memory_order_relaxed);
}

Session::~Session() {
  if (opened_ && !codec_done_) ctx_.metrics.sessions_open.fetch_sub(1, std::memory_order_relaxed);
  ctx_.metrics.connections_open.fetch_sub(1, std::memory_order_relaxed);
  ctx_.sessions.remove(opts_.id);
  if (opts_.tracker) opts_.tracker->release(opts_.cap_key);
}

void Session::start() {
  ctx_.sessions.add(opts_.id, weak_from_this());
  spdlog::debug("conn={} event=accept peer={} over_limit={}", opts_.id, opts_.peer, opts_.over_limit);
  arm_timer(ctx_.config.limits.handshake_timeout);
  client_->async_start([self = shared_from_this()] { self->on_started(); },
                       [self = shared_from_this()](const error_code& ec) {
                         self->fail(ec, "TLS handshake with page");
                         self->finish();
                       });
}

void Session::shut_down() {
  asio::post(client_->get_executor(), [self = shared_from_this()] {
    if (self->finished_) return;
    if (self->phase_ == Phase::relay) self->close_with(CloseReason::going_away, "drain time over");
    else if (self->phase_ == Phase::handshake) self->finish();
  });
}

void Session::on_started() {
  if (finished_) return;
  WsCodecOptions o;
  o.max_message_bytes = ctx_.config.limits.max_message_bytes;
  o.secure = opts_.secure;
  o.remote_endpoint = opts_.peer;
  codec_ = make_ws_codec(*this, o);
  do_client_read();
}

// ---- page side

void Session::do_client_read() {
  if (client_reading_ || client_read_done_ || finished_) return;
  // Backpressure towards the page: while the server can still take bytes,
  // stop reading once the queue towards it is full.
  const bool server_takes_bytes = upstream_connecting_ || (upstream_ && !upstream_fin_sent_ && !upstream_write_failed_);
  if (!codec_done_ && server_takes_bytes && to_upstream_.pending.size() >= ctx_.config.limits.buffer_bytes) return;
  client_reading_ = true;
  client_->async_read(ctx_.config.limits.read_chunk_bytes,
                      [self = shared_from_this()](const error_code& ec, const char* data, std::size_t n) {
                        self->on_client_read(ec, data, n);
                      });
}

void Session::on_client_read(const error_code& ec, const char* data, std::size_t n) {
  client_reading_ = false;
  if (finished_) return;
  if (ec) {
    client_read_done_ = true;
    if (ec != asio::error::eof && ec != asio::error::operation_aborted) fail(ec, "read from page");
    if (!codec_done_) codec_->feed_eof();
    maybe_end_client();
    maybe_finish();
    return;
  }
  if (!codec_done_) codec_->feed(data, n);  // after the codec is done, input is discarded
  do_client_read();
}

void Session::do_client_write() {
  if (to_client_.busy || to_client_.pending.empty() || client_write_failed_ || finished_) return;
  std::swap(to_client_.pending, to_client_.writing);
  to_client_.busy = true;
  client_->async_write(asio::buffer(to_client_.writing),
                       [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_client_write(ec); });
}

void Session::on_client_write(const error_code& ec) {
  to_client_.busy = false;
  release_if_large(to_client_.writing, ctx_.config.limits.read_chunk_bytes);
  if (finished_) return;
  if (ec) {
    client_write_failed_ = true;
    to_client_.pending.clear();
    down_unframed_.clear();
    fail(ec, "write to page");
    client_->close();  // the pending read ends too, which ends the codec
    maybe_finish();
    return;
  }
  frame_down();
  do_client_write();
  // Nothing more to write: the transfer is over (during one, the next bytes
  // are usually collected while a write is in flight, so this is rare).
  if (to_client_.idle()) {
    to_client_.release();
    std::string().swap(down_unframed_);
  }
  do_upstream_read();
  maybe_end_client();
}

// ---- codec events

bool Session::on_ws_request(const HttpRequestInfo& req, std::string& subprotocol, int& reject_status) {
  path_kind_ = "ws";
  if (!origin_allowed(ctx_.config, req.origin, req.host, opts_.secure)) {
    ctx_.metrics.origin_refused.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("conn={} event=refused peer={} why=origin", opts_.id, opts_.peer);
    reject_status = 403;
    return false;
  }
  // websockify's binary subprotocol: frames carry raw bytes.
  if (std::find(req.subprotocols.begin(), req.subprotocols.end(), "binary") != req.subprotocols.end())
    subprotocol = "binary";
  TargetChoice choice = choose_target(ctx_.config, req.resource);
  if (choice.target) target_ = std::move(choice.target);
  else {
    target_error_ = choice.error;
    target_detail_ = std::move(choice.detail);
  }
  return true;
}

void Session::on_http_request(const HttpRequestInfo& req, HttpResponseInfo& res) {
  path_kind_ = "http";
  ctx_.metrics.http_requests_total.fetch_add(1, std::memory_order_relaxed);
  if (opts_.over_limit) {
    res.status = 503;
    res.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    res.headers.emplace_back("Retry-After", "5");
    res.body = "limit reached\n";
  } else {
    ctx_.http.handle(req, res);
  }
  spdlog::info("conn={} event=http peer={} method={} path={} status={} bytes={}", opts_.id, opts_.peer,
               req.method.size() <= 16 ? req.method : "?", path_only(req.resource).substr(0, 200), res.status,
               res.body.size());
}

void Session::on_open() {
  opened_ = true;
  phase_ = Phase::relay;
  ctx_.metrics.sessions_open.fetch_add(1, std::memory_order_relaxed);
  ctx_.metrics.sessions_total.fetch_add(1, std::memory_order_relaxed);
  touch();
  arm_timer(ctx_.config.limits.idle_timeout);
  if (opts_.over_limit) return close_with(CloseReason::limit_reached, "connection cap");
  if (target_error_) return close_with(*target_error_, target_detail_);
  spdlog::info("conn={} event=open peer={} target={}", opts_.id, opts_.peer, target_->name);
  upstream_connecting_ = true;
  connector_ = ctx_.connectors.make(client_->get_executor());
  connector_->async_connect(*target_, [self = shared_from_this()](UpstreamResult r) { self->on_upstream(std::move(r)); });
}

void Session::on_binary(const char* data, std::size_t size) {
  const bool server_takes_bytes = upstream_connecting_ || (upstream_ && !upstream_fin_sent_ && !upstream_write_failed_);
  if (!server_takes_bytes || reason_) return;  // the server side is gone: nothing to deliver to
  touch();
  to_upstream_.pending.append(data, size);
  peak_to_upstream_ = std::max(peak_to_upstream_, to_upstream_.size());
  do_upstream_write();
}

void Session::on_text(std::size_t) { close_with(CloseReason::text_frame, "text frame"); }

void Session::on_output(const char* data, std::size_t size) {
  to_client_.pending.append(data, size);
  peak_to_client_ = std::max(peak_to_client_, to_client_.size());
  do_client_write();
}

void Session::on_finished(bool was_open, std::uint16_t local_code, std::uint16_t remote_code) {
  codec_done_ = true;
  page_close_code_ = remote_code;
  if (was_open) ctx_.metrics.sessions_open.fetch_sub(1, std::memory_order_relaxed);
  if (!reason_ && local_code == 1009) {
    reason_ = CloseReason::message_too_big;
    ctx_.metrics.count_close(*reason_);
  } else if (!reason_ && local_code == 1002) {
    reason_ = CloseReason::protocol_error;
    ctx_.metrics.count_close(*reason_);
  }
  if (phase_ != Phase::closing) {
    const bool http = !was_open;
    phase_ = Phase::closing;
    arm_timer(http ? ctx_.config.limits.handshake_timeout : ctx_.config.limits.close_timeout);
  }
  // The page is done: the server still gets what was queued (a QUIT, say),
  // then a FIN.
  if (connector_) connector_->cancel();
  maybe_end_upstream();
  maybe_end_client();
  maybe_finish();
}

// ---- server side

void Session::on_upstream(UpstreamResult r) {
  upstream_connecting_ = false;
  connector_.reset();  // its resolver and buffers are not needed any more
  if (finished_ || phase_ != Phase::relay || reason_) {
    if (r.stream) r.stream->close();
    maybe_finish();
    return;
  }
  if (r.error) {
    spdlog::info("conn={} event=upstream_failed target={} why={} detail=\"{}\"", opts_.id, target_->name,
                 close_code(*r.error).kind, r.detail);
    return close_with(*r.error, r.detail);
  }
  upstream_ = std::move(r.stream);
  spdlog::info("conn={} event=upstream_connected target={} security={} ms={}", opts_.id, target_->name,
               to_string(target_->security),
               std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count());
  if (!r.greeting.empty()) {
    // STARTTLS: the page sees the greeting the server sent before STLS, as
    // if it were talking to the server directly.
    bytes_down_ += r.greeting.size();
    ctx_.metrics.bytes_to_client.fetch_add(r.greeting.size(), std::memory_order_relaxed);
    codec_->send_binary(r.greeting.data(), r.greeting.size());
  }
  do_upstream_read();
  do_upstream_write();
  maybe_end_upstream();
}

void Session::do_upstream_read() {
  if (!upstream_ || upstream_reading_ || upstream_read_done_ || finished_) return;
  // Backpressure towards the server: a slow page stops us reading. Only the
  // bytes not yet handed to a write count, so that reading goes on while a
  // write is in flight; memory stays below twice buffer_bytes per direction.
  if (!codec_done_ && to_client_.pending.size() + down_unframed_.size() >= ctx_.config.limits.buffer_bytes) return;
  upstream_reading_ = true;
  upstream_->async_read(ctx_.config.limits.read_chunk_bytes,
                        [self = shared_from_this()](const error_code& ec, const char* data, std::size_t n) {
                          self->on_upstream_read(ec, data, n);
                        });
}

void Session::on_upstream_read(const error_code& ec, const char* data, std::size_t n) {
  upstream_reading_ = false;
  if (finished_) return;
  if (ec) {
    upstream_read_done_ = true;
    if (!reason_ && !codec_done_) {
      // A server may close TCP after QUIT without a TLS close_notify
      // (stream_truncated): for POP3 that is an ordinary end.
      if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
        close_with(CloseReason::upstream_closed);
      } else {
        fail(ec, "read from server");
        close_with(CloseReason::upstream_error, ec.message());
      }
    }
    maybe_end_upstream();
    maybe_finish();
    return;
  }
  if (!codec_done_ && !reason_) {
    touch();
    bytes_down_ += n;
    ctx_.metrics.bytes_to_client.fetch_add(n, std::memory_order_relaxed);
    if (to_client_.busy) {
      down_unframed_.append(data, n);
      peak_to_client_ = std::max(peak_to_client_, to_client_.size() + down_unframed_.size());
    } else {
      codec_->send_binary(data, n);
    }
  } else if (upstream_fin_sent_) {
    // The page is gone and the server already has everything it sent (a
    // QUIT included) and our FIN, yet it still sends: a reply nobody will
    // read, which can be endless (a RETR of a large message). Draining it
    // until the server's own FIN would keep both ends busy until the close
    // timeout; end the connection now. No mail is lost by it: a server that
    // has not taken a QUIT does not enter the UPDATE state (RFC 1939 §6), so
    // at worst deletions the page asked for without waiting for the answer
    // are not made.
    upstream_->close();
    upstream_read_done_ = true;
    maybe_finish();
    return;
  }
  do_upstream_read();
}

void Session::frame_down() {
  if (down_unframed_.empty()) return;
  if (codec_ && codec_->is_open() && !client_write_failed_) codec_->send_binary(down_unframed_.data(), down_unframed_.size());
  down_unframed_.clear();
}

void Session::do_upstream_write() {
  if (!upstream_ || to_upstream_.busy || to_upstream_.pending.empty() || upstream_write_failed_ || upstream_fin_sent_ ||
      finished_)
    return;
  std::swap(to_upstream_.pending, to_upstream_.writing);
  to_upstream_.busy = true;
  upstream_->async_write(asio::buffer(to_upstream_.writing),
                         [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_upstream_write(ec); });
}

void Session::on_upstream_write(const error_code& ec) {
  to_upstream_.busy = false;
  const std::size_t written = to_upstream_.writing.size();
  release_if_large(to_upstream_.writing, ctx_.config.limits.read_chunk_bytes);
  if (finished_) return;
  if (ec) {
    upstream_write_failed_ = true;
    to_upstream_.pending.clear();
    if (!reason_ && !codec_done_) {
      fail(ec, "write to server");
      close_with(CloseReason::upstream_error, ec.message());
    }
    maybe_finish();
    return;
  }
  bytes_up_ += written;
  ctx_.metrics.bytes_to_upstream.fetch_add(written, std::memory_order_relaxed);
  do_upstream_write();
  if (to_upstream_.idle()) to_upstream_.release();
  do_client_read();
  maybe_end_upstream();
}

// ---- ending

void Session::close_with(CloseReason r, std::string detail) {
  if (reason_ || finished_) return;
  reason_ = r;
  detail_ = std::move(detail);
  ctx_.metrics.count_close(r);
  if (phase_ != Phase::closing) {
    phase_ = Phase::closing;
    arm_timer(ctx_.config.limits.close_timeout);
  }
  if (connector_) connector_->cancel();
  if (r != CloseReason::upstream_closed && upstream_) {
    // Nothing more goes to the server: drop it now rather than deliver half
    // of what the page sent.
    upstream_->close();
    upstream_read_done_ = upstream_fin_sent_ = true;
    to_upstream_.pending.clear();
  }
  const CloseCode cc = close_code(r);
  frame_down();  // what the server sent before the end goes out before the close frame
  if (codec_ && codec_->is_open()) codec_->close(cc.code, cc.reason);  // queued after the data already sent
  else if (!codec_done_) finish();
  maybe_finish();
}

void Session::maybe_end_client() {
  if (codec_done_) down_unframed_.clear();  // the page's WebSocket is closed: nothing more can go
  if (client_fin_sent_ || client_write_failed_ || !codec_done_ || !to_client_.idle() || finished_) return;
  client_->shutdown_send();
  client_fin_sent_ = true;
  maybe_finish();
}

void Session::maybe_end_upstream() {
  if (!upstream_ || upstream_fin_sent_ || !codec_done_ || !to_upstream_.idle() || finished_) return;
  upstream_->shutdown_send();
  upstream_fin_sent_ = true;
  maybe_finish();
}

void Session::maybe_finish() {
  if (finished_) return;
  const bool client_done = client_read_done_ && (client_fin_sent_ || client_write_failed_);
  const bool upstream_done =
      upstream_connecting_ ? false : (!upstream_ || (upstream_read_done_ && (upstream_fin_sent_ || upstream_write_failed_)));
  if (client_done && upstream_done) finish();
}

void Session::finish() {
  if (finished_) return;
  finished_ = true;
  phase_ = Phase::done;
  timer_.cancel();
  if (connector_) connector_->cancel();
  client_->close();
  if (upstream_) upstream_->close();
  if (path_kind_ != "ws") return;  // HTTP requests were logged when answered
  const auto secs = std::chrono::duration<double>(Clock::now() - started_).count();
  const char* why = reason_ ? close_code(*reason_).kind.data() : (page_close_code_ ? "page_closed" : "page_gone");
  spdlog::info("conn={} event=close peer={} target={} why={} page_code={} up_bytes={} down_bytes={} secs={:.3f}{}{}",
               opts_.id, opts_.peer, target_ ? target_->name : "-", why, page_close_code_, bytes_up_, bytes_down_, secs,
               detail_.empty() ? "" : " detail=", detail_.empty() ? "" : "\"" + detail_ + "\"");
}

void Session::arm_timer(Clock::duration d) {
  timer_.expires_after(d);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) { self->on_timer(ec); });
}

void Session::on_timer(const error_code& ec) {
  if (ec || finished_) return;
  switch (phase_) {
    case Phase::handshake:
      spdlog::info("conn={} event=handshake_timeout peer={}", opts_.id, opts_.peer);
      finish();
      break;
    case Phase::relay: {
      const auto idle = Clock::now() - last_activity_;
      if (idle >= ctx_.config.limits.idle_timeout) close_with(CloseReason::idle_timeout);
      else arm_timer(ctx_.config.limits.idle_timeout - idle);
      break;
    }
    case Phase::closing:
      finish();  // the peer did not finish the close in time
      break;
    case Phase::done:
      break;
  }
}

void Session::fail(const error_code& ec, const char* what) {
  spdlog::debug("conn={} event=error what=\"{}\" error=\"{}\"", opts_.id, what, ec.message());
}

}  // namespace pop3ws::proxy
