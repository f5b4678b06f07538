// One function per pop3ws command; each logs in, does its work, QUITs and
// returns the process exit code (or throws CliError).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "options.hpp"

namespace pop3ws::cli {

int run_capa(const Options& o);
int run_stat(const Options& o);
int run_list(const Options& o);
int run_retr(const Options& o, std::uint32_t message, const std::string& output);
int run_top(const Options& o, std::uint32_t message, std::uint32_t lines, const std::string& output);
int run_dele(const Options& o, const std::vector<std::uint32_t>& messages);

struct FetchOptions {
  std::string maildir;
  bool only_new = false;
  bool delete_after = false;
};
int run_fetch(const Options& o, const FetchOptions& f);

}  // namespace pop3ws::cli
