"""`pop3ws fetch --delete` against a private Dovecot through a relay that cuts,
resets and stalls connections at random byte offsets (seeded), while the test
also kills the client at random moments.

Invariant after every run: each message is still on the server or stored
complete and byte-identical in the local Maildir, never neither; no message is
ever stored twice; no partial file is ever visible in new/ or cur/. At the end
of each cycle every message is stored exactly once and the server is empty.
"""

import os
import pathlib
import random
import signal
import subprocess
import tempfile
import time

from pop3ws_harness import mailgen
from pop3ws_harness.dovecot import PrivateDovecot
from pop3ws_harness.faultrelay import FaultRelay

SEED = int(os.environ.get("POP3WS_FAULT_SEED", "20261126"))
MIN_RUNS = int(os.environ.get("POP3WS_FAULT_RUNS", "200"))
TIME_BUDGET = float(os.environ.get("POP3WS_FAULT_SECONDS", "150"))


def pop3ws_bin():
    path = os.environ.get("POP3WS_BIN")
    assert path and os.access(path, os.X_OK), "POP3WS_BIN must name the pop3ws binary (run through ctest)"
    return path


def make_messages(cycle, rng, count=12):
    messages = []
    for i in range(count):
        size = rng.choice([800, 3000, 20000, 120000]) if i % 5 else 300000
        lines = [b"From: Fault Test <fault@example.org>",
                 b"To: alice@example.org",
                 b"Subject: cycle %d message %d" % (cycle, i),
                 b"Message-ID: <c%d.m%d.%d@pop3ws.test>" % (cycle, i, rng.randrange(1 << 30)),
                 b""]
        body = bytearray()
        while len(body) < size:
            word = rng.choice([b"alpha", b"beta", b".dot", b"..two", b"gamma", b"\xc3\xa9t\xc3\xa9"])
            line = b" ".join(rng.choice([word, b"text", b"relay"]) for _ in range(rng.randrange(1, 14)))
            body += line + b"\r\n"
        messages.append(b"\r\n".join(lines) + b"\r\n" + bytes(body))
    return messages


def files_in(maildir):
    out = []
    for sub in ("new", "cur"):
        d = pathlib.Path(maildir) / sub
        if d.is_dir():
            out += [p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()]
    return out


def check(originals, server_dir, local_dir, context):
    server = files_in(server_dir)
    local = files_in(local_dir)
    views = [mailgen.pop3_view(m) for m in originals]
    known = set(views)
    for f in local:
        assert f in known, f"{context}: a local file matches no message (partial or corrupt), {len(f)} bytes"
    for m, v in zip(originals, views):
        copies = local.count(v)
        assert copies <= 1, f"{context}: a message is stored {copies} times"
        assert m in server or copies == 1, f"{context}: a message is neither on the server nor stored: LOST"
    return len(originals)


def run_fetch(relay_port, server, maildir, rng):
    env = dict(os.environ, POP3WS_FAULT_SECRET=server.users["alice"])
    args = [pop3ws_bin(), "--server", f"127.0.0.1:{relay_port}", "--security", "tls",
            "--ca-file", server.ca_file, "--user", "alice", "--password-env", "POP3WS_FAULT_SECRET",
            "--timeout", "1", "fetch", "--maildir", maildir, "--delete"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    killed = False
    if rng.random() < 0.25:  # kill the client at a random moment
        try:
            proc.wait(timeout=rng.uniform(0.0, 0.4))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            killed = True
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("pop3ws fetch hung for 60 s under faults")
    if not killed:
        # Every exit is either success or one of the documented failure codes;
        # a crash (negative: killed by a signal) or sanitizer report is a bug.
        assert proc.returncode >= 0, f"pop3ws died of signal {-proc.returncode}: {err.decode(errors='replace')[-2000:]}"
        assert b"Sanitizer" not in err, err.decode(errors="replace")[-4000:]
    return proc.returncode, killed


def test_fetch_delete_loses_and_duplicates_nothing_under_faults():
    rng = random.Random(SEED)
    runs = cycles = messages_checked = kills = 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pop3ws-faults-") as tmp:
        os.chmod(tmp, 0o755)
        with PrivateDovecot(workdir=os.path.join(tmp, "dovecot"), users={"alice": "fault-pass"},
                            mailboxes={"alice": []}) as server, \
                FaultRelay("127.0.0.1", server.pop3s_port, seed=SEED) as relay:
            while runs < MIN_RUNS and time.monotonic() - started < TIME_BUDGET:
                cycles += 1
                originals = make_messages(cycles, rng)
                server.add_messages("alice", originals)
                local = os.path.join(tmp, f"local-{cycles}")
                for attempt in range(200):
                    code, killed = run_fetch(relay.port, server, local, rng)
                    runs += 1
                    kills += killed
                    messages_checked += check(originals, server.maildir("alice"), local,
                                              f"cycle {cycles} run {attempt + 1}")
                    if server.message_count("alice") == 0:
                        break
                else:
                    raise AssertionError(f"cycle {cycles}: the mailbox never emptied in 200 runs")
                stored = files_in(local)
                assert sorted(stored) == sorted(mailgen.pop3_view(m) for m in originals), \
                    f"cycle {cycles}: the Maildir does not hold exactly the messages"
                # A run after the end stores nothing new.
                code, _ = run_fetch(server.pop3s_port, server, local, random.Random(0))
                assert code == 0
                assert len(files_in(local)) == len(originals)
            faults = sum(relay.faults.values())
    print(f"\nno-message-lost: {runs} runs in {cycles} cycles, {faults} faults injected "
          f"({dict(relay.faults)}), {kills} client kills, {messages_checked} message checks, seed {SEED}")
    assert runs >= min(MIN_RUNS, 50), "too few runs to mean anything"
    assert faults >= runs // 3, "the relay injected too few faults"
