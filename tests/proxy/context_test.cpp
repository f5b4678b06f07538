#include "context.hpp"

#include <gtest/gtest.h>

namespace pop3ws::proxy {
namespace {

using Admit = ConnectionTracker::Admit;

TEST(ConnectionTracker, PerIpCapThenGraceThenRefusal) {
  ConnectionTracker t(100, 2);
  EXPECT_EQ(t.admit("192.0.2.1"), Admit::ok);
  EXPECT_EQ(t.admit("192.0.2.1"), Admit::ok);
  // Over the cap: still answered (close code 4008) up to twice the cap...
  EXPECT_EQ(t.admit("192.0.2.1"), Admit::over_limit);
  EXPECT_EQ(t.admit("192.0.2.1"), Admit::over_limit);
  // ...then dropped without any work.
  EXPECT_EQ(t.admit("192.0.2.1"), Admit::refuse);
  // Other addresses are not affected.
  EXPECT_EQ(t.admit("192.0.2.2"), Admit::ok);
  EXPECT_EQ(t.open(), 5u);
  t.release("192.0.2.1");
  t.release("192.0.2.1");
  t.release("192.0.2.1");
  EXPECT_EQ(t.admit("192.0.2.1"), Admit::ok);
}

TEST(ConnectionTracker, TotalCap) {
  ConnectionTracker t(3, 3);
  EXPECT_EQ(t.admit("a"), Admit::ok);
  EXPECT_EQ(t.admit("b"), Admit::ok);
  EXPECT_EQ(t.admit("c"), Admit::ok);
  EXPECT_EQ(t.admit("d"), Admit::over_limit);
  EXPECT_EQ(t.admit("e"), Admit::over_limit);
  EXPECT_EQ(t.admit("f"), Admit::over_limit);
  EXPECT_EQ(t.admit("g"), Admit::refuse);
  for (const char* ip : {"a", "b", "c", "d", "e", "f"}) t.release(ip);
  EXPECT_EQ(t.open(), 0u);
  t.release("never-admitted");  // harmless
  EXPECT_EQ(t.open(), 0u);
  EXPECT_EQ(t.admit("g"), Admit::ok);
}

}  // namespace
}  // namespace pop3ws::proxy
