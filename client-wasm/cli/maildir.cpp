#include "maildir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "exit_codes.hpp"
#include "output.hpp"

namespace pop3ws::cli {

namespace {

// Small messages are written in one system call; big ones in slices of this.
constexpr std::size_t kWriteBuffer = 1 << 20;

[[noreturn]] void io_error(const std::string& what, const std::string& path) {
  throw CliError(Exit::LocalIo, what + " " + path + ": " + std::strerror(errno));
}

void make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) io_error("cannot create", path);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    io_error("not a directory:", path);
  }
}

// The Maildir spec asks for '/' and ':' in the host name to be written as
// \057 and \072; ',' is escaped too because it separates our ",U=" field.
std::string safe_hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) std::strcpy(buf, "localhost");
  std::string out;
  for (const char* p = buf; *p; ++p) {
    if (*p == '/') out += "\\057";
    else if (*p == ':') out += "\\072";
    else if (*p == ',') out += "\\054";
    else out += *p;
  }
  return out;
}

// The tag in "...,U=<tag>[,...][:2,...]", or empty.
std::string_view tag_of(std::string_view name) {
  const auto at = name.find(",U=");
  if (at == std::string_view::npos) return {};
  name.remove_prefix(at + 3);
  return name.substr(0, name.find_first_of(",:"));
}

template <class F>
void for_each_entry(const std::string& dir, F&& f) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) io_error("cannot read", dir);
  while (const dirent* e = ::readdir(d.get())) {
    if (e->d_name[0] == '.') continue;
    f(std::string_view(e->d_name));
  }
}

}  // namespace

Maildir::Maildir(std::string root) : root_(std::move(root)), hostname_(safe_hostname()) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  make_dir(root_);
  for (const char* sub : {"/cur", "/new", "/tmp"}) make_dir(root_ + sub);
  new_fd_ = ::open((root_ + "/new").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (new_fd_ < 0) io_error("cannot open", root_ + "/new");
}

Maildir::~Maildir() {
  if (fd_ >= 0) ::close(fd_);
  if (new_fd_ >= 0) ::close(new_fd_);
}

std::unordered_set<std::string> Maildir::delivered_tags() const {
  std::unordered_set<std::string> tags;
  for (const char* sub : {"/new", "/cur"}) {
    for_each_entry(root_ + sub, [&](std::string_view name) {
      const auto t = tag_of(name);
      if (!t.empty()) tags.emplace(t);
    });
  }
  return tags;
}

std::size_t Maildir::remove_partial(const std::unordered_set<std::string>& tags) const {
  std::size_t removed = 0;
  const std::string dir = root_ + "/tmp";
  for_each_entry(dir, [&](std::string_view name) {
    const auto t = tag_of(name);
    if (t.empty() || !tags.count(std::string(t))) return;
    const std::string path = dir + "/" + std::string(name);
    if (::unlink(path.c_str()) == 0) ++removed;
  });
  return removed;
}

void Maildir::begin(const std::string& tag) {
  // Unique name as in the Maildir spec: time, microseconds, pid and a
  // per-process sequence number, then the host name.
  struct timeval tv {};
  ::gettimeofday(&tv, nullptr);
  name_ = std::to_string(tv.tv_sec) + ".M" + std::to_string(tv.tv_usec) + "P" + std::to_string(::getpid()) + "Q" +
          std::to_string(++sequence_) + "." + hostname_;
  if (!tag.empty()) name_ += ",U=" + tag;
  tmp_path_ = root_ + "/tmp/" + name_;
  fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) io_error("cannot create", tmp_path_);
  buffer_.clear();
}

void Maildir::flush_buffer() {
  if (!write_fully(fd_, buffer_)) io_error("cannot write", tmp_path_);
  buffer_.clear();
}

void Maildir::write(std::string_view data) {
  if (buffer_.size() + data.size() > kWriteBuffer) {
    flush_buffer();
    if (data.size() > kWriteBuffer) {
      if (!write_fully(fd_, data)) io_error("cannot write", tmp_path_);
      return;
    }
  }
  buffer_.append(data);
}

Maildir::Finished Maildir::finish() {
  flush_buffer();
  // Start writeback now (Linux); commit() waits for it with fsync.
  ::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
  Finished f{fd_, tmp_path_, name_};
  fd_ = -1;
  return f;
}

void Maildir::commit(std::vector<Finished>& files) const {
  struct CloseRest {  // on an error, close what is left (it stays in tmp/)
    std::vector<Finished>& files;
    ~CloseRest() {
      for (auto& f : files)
        if (f.fd >= 0) ::close(f.fd);
    }
  } close_rest{files};
  for (auto& f : files) {
    if (::fsync(f.fd) != 0) io_error("cannot fsync", f.tmp_path);
    const int fd = f.fd;
    f.fd = -1;
    if (::close(fd) != 0) io_error("cannot write", f.tmp_path);
    const std::string final_path = root_ + "/new/" + f.name;
    if (::rename(f.tmp_path.c_str(), final_path.c_str()) != 0) io_error("cannot move the message to", final_path);
  }
  sync_new();
}

void Maildir::sync_new() const {
  if (::fsync(new_fd_) != 0) io_error("cannot fsync", root_ + "/new");
}

}  // namespace pop3ws::cli
