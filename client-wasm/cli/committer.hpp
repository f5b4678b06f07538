// The disk half of `pop3ws fetch`, on its own thread: fsync and rename each
// group of downloaded messages into new/, fsync new/, then append their UIDs
// to the state file and fsync it (maildir.hpp, uidl_state.hpp). The network
// half keeps reading meanwhile, so disk latency and round trips overlap
// instead of adding up.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "maildir.hpp"
#include "uidl_state.hpp"

namespace pop3ws::cli {

class Committer {
 public:
  struct Group {
    std::vector<Maildir::Finished> files;
    std::vector<std::string> uids;        // of the messages that have one
    std::vector<std::uint32_t> messages;  // their numbers in this session
    bool empty() const { return files.empty(); }
  };

  Committer(const Maildir& maildir, UidlState& state);
  // Commits what was submitted (progress is kept even when the fetch
  // fails), then stops.
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  void submit(Group group);
  // Rethrows a failure of the committing thread, if any.
  void check();
  // Waits until everything submitted is committed; returns the message
  // numbers committed so far (safe to DELE). Rethrows a failure.
  std::vector<std::uint32_t> wait();

 private:
  void loop();

  const Maildir& maildir_;
  UidlState& state_;
  std::mutex mutex_;
  std::condition_variable wake_;  // work arrived, or stop
  std::condition_variable idle_;  // the queue ran empty
  std::deque<Group> queue_;
  bool busy_ = false;
  bool stop_ = false;
  std::exception_ptr error_;
  std::vector<std::uint32_t> committed_;
  std::thread thread_;
};

}  // namespace pop3ws::cli
