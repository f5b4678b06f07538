// WsCodec on websocketpp 0.8.2 with its iostream transport: websocketpp only
// parses and produces bytes; it never touches a socket or a timer (the
// iostream transport has none), so it runs inside our Asio sessions.
#include "ws_codec.hpp"

#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/core.hpp>
#include <websocketpp/server.hpp>

#include <mutex>

namespace pop3ws::proxy {
namespace {

// config::core with the locking removed: one codec is only ever used from
// its session's strand.
struct CodecConfig : websocketpp::config::core {
  typedef CodecConfig type;
  typedef websocketpp::concurrency::none concurrency_type;
  typedef websocketpp::log::basic<concurrency_type, websocketpp::log::elevel> elog_type;
  typedef websocketpp::log::basic<concurrency_type, websocketpp::log::alevel> alog_type;
  // websocketpp copies input into this array, a member of every connection
  // object, before parsing it; its parsers take input in pieces of any
  // size. Page input is POP3 commands, a few bytes each, and one handshake
  // request: 256 bytes keep idle sessions small (768 bytes less each than
  // 1024) and only cost extra copy steps for the rare big input.
  static const size_t connection_read_buffer_size = 256;
  static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
  static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;

  struct transport_config : websocketpp::config::core::transport_config {
    typedef type::concurrency_type concurrency_type;
    typedef type::elog_type elog_type;
    typedef type::alog_type alog_type;
  };
  typedef websocketpp::transport::iostream::endpoint<transport_config> transport_type;
};

using Server = websocketpp::server<CodecConfig>;
using ConnectionPtr = Server::connection_ptr;

// websocketpp connections are made by an endpoint, which is only a factory
// here; connections keep a reference to its random generator, so it lives
// for the whole program.
Server& factory() {
  static Server* s = [] {
    auto* srv = new Server;
    srv->clear_access_channels(websocketpp::log::alevel::all);
    srv->clear_error_channels(websocketpp::log::elevel::all);
    srv->set_user_agent("pop3ws-proxy");
    return srv;
  }();
  return *s;
}
std::mutex& factory_mutex() {
  static std::mutex m;
  return m;
}

HttpRequestInfo request_info(const ConnectionPtr& con) {
  HttpRequestInfo r;
  const auto& req = con->get_request();
  r.method = req.get_method();
  r.resource = req.get_uri();
  r.host = req.get_header("Host");
  r.origin = req.get_header("Origin");
  r.subprotocols = con->get_requested_subprotocols();
  return r;
}

class WebsocketppCodec final : public WsCodec {
 public:
  WebsocketppCodec(WsCodecEvents& events, const WsCodecOptions& options) : events_(events) {
    {
      std::lock_guard<std::mutex> lock(factory_mutex());
      con_ = factory().get_connection();
    }
    con_->set_max_message_size(options.max_message_bytes);
    // Only GET and HEAD are served: a request body is never needed, and
    // websocketpp would otherwise buffer up to 32 MB of one.
    con_->set_max_http_body_size(4096);
    con_->set_secure(options.secure);
    con_->set_remote_endpoint(options.remote_endpoint);
    con_->set_write_handler([this](websocketpp::connection_hdl, const char* data, size_t n) {
      events_.on_output(data, n);
      return std::error_code();
    });
    con_->set_validate_handler([this](websocketpp::connection_hdl) {
      // Only RFC 6455 (version 13). websocketpp also speaks the drafts
      // hybi-07/08 and hixie-76 (a request without Sec-WebSocket-Version),
      // whose frames are unmasked and so give none of the protection against
      // poisoning intermediaries that masking exists for (RFC 6455 §10.3);
      // hixie-76 requests it cannot complete even got a 500. RFC 6455 §4.2.2
      // asks for 426 and the versions the server understands.
      if (con_->get_request_header("Sec-WebSocket-Version") != "13") {
        con_->set_status(websocketpp::http::status_code::upgrade_required);
        con_->replace_header("Sec-WebSocket-Version", "13");
        return false;
      }
      std::string sub;
      int status = 403;
      if (!events_.on_ws_request(request_info(con_), sub, status)) {
        con_->set_status(static_cast<websocketpp::http::status_code::value>(status));
        return false;
      }
      if (!sub.empty()) con_->select_subprotocol(sub);
      return true;
    });
    con_->set_http_handler([this](websocketpp::connection_hdl) {
      HttpResponseInfo res;
      events_.on_http_request(request_info(con_), res);
      con_->set_status(static_cast<websocketpp::http::status_code::value>(res.status));
      for (const auto& [k, v] : res.headers) con_->replace_header(k, v);
      if (res.head_only) {
        const auto length = std::to_string(res.body.size());
        con_->set_body(std::string());
        con_->replace_header("Content-Length", length);
      } else {
        con_->set_body(std::move(res.body));
      }
    });
    con_->set_open_handler([this](websocketpp::connection_hdl) {
      open_ = true;
      events_.on_open();
    });
    con_->set_message_handler([this](websocketpp::connection_hdl, Server::message_ptr msg) {
      const std::string& p = msg->get_payload();
      if (msg->get_opcode() == websocketpp::frame::opcode::binary) events_.on_binary(p.data(), p.size());
      else events_.on_text(p.size());
    });
    // websocketpp calls the transport's shutdown handler on every way out
    // (close handshake, failure, after an HTTP response); its close and fail
    // handlers are skipped after an HTTP response.
    con_->set_shutdown_handler([this](websocketpp::connection_hdl) {
      const bool was_open = open_;
      open_ = false;
      finished_ = true;
      events_.on_finished(was_open, static_cast<std::uint16_t>(con_->get_local_close_code()),
                          static_cast<std::uint16_t>(con_->get_remote_close_code()));
      return std::error_code();
    });
    con_->start();
  }

