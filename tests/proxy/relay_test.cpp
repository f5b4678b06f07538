// The relay (Session) over in-memory streams: the page side speaks
// WebSocket through ws_test_client.hpp, the mail server side is a pipe the
// test reads and writes directly. No sockets, no real time except the
// timeout tests.
#include "session.hpp"

#include "memory_stream.hpp"
#include "ws_test_client.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <deque>

namespace pop3ws::proxy {
namespace {
namespace asio = boost::asio;
using test::Frame;
using test::MemoryPair;
using test::Pipe;

class FakeConnector final : public UpstreamConnector {
 public:
  FakeConnector(asio::any_io_executor ex, std::deque<UpstreamResult>& results) : ex_(std::move(ex)), results_(results) {}
  void async_connect(const Target&, Handler h) override {
    UpstreamResult r = std::move(results_.front());
    results_.pop_front();
    asio::post(ex_, [h = std::move(h), r = std::make_shared<UpstreamResult>(std::move(r))]() mutable {
      h(std::move(*r));
    });
  }
  void cancel() override {}

 private:
  asio::any_io_executor ex_;
  std::deque<UpstreamResult>& results_;
};

class FakeFactory final : public ConnectorFactory {
 public:
  std::shared_ptr<UpstreamConnector> make(asio::any_io_executor ex) override {
    ++made;
    return std::make_shared<FakeConnector>(std::move(ex), results);
  }
  std::deque<UpstreamResult> results;
  int made = 0;
};

constexpr std::size_t kPipeCapacity = 64 * 1024;

class RelayTest : public ::testing::Test {
 protected:
  RelayTest() {
    cfg.limits.buffer_bytes = 32 * 1024;
    cfg.limits.read_chunk_bytes = 4 * 1024;
    cfg.limits.max_message_bytes = 8 * 1024;
    Target t;
    t.name = "mail";
    t.host = "mail.test";
    cfg.targets.push_back(t);
    http = std::make_unique<HttpHandler>(cfg, metrics);
    ctx = std::make_unique<ProxyContext>(ProxyContext{cfg, metrics, factory, *http, registry});
    page = test::make_memory_pair(ioc.get_executor(), kPipeCapacity);
    server = test::make_memory_pair(ioc.get_executor(), kPipeCapacity);
  }

  ~RelayTest() override {
    Pipe* pipes[] = {page.a_to_b.get(), page.b_to_a.get(), server.a_to_b.get(), server.b_to_a.get()};
    for (Pipe* p : pipes) p->dead = true;
    session.reset();
    for (Pipe* p : pipes) {
      p->reader.reset();
      p->writer.reset();
    }
    ioc_owner.reset();
  }

  // The page side: the test writes into page.a_to_b and reads page.b_to_a.
  Pipe& from_page() { return *page.a_to_b; }
  Pipe& to_page() { return *page.b_to_a; }
  // The server side: the relay holds server.a; the test writes into
  // server.b_to_a and reads server.a_to_b.
  Pipe& from_server() { return *server.b_to_a; }
  Pipe& to_server() { return *server.a_to_b; }

  void page_sends(std::string_view bytes) {
    from_page().buf.append(bytes);
    from_page().pump();
  }
  void server_sends(std::string_view bytes) {
    from_server().buf.append(bytes);
    from_server().pump();
  }
  // Reads what reached the page so far (which unblocks the relay's writer).
  void read_page() {
    page_in += to_page().buf;
    to_page().buf.clear();
    to_page().pump();
  }
  std::string read_server() {
    std::string s = std::move(to_server().buf);
    to_server().buf.clear();
    to_server().pump();
    return s;
  }
  void run() {
    ioc.restart();
    ioc.poll();
  }

  // Opens a WebSocket to `path`; returns the HTTP response head.
  std::string open(std::string_view path, std::string_view origin = {}, bool connect_ok = true,
                   bool over_limit = false) {
    if (connect_ok) {
      UpstreamResult r;
      r.stream = std::move(server.a);
      factory.results.push_back(std::move(r));
    }
    SessionOptions o;
    o.id = 1;
    o.peer = "192.0.2.1";
    o.over_limit = over_limit;
    session = std::make_shared<Session>(*ctx, std::move(page.b), o);
    session->start();
    run();
    page_sends(test::ws_request(path, origin));
    run();
    read_page();
    const auto end = page_in.find("\r\n\r\n");
    if (end == std::string::npos) return page_in;
    std::string head = page_in.substr(0, end + 4);
    page_in.erase(0, end + 4);
    return head;
  }

