#include "addr_policy.hpp"

#include <gtest/gtest.h>

namespace pop3ws::proxy {
namespace {

std::string why(const char* a) {
  auto r = denied_range(boost::asio::ip::make_address(a));
  return r ? std::string(*r) : "allowed";
}

TEST(DenyRanges, IPv4) {
  EXPECT_EQ(why("127.0.0.1"), "loopback");
  EXPECT_EQ(why("127.255.0.9"), "loopback");
  EXPECT_EQ(why("10.1.2.3"), "private");
  EXPECT_EQ(why("172.16.0.1"), "private");
  EXPECT_EQ(why("172.31.255.255"), "private");
  EXPECT_EQ(why("192.168.1.1"), "private");
  EXPECT_EQ(why("169.254.169.254"), "cloud metadata");
  EXPECT_EQ(why("169.254.1.1"), "link-local");
  EXPECT_EQ(why("100.64.0.1"), "shared address space");
  EXPECT_EQ(why("0.0.0.0"), "this network");
  EXPECT_EQ(why("224.0.0.1"), "multicast");
  EXPECT_EQ(why("255.255.255.255"), "reserved");
  EXPECT_EQ(why("198.18.0.1"), "benchmarking");
  // Public addresses, including neighbours of the ranges.
  EXPECT_EQ(why("8.8.8.8"), "allowed");
  EXPECT_EQ(why("172.15.255.255"), "allowed");
  EXPECT_EQ(why("172.32.0.0"), "allowed");
  EXPECT_EQ(why("100.128.0.0"), "allowed");
  EXPECT_EQ(why("142.250.1.108"), "allowed");
}

TEST(DenyRanges, IPv6) {
  EXPECT_EQ(why("::1"), "loopback");
  EXPECT_EQ(why("::"), "unspecified");
  EXPECT_EQ(why("fe80::1"), "link-local");
  EXPECT_EQ(why("fc00::1"), "unique local");
  EXPECT_EQ(why("fd00:ec2::254"), "unique local");  // AWS IMDS over IPv6
  EXPECT_EQ(why("ff02::1"), "multicast");
  EXPECT_EQ(why("fec0::1"), "site-local");
  EXPECT_EQ(why("2001:db8::1"), "documentation");
  EXPECT_EQ(why("2607:f8b0:4004:c07::6c"), "allowed");
  EXPECT_EQ(why("2a00:1450:4001::1"), "allowed");
}

TEST(DenyRanges, IPv4InsideIPv6) {
  EXPECT_EQ(why("::ffff:127.0.0.1"), "loopback");
  EXPECT_EQ(why("::ffff:169.254.169.254"), "cloud metadata");
  EXPECT_EQ(why("::ffff:10.0.0.1"), "private");
  EXPECT_EQ(why("::ffff:8.8.8.8"), "allowed");
  EXPECT_EQ(why("::127.0.0.1"), "loopback");           // IPv4-compatible
  EXPECT_EQ(why("::8.8.8.8"), "IPv4-compatible");      // deprecated form: refused
  EXPECT_EQ(why("64:ff9b::10.0.0.1"), "private");      // NAT64
  EXPECT_EQ(why("64:ff9b::8.8.8.8"), "allowed");
  EXPECT_EQ(why("2002:7f00:1::"), "loopback");         // 6to4 of 127.0.0.1
  EXPECT_EQ(why("2002:a9fe:a9fe::1"), "cloud metadata");
  EXPECT_EQ(why("2002:0808:0808::1"), "allowed");
}

TEST(HostPatterns, Match) {
  EXPECT_TRUE(host_matches("pop.gmail.com", "pop.gmail.com"));
  EXPECT_TRUE(host_matches("pop.gmail.com", "POP.Gmail.COM"));
  EXPECT_FALSE(host_matches("pop.gmail.com", "pop.gmail.com.evil.net"));
  EXPECT_TRUE(host_matches("*.example.com", "pop.example.com"));
  EXPECT_TRUE(host_matches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(host_matches("*.example.com", "example.com"));
  EXPECT_FALSE(host_matches("*.example.com", "evilexample.com"));
  EXPECT_FALSE(host_matches("*.example.com", ".example.com"));
  EXPECT_FALSE(host_matches("", "a"));
}

TEST(HostNames, ThisHost) {
  EXPECT_TRUE(names_this_host("localhost"));
  EXPECT_TRUE(names_this_host("LocalHost"));
  EXPECT_TRUE(names_this_host("127.0.0.1"));
  EXPECT_TRUE(names_this_host("127.8.9.10"));
  EXPECT_TRUE(names_this_host("::1"));
  EXPECT_TRUE(names_this_host("::ffff:127.0.0.1"));
  EXPECT_FALSE(names_this_host("10.0.0.1"));
  EXPECT_FALSE(names_this_host("192.168.1.1"));
  EXPECT_FALSE(names_this_host("pop.example.com"));
  EXPECT_FALSE(names_this_host("localhost.example.com"));
  EXPECT_FALSE(names_this_host("0.0.0.0"));
  EXPECT_FALSE(names_this_host(""));
}

TEST(HostNames, Validity) {
  EXPECT_TRUE(valid_host_name("pop.qq.com"));
  EXPECT_TRUE(valid_host_name("127.0.0.1"));
  EXPECT_TRUE(valid_host_name("::1"));
  EXPECT_FALSE(valid_host_name(""));
  EXPECT_FALSE(valid_host_name("a..b"));
  EXPECT_FALSE(valid_host_name("-a.com"));
  EXPECT_FALSE(valid_host_name("a-.com"));
  EXPECT_FALSE(valid_host_name("a b"));
  EXPECT_FALSE(valid_host_name("a/b"));
  EXPECT_FALSE(valid_host_name("a@b"));
  EXPECT_FALSE(valid_host_name(std::string(64, 'a') + ".com"));
}

}  // namespace
}  // namespace pop3ws::proxy
