"""Self-tests of the harness against a real private Dovecot.

Python's own poplib and ssl (and a byte-exact raw client) check what other
suites rely on: TLS with the private CA, STLS, APOP, every SASL mechanism the
server offers, byte-identical mailboxes from each generator, and the delay relay.
"""

import base64
import hashlib
import hmac
import json
import os
import poplib
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import pytest

from pop3ws_harness import mailgen
from pop3ws_harness.delayrelay import DelayRelay
from pop3ws_harness.dovecot import DovecotError, PrivateDovecot
from pop3ws_harness.rawpop3 import Pop3Error, RawPop3, tls_context

USERS = {"alice": "alice-pass", "bob": "bob-pass", "carol": "carol-pass",
         "dave": "dave-pass", "erin": "erin-pass"}

BULK = mailgen.bulk(40, 3000)
BIG = mailgen.big(5)
EDGE = mailgen.edge()


@pytest.fixture(scope="module")
def server():
    with PrivateDovecot(users=USERS, mailboxes={
            "alice": EDGE, "bob": BULK, "carol": BIG, "dave": mailgen.demo(), "erin": []}) as d:
        yield d


def ctx(d):
    return tls_context(d.ca_file)


def raw_tls(d, user=None):
    c = RawPop3(d.host, d.pop3s_port, ctx(d))
    if user:
        c.login(user, d.users[user])
    return c


# ---- TLS ----------------------------------------------------------------------------------

def test_pop3s_login_with_verified_ca(server):
    for name in (server.host, "localhost"):
        p = poplib.POP3_SSL(server.host, server.pop3s_port, context=ctx(server))
        # poplib verifies against server.host; check the DNS name as well.
        p.sock.close()
        sock = socket.create_connection((server.host, server.pop3s_port))
        with ctx(server).wrap_socket(sock, server_hostname=name) as t:
            assert t.recv(100).startswith(b"+OK")
    p = poplib.POP3_SSL(server.host, server.pop3s_port, context=ctx(server))
    p.user("erin")
    p.pass_("erin-pass")
    assert p.stat() == (0, 0)
    p.quit()


def test_other_ca_fails_verification(server):
    other = tls_context(server.other_ca_file)
    with pytest.raises(ssl.SSLCertVerificationError):
        poplib.POP3_SSL(server.host, server.pop3s_port, context=other)
    p = poplib.POP3(server.host, server.pop3_port)
    with pytest.raises(ssl.SSLCertVerificationError):
        p.stls(other)


def test_stls_then_login(server):
    p = poplib.POP3(server.host, server.pop3_port)
    assert "STLS" in p.capa()
    p.stls(ctx(server))
    assert isinstance(p.sock, ssl.SSLSocket)
    assert "STLS" not in p.capa()
    p.user("bob")
    p.pass_("bob-pass")
    assert p.stat()[0] == len(BULK)
    p.quit()


def test_stls_raw_client_sees_no_early_bytes(server):
    c = RawPop3(server.host, server.pop3_port)
    c.stls(ctx(server), "localhost")
    c.login("erin", "erin-pass")
    assert c.stat() == (0, 0)
    c.quit()


# ---- authentication -------------------------------------------------------------------------

def test_apop(server):
    p = poplib.POP3(server.host, server.pop3_port)
    assert re.search(rb"<[^>]+>", p.getwelcome()), "greeting lacks the APOP timestamp"
    p.apop("erin", "erin-pass")
    assert p.stat() == (0, 0)
    p.quit()
    p = poplib.POP3(server.host, server.pop3_port)
    with pytest.raises(poplib.error_proto):
        p.apop("erin", "wrong")
    p.close()


def test_wrong_password_refused(server):
    p = poplib.POP3_SSL(server.host, server.pop3s_port, context=ctx(server))
    p.user("alice")
    with pytest.raises(poplib.error_proto, match="AUTH"):
        p.pass_("not-the-password")
    p.close()
    with raw_tls(server) as c, pytest.raises(Pop3Error):
        c.login("nobody-here", "x")


