"""Deterministic test mailboxes: lists of raw RFC 5322 messages (bytes, CRLF line ends).

    edge()                 messages that break naive POP3 clients (dot-stuffing,
                           8-bit bytes, a 100,000-character line, no final CRLF...)
    bulk(n, size)          n ordinary messages of about `size` bytes
    big(megabytes)         one message of that size with a large base64 attachment
    demo()                 the demo mailbox (see demo_mail.py for its Subject table)
    write_maildir(...)     deliver a list into a Maildir
    pop3_view(message)     what a POP3 RETR returns for a message, after un-stuffing

Every builder takes a seed and returns the same bytes for the same arguments,
so tests and benchmarks can compare what they fetched with what was stored.
"""

import base64
import email.utils
import random

from .demo_mail import SUBJECTS as DEMO_SUBJECTS
from .demo_mail import demo
from .maildir import count_messages, write_maildir

__all__ = ["edge", "bulk", "big", "demo", "DEMO_SUBJECTS", "write_maildir", "count_messages",
           "pop3_view"]

CRLF = b"\r\n"

# Fixed clock for Date headers: generated mail must not depend on the time of the run.
_EPOCH = 1735732800  # 2025-01-01T12:00:00Z

_WORDS = (
    "the of and to in is that for it as with was on be by at this from or have an are not "
    "mail server client message line header body inbox folder account password session "
    "protocol relay socket browser cache retry timeout window order report meeting budget "
    "project schedule review draft update quarter team office travel invoice summary note "
    "question answer morning evening weekend holiday coffee garden river mountain city "
    "library museum concert ticket station market bridge harbour island forest valley"
).split()


def pop3_view(message):
    """The bytes a client holds after RETR and un-stuffing (RFC 1939 section 3).

    The message comes back unchanged except that a message not ending in
    CRLF gets one: the terminating ".CRLF" must start on a line of its own,
    so the server (Dovecot: pop3 commands.c) completes the last line.
    """
    return message if message.endswith(CRLF) or not message else message + CRLF


def _date(offset_seconds):
    # "+0000": UTC with a known offset (RFC 5322 section 3.3; "-0000" would mean unknown).
    return email.utils.formatdate(_EPOCH + offset_seconds).replace("-0000", "+0000").encode()


def _headers(fields):
    return b"".join(name.encode() + b": " + value + CRLF for name, value in fields)


def _words(rng, count):
    return " ".join(rng.choice(_WORDS) for _ in range(count))


def _paragraphs(rng, size):
    """Plain text of about `size` bytes in lines of at most 72 characters."""
    lines, total = [], 0
    while total < size:
        words = []
        while sum(len(w) + 1 for w in words) < rng.randint(40, 70):
            words.append(rng.choice(_WORDS))
        line = " ".join(words)
        if rng.random() < 0.15:
            line = line.capitalize() + "."
        lines.append(line.encode())
        total += len(line) + 2
        if rng.random() < 0.12:
            lines.append(b"")
            total += 2
    return CRLF.join(lines) + CRLF


def _base64_lines(data):
    """Base64 in 76-character lines (RFC 2045 section 6.8), CRLF-terminated."""
    return base64.encodebytes(data).replace(b"\n", CRLF)


# ---- edge ---------------------------------------------------------------------------------

def edge(seed=1):
    """Messages that stress framing and byte transparency.

    All use CRLF only and contain no NUL, so a correct client gets back
    exactly what was stored (see pop3_view for the missing final CRLF).
    Order:
      0  lines starting with a dot, a line that is only ".", a line "..", ". "
      1  8-bit body: Latin-1 bytes and raw UTF-8, declared 8bit
      2  a raw 8-bit Latin-1 Subject with no encoded word
      3  one line of 100,000 characters
      4  empty body (header, blank line, nothing else)
      5  no final CRLF
      6  last line is only "." and there is no final CRLF
      7  a base64 attachment of random bytes (the message itself is NUL-free)
      8  a body that is a single "." line, followed by lines of spaces and tabs
    """
    rng = random.Random(seed)

    def head(i, subject, extra=()):
        return _headers([
            ("From", b"Edge Cases <edge@pop3ws.test>"),
            ("To", b"alice@pop3ws.test"),
            ("Subject", subject),
            ("Date", _date(i * 60)),
            ("Message-ID", b"<edge-%d-%d@pop3ws.test>" % (seed, i)),
            ("MIME-Version", b"1.0"),
            *extra,
        ])

    text = [("Content-Type", b"text/plain; charset=us-ascii")]
    msgs = []
    msgs.append(head(0, b"Edge: dot-stuffing", text) + CRLF + CRLF.join([
        b"A normal first line.",
        b".A line starting with a dot",
        b"..Two dots at the start",
        b".",
        b"..",
        b"...",
        b". dot and space",
        b"The line above this block ends the message only when it is exactly one dot.",
        b".",
        b"last line",
    ]) + CRLF)
    msgs.append(head(1, b"Edge: 8-bit body", [("Content-Type", b"text/plain; charset=utf-8"),
                                              ("Content-Transfer-Encoding", b"8bit")]) + CRLF +
                b"Latin-1 bytes (not valid UTF-8): caf\xe9 na\xefve \xa3\xb5\xff" + CRLF +
                "UTF-8: Grüße, naïve café, 你好，世界, Καλημέρα, こんにちは".encode("utf-8") + CRLF +
                b"High bytes \x80\x81\xfe\xfd in a row" + CRLF)
    msgs.append(head(2, b"Edge: raw Latin-1 Subject caf\xe9 \xa3", text) + CRLF +
                b"The Subject above has 8-bit Latin-1 bytes and no encoded word." + CRLF)
    long_line = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(100000))
    msgs.append(head(3, b"Edge: 100000-character line", text) + CRLF +
                b"The next line is 100,000 characters long." + CRLF +
                long_line.encode() + CRLF + b"end" + CRLF)
    msgs.append(head(4, b"Edge: empty body", text) + CRLF)
    msgs.append(head(5, b"Edge: no final CRLF", text) + CRLF +
                b"first line" + CRLF + b"this last line has no line end")
    msgs.append(head(6, b"Edge: ends with a dot line and no CRLF", text) + CRLF +
                b"the next line is a single dot without a line end" + CRLF + b".")
    blob = rng.randbytes(3000)
    boundary = b"edge-boundary-%d" % seed
    msgs.append(head(7, b"Edge: base64 attachment",
                     [("Content-Type", b'multipart/mixed; boundary="' + boundary + b'"')]) + CRLF +
                b"--" + boundary + CRLF + b"Content-Type: text/plain; charset=us-ascii" + CRLF + CRLF +
                b"Random bytes attached." + CRLF +
                b"--" + boundary + CRLF +
                b"Content-Type: application/octet-stream" + CRLF +
                b'Content-Disposition: attachment; filename="random.bin"' + CRLF +
                b"Content-Transfer-Encoding: base64" + CRLF + CRLF +
                _base64_lines(blob) +
                b"--" + boundary + b"--" + CRLF)
    msgs.append(head(8, b"Edge: single dot body", text) + CRLF + b"." + CRLF + b"   " + CRLF +
                b"\t\t" + CRLF + b" . " + CRLF)
    return msgs


