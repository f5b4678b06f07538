// The UIDL state of `pop3ws fetch`: which messages (by RFC 1939 §7 unique-id)
// have landed in the Maildir, per server and user. A file in the Maildir,
// DIR/.pop3ws-uidl, one line per message, "KEY UID", where KEY is
// user@host:port percent-encoded. Lines are appended and fsync'd right after
// the messages land, before any DELE for them is sent. The file is locked
// (flock) for the whole fetch, so two fetches cannot interleave.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

namespace pop3ws::cli {

class UidlState {
 public:
  // Opens (creating) and locks the state file. Throws CliError(LocalIo), also
  // when another fetch holds the lock.
  UidlState(const std::string& maildir, const std::string& user, const std::string& host, unsigned port);
  ~UidlState();
  UidlState(const UidlState&) = delete;
  UidlState& operator=(const UidlState&) = delete;

  bool contains(const std::string& uid) const { return uids_.count(uid) != 0; }
  std::size_t size() const { return uids_.size(); }
  // Appends and fsyncs. Throws CliError(LocalIo).
  void add(const std::vector<std::string>& uids);
  // The tag written into Maildir file names for `uid` (see maildir.hpp):
  // 16 hex digits of SHA-256(key LF uid).
  std::string tag(const std::string& uid) const;

 private:
  std::string path_;
  std::string key_;
  int fd_ = -1;
  std::unordered_set<std::string> uids_;
};

}  // namespace pop3ws::cli
