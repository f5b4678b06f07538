// Session behaviour that transcript vectors do not show well: the one-copy
// input path, large streamed bodies, and bounded memory under hostile input.
#include "pop3ws/session.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace pop3ws {
namespace {

Event pull(Session& s) { return s.next_event(); }

void drain(Session& s, std::string* body = nullptr, std::vector<Event>* other = nullptr) {
  while (true) {
    Event e = pull(s);
    if (std::holds_alternative<NeedData>(e)) return;
    if (auto* b = std::get_if<BodyChunk>(&e)) {
      if (body) body->append(b->data);
    } else if (other) {
      other->push_back(std::move(e));
    }
  }
}

Session logged_in(Settings settings = {}) {
  Session s(settings);
  s.set_link({false, true});
  EXPECT_TRUE(s.receive("+OK hi\r\n"));
  drain(s);
  EXPECT_TRUE(s.user("a"));
  s.consume_output(s.pending_output().size());
  EXPECT_TRUE(s.receive("+OK\r\n"));
  drain(s);
  EXPECT_TRUE(s.pass("b"));
  s.consume_output(s.pending_output().size());
  EXPECT_TRUE(s.receive("+OK\r\n"));
  drain(s);
  EXPECT_EQ(s.state(), SessionState::Transaction);
  return s;
}

// Feeds `wire` through the zero-copy path in chunks of `chunk` bytes.
void feed_in_chunks(Session& s, const std::string& wire, std::size_t chunk, std::string& body,
                    std::vector<Event>& other) {
  for (std::size_t off = 0; off < wire.size(); off += chunk) {
    const std::size_t n = std::min(chunk, wire.size() - off);
    auto buf = s.input_buffer(n);
    ASSERT_TRUE(buf) << buf.error().detail;
    std::memcpy(*buf, wire.data() + off, n);
    ASSERT_TRUE(s.commit_input(n));
    drain(s, &body, &other);
  }
}

TEST(Session, StreamsAFiveMegabyteMessageThroughABoundedBuffer) {
  Settings settings;
  settings.max_buffered_input = 70000;  // a chunk plus one partial line
  Session s = logged_in(settings);
  std::string message;
  std::mt19937 rng(1);
  while (message.size() < 5'000'000) {
    std::string line(rng() % 200, 'x');
    if (rng() % 10 == 0) line.insert(0, ".");
    message += line + "\r\n";
  }
  std::string wire = "+OK\r\n";
  bool at_start = true;
  for (char c : message) {
    if (at_start && c == '.') wire += '.';
    wire += c;
    at_start = c == '\n';
  }
  wire += ".\r\n";
  ASSERT_TRUE(s.retr(1));
  s.consume_output(s.pending_output().size());
  std::string body;
  std::vector<Event> other;
  feed_in_chunks(s, wire, 65536, body, other);
  EXPECT_EQ(body, message);
  ASSERT_EQ(other.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<Reply>(other[0]));
  EXPECT_TRUE(std::holds_alternative<MultilineEnd>(other[1]));
}

TEST(Session, RefusesInputBeyondTheBufferLimit) {
  Settings settings;
  settings.max_buffered_input = 100;
  Session s(settings);
  auto buf = s.input_buffer(101);
  ASSERT_FALSE(buf);
  EXPECT_EQ(buf.error().code, ErrorCode::BufferLimit);
  EXPECT_TRUE(s.input_buffer(100));
}

TEST(Session, EndlessLineFailsAtTheLimitWithoutGrowing) {
  Settings settings;
  settings.max_line = 1000;
  Session s(settings);
  std::vector<Event> other;
  for (int i = 0; i < 100 && !s.failure(); ++i) {
    ASSERT_TRUE(s.receive(std::string(100, 'a')));
    drain(s, nullptr, &other);
  }
  ASSERT_TRUE(s.failure().has_value());
  EXPECT_EQ(s.failure()->code, ErrorCode::LineTooLong);
}

TEST(Session, EndlessBodyStreamsWithoutGrowing) {
  Settings settings;
  settings.max_buffered_input = 4096;
  Session s = logged_in(settings);
  ASSERT_TRUE(s.retr(1));
  ASSERT_TRUE(s.receive("+OK\r\n"));
  std::string body;
  std::vector<Event> other;
  drain(s, &body, &other);
  const std::string chunk(4096, 'z');  // one line that never ends
  std::size_t total = 0;
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(s.receive(chunk)) << "iteration " << i;
    drain(s, &body, &other);
    total += body.size();
    body.clear();
  }
  EXPECT_EQ(total, 2000u * 4096u);
  EXPECT_FALSE(s.failure().has_value());
}

