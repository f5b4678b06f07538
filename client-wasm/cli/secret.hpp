// Where the secret comes from: an environment variable or a file, never the
// command line (other users can read a process's arguments in /proc).
#pragma once

#include <string>

#include "options.hpp"

namespace pop3ws::cli {

// The password or OAuth access token named by --password-env/--password-file.
// A file's single trailing line end is dropped. Throws CliError.
std::string read_secret(const Options& o);

// A SCRAM client nonce (RFC 5802 §5.1: printable, no ','): 24 bytes from
// OpenSSL's CSPRNG, base64-encoded.
std::string make_client_nonce();

}  // namespace pop3ws::cli
