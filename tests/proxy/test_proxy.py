"""pop3ws-proxy against a real private Dovecot, with Python websockets as the page.

Each test starts its own proxy (an ephemeral port, a generated TOML file) and
stops it with SIGTERM; the proxy must then exit 0 (no sanitizer reports).
"""

import asyncio
import base64
import os
import socket
import struct
import subprocess
import time

import pytest
import websockets

from pop3ws_harness import mailgen
from pop3ws_harness.dovecot import PrivateDovecot

from proxyctl import Proxy, WsPop3, dovecot_targets, http_exchange, run, target_toml

ALICE = mailgen.edge() + mailgen.bulk(3, 3000)
BIG = mailgen.big(16)


@pytest.fixture(scope="module")
def dovecot():
    with PrivateDovecot(users={"alice": "alice-pass", "bob": "bob-pass"},
                        mailboxes={"alice": ALICE, "bob": BIG}) as d:
        yield d


def proxy_for(d, limits=None, top="", args=(), env=None):
    return Proxy(dovecot_targets(d), limits=limits, top=top, args=args, env=env)


async def fetch_all(url, user, password, count):
    c = await WsPop3.connect(url)
    await c.login(user, password)
    got = [await c.retr(i + 1) for i in range(count)]
    assert (await c.command("QUIT")).startswith(b"+OK")
    code, reason = await c.closed()
    return got, (code, reason)


@pytest.mark.parametrize("target", ["tls", "stls", "plain"])
def test_login_and_retr_byte_identical(dovecot, target):
    with proxy_for(dovecot) as p:
        got, close = run(fetch_all(p.url("/pop3/" + target), "alice", "alice-pass", len(ALICE)))
        assert got == [mailgen.pop3_view(m) for m in ALICE]
        # Dovecot closes after QUIT: the page learns it with 1000 "upstream closed".
        assert close == (1000, "upstream closed")
    # The log is complete once the proxy has exited.
    assert "event=close" in p.log() and "why=upstream_closed" in p.log()
    assert "alice-pass" not in p.log() and "USER alice" not in p.log()


def test_target_by_query_parameter(dovecot):
    with proxy_for(dovecot) as p:
        async def go():
            c = await WsPop3.connect(p.url("/?target=tls"))
            assert (await c.line()).startswith(b"+OK")
            await c.close()
        run(go())


def test_starttls_greeting_is_the_servers(dovecot):
    """The page gets the greeting from before STLS, APOP timestamp included."""
    with proxy_for(dovecot) as p:
        async def go():
            c = await WsPop3.connect(p.url("/pop3/stls"))
            greeting = await c.line()
            assert greeting.startswith(b"+OK") and b"<" in greeting
            capa = await c.command("CAPA")
            assert capa.startswith(b"+OK")
            caps = await c.multiline()
            # Already inside TLS: Dovecot no longer offers STLS.
            assert b"STLS" not in caps and b"USER" in caps
            await c.close()
        run(go())


def close_code_for(p, path, **kw):
    async def go():
        c = await WsPop3.connect(p.url(path), **kw)
        return await c.closed()
    return run(go())


def test_unknown_target_refused(dovecot):
    with proxy_for(dovecot) as p:
        assert close_code_for(p, "/pop3/nosuch") == (4000, "unknown target")
        assert close_code_for(p, "/") == (4000, "unknown target")


def test_host_and_port_from_the_page_refused_without_allowlist(dovecot):
    with proxy_for(dovecot) as p:
        path = "/pop3?host=127.0.0.1&port=%d" % dovecot.pop3s_port
        assert close_code_for(p, path) == (4001, "target not allowed")


def test_loopback_refused_unless_target_allows_it(dovecot):
    with proxy_for(dovecot) as p:
        assert close_code_for(p, "/pop3/denied") == (4001, "target not allowed")
    assert "address in denied range (loopback)" in p.log()


def test_allowlist_still_applies_deny_ranges(dovecot):
    top = '[allowlist]\nenabled = true\nhosts = ["127.0.0.1", "localhost"]\nports = [%d]\n' % dovecot.pop3s_port
    with Proxy("", top=top) as p:
        for host in ("127.0.0.1", "localhost"):
            path = "/pop3?host=%s&port=%d" % (host, dovecot.pop3s_port)
            assert close_code_for(p, path) == (4001, "target not allowed"), host
        assert close_code_for(p, "/pop3?host=localhost&port=1") == (4001, "target not allowed")