  ~WebsocketppCodec() override {
    // A pending read holds a reference to the connection itself; completing
    // it with an error releases that cycle. Our handlers must not run now.
    con_->set_shutdown_handler(nullptr);
    con_->set_open_handler(nullptr);
    con_->set_message_handler(nullptr);
    con_->set_write_handler([](websocketpp::connection_hdl, const char*, size_t) { return std::error_code(); });
    if (!finished_) con_->fatal_error();
  }

  std::size_t feed(const char* data, std::size_t size) override {
    if (finished_) return 0;
    return con_->read_all(data, size);
  }

  void feed_eof() override {
    if (!finished_) con_->eof();
  }

  void send_binary(const char* data, std::size_t size) override {
    if (!open_ || con_->get_state() != websocketpp::session::state::open) return;
    // The one frame written here rather than by websocketpp: con_->send()
    // copies every payload into a new message object before framing it,
    // which costs about a quarter of the relay's CPU on bulk transfers. A
    // server frame is only a header in front of the payload (RFC 6455 §5.2:
    // FIN, opcode 2, no mask, 7/16/64-bit length). Order with websocketpp's
    // own frames (pongs, close) holds because its output is synchronous too:
    // nothing of it is queued while we write.
    char header[10];
    std::size_t n = 2;
    header[0] = static_cast<char>(0x82);
    if (size < 126) {
      header[1] = static_cast<char>(size);
    } else if (size <= 0xFFFF) {
      header[1] = 126;
      header[2] = static_cast<char>((size >> 8) & 0xFF);
      header[3] = static_cast<char>(size & 0xFF);
      n = 4;
    } else {
      header[1] = 127;
      for (int i = 0; i < 8; ++i)
        header[2 + i] = static_cast<char>((static_cast<std::uint64_t>(size) >> (56 - 8 * i)) & 0xFF);
      n = 10;
    }
    events_.on_output(header, n);
    events_.on_output(data, size);
  }

  void close(std::uint16_t code, std::string_view reason) override {
    if (!open_) return;
    std::error_code ec;
    con_->close(static_cast<websocketpp::close::status::value>(code), std::string(reason), ec);
  }

  bool is_open() const override { return open_; }

 private:
  WsCodecEvents& events_;
  ConnectionPtr con_;
  bool open_ = false;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<WsCodec> make_ws_codec(WsCodecEvents& events, const WsCodecOptions& options) {
  auto codec = std::make_unique<WebsocketppCodec>(events, options);
  return codec;
}

}  // namespace pop3ws::proxy
