#include "context.hpp"

namespace pop3ws::proxy {

ConnectionTracker::Admit ConnectionTracker::admit(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t& n = by_ip_[ip];
  if (open_ >= 2 * total_ || n >= 2 * per_ip_) {
    if (n == 0) by_ip_.erase(ip);
    return Admit::refuse;
  }
  const bool over = open_ >= total_ || n >= per_ip_;
  ++open_;
  ++n;
  return over ? Admit::over_limit : Admit::ok;
}

void ConnectionTracker::release(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_ip_.find(ip);
  if (it == by_ip_.end()) return;
  if (--it->second == 0) by_ip_.erase(it);
  --open_;
}

std::size_t ConnectionTracker::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

void SessionRegistry::add(std::uint64_t id, std::weak_ptr<Session> s) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_[id] = std::move(s);
}

void SessionRegistry::remove(std::uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(id);
}

void SessionRegistry::for_each(const std::function<void(const std::shared_ptr<Session>&)>& f) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, w] : sessions_)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) f(s);
}

std::size_t SessionRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

}  // namespace pop3ws::proxy
