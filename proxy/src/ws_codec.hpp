// The seam between the proxy and its WebSocket library. Nothing else in the
// proxy includes websocketpp: websocketpp 0.8.2 does not build with Boost
// 1.87 or newer, and replacing it must touch only ws_codec_websocketpp.cpp.
//
// The codec is sans-I/O (in the manner of nghttp2's mem_recv/mem_send): the
// session feeds it the bytes it read from the page's connection and receives
// the bytes to write through WsCodecEvents::on_output. It parses the HTTP/1.1
// request, answers plain HTTP requests, performs the RFC 6455 §4.2 opening
// handshake, assembles fragmented messages (§5.4), enforces the message size
// limit and runs the closing handshake (§7). Because the session owns all
// sockets, it also owns all buffering and therefore all backpressure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pop3ws::proxy {

struct HttpRequestInfo {
  std::string method;
  std::string resource;  // path and query, as sent
  std::string host;      // Host header
  std::string origin;    // Origin header, empty if absent
  std::vector<std::string> subprotocols;  // Sec-WebSocket-Protocol offers
};

struct HttpResponseInfo {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool head_only = false;  // HEAD: send Content-Length of body but no body
};

class WsCodecEvents {
 public:
  virtual ~WsCodecEvents() = default;
  // A WebSocket upgrade request. Return true to accept it; `subprotocol` may
  // name one of the offered subprotocols to select. On false, `reject_status`
  // is the HTTP status sent back.
  virtual bool on_ws_request(const HttpRequestInfo& req, std::string& subprotocol, int& reject_status) = 0;
  // A plain HTTP request (static files, /healthz, /metrics, /targets).
  virtual void on_http_request(const HttpRequestInfo& req, HttpResponseInfo& res) = 0;
  virtual void on_open() = 0;
  virtual void on_binary(const char* data, std::size_t size) = 0;
  virtual void on_text(std::size_t size) = 0;
  // Bytes for the page's connection, in order.
  virtual void on_output(const char* data, std::size_t size) = 0;
  // The codec is done: after an HTTP response, a refused handshake, a
  // completed or failed closing handshake, or a protocol error. The
  // connection should be closed once the output is written. Codes are 0 when
  // no close frame was sent or received.
  virtual void on_finished(bool was_open, std::uint16_t local_code, std::uint16_t remote_code) = 0;
};

struct WsCodecOptions {
  std::size_t max_message_bytes = 64 * 1024;
  std::string server_name = "pop3ws-proxy";
  bool secure = false;  // the page's connection is TLS (wss)
  std::string remote_endpoint;
};

class WsCodec {
 public:
  virtual ~WsCodec() = default;
  // Consumes bytes from the page's connection; returns how many were used.
  // Fewer than `size` means the codec is finished and wants no more input.
  virtual std::size_t feed(const char* data, std::size_t size) = 0;
  // The page's connection ended (EOF or error) without a closing handshake.
  virtual void feed_eof() = 0;
  virtual void send_binary(const char* data, std::size_t size) = 0;
  // Starts the closing handshake (RFC 6455 §7.1.2). Only after on_open.
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  virtual bool is_open() const = 0;
};

std::unique_ptr<WsCodec> make_ws_codec(WsCodecEvents& events, const WsCodecOptions& options);

}  // namespace pop3ws::proxy
