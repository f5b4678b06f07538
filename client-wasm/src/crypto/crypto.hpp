// Hash, MAC and encoding primitives for APOP, CRAM-MD5 and SCRAM-SHA-256.
//
// Written here rather than taken from OpenSSL because the same codec must
// build to WebAssembly, where Debian's Emscripten has no OpenSSL port and the
// build has no network to fetch one. The native tests check every function
// against OpenSSL on random inputs (tests/codec/crypto_test.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pop3ws::crypto {

using Md5Digest = std::array<std::uint8_t, 16>;
using Sha256Digest = std::array<std::uint8_t, 32>;

// Incremental SHA-256, so that HMAC can start from precomputed pad states.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  Sha256Digest finish();

 private:
  std::uint32_t h_[8];
  std::uint8_t buffer_[64] = {};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;
};

Md5Digest md5(std::string_view data);
Sha256Digest sha256(std::string_view data);
Md5Digest hmac_md5(std::string_view key, std::string_view data);
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);
// PBKDF2-HMAC-SHA-256 with one output block (dkLen = 32), RFC 8018 §5.2;
// SCRAM's Hi() (RFC 5802 §2.2) is exactly this.
Sha256Digest pbkdf2_sha256(std::string_view password, std::string_view salt,
                           std::uint32_t iterations);

std::string to_hex(const std::uint8_t* data, std::size_t n);  // lower case
template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& d) { return to_hex(d.data(), N); }
template <std::size_t N>
std::string as_bytes(const std::array<std::uint8_t, N>& d) {
  return std::string(reinterpret_cast<const char*>(d.data()), N);
}

// RFC 4648 §4 base64 with padding. decode() rejects anything not canonical
// enough to be trusted: bad characters, bad padding, stray whitespace.
std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace pop3ws::crypto