def test_capa_lists_configured_sasl(server):
    with raw_tls(server) as c:
        sasl = [l for l in c.capa() if l.startswith("SASL ")][0].split()[1:]
    assert set(sasl) == {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER"}


def _no_challenges(challenge):
    raise AssertionError("unexpected challenge %r" % challenge)


def test_sasl_plain(server):
    with raw_tls(server) as c:
        c.auth("PLAIN", _no_challenges, initial=b"\0dave\0dave-pass")
        assert c.stat()[0] == len(mailgen.demo())
    with raw_tls(server) as c:   # without initial response: empty "+" first
        c.auth("PLAIN", lambda ch: b"\0dave\0dave-pass")
    with raw_tls(server) as c, pytest.raises(Pop3Error):
        c.auth("PLAIN", _no_challenges, initial=b"\0dave\0wrong")


def test_sasl_login(server):
    answers = iter([b"dave", b"dave-pass"])
    with raw_tls(server) as c:
        c.auth("LOGIN", lambda ch: next(answers))


def test_sasl_cram_md5(server):
    seen = []

    def step(challenge):
        seen.append(challenge)
        digest = hmac.new(b"dave-pass", challenge, hashlib.md5).hexdigest()
        return b"dave " + digest.encode()
    with raw_tls(server) as c:
        c.auth("CRAM-MD5", step)
    # RFC 2195: the challenge is a msg-id like "<digits.digits@host>".
    assert re.fullmatch(rb"<[^>]+@[^>]+>", seen[0])
    with raw_tls(server) as c, pytest.raises(Pop3Error):
        c.auth("CRAM-MD5", lambda ch: b"dave " + b"0" * 32)


def _scram_sha256(user, password):
    """A SCRAM-SHA-256 client (RFC 5802 section 3, RFC 7677), checking the server's proof."""
    nonce = base64.b64encode(secrets.token_bytes(18)).decode()
    first_bare = "n=%s,r=%s" % (user, nonce)
    state = {}

    def step(challenge):
        msg = challenge.decode()
        if "salted" not in state:
            attrs = dict(kv.split("=", 1) for kv in msg.split(","))
            assert attrs["r"].startswith(nonce)
            salted = hashlib.pbkdf2_hmac("sha256", password.encode(),
                                         base64.b64decode(attrs["s"]), int(attrs["i"]))
            without_proof = "c=biws,r=" + attrs["r"]
            auth_message = ",".join((first_bare, msg, without_proof)).encode()
            client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
            signature = hmac.new(hashlib.sha256(client_key).digest(), auth_message,
                                 hashlib.sha256).digest()
            proof = bytes(a ^ b for a, b in zip(client_key, signature))
            server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
            state["salted"] = True
            state["verifier"] = base64.b64encode(
                hmac.new(server_key, auth_message, hashlib.sha256).digest()).decode()
            return (without_proof + ",p=" + base64.b64encode(proof).decode()).encode()
        # Server-final message: "v=<ServerSignature>"; an empty reply completes it.
        assert msg == "v=" + state["verifier"], "server proof does not match"
        state["verified"] = True
        return b""
    return ("n,," + first_bare).encode(), step, state


def test_sasl_scram_sha_256(server):
    initial, step, state = _scram_sha256("dave", "dave-pass")
    with raw_tls(server) as c:
        c.auth("SCRAM-SHA-256", step, initial=initial)
        assert c.stat()[0] > 0
    assert state.get("verified")
    initial, step, state = _scram_sha256("dave", "wrong")
    with raw_tls(server) as c, pytest.raises(Pop3Error):
        c.auth("SCRAM-SHA-256", step, initial=initial)


def test_sasl_xoauth2(server):
    token = server.oauth_token("dave")
    before = server.oauth_requests
    blob = b"user=dave\x01auth=Bearer " + token.encode() + b"\x01\x01"
    with raw_tls(server) as c:   # one line, initial response
        c.auth("XOAUTH2", _no_challenges, initial=blob)
        assert c.stat()[0] > 0
    with raw_tls(server) as c:   # two steps, as Outlook requires
        c.auth("XOAUTH2", lambda ch: blob)
    assert server.oauth_requests >= before + 2, "Dovecot did not ask the introspection server"
    # A bad token: the server sends a JSON error as a challenge; the client
    # answers with an empty line and gets -ERR (the XOAUTH2 protocol).
    errors = []

    def on_error(challenge):
        errors.append(json.loads(challenge))
        return b""
    bad = b"user=dave\x01auth=Bearer not-a-token\x01\x01"
    with raw_tls(server) as c, pytest.raises(Pop3Error):
        c.auth("XOAUTH2", on_error, initial=bad)
    assert errors and errors[0].get("status") in ("401", 401, "invalid_token")
    # A token belongs to one user.
    other = b"user=erin\x01auth=Bearer " + token.encode() + b"\x01\x01"
    with raw_tls(server) as c, pytest.raises(Pop3Error):
        c.auth("XOAUTH2", lambda ch: b"", initial=other)


def test_sasl_oauthbearer(server):
    token = server.oauth_token("dave")
    blob = b"n,a=dave,\x01auth=Bearer " + token.encode() + b"\x01\x01"
    with raw_tls(server) as c:
        c.auth("OAUTHBEARER", _no_challenges, initial=blob)
    bad = b"n,a=dave,\x01auth=Bearer nope\x01\x01"
    with raw_tls(server) as c, pytest.raises(Pop3Error):
        c.auth("OAUTHBEARER", lambda ch: b"\x01", initial=bad)


def test_disable_plaintext_auth():
    with PrivateDovecot(users={"alice": "alice-pass"}, mechanisms=("plain", "cram-md5"),
                        disable_plaintext_auth=True) as d:
        p = poplib.POP3(d.host, d.pop3_port)
        # No APOP configured: the greeting must not offer a timestamp.
        assert not re.search(rb"<[^>]+>", p.getwelcome())
        with pytest.raises(poplib.error_proto, match="(?i)plaintext"):
            p.user("alice")
        p.stls(tls_context(d.ca_file))
        p.user("alice")
        p.pass_("alice-pass")
        p.quit()
        with RawPop3(d.host, d.pop3_port) as c:   # CRAM-MD5 needs no TLS
            c.auth("CRAM-MD5", lambda ch: b"alice " +
                   hmac.new(b"alice-pass", ch, hashlib.md5).hexdigest().encode())
        with RawPop3(d.host, d.pop3s_port, tls_context(d.ca_file)) as c:
            c.login("alice", "alice-pass")


# ---- mailboxes ----------------------------------------------------------------------------

def _fetch_all(d, user):
    with raw_tls(d, user) as c:
        count, _ = c.stat()
        sizes = c.list_sizes()
        uidl = c.uidl()
        msgs = [c.retr(i) for i in range(1, count + 1)]
        c.quit()
    return msgs, sizes, uidl


@pytest.mark.parametrize("user,expected", [
    ("alice", EDGE), ("bob", BULK), ("carol", BIG), ("dave", None), ("erin", [])])
def test_mailbox_retrieved_byte_identical(server, user, expected):
    if expected is None:
        expected = mailgen.demo()
    msgs, sizes, uidl = _fetch_all(server, user)
    assert len(msgs) == len(expected)
    for i, (got, want) in enumerate(zip(msgs, expected)):
        assert got == mailgen.pop3_view(want), "message %d of %s differs" % (i + 1, user)
        # LIST sizes are estimates (RFC 1939 section 11); Dovecot's are close.
        assert abs(sizes[i + 1] - len(want)) <= len(want) // 10 + 4
    # pop3_uidl_format = %08Xu%08Xv: 16 hex digits (Dovecot writes them lower-case), distinct.
    assert all(re.fullmatch(rb"[0-9a-fA-F]{16}", u) for u in uidl.values())
    assert len(set(uidl.values())) == len(msgs)
    assert server.message_count(user) == len(expected)


def test_missing_final_crlf_is_completed_by_server(server):
    """pop3_view's rule, checked against Dovecot itself."""
    with raw_tls(server, "alice") as c:
        got = c.retr(6)
    assert not EDGE[5].endswith(b"\r\n") and got == EDGE[5] + b"\r\n"


def test_top_and_dele_change_the_maildir():
    msgs = mailgen.bulk(3, 800, seed=9)
    with PrivateDovecot(users={"alice": "alice-pass"}, mailboxes={"alice": msgs}) as d:
        assert d.message_count("alice") == 3
        with RawPop3(d.host, d.pop3s_port, tls_context(d.ca_file)) as c:
            c.login("alice", "alice-pass")
            c.cmd("TOP 2 0")
            assert c.multiline() == msgs[1].split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
            c.cmd("DELE 1")
            c.quit()
        assert d.message_count("alice") == 2
        d.add_messages("alice", [b"Subject: late\r\n\r\nx\r\n"])
        with RawPop3(d.host, d.pop3s_port, tls_context(d.ca_file)) as c:
            c.login("alice", "alice-pass")
            assert c.stat()[0] == 3
            assert c.retr(3) == b"Subject: late\r\n\r\nx\r\n"


# ---- server lifecycle -----------------------------------------------------------------------

def test_parallel_instances_and_cleanup():
    a = PrivateDovecot(users={"alice": "a-pass"})
    b = PrivateDovecot(users={"alice": "b-pass"})
    with a, b:
        assert len({a.pop3_port, a.pop3s_port, b.pop3_port, b.pop3s_port}) == 4
        with RawPop3(b.host, b.pop3s_port, tls_context(b.ca_file)) as c:
            c.login("alice", "b-pass")
        with RawPop3(a.host, a.pop3s_port, tls_context(a.ca_file)) as c, pytest.raises(Pop3Error):
            c.login("alice", "b-pass")
        workdir = a.workdir
    assert not os.path.exists(workdir)
    with pytest.raises(OSError):
        socket.create_connection((a.host, a.pop3_port), timeout=1).close()


def _port_open(host, port):
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def test_server_stops_when_its_owner_is_killed():
    """A runner killed by a timeout (SIGKILL, no cleanup) must not leave Dovecot running."""
    code = ("import json, time\n"
            "from pop3ws_harness.dovecot import PrivateDovecot\n"
            "d = PrivateDovecot(users={'alice': 'x1'}).start()\n"
            "print(json.dumps([d.host, d.pop3_port, d._proc.pid, d.workdir]), flush=True)\n"
            "time.sleep(60)\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    owner = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=env)
    host, port, watchdog, workdir = json.loads(owner.stdout.readline())
    assert _port_open(host, port)
    owner.kill()
    owner.wait()
    deadline = time.monotonic() + 10
    while _port_open(host, port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _port_open(host, port), "Dovecot outlived the process that started it"
    while os.path.exists("/proc/%d" % watchdog) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists("/proc/%d" % watchdog)
    shutil.rmtree(workdir)   # the killed owner could not remove it


def test_many_concurrent_tls_sessions_and_stop_with_clients():
    from pop3ws_harness.dovecot import _session_pids
    d = PrivateDovecot(users={"alice": "alice-pass"}, mailboxes={"alice": BULK[:2]})
    conns = []
    try:
        with d:
            for _ in range(150):   # more than Dovecot's default login process_limit (100)
                c = RawPop3(d.host, d.pop3s_port, tls_context(d.ca_file), timeout=10)
                conns.append(c)
                c.login("alice", "alice-pass")
            assert all(c.retr(2) == BULK[1] for c in conns)
            session, workdir = d._proc.pid, d.workdir
            t = time.monotonic()
        # Stopped with 150 clients still connected: every Dovecot process is
        # gone before the work directory is removed.
        assert time.monotonic() - t < 8
        assert _session_pids(session) == []
        assert not os.path.exists(workdir)
    finally:
        for c in conns:
            c.close()


def test_reused_workdir(tmp_path):
    # pytest's tmp_path lies below a mode-0700 directory: refused with a reason.
    with pytest.raises(DovecotError, match="not searchable"):
        PrivateDovecot(workdir=str(tmp_path / "dc"), users={"alice": "x1"}).start()
    base = tempfile.mkdtemp(prefix="pop3ws-harness-test-")
    os.chmod(base, 0o755)
    try:
        _reuse_workdir(os.path.join(base, "dc"))
    finally:
        shutil.rmtree(base)


def _reuse_workdir(workdir):
    msgs = mailgen.bulk(3, 600, seed=5)
    with PrivateDovecot(workdir=workdir, users={"alice": "x1"}, mailboxes={"alice": msgs}) as d:
        with RawPop3(d.host, d.pop3s_port, tls_context(d.ca_file)) as c:
            c.login("alice", "x1")
            c.cmd("DELE 1")
            c.quit()
    assert os.path.exists(d.config_file) and os.path.exists(d.log_path)
    # keep_mail: the Maildir stays as the last run left it.
    with PrivateDovecot(workdir=workdir, users={"alice": "x1"}, mailboxes={"alice": msgs},
                        keep_mail=True) as d:
        assert d.message_count("alice") == 2
    # Default: the server starts with exactly the given mailbox again.
    with PrivateDovecot(workdir=workdir, users={"alice": "x1"}, mailboxes={"alice": msgs}) as d:
        assert d.message_count("alice") == 3
        with RawPop3(d.host, d.pop3s_port, tls_context(d.ca_file)) as c:
            c.login("alice", "x1")
            assert c.retr(1) == msgs[0]


def test_start_failure_reports_dovecot_log():
    d = PrivateDovecot(users={"alice": "x1"}, extra_config="no_such_setting_here = 1")
    with pytest.raises(DovecotError, match="no_such_setting_here"):
        d.start()


def test_port_clash_is_reported(server):
    with pytest.raises(DovecotError, match="(?i)address already in use"):
        PrivateDovecot(users={"alice": "x1"}, pop3_port=server.pop3_port,
                       pop3s_port=server.pop3s_port).start()


def test_command_line_server():
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, "-m", "pop3ws_harness", "dovecot", "--mailbox",
                             "bulk:3:500", "--user", "alice", "--password", "pw-1"],
                            stdout=subprocess.PIPE, env=env)
    try:
        info = json.loads(proc.stdout.readline())
        assert info["users"] == ["alice"] and info["messages"] == {"alice": 3}
        with RawPop3(info["host"], info["pop3s_port"], tls_context(info["ca_file"])) as c:
            c.login("alice", "pw-1")
            assert c.retr(2) == mailgen.bulk(3, 500)[1]
        with open(info["oauth_tokens_file"]) as f:
            token = json.load(f)["alice"]
        with RawPop3(info["host"], info["pop3s_port"], tls_context(info["ca_file"])) as c:
            c.auth("XOAUTH2", _no_challenges,
                   initial=b"user=alice\x01auth=Bearer " + token.encode() + b"\x01\x01")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    assert not os.path.exists(info["workdir"])


def test_command_line_delay_relay(server):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, "-m", "pop3ws_harness", "delayrelay", "--target",
                             "%s:%d" % (server.host, server.pop3_port), "--delay-ms", "15"],
                            stdout=subprocess.PIPE, env=env)
    try:
        info = json.loads(proc.stdout.readline())
        low, _ = _noop_rtt(info["host"], info["port"], n=3)
        assert low >= 0.030
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0