def test_upstream_certificate_from_unknown_ca_refused(dovecot):
    with proxy_for(dovecot) as p:
        assert close_code_for(p, "/pop3/otherca") == (4003, "TLS verification failed")
    assert "unable to get local issuer certificate" in p.log()


def test_wrong_server_name_refused(dovecot):
    cfg = target_toml("wrongname", dovecot.host, dovecot.pop3s_port, ca_file=dovecot.ca_file,
                      server_name="mail.example.org", allow_private=True)
    with Proxy(cfg) as p:
        assert close_code_for(p, "/pop3/wrongname") == (4003, "TLS verification failed")


def server_spki_pin(d):
    pem = subprocess.run(["openssl", "s_client", "-connect", "%s:%d" % (d.host, d.pop3s_port),
                          "-servername", "localhost"], input=b"", capture_output=True, timeout=20).stdout
    key = subprocess.run(["openssl", "x509", "-pubkey", "-noout"], input=pem, capture_output=True,
                         check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=key, capture_output=True,
                         check=True).stdout
    import hashlib
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def test_spki_pin(dovecot):
    pin = server_spki_pin(dovecot)
    wrong = base64.b64encode(b"\0" * 32).decode()
    cfg = (target_toml("pinned", dovecot.host, dovecot.pop3s_port, spki_sha256=pin, allow_private=True)
           + target_toml("badpin", dovecot.host, dovecot.pop3s_port, spki_sha256=wrong, allow_private=True))
    with Proxy(cfg) as p:
        async def go():
            c = await WsPop3.connect(p.url("/pop3/pinned"))
            assert (await c.line()).startswith(b"+OK")
            await c.close()
        run(go())
        assert close_code_for(p, "/pop3/badpin") == (4003, "TLS verification failed")
    assert "SPKI pin mismatch" in p.log()


def test_connect_failure(dovecot):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with Proxy(target_toml("gone", "127.0.0.1", port, allow_private=True)) as p:
        assert close_code_for(p, "/pop3/gone") == (4002, "connect failed")


