#include "asio_streams.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace pop3ws::proxy {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {
std::string endpoint_address(const asio::ip::tcp::socket& s) {
  error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string();
}
}  // namespace

void TcpStream::async_start(Done on_ok, std::function<void(const error_code&)>) {
  asio::post(socket_.get_executor(), std::move(on_ok));
}

void TcpStream::async_read_some(asio::mutable_buffer buf, Handler h) { socket_.async_read_some(buf, std::move(h)); }

void TcpStream::async_write(asio::const_buffer buf, Handler h) { asio::async_write(socket_, buf, std::move(h)); }

void TcpStream::shutdown_send() {
  error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

void TcpStream::close() {
  error_code ec;
  socket_.close(ec);
}

std::string TcpStream::remote_address() const { return endpoint_address(socket_); }

void TlsStream::async_start(Done on_ok, std::function<void(const error_code&)> on_error) {
  stream_.async_handshake(asio::ssl::stream_base::server,
                          [ok = std::move(on_ok), err = std::move(on_error)](const error_code& ec) {
                            if (ec) err(ec);
                            else ok();
                          });
}

void TlsStream::async_read_some(asio::mutable_buffer buf, Handler h) { stream_.async_read_some(buf, std::move(h)); }

void TlsStream::async_write(asio::const_buffer buf, Handler h) { asio::async_write(stream_, buf, std::move(h)); }

void TlsStream::shutdown_send() {
  error_code ec;
  stream_.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

void TlsStream::close() {
  error_code ec;
  stream_.lowest_layer().close(ec);
}

std::string TlsStream::remote_address() const { return endpoint_address(stream_.next_layer()); }

}  // namespace pop3ws::proxy