# ---- bulk ---------------------------------------------------------------------------------

_FIRST = ("Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
          "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter")
_LAST = ("Smith", "Jones", "Brown", "Taylor", "Wilson", "Evans", "Thomas", "Roberts", "Walker")


def _person(rng):
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return ("%s %s <%s.%s@example.test>" % (first, last, first.lower(), last.lower())).encode()


def bulk(n, size=4096, seed=2):
    """`n` everyday messages of about `size` bytes each; every fourth is multipart."""
    rng = random.Random(seed)
    msgs = []
    for i in range(n):
        subject = ("%s %s #%d" % (_words(rng, rng.randint(2, 5)).capitalize(),
                                  rng.choice(("", "(update)", "- reminder", "re:")), i)).encode()
        fields = [("From", _person(rng)), ("To", b"Alice Smith <alice@example.test>"),
                  ("Subject", subject.replace(b"  ", b" ")), ("Date", _date(i * 300)),
                  ("Message-ID", b"<bulk-%d-%d@pop3ws.test>" % (seed, i)), ("MIME-Version", b"1.0")]
        kind = i % 4
        if kind != 3:
            head = _headers(fields + [("Content-Type", b"text/plain; charset=us-ascii")]) + CRLF
            body = _paragraphs(rng, max(size - len(head), 2))
            msgs.append(head + body)
            continue
        boundary = b"bulk-%d-%d" % (seed, i)
        head = _headers(fields + [("Content-Type",
                                   b'multipart/alternative; boundary="' + boundary + b'"')]) + CRLF
        budget = max(size - len(head) - 200, 40)
        plain = _paragraphs(rng, budget // 2)
        html = (b"<html><body><p>" + plain.replace(CRLF + CRLF, b"</p>" + CRLF + b"<p>") +
                b"</p></body></html>" + CRLF)
        msgs.append(head + b"--" + boundary + CRLF + b"Content-Type: text/plain; charset=us-ascii" +
                    CRLF + CRLF + plain + b"--" + boundary + CRLF +
                    b"Content-Type: text/html; charset=us-ascii" + CRLF + CRLF + html +
                    b"--" + boundary + b"--" + CRLF)
    return msgs


# ---- big ----------------------------------------------------------------------------------

def big(megabytes, seed=3):
    """One message of exactly `megabytes` MiB: a short text part and a base64 attachment."""
    target = int(megabytes * 1024 * 1024)
    rng = random.Random(seed)
    boundary = b"big-boundary-%d" % seed
    head = _headers([
        ("From", b"Archive Robot <archive@example.test>"),
        ("To", b"alice@example.test"),
        ("Subject", b"Big: %g MB archive" % megabytes),
        ("Date", _date(0)),
        ("Message-ID", b"<big-%d-%g@pop3ws.test>" % (seed, megabytes)),
        ("MIME-Version", b"1.0"),
        ("Content-Type", b'multipart/mixed; boundary="' + boundary + b'"'),
    ]) + CRLF
    text_head = b"--" + boundary + CRLF + b"Content-Type: text/plain; charset=us-ascii" + CRLF + CRLF
    intro = b"The archive you asked for is attached." + CRLF
    att_head = (b"--" + boundary + CRLF + b"Content-Type: application/octet-stream" + CRLF +
                b'Content-Disposition: attachment; filename="archive.bin"' + CRLF +
                b"Content-Transfer-Encoding: base64" + CRLF + CRLF)
    tail = b"--" + boundary + b"--" + CRLF
    fixed = len(head) + len(text_head) + len(intro) + len(att_head) + len(tail)
    # 57 raw bytes make one 76-character line plus CRLF (78 bytes).
    lines = max((target - fixed) // 78, 0)
    attachment = _base64_lines(rng.randbytes(lines * 57)) if lines else b""
    # The remainder (< 78 bytes) pads the text part so the total is exact.
    pad = target - fixed - len(attachment)
    filler = b""
    if pad >= 2:
        filler = b"-" * (pad - 2) + CRLF
    elif pad == 1:
        filler = b""
        intro = intro[:-2] + b"." + CRLF
    return [head + text_head + intro + filler + att_head + attachment + tail]
