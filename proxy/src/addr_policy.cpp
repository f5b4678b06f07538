#include "addr_policy.hpp"

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>

#include <array>
#include <cctype>

namespace pop3ws::proxy {
namespace ip = boost::asio::ip;

namespace {

struct V4Range {
  std::uint32_t net;
  int bits;
  std::string_view why;
};

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

// IANA IPv4 Special-Purpose Address Registry (RFC 6890) entries that are not
// globally reachable, plus multicast and the limited broadcast address.
constexpr std::array<V4Range, 16> kV4Deny{{
    {v4(0, 0, 0, 0), 8, "this network"},
    {v4(10, 0, 0, 0), 8, "private"},                 // RFC 1918
    {v4(100, 64, 0, 0), 10, "shared address space"}, // RFC 6598 (carrier NAT)
    {v4(127, 0, 0, 0), 8, "loopback"},
    {v4(169, 254, 169, 254), 32, "cloud metadata"},  // AWS, GCP, Azure, OpenStack
    {v4(169, 254, 0, 0), 16, "link-local"},          // RFC 3927
    {v4(172, 16, 0, 0), 12, "private"},
    {v4(192, 0, 0, 0), 24, "IETF protocol assignments"},
    {v4(192, 0, 2, 0), 24, "documentation"},
    {v4(192, 88, 99, 0), 24, "6to4 relay anycast"},
    {v4(192, 168, 0, 0), 16, "private"},
    {v4(198, 18, 0, 0), 15, "benchmarking"},
    {v4(198, 51, 100, 0), 24, "documentation"},
    {v4(203, 0, 113, 0), 24, "documentation"},
    {v4(224, 0, 0, 0), 4, "multicast"},
    {v4(240, 0, 0, 0), 4, "reserved"},               // includes 255.255.255.255
}};

std::optional<std::string_view> denied_v4(std::uint32_t a) {
  for (const auto& r : kV4Deny) {
    const std::uint32_t mask = r.bits == 0 ? 0 : ~std::uint32_t{0} << (32 - r.bits);
    if ((a & mask) == r.net) return r.why;
  }
  return std::nullopt;
}

std::uint32_t v4_at(const ip::address_v6::bytes_type& b, std::size_t i) {
  return (std::uint32_t{b[i]} << 24) | (std::uint32_t{b[i + 1]} << 16) | (std::uint32_t{b[i + 2]} << 8) | b[i + 3];
}

bool prefix(const ip::address_v6::bytes_type& b, std::initializer_list<unsigned> bytes) {
  std::size_t i = 0;
  for (unsigned v : bytes)
    if (b[i++] != v) return false;
  return true;
}

bool all_zero(const ip::address_v6::bytes_type& b, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i)
    if (b[i] != 0) return false;
  return true;
}

std::optional<std::string_view> denied_v6(const ip::address_v6& a) {
  const auto b = a.to_bytes();
  if (a.is_unspecified()) return "unspecified";
  if (a.is_loopback()) return "loopback";
  // ::ffff:0:0/96 mapped and the deprecated ::/96 compatible forms (RFC 4291 §2.5.5).
  if (all_zero(b, 0, 10) && b[10] == 0xff && b[11] == 0xff) {
    auto why = denied_v4(v4_at(b, 12));
    return why ? why : std::nullopt;
  }
  if (all_zero(b, 0, 12)) {
    auto why = denied_v4(v4_at(b, 12));
    return why ? why : std::optional<std::string_view>("IPv4-compatible");
  }
  // 64:ff9b::/96 well-known NAT64 prefix (RFC 6052) and 64:ff9b:1::/48 (RFC 8215).
  if (prefix(b, {0x00, 0x64, 0xff, 0x9b}) && all_zero(b, 4, 12)) {
    auto why = denied_v4(v4_at(b, 12));
    if (why) return why;
  }
  if (prefix(b, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01})) return "local NAT64";
  if (prefix(b, {0x20, 0x02})) {  // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD
    auto why = denied_v4(v4_at(b, 2));
    if (why) return why;
  }
  if ((b[0] & 0xfe) == 0xfc) return "unique local";       // fc00::/7 (RFC 4193), includes fd00:ec2::254
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local";  // fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return "site-local";  // fec0::/10, deprecated
  if (b[0] == 0xff) return "multicast";
  if (prefix(b, {0x20, 0x01, 0x0d, 0xb8})) return "documentation";  // 2001:db8::/32
  if (prefix(b, {0x01, 0x00}) && all_zero(b, 2, 8)) return "discard";  // 100::/64
  if (prefix(b, {0x20, 0x01, 0x00}) && b[3] < 0x02) return "IETF protocol assignments";  // 2001::/23 Teredo etc.
  return std::nullopt;
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

}  // namespace

std::optional<std::string_view> denied_range(const ip::address& a) {
  if (a.is_v4()) return denied_v4(a.to_v4().to_uint());
  return denied_v6(a.to_v6());
}

bool host_matches(std::string_view pattern, std::string_view host) noexcept {
  if (host.empty() || pattern.empty()) return false;
  if (pattern.size() > 2 && pattern.substr(0, 2) == "*.") {
    const std::string_view suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && iequals(host.substr(host.size() - suffix.size()), suffix) &&
           host[0] != '.';
  }
  return iequals(pattern, host);
}

bool valid_host_name(std::string_view host) noexcept {
  if (host.empty() || host.size() > 253) return false;
  boost::system::error_code ec;
  ip::make_address(std::string(host), ec);
  if (!ec) return true;
  std::size_t label = 0;
  char prev = '.';
  for (char c : host) {
    if (c == '.') {
      if (label == 0 || prev == '-') return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
      if (label == 0 && c == '-') return false;
      if (++label > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return label > 0 && prev != '-';
}

bool names_this_host(std::string_view host) {
  if (iequals(host, "localhost")) return true;
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && denied_range(a) == std::optional<std::string_view>("loopback");
}

}  // namespace pop3ws::proxy
