// The benchmark's client: logs in, RETRs one large message several times and
// times NOOP round trips, over plain TCP, TLS, or a WebSocket (binary frames)
// through a relay. One program for every path, so that the relays, not the
// client, are what differs: the earlier Python client topped out near the
// relays' own speed.
//
//   ws_bench_client --port P [--ws PATH] [--tls-ca FILE --sni NAME]
//                   --user U --password W [--retr N] [--runs R] [--noops K]
//
// Prints one JSON object: bytes of each RETR, MB/s of each run, NOOP p50/p99
// in microseconds.
//
// WebSocket framing is Boost.Beast's (RFC 6455 client: masked frames out,
// unmasked in); POP3 is scanned here with memchr/memmem over what each read
// returns, which is all a benchmark needs (RFC 1939 §3: a multi-line reply
// ends with CRLF "." CRLF).
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadSize = 256 * 1024;

// A byte stream: write all, read some.
class Conn {
 public:
  virtual ~Conn() = default;
  virtual void write(const std::string& s) = 0;
  virtual std::size_t read_some(char* buf, std::size_t n) = 0;
};

class TcpConn final : public Conn {
 public:
  explicit TcpConn(tcp::socket s) : s_(std::move(s)) {}
  void write(const std::string& s) override { asio::write(s_, asio::buffer(s)); }
  std::size_t read_some(char* buf, std::size_t n) override { return s_.read_some(asio::buffer(buf, n)); }

 private:
  tcp::socket s_;
};

class TlsConn final : public Conn {
 public:
  TlsConn(tcp::socket s, ssl::context& ctx, const std::string& sni) : s_(std::move(s), ctx) {
    // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
    SSL_ctrl(s_.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(sni.c_str()));
    s_.set_verify_mode(ssl::verify_peer);
    s_.set_verify_callback(ssl::host_name_verification(sni));
    s_.handshake(ssl::stream_base::client);
  }
  void write(const std::string& s) override { asio::write(s_, asio::buffer(s)); }
  std::size_t read_some(char* buf, std::size_t n) override { return s_.read_some(asio::buffer(buf, n)); }

 private:
  ssl::stream<tcp::socket> s_;
};

class WsConn final : public Conn {
 public:
  WsConn(tcp::socket s, const std::string& host, const std::string& path) : ws_(std::move(s)) {
    ws_.set_option(beast::websocket::stream_base::decorator([](beast::websocket::request_type& req) {
      req.set(beast::http::field::sec_websocket_protocol, "binary");
    }));
    ws_.read_message_max(0);  // a relay's frames may be large; the server side sets the limits
    ws_.auto_fragment(false);
    ws_.handshake(host, path);
    ws_.binary(true);
  }
  void write(const std::string& s) override { ws_.write(asio::buffer(s)); }
  std::size_t read_some(char* buf, std::size_t n) override { return ws_.read_some(asio::buffer(buf, n)); }

 private:
  beast::websocket::stream<tcp::socket> ws_;
};

struct Options {
  std::string host = "127.0.0.1";
  std::string port;
  std::string ws_path;  // empty: no WebSocket
  std::string tls_ca;   // empty: no TLS
  std::string sni = "localhost";
  std::string user, password;
  int retr = 1, runs = 3, noops = 0;
};

// POP3 reading over a Conn with one buffer.
class Pop3 {
 public:
  explicit Pop3(Conn& c) : c_(c), buf_(kReadSize) {}

  std::string line() {
    for (;;) {
      const char* start = buf_.data() + head_;
      const void* nl = std::memchr(start, '\n', tail_ - head_);
      if (nl) {
        const auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - start) + 1;
        std::string out(start, len);
        head_ += len;
        return out;
      }
      fill();
    }
  }

  std::string command(const std::string& cmd) {
    c_.write(cmd + "\r\n");
    return line();
  }

  // Reads a multi-line body up to and including CRLF.CRLF; returns its size.
  std::size_t body() {
    std::size_t total = 0;
    if (tail_ - head_ >= 3 && std::memcmp(buf_.data() + head_, ".\r\n", 3) == 0) {
      head_ += 3;
      return 3;
    }
    for (;;) {
      const char* start = buf_.data() + head_;
      const std::size_t avail = tail_ - head_;
      const void* end = memmem(start, avail, "\r\n.\r\n", 5);
      if (end) {
        const auto len = static_cast<std::size_t>(static_cast<const char*>(end) - start) + 5;
        head_ += len;
        return total + len;
      }
      // Keep the last 4 bytes: the terminator may straddle two reads.
      const std::size_t keep = std::min<std::size_t>(avail, 4);
      total += avail - keep;
      std::memmove(buf_.data(), start + avail - keep, keep);
      head_ = 0;
      tail_ = keep;
      fill();
    }
  }

 private:
  void fill() {
    if (head_ > 0) {
      std::memmove(buf_.data(), buf_.data() + head_, tail_ - head_);
      tail_ -= head_;
      head_ = 0;
    }
    if (tail_ == buf_.size()) buf_.resize(buf_.size() * 2);
    tail_ += c_.read_some(buf_.data() + tail_, buf_.size() - tail_);
  }

  Conn& c_;
  std::vector<char> buf_;
  std::size_t head_ = 0, tail_ = 0;
};

