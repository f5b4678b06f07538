// Our hand-written primitives (see crypto.hpp for why they exist) against
// OpenSSL on random inputs of every length around the block boundaries.
#include "crypto/crypto.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>

namespace pop3ws::crypto {
namespace {

std::string random_bytes(std::mt19937& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = char(rng());
  return s;
}

std::string openssl_digest(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return to_hex(out, len);
}

std::string openssl_hmac(const EVP_MD* md, const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return to_hex(out, len);
}

TEST(CryptoAgainstOpenSsl, DigestsAndMacs) {
  std::mt19937 rng(5802);
  for (std::size_t n = 0; n < 300; ++n) {
    const std::string data = random_bytes(rng, n);
    const std::string key = random_bytes(rng, rng() % 150);
    ASSERT_EQ(to_hex(md5(data)), openssl_digest(EVP_md5(), data)) << n;
    ASSERT_EQ(to_hex(sha256(data)), openssl_digest(EVP_sha256(), data)) << n;
    ASSERT_EQ(to_hex(hmac_md5(key, data)), openssl_hmac(EVP_md5(), key, data)) << n;
    ASSERT_EQ(to_hex(hmac_sha256(key, data)), openssl_hmac(EVP_sha256(), key, data)) << n;
  }
}

TEST(CryptoAgainstOpenSsl, Pbkdf2) {
  std::mt19937 rng(8018);
  for (std::uint32_t iterations : {1u, 2u, 4096u}) {
    const std::string pass = random_bytes(rng, 20), salt = random_bytes(rng, 16);
    unsigned char out[32];
    PKCS5_PBKDF2_HMAC(pass.data(), int(pass.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                      int(salt.size()), int(iterations), EVP_sha256(), 32, out);
    EXPECT_EQ(to_hex(pbkdf2_sha256(pass, salt, iterations)), to_hex(out, 32));
  }
}

TEST(CryptoAgainstOpenSsl, Base64) {
  std::mt19937 rng(4648);
  for (std::size_t n = 0; n < 200; ++n) {
    const std::string data = random_bytes(rng, n);
    std::string expected(4 * ((n + 2) / 3) + 1, '\0');
    const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(expected.data()),
                                    reinterpret_cast<const unsigned char*>(data.data()), int(n));
    expected.resize(std::size_t(len));
    ASSERT_EQ(base64_encode(data), expected);
    ASSERT_EQ(base64_decode(expected), std::optional<std::string>(data));
  }
}

}  // namespace
}  // namespace pop3ws::crypto