  std::vector<Frame> frames() {
    read_page();
    std::vector<Frame> out;
    while (auto f = test::take_frame(page_in)) out.push_back(std::move(*f));
    return out;
  }

  std::string binary_payloads(const std::vector<Frame>& fs) {
    std::string s;
    for (const auto& f : fs)
      if (f.opcode == 2) s += f.payload;
    return s;
  }

  // Destroyed first (by ~RelayTest): pending handlers hold sessions, whose
  // destructors use the context members below.
  std::unique_ptr<asio::io_context> ioc_owner = std::make_unique<asio::io_context>();
  asio::io_context& ioc = *ioc_owner;
  Config cfg;
  Metrics metrics;
  FakeFactory factory;
  std::unique_ptr<HttpHandler> http;
  SessionRegistry registry;
  std::unique_ptr<ProxyContext> ctx;
  MemoryPair page, server;
  std::shared_ptr<Session> session;
  std::string page_in;
};

TEST_F(RelayTest, RelaysBytesBothWays) {
  const std::string head = open("/pop3/mail");
  ASSERT_NE(head.find("101"), std::string::npos) << head;
  EXPECT_NE(head.find("Sec-WebSocket-Protocol: binary"), std::string::npos) << head;
  server_sends("+OK ready\r\n");
  run();
  auto fs = frames();
  EXPECT_EQ(binary_payloads(fs), "+OK ready\r\n");
  page_sends(test::client_frame(2, "CAPA\r\n"));
  run();
  EXPECT_EQ(read_server(), "CAPA\r\n");
  EXPECT_EQ(metrics.bytes_to_upstream.load(), 6u);
  EXPECT_EQ(metrics.bytes_to_client.load(), 11u);
}

TEST_F(RelayTest, FragmentedMessageIsReassembled) {
  open("/pop3/mail");
  page_sends(test::client_frame(2, "US", false) + test::client_frame(0, "ER al", false) + test::client_frame(0, "ice\r\n"));
  run();
  EXPECT_EQ(read_server(), "USER alice\r\n");
}

TEST_F(RelayTest, BytesSplitAcrossReadsStillFrame) {
  open("/pop3/mail");
  const std::string f = test::client_frame(2, "STAT\r\n") + test::client_frame(2, "LIST\r\n");
  for (char c : f) {
    page_sends(std::string_view(&c, 1));
    run();
  }
  EXPECT_EQ(read_server(), "STAT\r\nLIST\r\n");
}

TEST_F(RelayTest, SlowPageStopsReadingTheServer) {
  open("/pop3/mail");
  // The server offers 4 MB; the page reads nothing.
  const std::string block(16 * 1024, 'x');
  std::size_t offered = 0;
  for (int i = 0; i < 256; ++i) {
    if (from_server().buf.size() < kPipeCapacity) {
      server_sends(block);
      offered += block.size();
    }
    run();
  }
  // Bounded: one write in flight plus a collecting buffer that stops at the
  // limit plus one read and its frame header; the rest waits in the pipes.
  EXPECT_LE(session->peak_queued_to_client(), 2 * (cfg.limits.buffer_bytes + cfg.limits.read_chunk_bytes + 16));
  EXPECT_GE(from_server().buf.size(), kPipeCapacity - block.size());  // the server is blocked
  EXPECT_LT(metrics.bytes_to_client.load(), 4u * 1024 * 1024);
  // Once the page reads, everything arrives intact and in order.
  std::string got;
  for (int i = 0; i < 2000 && got.size() < offered; ++i) {
    run();
    got += binary_payloads(frames());
  }
  EXPECT_EQ(got.size(), offered);
  EXPECT_EQ(got.find_first_not_of('x'), std::string::npos);
}

TEST_F(RelayTest, IdleSessionKeepsNoQueueMemory) {
  open("/pop3/mail");
  // A reply read by the page as it comes, one command the other way, then
  // nothing: the queues go back to their empty strings. The server's pieces
  // are smaller than a read chunk (4 KB here), as 16 KB TLS records are
  // smaller than the default 64 KB: frames that a queue could keep.
  const std::string block(3000, 'x');
  std::size_t got = 0;
  for (int i = 0; i < 64; ++i) {
    server_sends(block);
    run();
    got += binary_payloads(frames()).size();
  }
  page_sends(test::client_frame(2, "NOOP\r\n"));
  run();
  EXPECT_EQ(read_server(), "NOOP\r\n");
  run();
  got += binary_payloads(frames()).size();
  EXPECT_EQ(got, 64 * block.size());
  EXPECT_EQ(session->queued_to_client(), 0u);
  // Five empty strings (two queues and the unframed bytes towards the page):
  // at most their in-object (short-string) storage.
  const std::size_t empty = std::string().capacity();
  EXPECT_LE(session->queue_capacity(), 5 * empty);
}

TEST_F(RelayTest, ServerBytesReadDuringAWriteGoOutAsOneMessage) {
  open("/pop3/mail");
  // The page reads nothing at first: the first write fills the pipe to the
  // page and stays in flight.
  server_sends(std::string(kPipeCapacity + 4096, '-'));
  run();
  // Ten small reads from the server meanwhile, each its own read.
  std::string expected(kPipeCapacity + 4096, '-');
  for (char c = 'a'; c < 'a' + 10; ++c) {
    server_sends(std::string(1000, c));
    expected += std::string(1000, c);
    run();
  }
  std::vector<Frame> fs;
  for (int i = 0; i < 20; ++i) {
    run();
    for (auto& f : frames()) fs.push_back(std::move(f));
  }
  EXPECT_EQ(binary_payloads(fs), expected);  // intact and in order
  // They left as one message once the write in flight was done, not as ten.
  std::size_t with_small = 0;
  for (const auto& f : fs)
    if (f.opcode == 2 && f.payload.find_first_of("abcdefghij") != std::string::npos) ++with_small;
  EXPECT_EQ(with_small, 1u);
}

TEST_F(RelayTest, SlowServerStopsReadingThePage) {
  open("/pop3/mail");
  // The page sends 2 MB of commands; the server reads nothing.
  const std::string frame = test::client_frame(2, std::string(4000, 'a'));
  std::size_t sent = 0;
  for (int i = 0; i < 512; ++i) {
    if (from_page().buf.size() < kPipeCapacity) {
      page_sends(frame);
      sent += 4000;
    }
    run();
  }
  EXPECT_LE(session->peak_queued_to_upstream(),
            2 * (cfg.limits.buffer_bytes + cfg.limits.read_chunk_bytes + cfg.limits.max_message_bytes));
  EXPECT_GT(from_page().buf.size(), 0u);  // the page is blocked
  std::string got;
  for (int i = 0; i < 4000 && got.size() < sent; ++i) {
    got += read_server();
    run();
  }
  EXPECT_EQ(got.size(), sent);
}

TEST_F(RelayTest, ServerCloseEndsWithCloseFrameAfterData) {
  open("/pop3/mail");
  server_sends("+OK bye\r\n");
  from_server().eof = true;
  from_server().pump();
  run();
  auto fs = frames();
  ASSERT_GE(fs.size(), 2u);
  EXPECT_EQ(fs[0].payload, "+OK bye\r\n");
  EXPECT_EQ(fs.back().opcode, 8);
  EXPECT_EQ(fs.back().close_code(), 1000);
  EXPECT_EQ(fs.back().close_reason(), "upstream closed");
  // The page answers the close; both sides end.
  page_sends(test::client_frame(8, test::close_payload(1000)));
  from_page().eof = true;
  from_page().pump();
  run();
  EXPECT_TRUE(to_page().eof);
  EXPECT_TRUE(to_server().eof);
  EXPECT_EQ(session->close_reason(), CloseReason::upstream_closed);
  session.reset();
  run();
  EXPECT_EQ(registry.size(), 0u);
}

TEST_F(RelayTest, ServerResetClosesWith4010) {
  open("/pop3/mail");
  server_sends("+OK\r\n");
  from_server().fail = boost::asio::error::connection_reset;
  from_server().pump();
  run();
  auto fs = frames();
  ASSERT_GE(fs.size(), 2u);
  EXPECT_EQ(fs[0].payload, "+OK\r\n");  // what arrived before the reset still reaches the page
  EXPECT_EQ(fs.back().close_code(), 4010);
  EXPECT_EQ(fs.back().close_reason(), "upstream error");
  page_sends(test::client_frame(8, test::close_payload(4010)));
  from_page().eof = true;
  from_page().pump();
  run();
  EXPECT_TRUE(to_page().eof);
  EXPECT_EQ(session->close_reason(), CloseReason::upstream_error);
}

TEST_F(RelayTest, PageCloseDeliversQueuedBytesThenFin) {
  open("/pop3/mail");
  page_sends(test::client_frame(2, "QUIT\r\n") + test::client_frame(8, test::close_payload(1000)));
  run();
  EXPECT_EQ(read_server(), "QUIT\r\n");
  EXPECT_TRUE(to_server().eof);
  auto fs = frames();
  ASSERT_FALSE(fs.empty());
  EXPECT_EQ(fs.back().opcode, 8);  // close echoed (RFC 6455 §5.5.1)
  EXPECT_EQ(fs.back().close_code(), 1000);
}

TEST_F(RelayTest, PageVanishingClosesTheServerSide) {
  open("/pop3/mail");
  page_sends(test::client_frame(2, "NOOP\r\n"));
  from_page().eof = true;  // TCP FIN without a close frame
  from_page().pump();
  run();
  EXPECT_EQ(read_server(), "NOOP\r\n");
  EXPECT_TRUE(to_server().eof);
  server_sends("+OK\r\n");
  from_server().eof = true;
  from_server().pump();
  run();
  session.reset();
  run();
  EXPECT_EQ(registry.size(), 0u);
  EXPECT_EQ(metrics.sessions_open.load(), 0u);
}

TEST_F(RelayTest, UnknownTargetClosesWith4000) {
  open("/pop3/nosuch", {}, false);
  auto fs = frames();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].close_code(), 4000);
  EXPECT_EQ(fs[0].close_reason(), "unknown target");
  EXPECT_EQ(factory.made, 0);  // never tried to connect
}

