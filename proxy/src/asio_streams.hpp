// Stream over a TCP socket, and over TLS on a TCP socket.
//
// TlsStream drives OpenSSL directly on the socket's descriptor
// (SSL_set_fd, non-blocking) and waits for readiness with Asio, as nginx
// does, instead of using boost::asio::ssl::stream: that class keeps two
// 17 KB record buffers per connection for its whole life, which dominated
// the memory of idle sessions. OpenSSL with SSL_MODE_RELEASE_BUFFERS frees
// its own buffers between records.
#pragma once

#include "stream.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <openssl/ssl.h>

namespace pop3ws::proxy {

class TcpStream final : public Stream {
 public:
  explicit TcpStream(boost::asio::ip::tcp::socket socket);
  void async_start(Done on_ok, ErrorHandler on_error) override;
  void async_read(std::size_t max, ReadHandler h) override;
  void async_write(boost::asio::const_buffer buf, WriteHandler h) override;
  void shutdown_send() override;
  void close() override;
  boost::asio::any_io_executor get_executor() override { return socket_.get_executor(); }
  std::string remote_address() const override;

 private:
  void read_now(std::size_t max, ReadHandler h, bool may_wait);
  boost::asio::ip::tcp::socket socket_;
};

class TlsStream final : public Stream {
 public:
  enum class Role { client, server };
  TlsStream(boost::asio::ip::tcp::socket socket, SSL_CTX* ctx, Role role);
  ~TlsStream() override;
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  SSL* ssl() const { return ssl_; }
  void async_handshake(ErrorHandler done);

  // Server side (wss listener): runs the TLS handshake.
  void async_start(Done on_ok, ErrorHandler on_error) override;
  void async_read(std::size_t max, ReadHandler h) override;
  void async_write(boost::asio::const_buffer buf, WriteHandler h) override;
  void shutdown_send() override;
  void close() override;
  boost::asio::any_io_executor get_executor() override { return socket_.get_executor(); }
  std::string remote_address() const override;

 private:
  void handshake_step(ErrorHandler done);
  void read_step(std::size_t max, ReadHandler h);
  void write_step(boost::asio::const_buffer buf, std::size_t done, WriteHandler h);
  void wait_for(int ssl_error, ErrorHandler then);
  boost::system::error_code error_from(int ret, int ssl_error);

  boost::asio::ip::tcp::socket socket_;
  SSL* ssl_ = nullptr;
  bool closed_ = false;
  bool failed_ = false;  // a fatal TLS error happened: no close_notify
};

}  // namespace pop3ws::proxy
