#include "asio_streams.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include <openssl/err.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <stdexcept>
#include <vector>

namespace pop3ws::proxy {
namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

char* thread_read_buffer(std::size_t size) {
  thread_local std::vector<char> buffer;
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
}

namespace {
std::string endpoint_address(const tcp::socket& s) {
  error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string();
}
}  // namespace

// ---- TcpStream

TcpStream::TcpStream(tcp::socket socket) : socket_(std::move(socket)) {
  error_code ec;
  socket_.non_blocking(true, ec);  // read_some after a readiness wait must not block
}

void TcpStream::async_start(Done on_ok, ErrorHandler) { asio::post(socket_.get_executor(), std::move(on_ok)); }

void TcpStream::async_read(std::size_t max, ReadHandler h) {
  // Try the read first: during a transfer the next bytes are usually there
  // already, and a readiness wait would cost an extra epoll round trip.
  asio::post(socket_.get_executor(), [this, max, h = std::move(h)]() mutable { read_now(max, std::move(h), true); });
}

void TcpStream::read_now(std::size_t max, ReadHandler h, bool may_wait) {
  char* buf = thread_read_buffer(max);
  error_code ec;
  const std::size_t n = socket_.read_some(asio::buffer(buf, max), ec);
  if ((ec == asio::error::would_block || ec == asio::error::try_again) && may_wait) {
    socket_.async_wait(tcp::socket::wait_read, [this, max, h = std::move(h)](const error_code& wec) mutable {
      if (wec) return h(wec, nullptr, 0);
      read_now(max, std::move(h), true);
    });
    return;
  }
  h(ec, buf, n);
}

void TcpStream::async_write(asio::const_buffer buf, WriteHandler h) { asio::async_write(socket_, buf, std::move(h)); }

void TcpStream::shutdown_send() {
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
}

void TcpStream::close() {
  error_code ec;
  socket_.close(ec);
}

std::string TcpStream::remote_address() const { return endpoint_address(socket_); }

// ---- TlsStream

TlsStream::TlsStream(tcp::socket socket, SSL_CTX* ctx, Role role) : socket_(std::move(socket)) {
  error_code ec;
  socket_.non_blocking(true, ec);  // OpenSSL reads and writes the descriptor itself
  ssl_ = SSL_new(ctx);
  if (!ssl_) throw std::runtime_error("SSL_new failed");
  SSL_set_fd(ssl_, socket_.native_handle());
  // Partial writes let one SSL_write call go out as far as the socket
  // allows; a retried write may come from a moved std::string buffer.
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  // Read-ahead: OpenSSL reads what the socket has in one call instead of a
  // record header and then its body.
  SSL_set_read_ahead(ssl_, 1);
  if (role == Role::client) SSL_set_connect_state(ssl_);
  else SSL_set_accept_state(ssl_);
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

// Maps an OpenSSL failure to an error code in the categories Boost.Asio's
// own ssl::stream uses, so callers can test for eof and stream_truncated.
error_code TlsStream::error_from(int ret, int ssl_error) {
  // OpenSSL: after SSL_ERROR_SYSCALL or SSL_ERROR_SSL, SSL_shutdown must not
  // be called.
  if (ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_SSL) failed_ = true;
  switch (ssl_error) {
    case SSL_ERROR_ZERO_RETURN:
      return asio::error::eof;  // close_notify received
    case SSL_ERROR_SYSCALL: {
      const int saved = errno;
      if (ERR_peek_error() == 0) {
        if (ret == 0 || saved == 0) return asio::ssl::error::stream_truncated;  // EOF without close_notify
        return error_code(saved, asio::error::get_system_category());
      }
      break;
    }
    default:
      break;
  }
  const unsigned long e = ERR_get_error();
  if (e == 0) return asio::error::fault;
  if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return asio::ssl::error::stream_truncated;
  return error_code(static_cast<int>(e), asio::error::get_ssl_category());
}

void TlsStream::wait_for(int ssl_error, ErrorHandler then) {
  socket_.async_wait(ssl_error == SSL_ERROR_WANT_WRITE ? tcp::socket::wait_write : tcp::socket::wait_read,
                     [this, then = std::move(then)](const error_code& ec) {
                       if (!ec && closed_) return then(asio::error::operation_aborted);
                       then(ec);
                     });
}

void TlsStream::async_handshake(ErrorHandler done) {
  asio::post(socket_.get_executor(), [this, done = std::move(done)]() mutable { handshake_step(std::move(done)); });
}

void TlsStream::handshake_step(ErrorHandler done) {
  if (closed_) return done(asio::error::operation_aborted);
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_);
  if (r == 1) return done(error_code());
  const int e = SSL_get_error(ssl_, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
    return wait_for(e, [this, done = std::move(done)](const error_code& ec) mutable {
      if (ec) return done(ec);
      handshake_step(std::move(done));
    });
  done(error_from(r, e));
}

void TlsStream::async_start(Done on_ok, ErrorHandler on_error) {
  async_handshake([ok = std::move(on_ok), err = std::move(on_error)](const error_code& ec) {
    if (ec) err(ec);
    else ok();
  });
}

void TlsStream::async_read(std::size_t max, ReadHandler h) {
  // Try at once (OpenSSL may hold bytes already, and during a transfer the
  // socket usually has more); wait for readiness only when it wants input.
  asio::post(socket_.get_executor(), [this, max, h = std::move(h)]() mutable { read_step(max, std::move(h)); });
}

void TlsStream::read_step(std::size_t max, ReadHandler h) {
  if (closed_) return h(asio::error::operation_aborted, nullptr, 0);
  char* buf = thread_read_buffer(max);
  std::size_t got = 0;
  // Several records per delivery: fewer, larger WebSocket frames.
  while (got < max) {
    ERR_clear_error();
    const int r = SSL_read(ssl_, buf + got, static_cast<int>(std::min<std::size_t>(max - got, INT_MAX)));
    if (r > 0) {
      got += static_cast<std::size_t>(r);
      continue;
    }
    const int e = SSL_get_error(ssl_, r);
    if (got > 0) break;  // deliver what we have; the error (if any) comes again next time
    if (e == SSL_ERROR_WANT_READ) SSL_free_buffers(ssl_);  // going idle: drop empty record buffers
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
      return wait_for(e, [this, max, h = std::move(h)](const error_code& ec) mutable {
        if (ec) return h(ec, nullptr, 0);
        read_step(max, std::move(h));
      });
    return h(error_from(r, e), nullptr, 0);
  }
  h(error_code(), buf, got);
}

void TlsStream::async_write(asio::const_buffer buf, WriteHandler h) {
  asio::post(socket_.get_executor(), [this, buf, h = std::move(h)]() mutable { write_step(buf, 0, std::move(h)); });
}

void TlsStream::write_step(asio::const_buffer buf, std::size_t done, WriteHandler h) {
  const char* data = static_cast<const char*>(buf.data());
  while (done < buf.size()) {
    if (closed_) return h(asio::error::operation_aborted, done);
    ERR_clear_error();
    const int r = SSL_write(ssl_, data + done, static_cast<int>(std::min<std::size_t>(buf.size() - done, INT_MAX)));
    if (r > 0) {
      done += static_cast<std::size_t>(r);
      continue;
    }
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
      return wait_for(e, [this, buf, done, h = std::move(h)](const error_code& ec) mutable {
        if (ec) return h(ec, done);
        write_step(buf, done, std::move(h));
      });
    return h(error_from(r, e), done);
  }
  h(error_code(), done);
}

void TlsStream::shutdown_send() {
  // close_notify before the FIN (RFC 8446 §6.1, RFC 5246 §7.2.1), so that
  // the peer can tell a complete end from a truncation. We do not wait for
  // the peer's close_notify: reading goes on until its FIN, as before.
  if (closed_) return;
  if (!failed_ && SSL_is_init_finished(ssl_)) {
    ERR_clear_error();
    const int r = SSL_shutdown(ssl_);
    if (r < 0 && SSL_get_error(ssl_, r) == SSL_ERROR_WANT_WRITE) {
      // The socket's send buffer is full: send the alert when it drains.
      // The handler touches the stream only when the wait succeeded, which
      // cannot happen once close() has run.
      return wait_for(SSL_ERROR_WANT_WRITE, [this](const error_code& ec) {
        if (!ec) shutdown_send();
      });
    }
  }
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
}

void TlsStream::close() {
  // The descriptor number may be reused once closed: OpenSSL must not touch
  // it again, hence closed_ checked before every SSL call.
  closed_ = true;
  error_code ec;
  socket_.close(ec);
}

std::string TlsStream::remote_address() const { return endpoint_address(socket_); }

}  // namespace pop3ws::proxy
