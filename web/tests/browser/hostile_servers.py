"""Misbehaving POP3 servers for the page, as pop3ws-proxy targets (plain
TCP on loopback; the proxy's own tests cover garbage after STLS, which is
the proxy's job). Built on the scripted server of the CLI tests
(tests/cli/scripted_pop3.py). Prints one JSON line with the ports, then
answers {"cmd": "stats"} on stdin with the bytes each server managed to send:
a page that keeps reading an endless reply would let that grow without end.
Only counts cross the pipe."""

import json
import time
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "cli"))
from scripted_pop3 import (CRLF, Behaviour, HangUpOnWrongPassword,  # noqa: E402
                           PipelineBreaker, ScriptedPop3)

SENT = {}
# An endless reply stops once the peer is gone, or at this bound (a page
# that kept reading all of it would have failed the test long before).
ENDLESS_LIMIT = 256 * 1024 * 1024
# Sent at a bounded rate, so what got out before the peer was gone measures
# how soon the page (and the proxy behind it) stopped, not loopback speed.
RATE = 32 * 1024 * 1024


class Counting:
    name = ""

    def send(self, data):
        super().send(data)
        SENT[self.name] = SENT.get(self.name, 0) + len(data)


class Endless(Counting, Behaviour):
    def endless(self, chunk):
        try:
            while SENT.get(self.name, 0) < ENDLESS_LIMIT:
                self.send(chunk)
                time.sleep(len(chunk) / RATE)
        except OSError:
            return False
        return False


class EndlessLine(Endless):
    """Answers CAPA with a status line that never ends."""
    name = "endless-line"

    def handle(self, line):
        if line.upper() == b"CAPA":
            self.send(b"+OK ")
            return self.endless(b"A" * 65536)
        return super().handle(line)


class EndlessBody(Endless):
    """LIST announces 100 octets; RETR then sends body lines forever."""
    name = "endless-body"
    messages = [b"Subject: endless\r\n\r\nbody\r\n"]
    capabilities = [b"USER", b"UIDL", b"TOP", b"RESP-CODES"]

    def handle(self, line):
        if line.upper().startswith(b"TOP"):
            self.send(b"+OK" + CRLF + b"Subject: endless" + CRLF + CRLF + b"." + CRLF)
            return True
        return super().handle(line)

    def retr(self, n):
        self.send(b"+OK 100 octets" + CRLF)
        self.endless((b"x" * 70 + CRLF) * 1000)


class Pipeline(Counting, PipelineBreaker):
    name = "ignores-pipelining"

    def handle(self, line):
        verb = line.split(b" ")[0].upper()
        if verb == b"TOP":
            n = int(line.split(b" ")[1])
            head = self.messages[n - 1].split(CRLF + CRLF)[0]
            self.send(b"+OK" + CRLF + head + CRLF + CRLF + b"." + CRLF)
            return True
        if verb == b"DELE":
            self.send(b"+OK marked" + CRLF)
            return True
        return super().handle(line)


class HangUp(Counting, HangUpOnWrongPassword):
    name = "hangs-up"


# Longer than the page's 20 s stall limit (STALL_MS in connection.ts).
EXPUNGE_S = 25


class SlowExpunge(Counting, Behaviour):
    """Not broken, only slow: a QUIT that commits deletions is answered after
    EXPUNGE_S, as a server expunging thousands of messages on a busy disk
    answers (RFC 1939 §6: the removal comes before the reply). Deletions
    persist across sessions, with stable UIDLs."""

    name = "slow-expunge"

    def __init__(self, server, conn):
        super().__init__(server, conn)
        if not hasattr(server, "kept"):
            server.kept = [(b"uid-%d" % i, m) for i, m in enumerate(Behaviour.messages, 1)]
        self.marked = set()

    def handle(self, line):
        verb, _, arg = line.partition(b" ")
        verb = verb.upper()
        kept = self.server.kept
        if verb == b"UIDL":
            self.send(b"+OK" + CRLF + b"".join(b"%d %s" % (i, u) + CRLF for i, (u, _) in enumerate(kept, 1)) + b"." + CRLF)
        elif verb == b"LIST":
            self.send(b"+OK" + CRLF + b"".join(b"%d %d" % (i, len(m)) + CRLF for i, (_, m) in enumerate(kept, 1)) + b"." + CRLF)
        elif verb == b"STAT":
            self.send(b"+OK %d %d" % (len(kept), sum(len(m) for _, m in kept)) + CRLF)
        elif verb == b"TOP":
            m = kept[int(arg.split(b" ")[0]) - 1][1]
            self.send(b"+OK" + CRLF + m.split(CRLF + CRLF)[0] + CRLF + CRLF + b"." + CRLF)
        elif verb == b"RETR":
            m = kept[int(arg) - 1][1]
            self.send(b"+OK %d octets" % len(m) + CRLF + m + b"." + CRLF)
        elif verb == b"DELE":
            self.marked.add(int(arg))
            self.send(b"+OK marked" + CRLF)
        elif verb == b"RSET":
            self.marked.clear()
            self.send(b"+OK" + CRLF)
        elif verb == b"QUIT" and self.marked:
            time.sleep(EXPUNGE_S)
            self.server.kept = [k for i, k in enumerate(kept, 1) if i not in self.marked]
            self.send(b"+OK expunged" + CRLF)
            return False
        else:
            return super().handle(line)
        return True


def main():
    servers = [ScriptedPop3(b) for b in (EndlessLine, EndlessBody, Pipeline, HangUp, SlowExpunge)]
    for s in servers:
        s.__enter__()
    print(json.dumps({s.behaviour.name: s.port for s in servers}), flush=True)
    for line in sys.stdin:
        if json.loads(line).get("cmd") == "stats":
            print(json.dumps(SENT), flush=True)
    for s in servers:
        s.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