TEST_F(RelayTest, ConnectErrorBecomesItsCloseCode) {
  UpstreamResult r;
  r.error = CloseReason::tls_verify_failed;
  factory.results.push_back(std::move(r));
  open("/?target=mail", {}, false);
  auto fs = frames();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].close_code(), 4003);
  EXPECT_EQ(fs[0].close_reason(), "TLS verification failed");
  EXPECT_EQ(metrics.closes[static_cast<std::size_t>(CloseReason::tls_verify_failed)].load(), 1u);
}

TEST_F(RelayTest, StarttlsGreetingGoesToThePageFirst) {
  UpstreamResult r;
  r.stream = std::move(server.a);
  r.greeting = "+OK hello <1.2@x>\r\n";
  factory.results.push_back(std::move(r));
  open("/pop3/mail", {}, false);
  run();
  EXPECT_EQ(binary_payloads(frames()), "+OK hello <1.2@x>\r\n");
}

TEST_F(RelayTest, TextFrameClosesWith1003) {
  open("/pop3/mail");
  page_sends(test::client_frame(1, "USER a\r\n"));
  run();
  auto fs = frames();
  ASSERT_FALSE(fs.empty());
  EXPECT_EQ(fs.back().close_code(), 1003);
  EXPECT_EQ(read_server(), "");
}

