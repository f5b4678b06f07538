// Where the proxy may connect. The page never chooses an address: it names a
// configured target, or (when the operator enables the allowlist) a host and
// port that match it. Every address DNS returns is then checked against the
// deny ranges below, so a name that resolves to 127.0.0.1, a private network
// or a cloud metadata service cannot be used to reach them (SSRF through DNS).
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pop3ws::proxy {

// Why an address is refused, or nullopt when it is a public unicast address.
// IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64
// (64:ff9b::/96, RFC 6052) and 6to4 (2002::/16, RFC 3056) addresses are judged
// by the IPv4 address they carry.
std::optional<std::string_view> denied_range(const boost::asio::ip::address& a);

// "*.example.com" matches one or more labels before ".example.com"; anything
// else matches exactly. Case-insensitive (RFC 4343).
bool host_matches(std::string_view pattern, std::string_view host) noexcept;

// Whether `host` names this machine: "localhost" or a loopback literal
// (127.0.0.0/8, ::1, and IPv4 loopback inside IPv6). Only such a target lets
// the page send a password over a leg without TLS, since that leg never
// leaves the machine. A name that merely resolves to loopback does not count:
// it may resolve elsewhere later.
bool names_this_host(std::string_view host);

// A syntactically valid DNS name (RFC 1123 §2.1 labels) or IP literal.
bool valid_host_name(std::string_view host) noexcept;

}  // namespace pop3ws::proxy