def test_starttls_injection_refused():
    """Bytes after the +OK to STLS, before the handshake, end the session (RFC 2595 section 4)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    port = srv.getsockname()[1]

    def serve():
        conn, _ = srv.accept()
        conn.sendall(b"+OK fake ready\r\n")
        conn.recv(100)
        conn.sendall(b"+OK begin TLS\r\n+OK injected\r\n")
        time.sleep(1)
        conn.close()

    import threading
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    with Proxy(target_toml("evil", "127.0.0.1", port, "starttls", allow_private=True)) as p:
        assert close_code_for(p, "/pop3/evil") == (4005, "STARTTLS failed")
    assert "data injected before the TLS handshake" in p.log()
    t.join(5)
    srv.close()


def test_wrong_origin_refused(dovecot):
    top = 'allowed_origins = ["https://mail.example.org"]\n'
    with proxy_for(dovecot, top=top) as p:
        with pytest.raises(websockets.InvalidStatusCode) as e:
            run(WsPop3.connect(p.url("/pop3/tls"), origin="https://evil.example"))
        assert e.value.status_code == 403

        async def ok():
            c = await WsPop3.connect(p.url("/pop3/tls"), origin="https://mail.example.org")
            assert (await c.line()).startswith(b"+OK")
            await c.close()
        run(ok())
    assert "why=origin" in p.log()


def test_same_origin_by_default(dovecot):
    with proxy_for(dovecot) as p:
        with pytest.raises(websockets.InvalidStatusCode):
            run(WsPop3.connect(p.url("/pop3/tls"), origin="http://evil.example"))

        async def ok():
            c = await WsPop3.connect(p.url("/pop3/tls"), origin="http://127.0.0.1:%d" % p.port)
            assert (await c.line()).startswith(b"+OK")
            await c.close()
        run(ok())


def test_per_ip_connection_cap(dovecot):
    with proxy_for(dovecot, limits={"max_connections_per_ip": 3}) as p:
        async def go():
            held = [await WsPop3.connect(p.url("/pop3/tls")) for _ in range(3)]
            for c in held:
                assert (await c.line()).startswith(b"+OK")
            extra = await WsPop3.connect(p.url("/pop3/tls"))
            assert await extra.closed() == (4008, "limit reached")
            await held[0].close()
            # The slot frees once the proxy has ended that session.
            deadline = time.monotonic() + 10
            while True:
                again = await WsPop3.connect(p.url("/pop3/tls"))
                try:
                    assert (await again.line()).startswith(b"+OK")
                    break
                except websockets.ConnectionClosed:
                    assert time.monotonic() < deadline, "the cap never freed a slot"
                    await asyncio.sleep(0.1)
            for c in held[1:] + [again]:
                await c.close()
        run(go())


def test_total_connection_cap(dovecot):
    with proxy_for(dovecot, limits={"max_connections": 2, "max_connections_per_ip": 2}) as p:
        async def go():
            a = await WsPop3.connect(p.url("/pop3/tls"))
            b = await WsPop3.connect(p.url("/pop3/tls"))
            c = await WsPop3.connect(p.url("/pop3/tls"))
            assert await c.closed() == (4008, "limit reached")
            await a.close()
            await b.close()
        run(go())


def test_idle_timeout(dovecot):
    with proxy_for(dovecot, limits={"idle_timeout_ms": 400}) as p:
        async def go():
            c = await WsPop3.connect(p.url("/pop3/tls"))
            assert (await c.line()).startswith(b"+OK")
            start = time.monotonic()
            code = await c.closed()
            return code, time.monotonic() - start
        code, waited = run(go())
        assert code == (4009, "idle timeout")
        assert 0.3 < waited < 5


def test_slow_reader_keeps_memory_bounded(dovecot):
    """A page that stops reading during a 16 MB RETR: the proxy holds at most its buffers.

    The page's socket gets a small receive buffer, so that without
    backpressure most of the message would have to sit in the proxy. ASan's
    quarantine keeps freed blocks out of reuse, which makes RSS grow with
    the bytes relayed rather than with the bytes held: it is turned off for
    this proxy.
    """
    env = {"ASAN_OPTIONS": "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"}
    with proxy_for(dovecot, limits={"buffer_bytes": 256 * 1024}, env=env) as p:
        async def go():
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
            sock.connect(("127.0.0.1", p.port))
            c = await WsPop3.connect(p.url("/pop3/tls"), sock=sock, max_queue=1, read_limit=16384)
            await c.login("bob", "bob-pass")
            base = p.rss_kb()
            await c.ws.send(b"RETR 1\r\n")
            await asyncio.sleep(3)  # not reading
            stalled = p.rss_kb()
            relayed = int(metric(p, 'pop3ws_proxy_bytes_total{direction="to_client"}'))
            body_reply = await c.line()
            assert body_reply.startswith(b"+OK")
            body = await c.multiline(timeout=120)
            await c.close()
            return base, stalled, relayed, body
        base, stalled, relayed, body = run(go())
        assert body == mailgen.pop3_view(BIG[0])
        # The proxy stopped reading from Dovecot: most of the message waited there.
        assert relayed < 8 * 1024 * 1024, relayed
        # And did not pile up inside the proxy either.
        assert stalled - base < 6 * 1024, (base, stalled)


def raw_ws(p, path="/pop3/tls"):
    """A hand-driven WebSocket for malformed input."""
    s = socket.create_connection(("127.0.0.1", p.port), timeout=20)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        assert chunk, head
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return s


def frame(opcode, payload, fin=True, mask=True):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
    else:
        head = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def read_frames_until_close(s):
    """(binary payload bytes, close code) from the server side."""
    buf, data = b"", b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data, None
        buf += chunk
        while len(buf) >= 2:
            op, n = buf[0] & 0x0F, buf[1] & 0x7F
            pos = 2
            if n == 126:
                if len(buf) < 4:
                    break
                n, pos = struct.unpack("!H", buf[2:4])[0], 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n, pos = struct.unpack("!Q", buf[2:10])[0], 10
            if len(buf) < pos + n:
                break
            payload, buf = buf[pos:pos + n], buf[pos + n:]
            if op == 8:
                return data, struct.unpack("!H", payload[:2])[0]
            if op == 2:
                data += payload


def test_malformed_fragmented_and_oversized_frames(dovecot):
    with proxy_for(dovecot, limits={"max_message_bytes": 4096}) as p:
        # Fragments of one message reach the server as one command.
        s = raw_ws(p)
        s.sendall(frame(2, b"CA", fin=False) + frame(0, b"P", fin=False) + frame(0, b"A\r\n")
                  + frame(2, b"QUIT\r\n"))
        data, code = read_frames_until_close(s)
        assert b"\r\nUIDL\r\n" in data and data.endswith(b"+OK Logging out\r\n") and code == 1000, (data, code)
        s.close()
        # An unmasked client frame is a protocol error (RFC 6455 section 5.1).
        s = raw_ws(p)
        s.sendall(frame(2, b"NOOP\r\n", mask=False))
        assert read_frames_until_close(s)[1] == 1002
        s.close()
        # Over max_message_bytes, even when split in fragments.
        s = raw_ws(p)
        s.sendall(frame(2, b"A" * 3000, fin=False) + frame(0, b"A" * 3000))
        assert read_frames_until_close(s)[1] == 1009
        s.close()
        # Text frames carry no POP3 bytes.
        s = raw_ws(p)
        s.sendall(frame(1, b"NOOP\r\n"))
        assert read_frames_until_close(s)[1] == 1003
        s.close()
        # A reserved opcode.
        s = raw_ws(p)
        s.sendall(frame(3, b"x"))
        assert read_frames_until_close(s)[1] == 1002
        s.close()
        # Garbage instead of an HTTP request: the connection just ends.
        s = socket.create_connection(("127.0.0.1", p.port), timeout=20)
        s.sendall(b"\x16\x03\x01\x00\x05hello\r\n\r\n")
        reply = s.recv(4096)
        assert reply == b"" or reply.startswith(b"HTTP/1.1 400"), reply
        s.close()


def test_hundreds_of_concurrent_sessions(dovecot):
    n = 300
    with proxy_for(dovecot, limits={"max_connections_per_ip": 1000, "max_connections": 1000}) as p:
        async def one(i):
            c = await WsPop3.connect(p.url("/pop3/tls" if i % 2 else "/pop3/stls"))
            await c.login("alice", "alice-pass")
            return c

        async def go():
            clients = await asyncio.gather(*(one(i) for i in range(n)))
            # All open at once; each one does a command, then quits.
            replies = await asyncio.gather(*(c.command("STAT") for c in clients))
            assert all(r.startswith(b"+OK %d " % len(ALICE)) for r in replies), replies[:3]
            opened = int(metric(p, "pop3ws_proxy_sessions_open"))
            await asyncio.gather(*(c.command("QUIT") for c in clients))
            closes = await asyncio.gather(*(c.closed() for c in clients))
            return opened, closes
        opened, closes = run(go())
        assert opened == n
        assert all(c == (1000, "upstream closed") for c in closes)
        deadline = time.monotonic() + 10
        while metric(p, "pop3ws_proxy_connections_open") != "1":  # the /metrics request itself
            assert time.monotonic() < deadline, "sessions did not end"
            time.sleep(0.1)


def http_get(p, path, method="GET"):
    head, body = http_exchange(p.port, path, method)
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    return status, headers, body


def metric(p, name):
    for line in http_get(p, "/metrics")[2].decode().splitlines():
        if line.startswith(name + " "):
            return line.split()[1]
    raise AssertionError("no metric " + name)


def test_http_endpoints_and_files(dovecot, tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>pop3ws</title>")
    (dist / "assets" / "codec-abc.wasm").write_bytes(b"\0asm\1\0\0\0")
    (tmp_path / "secret.txt").write_text("secret")
    with proxy_for(dovecot, args=["--web-root", str(dist)]) as p:
        status, h, body = http_get(p, "/")
        assert status == 200 and body.startswith(b"<!doctype html>")
        assert h["content-type"] == "text/html; charset=utf-8"
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff"
        status, h, body = http_get(p, "/assets/codec-abc.wasm")
        assert status == 200 and h["content-type"] == "application/wasm" and body == b"\0asm\1\0\0\0"
        assert "immutable" in h["cache-control"]
        for bad in ("/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"):
            status, _, body = http_get(p, bad)
            assert status in (400, 404) and b"secret" not in body, bad
        assert http_get(p, "/healthz")[:1] == (200,)
        status, h, body = http_get(p, "/targets")
        import json
        targets = json.loads(body)["targets"]
        assert [t["name"] for t in targets] == ["tls", "stls", "plain", "otherca", "denied"]
        # Each target's upstream security, so the page can refuse to send a
        # password in clear to a remote server; the Dovecot is on 127.0.0.1.
        assert [t["security"] for t in targets] == ["tls", "starttls", "none", "tls", "tls"]
        assert all(t["local"] is True for t in targets)
        status, h, body = http_get(p, "/metrics")
        assert h["content-type"].startswith("text/plain; version=0.0.4")
        assert b"pop3ws_proxy_connections_total" in body
        assert http_get(p, "/", "POST")[0] == 405
        # A large request body is refused up front, not buffered.
        s = socket.create_connection(("127.0.0.1", p.port), timeout=20)
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50000000\r\n\r\nxx")
        assert s.recv(100).startswith(b"HTTP/1.1 413")
        s.close()
        status, h, body = http_get(p, "/", "HEAD")
        assert status == 200 and body == b"" and int(h["content-length"]) > 0


def test_metrics_count_bytes_and_errors(dovecot):
    with proxy_for(dovecot) as p:
        run(fetch_all(p.url("/pop3/tls"), "alice", "alice-pass", 1))
        close_code_for(p, "/pop3/nosuch")
        assert int(metric(p, 'pop3ws_proxy_bytes_total{direction="to_client"}')) > len(ALICE[0])
        assert int(metric(p, 'pop3ws_proxy_bytes_total{direction="to_upstream"}')) > 20
        assert metric(p, 'pop3ws_proxy_closes_total{kind="unknown_target"}') == "1"


def test_sigterm_drains(dovecot):
    with proxy_for(dovecot, limits={"drain_timeout_ms": 3000}) as p:
        async def go():
            c = await WsPop3.connect(p.url("/pop3/tls"))
            await c.login("alice", "alice-pass")
            p.proc.send_signal(15)
            await asyncio.sleep(0.3)
            # No new connections...
            with pytest.raises(OSError):
                await WsPop3.connect(p.url("/pop3/tls"))
            # ...but the open session carries on until it ends itself.
            assert (await c.command("STAT")).startswith(b"+OK")
            assert (await c.command("QUIT")).startswith(b"+OK")
            await c.closed()
        run(go())
        p.proc.wait(10)
        assert p.proc.returncode == 0
        assert "event=drained" in p.log()


def test_sigterm_drain_timeout_sends_going_away(dovecot):
    with proxy_for(dovecot, limits={"drain_timeout_ms": 500}) as p:
        async def go():
            c = await WsPop3.connect(p.url("/pop3/tls"))
            await c.login("alice", "alice-pass")
            p.proc.send_signal(15)
            return await c.closed()
        assert run(go()) == (1001, "proxy shutting down")
        p.proc.wait(10)
        assert p.proc.returncode == 0


def test_threads(dovecot):
    with proxy_for(dovecot, args=["--threads", "2"]) as p:
        async def go():
            return await asyncio.gather(*(fetch_all(p.url("/pop3/tls"), "alice", "alice-pass", 2)
                                          for _ in range(20)))
        for got, close in run(go()):
            assert got == [mailgen.pop3_view(m) for m in ALICE[:2]]


def test_check_config_reports_every_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('threads = 0\nlog_level = "loud"\n[limits]\nidle_timeout_ms = "x"\n'
                   '[[targets]]\nname = "a b"\nhost = "h"\n')
    from proxyctl import PROXY_BIN
    r = subprocess.run([PROXY_BIN, "--check-config", "-c", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert "%s:1: 'threads' must be between 1 and 256" % bad in lines
    assert any(l.startswith("%s:2: 'log_level'" % bad) for l in lines)
    assert "%s:4: 'limits.idle_timeout_ms' must be an integer" % bad in lines
    assert any(l.startswith("%s:6: target \"a b\"" % bad) for l in lines)
    good = tmp_path / "good.toml"
    good.write_text('[[targets]]\nname = "a"\nhost = "pop.example.org"\n')
    r = subprocess.run([PROXY_BIN, "--check-config", "-c", str(good)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "configuration OK" in r.stdout


def test_wss_listener(dovecot, tmp_path):
    """TLS on the listening side: the page connects with wss://."""
    import ssl
    from pop3ws_harness.tlsgen import make_tls_files
    tls = make_tls_files(str(tmp_path / "tls"))
    top = '[tls]\ncert = "%s"\nkey = "%s"\n' % (tls.cert_file, tls.key_file)
    with proxy_for(dovecot, top=top) as p:
        ctx = ssl.create_default_context(cafile=tls.ca_file)

        async def go():
            c = await WsPop3.connect("wss://localhost:%d/pop3/tls" % p.port, ssl=ctx,
                                     origin="https://localhost:%d" % p.port)
            await c.login("alice", "alice-pass")
            body = await c.retr(1)
            await c.close()
            return body
        assert run(go()) == mailgen.pop3_view(ALICE[0])
        # TLS 1.1 and older are refused (RFC 8996).
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.load_verify_locations(tls.ca_file)
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        old.minimum_version = ssl.TLSVersion.TLSv1
        with pytest.raises((ssl.SSLError, ConnectionError)):
            with socket.create_connection(("127.0.0.1", p.port), timeout=10) as s:
                old.wrap_socket(s, server_hostname="localhost")
        # A plain-text request on the TLS port goes nowhere.
        status = b""
        with socket.create_connection(("127.0.0.1", p.port), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                status = s.recv(100)
            except ConnectionResetError:
                pass
        assert not status.startswith(b"HTTP/1.1 200")


def test_example_config_is_valid(tmp_path):
    from proxyctl import PROXY_BIN
    example = os.path.join(os.environ.get("POP3WS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                           "proxy", "examples", "pop3ws-proxy.toml")
    r = subprocess.run([PROXY_BIN, "--check-config", "-c", example, "--web-root", str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "(3 targets, 2 listen addresses)" in r.stdout


def test_ipv6_listener(dovecot):
    with proxy_for(dovecot, args=["--listen", "[::1]:0"]) as p:
        assert p.host == "[::1]"

        async def go():
            c = await WsPop3.connect(p.url("/pop3/tls"))
            await c.login("alice", "alice-pass")
            body = await c.retr(1)
            await c.close()
            return body
        assert run(go()) == mailgen.pop3_view(ALICE[0])
        # Nothing listens on IPv4 now.
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", p.port), timeout=5).close()


def test_wss_slow_reader_gets_every_byte(dovecot, tmp_path):
    """TLS towards the page with a page that pauses mid-RETR: OpenSSL's
    partial writes and retries (SSL_ERROR_WANT_WRITE) deliver every byte."""
    import ssl
    from pop3ws_harness.tlsgen import make_tls_files
    tls = make_tls_files(str(tmp_path / "tls"))
    top = '[tls]\ncert = "%s"\nkey = "%s"\n' % (tls.cert_file, tls.key_file)
    with proxy_for(dovecot, top=top, limits={"buffer_bytes": 64 * 1024}) as p:
        ctx = ssl.create_default_context(cafile=tls.ca_file)

        async def go():
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
            sock.connect(("127.0.0.1", p.port))
            c = await WsPop3.connect("wss://localhost:%d/pop3/stls" % p.port, ssl=ctx, sock=sock,
                                     server_hostname="localhost", origin="https://localhost:%d" % p.port,
                                     max_queue=1, read_limit=16384)
            await c.login("bob", "bob-pass")
            await c.ws.send(b"RETR 1\r\n")
            await asyncio.sleep(2)  # not reading
            assert (await c.line()).startswith(b"+OK")
            body = await c.multiline(timeout=120)
            await c.close()
            return body
        assert run(go()) == mailgen.pop3_view(BIG[0])


def test_wss_session_ends_with_close_notify(dovecot, tmp_path):
    """The page's TLS connection ends with a close_notify before the FIN
    (RFC 8446 section 6.1): Python's ssl reports a clean end (b"") rather
    than SSLEOFError, which is what a truncation looks like."""
    import ssl
    from pop3ws_harness.tlsgen import make_tls_files
    tls = make_tls_files(str(tmp_path / "tls"))
    top = '[tls]\ncert = "%s"\nkey = "%s"\n' % (tls.cert_file, tls.key_file)
    with proxy_for(dovecot, top=top) as p:
        ctx = ssl.create_default_context(cafile=tls.ca_file)
        # Python sets OpenSSL's "ignore unexpected EOF" by default; without
        # it, and with suppress_ragged_eofs=False, an EOF without
        # close_notify raises SSLEOFError.
        ctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
        raw = socket.create_connection(("127.0.0.1", p.port), timeout=20)
        s = ctx.wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False)
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall(("GET /pop3/tls HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % key).encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(4096)
            assert chunk, buf
            buf += chunk
        assert buf.startswith(b"HTTP/1.1 101"), buf
        greeting = buf.split(b"\r\n\r\n", 1)[1]
        while not greeting.endswith(b"\r\n"):  # one short frame: the server's greeting
            greeting += s.recv(4096)
        assert greeting[2:5] == b"+OK", greeting
        s.sendall(frame(2, b"QUIT\r\n"))
        data, code = read_frames_until_close(s)
        assert code == 1000 and b"+OK" in data, (data, code)
        s.sendall(frame(8, struct.pack("!H", 1000)))
        rest = b""
        while True:
            chunk = s.recv(4096)  # raises ssl.SSLEOFError on a truncated end
            if not chunk:
                break
            rest += chunk
        s.close()


def test_server_side_gets_close_notify(tmp_path):
    """When the page ends the session, the mail server's TLS connection gets
    a close_notify before the FIN (a TLS server of the test's own checks)."""
    import ssl
    import threading
    from pop3ws_harness.tlsgen import make_tls_files
    tls = make_tls_files(str(tmp_path / "tls"))
    sctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    sctx.load_cert_chain(tls.cert_file, tls.key_file)
    sctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF  # an EOF without close_notify raises
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    outcome = []

    def serve():
        conn, _ = srv.accept()
        try:
            s = sctx.wrap_socket(conn, server_side=True, suppress_ragged_eofs=False)
            s.settimeout(20)
            s.sendall(b"+OK tls test ready\r\n")
            while s.recv(4096):
                pass
            outcome.append("close_notify")
        except ssl.SSLEOFError as e:
            outcome.append("truncated: %s" % e)
        except (OSError, ssl.SSLError) as e:
            outcome.append("error: %r" % e)
        finally:
            conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    cfg = target_toml("t", "127.0.0.1", srv.getsockname()[1], ca_file=tls.ca_file, server_name="localhost",
                      allow_private=True)
    with Proxy(cfg) as p:
        async def go():
            c = await WsPop3.connect(p.url("/pop3/t"))
            assert (await c.line()).startswith(b"+OK")
            await c.close()
        run(go())
        t.join(20)
    srv.close()
    assert outcome == ["close_notify"], outcome


def test_abandoned_reply_ends_the_server_connection_promptly(tmp_path):
    """A page that closes its WebSocket in the middle of an endless reply:
    the mail server's connection ends within a second, rather than the proxy
    reading (and throwing away) what the server still sends until the close
    timeout. The server here sends without end after RETR and notes when its
    sending fails."""
    import ssl
    import threading
    from pop3ws_harness.tlsgen import make_tls_files
    tls = make_tls_files(str(tmp_path / "tls"))
    sctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    sctx.load_cert_chain(tls.cert_file, tls.key_file)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    ended = []

    def serve():
        conn, _ = srv.accept()
        try:
            s = sctx.wrap_socket(conn, server_side=True)
            s.settimeout(30)
            s.sendall(b"+OK endless test ready\r\n")
            assert s.recv(4096).startswith(b"RETR")
            s.sendall(b"+OK endless\r\n")
            chunk = (b"y" * 78 + b"\r\n") * 200
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                s.sendall(chunk)
            ended.append(("still open", None))
        except (OSError, ssl.SSLError) as e:
            ended.append((type(e).__name__, time.monotonic()))
        finally:
            conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    cfg = target_toml("endless", "127.0.0.1", srv.getsockname()[1], ca_file=tls.ca_file, server_name="localhost",
                      allow_private=True)
    # The default close timeout (5 s) is what bounded the old draining.
    with Proxy(cfg, limits={"close_timeout_ms": 5000}) as p:
        async def go():
            c = await WsPop3.connect(p.url("/pop3/endless"))
            assert (await c.line()).startswith(b"+OK")
            await c.ws.send(b"RETR 1\r\n")
            assert (await c.line()).startswith(b"+OK")
            await c._fill(20)  # the reply is flowing
            await c.close()
            return time.monotonic()
        page_closed = run(go())
        t.join(20)
    srv.close()
    assert ended and ended[0][1] is not None, ended
    assert ended[0][1] - page_closed < 1.0, (ended, ended[0][1] - page_closed)
