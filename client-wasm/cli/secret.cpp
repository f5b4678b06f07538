#include "secret.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "exit_codes.hpp"

namespace pop3ws::cli {

std::string read_secret(const Options& o) {
  std::string secret;
  if (!o.password_env.empty()) {
    const char* v = std::getenv(o.password_env.c_str());
    if (!v) throw CliError(Exit::Usage, "--password-env: the variable " + o.password_env + " is not set");
    secret = v;
  } else {
    struct stat st {};
    if (::stat(o.password_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
      std::fprintf(stderr, "pop3ws: warning: %s can be read by other users (chmod 600 it)\n",
                   o.password_file.c_str());
    std::ifstream in(o.password_file, std::ios::binary);
    if (!in) throw CliError(Exit::LocalIo, "--password-file: cannot read " + o.password_file);
    secret.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) throw CliError(Exit::LocalIo, "--password-file: cannot read " + o.password_file);
    if (!secret.empty() && secret.back() == '\n') secret.pop_back();
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  }
  if (secret.empty()) throw CliError(Exit::Usage, "the secret is empty");
  return secret;
}

std::string make_client_nonce() {
  unsigned char raw[24];
  if (RAND_bytes(raw, sizeof raw) != 1) throw CliError(Exit::Internal, "OpenSSL RAND_bytes failed");
  unsigned char text[4 * sizeof raw / 3 + 1];
  const int n = EVP_EncodeBlock(text, raw, static_cast<int>(sizeof raw));
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(n));
}

}  // namespace pop3ws::cli
