// Where retr/top write message bytes: stdout or a file, unbuffered beyond
// the chunks the codec hands out (they are already large slices).
#pragma once

#include <string>
#include <string_view>

namespace pop3ws::cli {

// Writes all of `data` to `fd`, retrying short writes and EINTR. Returns
// false with errno set on failure.
bool write_fully(int fd, std::string_view data);

class OutputFile {
 public:
  // Empty path or "-": standard output.
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view data);  // throws CliError(LocalIo)
  void close();                        // throws CliError(LocalIo)

 private:
  std::string name_;
  int fd_ = -1;
  bool owned_ = false;
};

}  // namespace pop3ws::cli
