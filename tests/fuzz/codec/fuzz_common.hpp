// Shared pieces of the codec fuzz targets.
#pragma once

#include <cstdlib>
#include <cstdio>
#include <variant>

#include "pop3ws/session.hpp"

#define FUZZ_CHECK(cond)                                                      \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                           \
    }                                                                         \
  } while (0)

namespace pop3ws::fuzz {

// Pulls every event; checks that nothing but Closed follows a ProtocolError
// and that the stream of events is bounded by the input.
struct EventSink {
  bool failed = false;
  std::size_t events = 0;
  std::size_t body_bytes = 0;
  std::size_t commands = 0;  // queued by the target: each may end in one Cancelled
  void drain(Session& s, std::size_t input_so_far) {
    while (true) {
      Event e = s.next_event();
      if (std::holds_alternative<NeedData>(e)) return;
      ++events;
      FUZZ_CHECK(events <= 4 * input_so_far + 64 + commands);
      if (failed) FUZZ_CHECK(std::holds_alternative<Closed>(e));
      if (std::holds_alternative<ProtocolError>(e)) {
        failed = true;
        FUZZ_CHECK(s.state() == SessionState::Failed);
      }
      if (auto* b = std::get_if<BodyChunk>(&e)) {
        FUZZ_CHECK(!b->data.empty());
        body_bytes += b->data.size();
        FUZZ_CHECK(body_bytes <= input_so_far);
      }
    }
  }
};

}  // namespace pop3ws::fuzz
