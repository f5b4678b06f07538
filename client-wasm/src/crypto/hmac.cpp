// HMAC (RFC 2104) over MD5 and SHA-256, and PBKDF2 (RFC 8018) for SCRAM.
#include "crypto/crypto.hpp"

namespace pop3ws::crypto {
namespace {

template <class Digest, Digest (*Hash)(std::string_view)>
Digest hmac(std::string_view key, std::string_view data) {
  constexpr std::size_t kBlock = 64;  // both MD5 and SHA-256 use 64-byte blocks
  std::string k(key);
  if (k.size() > kBlock) k = as_bytes(Hash(k));
  k.resize(kBlock, '\0');
  std::string inner(kBlock, '\0');
  std::string outer(kBlock, '\0');
  for (std::size_t i = 0; i < kBlock; ++i) {
    inner[i] = char(k[i] ^ 0x36);
    outer[i] = char(k[i] ^ 0x5c);
  }
  inner.append(data);
  outer.append(as_bytes(Hash(inner)));
  return Hash(outer);
}

}  // namespace

Md5Digest hmac_md5(std::string_view key, std::string_view data) {
  return hmac<Md5Digest, md5>(key, data);
}

namespace {

// HMAC-SHA-256 with the keyed pad blocks hashed once (RFC 2104 §4 notes this
// precomputation): PBKDF2 then costs two compressions per iteration.
class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key) {
    std::string k = key.size() > 64 ? as_bytes(sha256(key)) : std::string(key);
    k.resize(64, '\0');
    std::string inner(64, '\0'), outer(64, '\0');
    for (std::size_t i = 0; i < 64; ++i) {
      inner[i] = char(k[i] ^ 0x36);
      outer[i] = char(k[i] ^ 0x5c);
    }
    inner_.update(inner);
    outer_.update(outer);
  }
  Sha256Digest mac(std::string_view data) const {
    Sha256 in = inner_;
    in.update(data);
    Sha256 out = outer_;
    out.update(as_bytes(in.finish()));
    return out.finish();
  }

 private:
  Sha256 inner_, outer_;
};

}  // namespace

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
  return HmacSha256(key).mac(data);
}

Sha256Digest pbkdf2_sha256(std::string_view password, std::string_view salt,
                           std::uint32_t iterations) {
  const HmacSha256 prf(password);
  std::string s(salt);
  s.append("\x00\x00\x00\x01", 4);  // INT(1): the first and only block
  Sha256Digest u = prf.mac(s);
  Sha256Digest out = u;
  for (std::uint32_t i = 1; i < iterations; ++i) {
    u = prf.mac(std::string_view(reinterpret_cast<const char*>(u.data()), u.size()));
    for (std::size_t k = 0; k < out.size(); ++k) out[k] ^= u[k];
  }
  return out;
}

std::string to_hex(const std::uint8_t* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = kDigits[data[i] >> 4];
    s[2 * i + 1] = kDigits[data[i] & 15];
  }
  return s;
}

}  // namespace pop3ws::crypto
