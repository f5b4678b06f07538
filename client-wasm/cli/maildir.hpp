// Delivery into a Maildir (https://cr.yp.to/proto/maildir.html): write the
// message under tmp/, fsync it, rename it into new/, and fsync new/ so the
// rename itself survives a crash. A message has only landed after that.
//
// Messages are committed in groups: finish() completes a file in tmp/ and
// starts its writeback (sync_file_range); commit() then fsyncs each file of a
// group, renames it and fsyncs new/ once. Writeback started early lets one
// journal commit cover the group, so the per-file fsyncs that follow are
// cheap (the idea of git's core.fsyncMethod=batch, but every file is still
// fsync'd). commit() may run on another thread than begin/write/finish.
//
// Each file name carries ",U=<tag>", a digest of server, user and UIDL, so a
// run killed between the rename and the UIDL state update can tell that the
// message already landed (see uidl_state.hpp) instead of fetching it twice.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace pop3ws::cli {

class Maildir {
 public:
  // Creates the directory and its cur/, new/, tmp/ if missing. Throws
  // CliError(LocalIo).
  explicit Maildir(std::string root);
  ~Maildir();
  Maildir(const Maildir&) = delete;
  Maildir& operator=(const Maildir&) = delete;

  const std::string& root() const { return root_; }

  // Tags found in new/ and cur/ file names (MUAs move files to cur/ and add
  // ":2,FLAGS" but keep the base name).
  std::unordered_set<std::string> delivered_tags() const;
  // Removes partial files of an interrupted run from tmp/: only ours, whose
  // tag is in `tags`. Returns how many were removed.
  std::size_t remove_partial(const std::unordered_set<std::string>& tags) const;

  // A message complete in tmp/, still open, not yet fsync'd.
  struct Finished {
    int fd = -1;
    std::string tmp_path;
    std::string name;
  };

  // One message at a time: begin, write..., finish.
  void begin(const std::string& tag);
  void write(std::string_view data);
  Finished finish();
  // fsync, close and rename into new/ each file, then fsync new/. Throws
  // CliError(LocalIo); files not yet handled are closed and stay in tmp/
  // (the next run removes them).
  void commit(std::vector<Finished>& files) const;
  // fsync new/ (for renames an earlier, interrupted run may not have synced).
  void sync_new() const;

 private:
  void flush_buffer();

  std::string root_;
  std::string hostname_;
  int new_fd_ = -1;
  int fd_ = -1;
  std::string tmp_path_;
  std::string name_;
  std::string buffer_;
  unsigned long sequence_ = 0;
};

}  // namespace pop3ws::cli