TEST_F(RelayTest, OversizedMessageClosesWith1009) {
  open("/pop3/mail");
  page_sends(test::client_frame(2, std::string(cfg.limits.max_message_bytes + 1, 'a')));
  run();
  auto fs = frames();
  ASSERT_FALSE(fs.empty());
  EXPECT_EQ(fs.back().close_code(), 1009);
  EXPECT_EQ(read_server(), "");
  EXPECT_EQ(session->close_reason(), CloseReason::message_too_big);
}

TEST_F(RelayTest, UnmaskedFrameIsAProtocolError) {
  open("/pop3/mail");
  page_sends(test::client_frame(2, "NOOP\r\n", true, false));  // RFC 6455 §5.1: clients must mask
  run();
  auto fs = frames();
  ASSERT_FALSE(fs.empty());
  EXPECT_EQ(fs.back().close_code(), 1002);
  EXPECT_EQ(read_server(), "");
}

TEST_F(RelayTest, WrongOriginIsRefusedWith403) {
  cfg.allowed_origins = {"https://mail.example"};
  const std::string head = open("/pop3/mail", "https://evil.example", false);
  EXPECT_EQ(head.rfind("HTTP/1.1 403", 0), 0u) << head;
  EXPECT_EQ(factory.made, 0);
  EXPECT_EQ(metrics.origin_refused.load(), 1u);
}

