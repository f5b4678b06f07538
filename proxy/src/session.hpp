// One accepted connection: either a plain HTTP request or a WebSocket that
// is relayed to one mail server. The shape follows Beast's server examples:
// one object per connection kept alive by the handlers it has in flight
// (enable_shared_from_this), do_x/on_x pairs, and one fail() helper.
//
// The relay keeps two bounded queues, page->server and server->page, each a
// buffer being written and a buffer collecting what comes next. It never
// reads more from a side while the collecting buffer towards the other side
// holds limits.buffer_bytes or more, so a slow page or a slow server stalls
// its peer through TCP flow control instead of growing the proxy's memory
// (at most about twice buffer_bytes per direction).
#pragma once

#include "close_codes.hpp"
#include "context.hpp"
#include "stream.hpp"
#include "ws_codec.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pop3ws::proxy {

struct SessionOptions {
  std::uint64_t id = 0;
  std::string peer;              // page's IP address, for logs
  std::string cap_key;           // what the per-IP cap counts (the address, or its /64)
  bool secure = false;           // wss listener
  bool over_limit = false;       // answer the handshake with "limit reached"
  ConnectionTracker* tracker = nullptr;  // released when the session ends
};

class Session final : public std::enable_shared_from_this<Session>, private WsCodecEvents {
 public:
  Session(ProxyContext& ctx, std::unique_ptr<Stream> client, SessionOptions opts);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  // SIGTERM drain time is over: close with "going away". Thread-safe.
  void shut_down();

  // Observability for tests (call on the session's executor).
  std::size_t queued_to_client() const { return to_client_.size() + down_unframed_.size(); }
  std::size_t queued_to_upstream() const { return to_upstream_.size(); }
  std::size_t peak_queued_to_client() const { return peak_to_client_; }
  std::size_t peak_queued_to_upstream() const { return peak_to_upstream_; }
  // Bytes reserved by the four queue strings, used or not.
  std::size_t queue_capacity() const {
    return to_client_.capacity() + to_upstream_.capacity() + down_unframed_.capacity();
  }
  std::optional<CloseReason> close_reason() const { return reason_; }

 private:
  // Two strings: one being written, one collecting what comes next; writes
  // therefore coalesce the frames produced while a write is in flight.
  struct OutQueue {
    std::string pending, writing;
    bool busy = false;
    std::size_t size() const { return pending.size() + writing.size(); }
    std::size_t capacity() const { return pending.capacity() + writing.capacity(); }
    bool idle() const { return !busy && pending.empty(); }
    // Sessions spend most of their life idle between replies: an idle queue
    // holds no memory, and grows again on demand with the next reply.
    void release() {
      std::string().swap(pending);
      std::string().swap(writing);
    }
  };
  enum class Phase { handshake, relay, closing, done };

  // WsCodecEvents
  bool on_ws_request(const HttpRequestInfo& req, std::string& subprotocol, int& reject_status) override;
  void on_http_request(const HttpRequestInfo& req, HttpResponseInfo& res) override;
  void on_open() override;
  void on_binary(const char* data, std::size_t size) override;
  void on_text(std::size_t size) override;
  void on_output(const char* data, std::size_t size) override;
  void on_finished(bool was_open, std::uint16_t local_code, std::uint16_t remote_code) override;

  void on_started();
  void do_client_read();
  void on_client_read(const boost::system::error_code& ec, const char* data, std::size_t n);
  void do_client_write();
  void on_client_write(const boost::system::error_code& ec);
  void on_upstream(UpstreamResult r);
  void do_upstream_read();
  void on_upstream_read(const boost::system::error_code& ec, const char* data, std::size_t n);
  void frame_down();
  void do_upstream_write();
  void on_upstream_write(const boost::system::error_code& ec);

  void close_with(CloseReason r, std::string detail = {});
  void maybe_end_client();
  void maybe_end_upstream();
  void maybe_finish();
  void finish();
  void arm_timer(std::chrono::steady_clock::duration d);
  void on_timer(const boost::system::error_code& ec);
  void touch() { last_activity_ = std::chrono::steady_clock::now(); }
  void fail(const boost::system::error_code& ec, const char* what);

  ProxyContext& ctx_;
  SessionOptions opts_;
  std::unique_ptr<Stream> client_;
  std::unique_ptr<WsCodec> codec_;
  std::shared_ptr<UpstreamConnector> connector_;
  std::unique_ptr<Stream> upstream_;
  boost::asio::steady_timer timer_;
  Phase phase_ = Phase::handshake;
  std::chrono::steady_clock::time_point started_, last_activity_;

  std::optional<Target> target_;
  std::optional<CloseReason> target_error_;
  std::string target_detail_;
  std::string path_kind_;  // "ws", "http" for the log line
  std::optional<CloseReason> reason_;
  std::string detail_;
  std::uint16_t page_close_code_ = 0;

  OutQueue to_client_, to_upstream_;
  // Server bytes read while a write to the page is in flight. They go out as
  // one WebSocket message when that write completes (frame_down): for the
  // browser every message is an IPC hop and an event, so fewer, larger ones
  // cost it less per byte, and with TLS upstream each read is at most one
  // 16 KB record. Message boundaries mean nothing to the POP3 byte stream
  // (the page feeds the codec whatever arrives).
  std::string down_unframed_;
  std::size_t peak_to_client_ = 0, peak_to_upstream_ = 0;
  std::uint64_t bytes_up_ = 0, bytes_down_ = 0;

  bool client_reading_ = false, client_read_done_ = false, client_write_failed_ = false;
  bool client_fin_sent_ = false;
  bool codec_done_ = false, opened_ = false;
  bool upstream_connecting_ = false, upstream_reading_ = false, upstream_read_done_ = false;
  bool upstream_write_failed_ = false, upstream_fin_sent_ = false;
  bool finished_ = false;
};

}  // namespace pop3ws::proxy
