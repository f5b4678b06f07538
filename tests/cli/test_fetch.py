"""pop3ws fetch into a Maildir, and the big mailboxes: 10,000 small messages,
a 50 MB message, byte-identical results, --only-new, --delete, and a fetch
killed with SIGKILL mid-way then run again (nothing lost, nothing twice)."""

import os
import signal
import subprocess
import time

import pytest

from conftest import explain, maildir_contents, pop3ws, pop3ws_bin
from pop3ws_harness import mailgen
from pop3ws_harness.dovecot import PrivateDovecot

EDGE = mailgen.edge()
BULK = mailgen.bulk(10000, 1000, seed=11)
ONLY_NEW = mailgen.bulk(1200, 1000, seed=12)
BIG = mailgen.big(50)


@pytest.fixture(scope="module")
def server():
    users = {"edge": "edge-pass", "bulk": "bulk-pass", "onlynew": "onlynew-pass", "big": "big-pass"}
    mailboxes = {"edge": EDGE, "bulk": BULK, "onlynew": ONLY_NEW, "big": BIG}
    with PrivateDovecot(users=users, mailboxes=mailboxes) as d:
        yield d


def views(messages):
    return sorted(mailgen.pop3_view(m) for m in messages)


def count_files(path):
    try:
        with os.scandir(path) as it:
            return sum(1 for _ in it)
    except FileNotFoundError:
        return 0


def start_fetch(server, user, maildir, *flags):
    """pop3ws fetch as a child process, for killing it mid-way."""
    args = [pop3ws_bin(), "--server", "127.0.0.1:%d" % server.pop3s_port, "--security", "tls",
            "--ca-file", server.ca_file, "--user", user, "--password-env", "PW",
            "fetch", "--maildir", str(maildir)] + list(flags)
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=dict(os.environ, PW=server.users[user]))


def kill_when(proc, maildir, landed):
    """SIGKILLs `proc` once `landed` messages are in maildir/new."""
    deadline = time.monotonic() + 120
    while count_files(os.path.join(maildir, "new")) < landed:
        if proc.poll() is not None:
            pytest.fail("fetch ended (exit %s) before it could be interrupted: %s"
                        % (proc.returncode, proc.stderr.read()[-2000:]))
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("fetch made no progress")
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


# ---- edge mailbox ---------------------------------------------------------------------------------

@pytest.mark.parametrize("pipelining", ["on", "off"])
def test_fetch_edge_byte_identical(server, tmp_path, pipelining):
    md = tmp_path / "Maildir"
    r = pop3ws(server, "fetch", "--maildir", str(md), user="edge", security="starttls",
               options=["--pipelining", pipelining])
    assert r.returncode == 0, explain(r)
    assert b"fetched %d message(s)" % len(EDGE) in r.stderr
    assert sorted(maildir_contents(md)) == views(EDGE)
    assert os.listdir(md / "tmp") == [] and os.listdir(md / "cur") == []
    state = (md / ".pop3ws-uidl").read_text().splitlines()
    assert len(state) == len(EDGE)
    assert all(line.startswith("edge@127.0.0.1:%d " % server.pop3_port) for line in state)
    # Run again: what is already in the Maildir is not fetched twice.
    r = pop3ws(server, "fetch", "--maildir", str(md), user="edge", security="starttls")
    assert r.returncode == 0, explain(r)
    assert b"fetched 0 message(s)" in r.stderr
    assert sorted(maildir_contents(md)) == views(EDGE)


def test_only_new_fetches_nothing_the_second_time_and_new_mail_later(server, tmp_path):
    md = tmp_path / "Maildir"
    r = pop3ws(server, "fetch", "--maildir", str(md), "--only-new", user="edge")
    assert r.returncode == 0, explain(r)
    r = pop3ws(server, "fetch", "--maildir", str(md), "--only-new", user="edge")
    assert r.returncode == 0, explain(r)
    assert b"fetched 0 message(s)" in r.stderr
    assert b"%d already fetched" % len(EDGE) in r.stderr
    assert sorted(maildir_contents(md)) == views(EDGE)
    # A message read by a mail program moves to cur/ with flags: still known.
    first, second = sorted(os.listdir(md / "new"))[:2]
    os.rename(md / "new" / first, md / "cur" / (first + ":2,S"))
    # One removed from the Maildir: --only-new does not bring it back, a
    # plain fetch (the Maildir holds every message on the server) does.
    removed = (md / "new" / second).read_bytes()
    os.unlink(md / "new" / second)
    r = pop3ws(server, "fetch", "--maildir", str(md), "--only-new", user="edge")
    assert r.returncode == 0, explain(r)
    assert b"fetched 0 message(s)" in r.stderr
    r = pop3ws(server, "fetch", "--maildir", str(md), user="edge")
    assert r.returncode == 0, explain(r)
    assert b"fetched 1 message(s)" in r.stderr
    assert sorted(maildir_contents(md)) == views(EDGE)
    assert removed in maildir_contents(md)
    extra = b"From: late@pop3ws.test\r\nSubject: arrived later\r\n\r\n.dot line\r\nbody\r\n"
    server.add_messages("edge", [extra])
    try:
        r = pop3ws(server, "fetch", "--maildir", str(md), "--only-new", user="edge")
        assert r.returncode == 0, explain(r)
        assert b"fetched 1 message(s)" in r.stderr
        assert sorted(maildir_contents(md)) == views(EDGE + [extra])
    finally:
        # Leave the edge mailbox as the other tests expect it.
        r = pop3ws(server, "dele", str(len(EDGE) + 1), user="edge")
        assert r.returncode == 0, explain(r)