void expect_ok(const std::string& reply, const char* what) {
  if (reply.compare(0, 3, "+OK") != 0) throw std::runtime_error(std::string(what) + " refused");
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + a);
      return argv[++i];
    };
    if (a == "--host") o.host = next();
    else if (a == "--port") o.port = next();
    else if (a == "--ws") o.ws_path = next();
    else if (a == "--tls-ca") o.tls_ca = next();
    else if (a == "--sni") o.sni = next();
    else if (a == "--user") o.user = next();
    else if (a == "--password") o.password = next();
    else if (a == "--retr") o.retr = std::stoi(next());
    else if (a == "--runs") o.runs = std::stoi(next());
    else if (a == "--noops") o.noops = std::stoi(next());
    else throw std::runtime_error("unknown option " + a);
  }
  if (o.port.empty() || o.user.empty()) throw std::runtime_error("--port and --user are required");
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  if (!o.tls_ca.empty()) ctx.load_verify_file(o.tls_ca);

  auto open = [&]() -> std::unique_ptr<Conn> {
    tcp::resolver resolver(ioc);
    tcp::socket s(ioc);
    asio::connect(s, resolver.resolve(o.host, o.port));
    s.set_option(tcp::no_delay(true));
    if (!o.ws_path.empty()) return std::make_unique<WsConn>(std::move(s), o.host, o.ws_path);
    if (!o.tls_ca.empty()) return std::make_unique<TlsConn>(std::move(s), ctx, o.sni);
    return std::make_unique<TcpConn>(std::move(s));
  };

  std::vector<double> mbps;
  std::size_t retr_bytes = 0;
  for (int run = 0; run < o.runs; ++run) {
    auto c = open();
    Pop3 p(*c);
    expect_ok(p.line(), "greeting");
    expect_ok(p.command("USER " + o.user), "USER");
    expect_ok(p.command("PASS " + o.password), "PASS");
    const auto t0 = Clock::now();
    expect_ok(p.command("RETR " + std::to_string(o.retr)), "RETR");
    retr_bytes = p.body();
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    mbps.push_back(static_cast<double>(retr_bytes) / secs / 1e6);
    p.command("QUIT");
  }

  std::vector<double> rtt;
  if (o.noops > 0) {
    auto c = open();
    Pop3 p(*c);
    expect_ok(p.line(), "greeting");
    expect_ok(p.command("USER " + o.user), "USER");
    expect_ok(p.command("PASS " + o.password), "PASS");
    for (int i = 0; i < 100; ++i) p.command("NOOP");  // warm up
    rtt.reserve(static_cast<std::size_t>(o.noops));
    for (int i = 0; i < o.noops; ++i) {
      const auto t0 = Clock::now();
      expect_ok(p.command("NOOP"), "NOOP");
      rtt.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    p.command("QUIT");
    std::sort(rtt.begin(), rtt.end());
  }
  auto pct = [&](double q) { return rtt.empty() ? 0.0 : rtt[static_cast<std::size_t>(q * static_cast<double>(rtt.size() - 1))]; };

  std::printf("{\"retr_bytes\": %zu, \"mb_per_s\": [", retr_bytes);
  for (std::size_t i = 0; i < mbps.size(); ++i) std::printf("%s%.1f", i ? ", " : "", mbps[i]);
  std::printf("], \"noop_p50_us\": %.1f, \"noop_p99_us\": %.1f}\n", pct(0.5), pct(0.99));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "ws_bench_client: %s\n", e.what());
  return 1;
}
