#include "committer.hpp"

#include <unistd.h>

namespace pop3ws::cli {

Committer::Committer(const Maildir& maildir, UidlState& state)
    : maildir_(maildir), state_(state), thread_([this] { loop(); }) {}

Committer::~Committer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  for (auto& group : queue_)  // left after a failure: stays in tmp/
    for (auto& f : group.files)
      if (f.fd >= 0) ::close(f.fd);
}

void Committer::submit(Group group) {
  if (group.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(group));
  }
  wake_.notify_one();
}

void Committer::check() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (error_) std::rethrow_exception(error_);
}

std::vector<std::uint32_t> Committer::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return error_ || (queue_.empty() && !busy_); });
  if (error_) std::rethrow_exception(error_);
  return committed_;
}

void Committer::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty() || error_) break;  // stop_ with nothing left, or failed
    Group group = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    std::exception_ptr failure;
    try {
      maildir_.commit(group.files);  // steps 1-2: each file fsync'd and renamed, new/ fsync'd
      state_.add(group.uids);        // step 3: only after the renames are durable
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    busy_ = false;
    if (failure) {
      error_ = failure;
    } else {
      committed_.insert(committed_.end(), group.messages.begin(), group.messages.end());
    }
    if (queue_.empty() || error_) idle_.notify_all();
    if (error_) break;
  }
  idle_.notify_all();
}

}  // namespace pop3ws::cli
