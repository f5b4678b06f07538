// The words of `pop3ws shell` itself (the protocol explanations come from
// client-wasm/annotations/pop3.json), in English and Simplified Chinese.
#pragma once

#include "annotations.hpp"

namespace pop3ws::cli {

enum class Msg {
  Connected, ConnectedProxy, Refused, AllowedIn, Usage, FoldedLines, FoldedBody, BodySummary,
  StateNow, ListLine, UidlLine, StatLine, UnknownCapability, SaslResponse, ClientLine,
  LoginNeeds, LoginCapaFirst, Exported, ExportFailed, NothingToShow, LeftWithoutQuit, Bye,
  ConnectionGone, StlsViaProxy, ApopTimestamp, TryHelp, Help, ErrorLine, UnknownShellUse,
};

const char* text(Lang lang, Msg m);

}  // namespace pop3ws::cli
