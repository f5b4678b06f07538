// Stream over a TCP socket, and over TLS on a TCP socket (OpenSSL through
// boost::asio::ssl). STARTTLS upgrades a TcpStream by moving its socket into
// a TlsStream.
#pragma once

#include "stream.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <memory>

namespace pop3ws::proxy {

class TcpStream final : public Stream {
 public:
  explicit TcpStream(boost::asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}
  void async_start(Done on_ok, std::function<void(const boost::system::error_code&)> on_error) override;
  void async_read_some(boost::asio::mutable_buffer buf, Handler h) override;
  void async_write(boost::asio::const_buffer buf, Handler h) override;
  void shutdown_send() override;
  void close() override;
  boost::asio::any_io_executor get_executor() override { return socket_.get_executor(); }
  std::string remote_address() const override;
  boost::asio::ip::tcp::socket& socket() { return socket_; }
  boost::asio::ip::tcp::socket release() { return std::move(socket_); }

 private:
  boost::asio::ip::tcp::socket socket_;
};

class TlsStream final : public Stream {
 public:
  TlsStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& ctx) : stream_(std::move(socket), ctx) {}
  // Server side (wss listener): async_start runs the TLS handshake.
  void async_start(Done on_ok, std::function<void(const boost::system::error_code&)> on_error) override;
  void async_read_some(boost::asio::mutable_buffer buf, Handler h) override;
  void async_write(boost::asio::const_buffer buf, Handler h) override;
  void shutdown_send() override;
  void close() override;
  boost::asio::any_io_executor get_executor() override { return stream_.get_executor(); }
  std::string remote_address() const override;
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket>& tls() { return stream_; }

 private:
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
};

}  // namespace pop3ws::proxy
