#include "shell_text.hpp"

namespace pop3ws::cli {

const char* text(Lang lang, Msg m) {
  const bool zh = lang == Lang::Zh;
  switch (m) {
    case Msg::Connected: return zh ? "已连接到 {}（{}）" : "connected to {} ({})";
    case Msg::ConnectedProxy:
      return zh ? "经 pop3ws-proxy 连接到 {}（WebSocket；邮件服务器的 TLS 在代理处终结）"
                : "connected through pop3ws-proxy to {} (WebSocket; the mail server's TLS ends at the proxy)";
    case Msg::Refused: return zh ? "已拒绝，未发送任何内容：{}" : "refused, nothing sent: {}";
    case Msg::AllowedIn: return zh ? "{} 只能在 {} 状态使用；当前会话处于 {}。" : "{} is allowed in {}; the session is in {}.";
    case Msg::Usage: return zh ? "用法：{}" : "usage: {}";
    case Msg::FoldedLines:
      return zh ? "…… 另有 {} 行已折叠；输入 show 查看完整回复" : "... {} more lines folded; type `show` to see the whole reply";
    case Msg::FoldedBody:
      return zh ? "…… 另有 {} 行已折叠（共 {} 字节）；输入 show 查看整封邮件"
                : "... {} more lines folded ({} octets in all); type `show` to see the whole message";
    case Msg::BodySummary:
      return zh ? "邮件 {} 的内容（已去除点填充）：{} 行，{} 字节" : "message {}, dot-unstuffed: {} lines, {} octets";
    case Msg::StateNow: return zh ? "会话状态：{} —— {}" : "session state: {}: {}";
    case Msg::ListLine: return zh ? "邮件 {}：{} 字节" : "message {}: {} octets";
    case Msg::UidlLine:
      return zh ? "邮件 {} 的唯一标识：{}（跨会话不变，RFC 1939 §7）"
                : "message {} has unique id {} (stable across sessions, RFC 1939 §7)";
    case Msg::StatLine: return zh ? "{} 封邮件，共 {} 字节" : "{} messages, {} octets in all";
    case Msg::UnknownCapability: return zh ? "pop3ws 未建模的扩展能力" : "a capability pop3ws does not model";
    case Msg::SaslResponse:
      return zh ? "SASL 应答（RFC 5034 §4），内容已隐藏" : "a SASL response (RFC 5034 §4), hidden";
    case Msg::ClientLine: return zh ? "客户端发送" : "sent by the client";
    case Msg::LoginNeeds:
      return zh ? "login 需要 --user 以及 --password-env 或 --password-file"
                : "login needs --user and --password-env or --password-file";
    case Msg::LoginCapaFirst:
      return zh ? "先发送 CAPA，以了解服务器提供的认证机制（RFC 2449 §5）"
                : "asking CAPA first, to learn the mechanisms the server offers (RFC 2449 §5)";
    case Msg::Exported: return zh ? "会话记录已写入 {}（已隐去密码）" : "transcript written to {} (secrets redacted)";
    case Msg::ExportFailed: return zh ? "无法写入 {}：{}" : "cannot write {}: {}";
    case Msg::NothingToShow: return zh ? "还没有多行回复" : "no multi-line reply yet";
    case Msg::LeftWithoutQuit:
      return zh ? "未发送 QUIT 就离开：会话不会进入 UPDATE 状态，标记删除的邮件不会被删除（RFC 1939 §6）"
                : "leaving without QUIT: the session never enters UPDATE, so nothing marked is deleted (RFC 1939 §6)";
    case Msg::Bye: return zh ? "再见" : "bye";
    case Msg::ConnectionGone: return zh ? "连接已断开；可以 export 或 exit" : "the connection is gone; you can export or exit";
    case Msg::StlsViaProxy:
      return zh ? "经代理时不能发送 STLS：代理已替 STARTTLS 目标完成升级（RFC 2595 §4）"
                : "STLS is not sent through the proxy: it upgrades STARTTLS targets itself (RFC 2595 §4)";
    case Msg::ApopTimestamp:
      return zh ? "问候语带有 APOP 时间戳 {}（RFC 1939 §7）" : "the greeting carries the APOP timestamp {} (RFC 1939 §7)";
    case Msg::TryHelp: return zh ? "输入 help 查看命令" : "type `help` for the commands";
    case Msg::Help:
      return zh ? "shell 命令：\n"
                  "  login        用 --auth 和 --password-env/--password-file 中的密码登录（密码不会显示）\n"
                  "  show         显示上一个多行回复的全部内容\n"
                  "  export FILE  把会话记录写入 FILE（已隐去密码）\n"
                  "  help         本帮助\n"
                  "  exit         不发送 QUIT 就离开（Ctrl-D 同此）\n"
                  "POP3 命令（原样发送，先检查状态和参数）："
                : "shell commands:\n"
                  "  login        log in with --auth and the secret of --password-env/--password-file (never shown)\n"
                  "  show         print the last multi-line reply whole\n"
                  "  export FILE  write the session transcript to FILE (secrets redacted)\n"
                  "  help         this help\n"
                  "  exit         leave without QUIT (so does Ctrl-D)\n"
                  "POP3 commands (sent as typed, after the state and arguments are checked):";
    case Msg::ErrorLine: return zh ? "错误：{}" : "error: {}";
    case Msg::UnknownShellUse: return zh ? "用法：export FILE" : "usage: export FILE";
  }
  return "";
}

}  // namespace pop3ws::cli
