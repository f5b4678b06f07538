// A byte stream as the relay sees it: TCP, TLS over TCP, or an in-memory
// stream in the unit tests (like Beast's test::stream). Handlers are always
// invoked through the stream's executor, never inside the initiating call.
//
// Reads are reactor-style: the stream waits until the socket is readable,
// then reads into a buffer shared by all streams of the thread and hands
// the bytes to the handler, which must consume them before returning. An
// idle session therefore owns no read buffer at all.
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
  using ReadHandler = std::function<void(const boost::system::error_code&, const char* data, std::size_t size)>;
  using WriteHandler = std::function<void(const boost::system::error_code&, std::size_t)>;
  using Done = std::function<void()>;
  using ErrorHandler = std::function<void(const boost::system::error_code&)>;

  virtual ~Stream() = default;
  // Server side: the TLS handshake when the listener is wss; at once otherwise.
  virtual void async_start(Done on_ok, ErrorHandler on_error) = 0;
  // At most `max` bytes; `data` is valid only during the handler.
  virtual void async_read(std::size_t max, ReadHandler h) = 0;
  // Writes the whole buffer, which must stay valid until the handler runs.
  virtual void async_write(boost::asio::const_buffer buf, WriteHandler h) = 0;
  // Ends our sending direction once writes are done: over TLS a
  // close_notify alert, then the TCP FIN. Reading may go on.
  virtual void shutdown_send() = 0;
  // Cancels pending operations and closes; safe to call twice.
  virtual void close() = 0;
  virtual boost::asio::any_io_executor get_executor() = 0;
  virtual std::string remote_address() const = 0;
};

// The calling thread's read buffer, at least `size` bytes.
char* thread_read_buffer(std::size_t size);

}  // namespace pop3ws::proxy