def test_mailbox_specs():
    from pop3ws_harness.cli import mailbox_from_spec
    assert mailbox_from_spec("empty") == []
    assert mailbox_from_spec("bulk:4:700") == mailgen.bulk(4, 700)
    assert len(mailbox_from_spec("big:0.5")[0]) == 512 * 1024
    assert mailbox_from_spec("edge") == EDGE
    for bad in ("bulk:4", "big:x", "nothing", "edge:1"):
        with pytest.raises(Exception, match="mailbox must be"):
            mailbox_from_spec(bad)


# ---- generators ---------------------------------------------------------------------------

def test_generators_are_deterministic_crlf_and_nul_free():
    for build in (mailgen.edge, lambda: mailgen.bulk(30, 2000), lambda: mailgen.big(1),
                  mailgen.demo):
        a, b = build(), build()
        assert a == b
        for m in a:
            assert b"\0" not in m
            assert b"\n" not in m.replace(b"\r\n", b""), "bare LF"
            assert b"\r" not in m.replace(b"\r\n", b""), "bare CR"


def _decode_subject(message):
    """Decoded Subject; adjacent encoded words of one charset are joined (RFC 2047
    words split inside a character), gb2312 is read as GBK (WHATWG Encoding)."""
    import email
    import email.header
    import email.policy
    raw = email.message_from_bytes(message, policy=email.policy.compat32)["Subject"]
    if isinstance(raw, email.header.Header):   # undecodable 8-bit bytes: raw GBK
        return message.split(b"\r\nSubject: ", 1)[1].split(b"\r\n", 1)[0].decode("gbk")
    out = ""
    for data, charset in email.header.decode_header(raw):
        if isinstance(data, str):
            out += data
        else:
            charset = (charset or "ascii").lower()
            out += data.decode({"gb2312": "gbk"}.get(charset, charset))
    return out