def test_crash_between_rename_and_state_update_is_repaired(server, tmp_path):
    md = tmp_path / "Maildir"
    r = pop3ws(server, "fetch", "--maildir", str(md), "--only-new", user="edge")
    assert r.returncode == 0, explain(r)
    state = md / ".pop3ws-uidl"
    lines = state.read_text().splitlines(keepends=True)
    # As if killed after the last three messages landed in new/ but before
    # their UIDs reached the state file (the last one mid-line).
    state.write_text("".join(lines[:-3]) + lines[-1][:5])
    r = pop3ws(server, "fetch", "--maildir", str(md), "--only-new", user="edge")
    assert r.returncode == 0, explain(r)
    assert b"3 message(s) from an interrupted run" in r.stderr
    assert b"fetched 0 message(s)" in r.stderr
    assert sorted(maildir_contents(md)) == views(EDGE)
    known = [l for l in state.read_text().splitlines() if l.count(" ") == 1]
    assert sorted(known) == sorted(l.rstrip("\n") for l in lines)


def test_second_fetch_on_same_maildir_is_refused_while_first_runs(server, tmp_path):
    md = tmp_path / "Maildir"
    proc = start_fetch(server, "onlynew", md, "--only-new")
    try:
        # Once messages land, the first fetch holds the lock for a while longer.
        deadline = time.monotonic() + 60
        while count_files(md / "new") == 0 and time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("the first fetch ended early: %s" % proc.stderr.read()[-2000:])
            time.sleep(0.005)
        assert proc.poll() is None, "the first fetch ended before the second started"
        r = pop3ws(server, "fetch", "--maildir", str(md), "--only-new", user="onlynew")
        assert r.returncode == 9, explain(r)
        assert b"locked" in r.stderr
    finally:
        proc.kill()
        proc.wait(30)
        proc.stderr.close()


# ---- 10,000 small messages --------------------------------------------------------------------

def test_list_10000_messages_pipelined_and_not(server):
    outputs = {}
    for mode in ("on", "off"):
        r = pop3ws(server, "list", user="bulk", options=["--pipelining", mode])
        assert r.returncode == 0, explain(r)
        outputs[mode] = r.stdout
    assert outputs["on"] == outputs["off"]
    lines = outputs["on"].splitlines()
    assert len(lines) == len(BULK)
    assert len({l.split()[2] for l in lines}) == len(BULK)


@pytest.mark.parametrize("flags", [[], ["--only-new"]])
def test_fetch_killed_then_rerun(server, tmp_path, flags):
    md = tmp_path / "Maildir"
    proc = start_fetch(server, "onlynew", md, *flags)
    kill_when(proc, md, len(ONLY_NEW) // 3)
    assert count_files(md / "new") < len(ONLY_NEW)
    r = pop3ws(server, "fetch", "--maildir", str(md), *flags, user="onlynew")
    assert r.returncode == 0, explain(r)
    assert sorted(maildir_contents(md)) == views(ONLY_NEW)
    assert os.listdir(md / "tmp") == []
    assert server.message_count("onlynew") == len(ONLY_NEW)


def test_delete_fetch_of_10000_killed_then_rerun_empties_server(server, tmp_path):
    md = tmp_path / "Maildir"
    proc = start_fetch(server, "bulk", md, "--delete")
    kill_when(proc, md, 2000)
    # Killed before QUIT: the server deleted nothing (RFC 1939 section 6).
    assert server.message_count("bulk") == len(BULK)
    r = pop3ws(server, "fetch", "--maildir", str(md), "--delete", user="bulk", timeout=300)
    assert r.returncode == 0, explain(r)
    assert b"%d deleted at QUIT" % len(BULK) in r.stderr
    assert server.message_count("bulk") == 0
    assert sorted(maildir_contents(md)) == views(BULK)
    assert os.listdir(md / "tmp") == []


# ---- a 50 MB message --------------------------------------------------------------------------

def test_retr_50mb_byte_identical(server, tmp_path):
    out = tmp_path / "big.eml"
    r = pop3ws(server, "retr", "1", "-o", str(out), user="big")
    assert r.returncode == 0, explain(r)
    assert out.read_bytes() == mailgen.pop3_view(BIG[0])


def test_fetch_50mb_byte_identical(server, tmp_path):
    md = tmp_path / "Maildir"
    r = pop3ws(server, "fetch", "--maildir", str(md), user="big", security="starttls")
    assert r.returncode == 0, explain(r)
    assert maildir_contents(md) == [mailgen.pop3_view(BIG[0])]
