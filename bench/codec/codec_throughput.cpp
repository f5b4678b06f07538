// Codec throughput on a 64 MB RETR stream of realistic mail, beside a memchr
// line scan of the same buffer in the same process: the scan is the floor
// any line-oriented parser has to pay, so the ratio says how close the codec
// gets to it. Prints one JSON line; bench/codec/run.sh runs it natively and
// as WebAssembly under node and prints the ratios.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "pop3ws/session.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Mail-like lines: headers, quoted-printable and base64 bodies, some dots.
std::string make_stream(std::size_t target) {
  std::mt19937 rng(20261126);
  static const char* words[] = {"the", "mail", "server", "POP3", "message", "relay", "client", "quoted",
                                "printable", "=C3=A9t=C3=A9", "hello,", "world.", "Regards", "--", "and"};
  std::string body;
  body.reserve(target + 4096);
  while (body.size() < target) {
    body += "Received: from mx.example.org (mx.example.org [192.0.2.1]) by pop.example.org\r\n";
    body += "From: \"Someone\" <someone@example.org>\r\nSubject: a realistic message\r\n";
    body += "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n";
    const int text_lines = 20 + int(rng() % 40);
    for (int i = 0; i < text_lines; ++i) {
      std::string line;
      const std::size_t len = 20 + rng() % 60;
      while (line.size() < len) {
        line += words[rng() % 15];
        line += ' ';
      }
      if (rng() % 50 == 0) line.insert(0, ".");  // a line that needs dot-stuffing
      body += line + "\r\n";
    }
    body += "--b1\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    const int b64_lines = int(rng() % 200);
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < b64_lines; ++i) {
      std::string line(76, 'A');
      for (auto& c : line) c = alphabet[rng() % 64];
      body += line + "\r\n";
    }
    body += "--b1--\r\n";
  }
  // Server side of RFC 1939 §3: status line, stuffed body, terminator.
  std::string wire = "+OK message follows\r\n";
  wire.reserve(body.size() + body.size() / 40 + 16);
  bool at_start = true;
  for (char c : body) {
    if (at_start && c == '.') wire += '.';
    wire += c;
    at_start = c == '\n';
  }
  wire += ".\r\n";
  return wire;
}

pop3ws::Session logged_in() {
  pop3ws::Session s;
  s.set_link({false, true});
  (void)s.receive("+OK hi\r\n");
  while (!std::holds_alternative<pop3ws::NeedData>(s.next_event())) {}
  (void)s.user("a");
  (void)s.pass("b");
  (void)s.receive("+OK\r\n+OK\r\n");
  while (!std::holds_alternative<pop3ws::NeedData>(s.next_event())) {}
  s.consume_output(s.pending_output().size());
  return s;
}

// One RETR through the codec, fed in 64 KiB reads as from a socket.
std::size_t run_codec(const std::string& wire) {
  pop3ws::Session s = logged_in();
  (void)s.retr(1);
  std::size_t body = 0;
  constexpr std::size_t kRead = 65536;
  for (std::size_t off = 0; off < wire.size(); off += kRead) {
    const std::size_t n = std::min(kRead, wire.size() - off);
    auto buf = s.input_buffer(n);
    if (!buf) return 0;
    std::memcpy(*buf, wire.data() + off, n);
    (void)s.commit_input(n);
    while (true) {
      pop3ws::Event e = s.next_event();
      if (std::holds_alternative<pop3ws::NeedData>(e)) break;
      if (auto* c = std::get_if<pop3ws::BodyChunk>(&e)) body += c->data.size();
    }
  }
  return body;
}

// The floor: find every line end with memchr, copying each 64 KiB read once
// as the codec does.
std::size_t run_memchr(const std::string& wire) {
  std::vector<char> buf(65536);
  std::size_t lines = 0;
  constexpr std::size_t kRead = 65536;
  for (std::size_t off = 0; off < wire.size(); off += kRead) {
    const std::size_t n = std::min(kRead, wire.size() - off);
    std::memcpy(buf.data(), wire.data() + off, n);
    const char* p = buf.data();
    const char* end = p + n;
    while (const void* nl = std::memchr(p, '\n', std::size_t(end - p))) {
      ++lines;
      p = static_cast<const char*>(nl) + 1;
    }
  }
  return lines;
}

template <class F>
double best_mb_per_s(const std::string& wire, F f, int rounds, std::size_t& sink) {
  double best = 0;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = Clock::now();
    sink += f(wire);
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, double(wire.size()) / 1e6 / secs);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t megabytes = argc > 1 ? std::size_t(std::atoi(argv[1])) : 64;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::string wire = make_stream(megabytes << 20);
  std::size_t sink = 0;
  const std::size_t body = run_codec(wire);
  if (body == 0) {
    std::fprintf(stderr, "codec_throughput: the codec did not deliver the body\n");
    return 1;
  }
  // Interleave the two so that machine noise hits both alike.
  double codec = 0, scan = 0;
  for (int r = 0; r < rounds; ++r) {
    scan = std::max(scan, best_mb_per_s(wire, run_memchr, 1, sink));
    codec = std::max(codec, best_mb_per_s(wire, run_codec, 1, sink));
  }
  std::printf("{\"bytes\": %zu, \"body_bytes\": %zu, \"codec_mb_s\": %.1f, \"memchr_mb_s\": %.1f, "
              "\"codec_vs_memchr\": %.3f, \"sink\": %zu}\n",
              wire.size(), body, codec, scan, codec / scan, sink % 10);
  return 0;
}