TEST(Session, SubmitLineNamesTheCommand) {
  Session s = logged_in();
  auto c = s.submit_line("retr 3\r\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, Command::Retr);
  EXPECT_EQ(s.pending_output(), "RETR 3\r\n");
  auto bad = s.submit_line("USER x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::WrongState);
  EXPECT_NE(bad.error().detail.find("TRANSACTION"), std::string::npos);
}

TEST(Session, QueueIsBounded) {
  Settings settings;
  settings.max_queued_commands = 10;
  Session s = logged_in(settings);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(s.noop());
  const Status st = s.noop();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::QueueFull);
}

TEST(Session, MovesKeepState) {
  Session s = logged_in();
  Session t = std::move(s);
  EXPECT_EQ(t.state(), SessionState::Transaction);
  EXPECT_TRUE(t.stat());
}

// Bytes that arrive in the same read as +OK to STLS were sent before TLS:
// the caller must not get a StartTls to act on (RFC 2595 §4). (When they
// arrive in a later read, StartTls was already handed out; see stls.txt.)
TEST(Session, InjectedBytesBehindStlsOkGiveNoStartTls) {
  Session s;
  ASSERT_TRUE(s.receive("+OK ready\r\n"));
  drain(s);
  ASSERT_TRUE(s.stls());
  s.consume_output(s.pending_output().size());
  ASSERT_TRUE(s.receive("+OK begin TLS\r\n+OK injected\r\n"));
  std::vector<Event> events;
  drain(s, nullptr, &events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<Reply>(events[0]));
  ASSERT_TRUE(std::holds_alternative<ProtocolError>(events[1]));
  EXPECT_EQ(std::get<ProtocolError>(events[1]).error.code, ErrorCode::StlsInjection);
  EXPECT_FALSE(s.tls_established());
}

TEST(Session, RefusedLoginLeavesNothingQueued) {
  Session s;
  s.set_link({true, false});
  ASSERT_TRUE(s.receive("+OK hi\r\n"));
  drain(s);
  LoginRequest req;
  req.method = AuthMethod::UserPass;
  req.user = "alice";
  req.secret = std::string(300, 'p');  // over Settings::max_argument
  const Status st = s.login(req);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::BadArgument);
  EXPECT_EQ(s.outstanding(), 0u);
  EXPECT_TRUE(s.pending_output().empty());
}

TEST(Session, GarbageNeverCrashes) {
  std::mt19937 rng(42);
  for (int iter = 0; iter < 300; ++iter) {
    Session s = logged_in();
    for (int k = 0; k < 5; ++k) (void)s.submit_line(k % 2 ? "RETR 1" : "LIST");
    std::string junk(rng() % 2000, '\0');
    for (auto& c : junk) {
      const int r = int(rng() % 10);
      c = r < 3 ? '\n' : r < 4 ? '.' : r < 5 ? '+' : char(rng());
    }
    (void)s.receive(junk);
    std::vector<Event> other;
    drain(s, nullptr, &other);
    s.receive_eof();
    drain(s, nullptr, &other);
  }
}

}  // namespace
}  // namespace pop3ws