TEST_F(RelayTest, AllowedOriginIsAccepted) {
  cfg.allowed_origins = {"https://mail.example"};
  const std::string head = open("/pop3/mail", "https://MAIL.example");
  EXPECT_EQ(head.rfind("HTTP/1.1 101", 0), 0u) << head;
}

TEST_F(RelayTest, IdleTimeoutClosesWith4009) {
  cfg.limits.idle_timeout = std::chrono::milliseconds(50);
  open("/pop3/mail");
  ioc.restart();
  ioc.run_for(std::chrono::milliseconds(200));
  auto fs = frames();
  ASSERT_FALSE(fs.empty());
  EXPECT_EQ(fs.back().close_code(), 4009);
  EXPECT_TRUE(to_server().eof);  // the server connection was dropped
}

TEST_F(RelayTest, ActivityDefersIdleTimeout) {
  // Gaps of a fifth of the timeout, for 2.4 timeouts: a busy test machine
  // (two cores, sanitizers) has delayed a 50 ms step past a 150 ms timeout.
  cfg.limits.idle_timeout = std::chrono::milliseconds(500);
  open("/pop3/mail");
  for (int i = 0; i < 12; ++i) {
    page_sends(test::client_frame(2, "NOOP\r\n"));
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(100));
  }
  for (const auto& f : frames()) EXPECT_NE(f.opcode, 8);
}

TEST_F(RelayTest, HandshakeTimeoutDropsSilentConnections) {
  cfg.limits.handshake_timeout = std::chrono::milliseconds(30);
  SessionOptions o;
  session = std::make_shared<Session>(*ctx, std::move(page.b), o);
  session->start();
  page_sends("GET / HTTP/1.1\r\n");  // never finished
  ioc.restart();
  ioc.run_for(std::chrono::milliseconds(150));
  EXPECT_TRUE(to_page().eof);
}

TEST_F(RelayTest, OverLimitConnectionGets4008) {
  const std::string head = open("/pop3/mail", {}, false, true);
  EXPECT_EQ(head.rfind("HTTP/1.1 101", 0), 0u) << head;
  auto fs = frames();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].close_code(), 4008);
  EXPECT_EQ(fs[0].close_reason(), "limit reached");
  EXPECT_EQ(factory.made, 0);
}

// RFC 6455 §4.2.2: versions other than 13 (drafts websocketpp would speak,
// hixie-76 among them when the header is missing) get 426 and the version.
class WsVersionTest : public RelayTest {
 protected:
  void expect_426(const std::string& request) {
    SessionOptions o;
    session = std::make_shared<Session>(*ctx, std::move(page.b), o);
    session->start();
    run();
    page_sends(request);
    run();
    read_page();
    EXPECT_EQ(page_in.rfind("HTTP/1.1 426", 0), 0u) << page_in;
    EXPECT_NE(page_in.find("Sec-WebSocket-Version: 13\r\n"), std::string::npos) << page_in;
    EXPECT_EQ(factory.made, 0);
  }
  const std::string v13 = test::ws_request("/pop3/mail");
};

TEST_F(WsVersionTest, Version8IsRefusedWith426) {
  expect_426(std::string(v13).replace(v13.find("Version: 13"), 11, "Version: 8"));
}

TEST_F(WsVersionTest, Hixie76IsRefusedWith426) {
  // draft-hixie-thewebsocketprotocol-76 §1.3's example: no version header,
  // two number keys and 8 key bytes after the head.
  expect_426("GET /pop3/mail HTTP/1.1\r\nHost: proxy.test\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nUpgrade: WebSocket\r\n"
             "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\nOrigin: http://example.com\r\n\r\n^n:ds[4U");
}

TEST_F(RelayTest, PlainHttpRequestIsAnswered) {
  SessionOptions o;
  session = std::make_shared<Session>(*ctx, std::move(page.b), o);
  session->start();
  run();
  page_sends("GET /healthz HTTP/1.1\r\nHost: proxy.test\r\n\r\n");
  run();
  read_page();
  EXPECT_EQ(page_in.rfind("HTTP/1.1 200", 0), 0u) << page_in;
  EXPECT_NE(page_in.find("\r\n\r\nok\n"), std::string::npos);
  EXPECT_NE(page_in.find("X-Content-Type-Options: nosniff"), std::string::npos);
  EXPECT_TRUE(to_page().eof);
}

}  // namespace
}  // namespace pop3ws::proxy