def test_demo_subjects_match_the_documented_table():
    from pop3ws_harness import demo_mail
    demo = mailgen.demo()
    assert len(demo) == len(mailgen.DEMO_SUBJECTS) == 14
    for i, m in enumerate(demo):
        subject = _decode_subject(m)
        assert subject == mailgen.DEMO_SUBJECTS[i]
        assert subject in demo_mail.__doc__
    # The split encoded words really split a character.
    import base64
    words = re.findall(rb"=\?GBK\?B\?([^?]*)\?=", demo[2].split(b"\r\nDate:")[0])
    first = base64.b64decode(words[-2])
    with pytest.raises(UnicodeDecodeError):
        first.decode("gbk")
    assert 9 * 1024 * 1024 < len(demo[13]) <= 10 * 1024 * 1024
    png = demo_mail.tiny_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
    assert base64.b64encode(png)[:60] in demo[12].replace(b"\r\n", b"")
    assert base64.b64encode(demo_mail.tiny_pdf("Quarterly report Q3"))[:60] in \
        demo[11].replace(b"\r\n", b"")


def test_generator_shapes():
    assert len(mailgen.big(3)[0]) == 3 * 1024 * 1024
    bulk = mailgen.bulk(20, 4000)
    assert all(3000 < len(m) < 5200 for m in bulk)
    assert sum(b"multipart/" in m for m in bulk) == 5
    assert max(len(l) for l in EDGE[3].split(b"\r\n")) == 100000
    body_lines = EDGE[0].split(b"\r\n\r\n", 1)[1].split(b"\r\n")
    assert b"." in body_lines and b".." in body_lines
    t = time.perf_counter()
    assert len(mailgen.big(50)[0]) == 50 * 1024 * 1024
    assert time.perf_counter() - t < 5


