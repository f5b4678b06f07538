// Every command, status, response code, capability, state and refusal the
// codec knows has an annotation in English and Simplified Chinese with its RFC
// section (client-wasm/annotations/pop3.json, shown by the web app's protocol
// panel and by `pop3ws shell`).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "pop3ws/capabilities.hpp"
#include "pop3ws/command.hpp"
#include "pop3ws/response_code.hpp"
#include "pop3ws/result.hpp"

namespace pop3ws {
namespace {

const nlohmann::json& annotations() {
  static const nlohmann::json doc = [] {
    std::ifstream in(POP3WS_ANNOTATIONS);
    return nlohmann::json::parse(in);
  }();
  return doc;
}

void expect_annotated(const char* section, const std::string& name) {
  const auto& sec = annotations().at(section);
  ASSERT_TRUE(sec.contains(name)) << section << " has no entry for " << name;
  const auto& e = sec.at(name);
  for (const char* field : {"en", "zh", "rfc"}) {
    ASSERT_TRUE(e.contains(field) && e.at(field).is_string() && !e.at(field).get<std::string>().empty())
        << section << "." << name << " lacks " << field;
  }
  EXPECT_EQ(e.at("rfc").get<std::string>().rfind("RFC ", 0), 0u) << section << "." << name;
}

TEST(Annotations, EveryCommand) {
  for (int i = 0; i < kCommandCount; ++i) {
    const auto c = static_cast<Command>(i);
    if (c == Command::AuthContinuation) continue;
    expect_annotated("commands", command_name(c));
    EXPECT_TRUE(annotations()["commands"][command_name(c)].contains("usage"));
  }
}

TEST(Annotations, EveryResponseCode) {
  for (auto c : {ResponseCode::InUse, ResponseCode::LoginDelay, ResponseCode::SysTemp, ResponseCode::SysPerm,
                 ResponseCode::Auth, ResponseCode::Utf8}) {
    expect_annotated("codes", to_string(c));
  }
  for (const char* r : {"+OK", "-ERR", "+", ".", "greeting"}) expect_annotated("responses", r);
}

TEST(Annotations, EveryCapability) {
  for (auto name : known_capabilities()) {
    expect_annotated("capabilities", std::string(name));
    Capabilities caps;
    apply_capability_line(std::string(name) + " 1", caps);
    EXPECT_TRUE(caps.other.empty()) << name << " is listed as known but not modelled";
  }
}

TEST(Annotations, EveryStateAndRefusal) {
  for (auto s : {SessionState::Greeting, SessionState::Authorization, SessionState::Transaction,
                 SessionState::Update, SessionState::Closed, SessionState::Failed}) {
    expect_annotated("states", state_name(s));
  }
  for (int i = 0; i <= static_cast<int>(ErrorCode::Failed); ++i) {
    expect_annotated("errors", to_string(static_cast<ErrorCode>(i)));
  }
}

}  // namespace
}  // namespace pop3ws
