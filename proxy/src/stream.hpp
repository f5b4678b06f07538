// A byte stream as the relay sees it: TCP, TLS over TCP, or an in-memory
// stream in the unit tests (like Beast's test::stream). Handlers are always
// invoked through the stream's executor, never inside the initiating call.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <functional>
#include <string>

namespace pop3ws::proxy {

class Stream {
 public:
  using Handler = std::function<void(const boost::system::error_code&, std::size_t)>;
  using Done = std::function<void()>;

  virtual ~Stream() = default;
  // Server side: the TLS handshake when the listener is wss; at once otherwise.
  virtual void async_start(Done on_ok, std::function<void(const boost::system::error_code&)> on_error) = 0;
  virtual void async_read_some(boost::asio::mutable_buffer buf, Handler h) = 0;
  // Writes the whole buffer.
  virtual void async_write(boost::asio::const_buffer buf, Handler h) = 0;
  // Ends our sending direction with a TCP FIN once writes are done. No TLS
  // close_notify: the WebSocket and POP3 closing exchanges already mark a
  // complete end (RFC 6455 §7.1.1, RFC 1939 QUIT), and waiting for the
  // peer's close_notify would need a second concurrent read.
  virtual void shutdown_send() = 0;
  // Cancels pending operations and closes; safe to call twice.
  virtual void close() = 0;
  virtual boost::asio::any_io_executor get_executor() = 0;
  virtual std::string remote_address() const = 0;
};

}  // namespace pop3ws::proxy
