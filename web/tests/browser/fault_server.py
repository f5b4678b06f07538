"""Mail server side of the browser's "no message lost" test: a private
Dovecot (tests/harness) behind the harness's seeded FaultRelay, driven by
JSON lines on stdin, one JSON line answered on stdout per command.

    {"cmd": "add", "count": 8}   deliver a new cycle of messages
    {"cmd": "state"}             SHA-256 of every message file on the server,
                                 of what each delivered message looks like after
                                 RETR (what the page must store), fault counts

Only hashes and counts cross the pipe: never message content or secrets.
"""

import hashlib
import json
import os
import random
import sys
import tempfile

from pop3ws_harness import mailgen
from pop3ws_harness.dovecot import PrivateDovecot
from pop3ws_harness.faultrelay import FaultRelay


def sha(b):
    return hashlib.sha256(b).hexdigest()


def make_messages(cycle, rng, count):
    # Sizes from a line to a few hundred KB, with dot-stuffed lines and 8-bit
    # bytes, so cuts land in headers, bodies and the terminating dot.
    out = []
    for i in range(count):
        size = rng.choice([300, 2000, 15000, 60000, 250000])
        head = [b"From: Web Fault Test <fault@example.org>", b"To: alice@example.org",
                b"Subject: web cycle %d message %d" % (cycle, i),
                b"Message-ID: <w%d.%d.%d@pop3ws.test>" % (cycle, i, rng.randrange(1 << 30)), b""]
        body = bytearray()
        while len(body) < size:
            word = rng.choice([b"alpha", b".dot", b"..two", b"\xc3\xa9t\xc3\xa9", b"relay"])
            body += b" ".join(word for _ in range(rng.randrange(1, 12))) + b"\r\n"
        out.append(b"\r\n".join(head) + b"\r\n" + bytes(body))
    return out


def files(maildir):
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        if os.path.isdir(d):
            for name in sorted(os.listdir(d)):
                with open(os.path.join(d, name), "rb") as f:
                    out.append(f.read())
    return out


def main():
    seed = int(os.environ.get("POP3WS_FAULT_SEED", "20261126"))
    rng = random.Random(seed)
    delivered = []
    cycle = 0
    with tempfile.TemporaryDirectory(prefix="pop3ws-web-faults-") as tmp:
        os.chmod(tmp, 0o755)
        with PrivateDovecot(workdir=os.path.join(tmp, "dovecot"), users={"alice": "alice-pass"},
                            mailboxes={"alice": []}) as d, \
                FaultRelay("127.0.0.1", d.pop3s_port, seed=seed, span=300_000) as relay:
            print(json.dumps({"host": d.host, "pop3_port": d.pop3_port, "pop3s_port": d.pop3s_port,
                              "ca_file": d.ca_file, "other_ca_file": d.other_ca_file,
                              "workdir": d.workdir, "relay_port": relay.port}), flush=True)
            for line in sys.stdin:
                req = json.loads(line)
                if req["cmd"] == "add":
                    cycle += 1
                    msgs = make_messages(cycle, rng, int(req.get("count", 8)))
                    d.add_messages("alice", msgs)
                    delivered += msgs
                    print(json.dumps({"cycle": cycle, "count": len(msgs)}), flush=True)
                elif req["cmd"] == "state":
                    print(json.dumps({
                        "server": [sha(m) for m in files(d.maildir("alice"))],
                        # What each delivered message is on the server, and once downloaded.
                        "delivered": [[sha(m), sha(mailgen.pop3_view(m))] for m in delivered],
                        "faults": dict(relay.faults), "connections": relay.connections,
                    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
