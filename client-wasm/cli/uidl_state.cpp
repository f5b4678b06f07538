#include "uidl_state.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "exit_codes.hpp"
#include "output.hpp"

namespace pop3ws::cli {

namespace {

// Percent-encodes everything outside printable ASCII, and '%' itself, so a
// key never contains the space that separates it from the UID.
std::string encode_key(const std::string& raw) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (c > 0x20 && c < 0x7f && c != '%') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

UidlState::UidlState(const std::string& maildir, const std::string& user, const std::string& host, unsigned port)
    : path_(maildir + "/.pop3ws-uidl"), key_(encode_key(user + "@" + lower(host) + ":" + std::to_string(port))) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) throw CliError(Exit::LocalIo, "cannot open " + path_ + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0)
    throw CliError(Exit::LocalIo, "another pop3ws fetch is using " + maildir + " (" + path_ + " is locked)");
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::pread(fd_, buf, sizeof buf, static_cast<off_t>(text.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw CliError(Exit::LocalIo, "cannot read " + path_ + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  // A line cut short by a crash has no LF: ignore it (its message is found
  // again by its tag in the Maildir).
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    const std::string_view line(text.data() + start, nl - start);
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos || line.substr(0, sp) != key_) continue;
    uids_.emplace(line.substr(sp + 1));
  }
  if (start < text.size()) {
    // Start the next append on a fresh line.
    if (!write_fully(fd_, "\n")) throw CliError(Exit::LocalIo, "cannot write " + path_ + ": " + std::strerror(errno));
  }
}

UidlState::~UidlState() {
  if (fd_ >= 0) ::close(fd_);  // also releases the flock
}

void UidlState::add(const std::vector<std::string>& uids) {
  if (uids.empty()) return;
  std::string text;
  for (const auto& uid : uids) {
    if (!uids_.insert(uid).second) continue;
    text += key_;
    text += ' ';
    text += uid;
    text += '\n';
  }
  if (!write_fully(fd_, text) || ::fdatasync(fd_) != 0)
    throw CliError(Exit::LocalIo, "cannot write " + path_ + ": " + std::strerror(errno));
}

std::string UidlState::tag(const std::string& uid) const {
  const std::string input = key_ + "\n" + uid;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw CliError(Exit::Internal, "OpenSSL SHA-256 failed");
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < 8; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

}  // namespace pop3ws::cli