# ---- delay relay --------------------------------------------------------------------------

def _noop_rtt(host, port, n=5):
    with RawPop3(host, port) as c:
        c.login("erin", "erin-pass")
        times = []
        for _ in range(n):
            t = time.perf_counter()
            c.cmd("NOOP")
            times.append(time.perf_counter() - t)
        c.quit()
    return min(times), max(times)


def test_delay_relay_adds_delay(server):
    direct, _ = _noop_rtt(server.host, server.pop3_port)
    with DelayRelay(server.host, server.pop3_port, delay_ms=25) as r:
        low, high = _noop_rtt("127.0.0.1", r.port)
        assert r.connections == 1
    # One round trip crosses the relay twice: 2 x 25 ms.
    assert low >= 0.050
    # Generous upper bound: the two cores are shared with parallel builds.
    assert high < 0.050 + direct + 0.500
    # The relay is transparent: a whole mailbox comes through unchanged.
    with DelayRelay(server.host, server.pop3s_port, delay_ms=5) as r:
        with RawPop3("127.0.0.1", r.port, ctx(server), server_hostname="localhost") as c:
            c.login("alice", "alice-pass")
            assert c.retr(4) == EDGE[3]


def test_delay_relay_rate_cap(server):
    # 5 MB at 10 MB/s takes about half a second more than without the cap.
    with DelayRelay(server.host, server.pop3s_port, delay_ms=1, rate_bytes_per_s=10_000_000) as r:
        with RawPop3("127.0.0.1", r.port, ctx(server), server_hostname="localhost") as c:
            c.login("carol", "carol-pass")
            t = time.perf_counter()
            assert c.retr(1) == BIG[0]
            elapsed = time.perf_counter() - t
    assert 0.45 < elapsed < 5.0
