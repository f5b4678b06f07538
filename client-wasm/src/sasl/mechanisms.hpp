// Constructors of the mechanisms, one per file.
#pragma once

#include <memory>

#include "sasl/mechanism.hpp"

namespace pop3ws::sasl {
std::unique_ptr<Mechanism> make_plain(const LoginRequest& r);
std::unique_ptr<Mechanism> make_login(const LoginRequest& r);
std::unique_ptr<Mechanism> make_cram_md5(const LoginRequest& r);
Expected<std::unique_ptr<Mechanism>> make_scram_sha256(const LoginRequest& r, const Settings& s);
std::unique_ptr<Mechanism> make_xoauth2(const LoginRequest& r);
std::unique_ptr<Mechanism> make_oauthbearer(const LoginRequest& r);
// RFC 5802 §5.1 saslname: "=" -> "=3D", "," -> "=2C" (also RFC 7628's a=).
std::string escape_saslname(std::string_view name);
}  // namespace pop3ws::sasl
