"""Interop with Debian's websockify, both ways.

- The same page-side client fetches the same mailbox through websockify and
  through pop3ws-proxy: the bytes it gets must be the same.
- websockify's own WebSocket client (python3-websockify) talks POP3 through
  pop3ws-proxy with the `binary` subprotocol.
"""

import asyncio
import re
import socket
import subprocess
import time

import pytest

from pop3ws_harness import mailgen
from pop3ws_harness.dovecot import PrivateDovecot

from proxyctl import Proxy, WsPop3, dovecot_targets, run

MAIL = mailgen.edge() + mailgen.bulk(4, 5000)


@pytest.fixture(scope="module")
def dovecot():
    with PrivateDovecot(users={"alice": "alice-pass"}, mailboxes={"alice": MAIL}) as d:
        yield d


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Websockify:
    def __init__(self, target_port, ssl_target):
        self.port = free_port()
        cmd = ["websockify"] + (["--ssl-target"] if ssl_target else []) + [
            "127.0.0.1:%d" % self.port, "127.0.0.1:%d" % target_port]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("websockify exited: " + self.proc.stdout.read().decode())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.proc.kill()
        raise RuntimeError("websockify did not listen on %d" % self.port)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def session(url):
    """A transcript of one POP3 session, with the greeting's APOP timestamp masked."""
    c = await WsPop3.connect(url)
    greeting = await c.login("alice", "alice-pass")
    transcript = [re.sub(rb"<[^>]*>", b"<ts>", greeting)]
    transcript.append(await c.command("STAT"))
    transcript.append(await c.command("LIST"))
    transcript.append(await c.multiline())
    transcript.append(await c.command("UIDL"))
    transcript.append(await c.multiline())
    for i in range(len(MAIL)):
        transcript.append(await c.retr(i + 1))
    transcript.append(await c.command("QUIT"))
    code, _ = await c.closed()
    return transcript, code


@pytest.mark.parametrize("tls", [True, False], ids=["tls", "plain"])
def test_same_client_through_websockify_and_pop3ws_proxy(dovecot, tls):
    ws = Websockify(dovecot.pop3s_port if tls else dovecot.pop3_port, ssl_target=tls)
    try:
        via_websockify, ws_code = run(session("ws://127.0.0.1:%d/" % ws.port))
    finally:
        ws.stop()
    with Proxy(dovecot_targets(dovecot)) as p:
        via_proxy, proxy_code = run(session(p.url("/pop3/" + ("tls" if tls else "plain"))))
    assert via_proxy == via_websockify
    assert via_proxy[6:6 + len(MAIL)] == [mailgen.pop3_view(m) for m in MAIL]
    # Both end with a normal closure once Dovecot has closed after QUIT.
    assert proxy_code == ws_code == 1000


def websockify_client():
    """websockify's WebSocket client class as Debian ships it (0.10), with one fix.

    Its _sendmsg builds the mask with `bytes += int`, a TypeError on Python
    3, so as shipped it cannot send at all; only that method is replaced, the
    handshake, framing and close handling are websockify's own.
    """
    import os
    from websockify.websocket import WebSocket

    class Fixed(WebSocket):
        def _sendmsg(self, opcode, msg):
            return self._send(self._encode_hybi(opcode, msg, os.urandom(4)))

    return Fixed()


def test_websockify_client_through_pop3ws_proxy(dovecot):
    with Proxy(dovecot_targets(dovecot)) as p:
        from websockify.websocket import WebSocketWantReadError

        ws = websockify_client()

        def recv():
            # A partial frame raises WantRead even on a blocking socket: read on.
            while True:
                try:
                    return ws.recv()
                except WebSocketWantReadError:
                    continue
        ws.connect("ws://127.0.0.1:%d/pop3/tls" % p.port, protocols=["binary"])
        buf = bytearray()

        def line():
            while b"\r\n" not in buf:
                data = recv()
                assert data is not None, "closed early"
                buf.extend(data)
            end = buf.index(b"\r\n") + 2
            out = bytes(buf[:end])
            del buf[:end]
            return out

        def until_dot():
            while b"\r\n.\r\n" not in buf:
                data = recv()
                assert data is not None
                buf.extend(data)
            end = buf.index(b"\r\n.\r\n") + 5
            out = bytes(buf[:end])
            del buf[:end]
            return out

        assert line().startswith(b"+OK")
        ws.send(b"USER alice\r\n")
        assert line().startswith(b"+OK")
        ws.send(b"PASS alice-pass\r\n")
        assert line().startswith(b"+OK")
        ws.send(b"RETR %d\r\n" % len(MAIL))
        assert line().startswith(b"+OK")
        body = until_dot()[:-3]
        unstuffed = b"\r\n".join(l[1:] if l.startswith(b".") else l for l in body.split(b"\r\n"))
        assert unstuffed == mailgen.pop3_view(MAIL[-1])
        ws.send(b"QUIT\r\n")
        assert line().startswith(b"+OK")
        while recv() is not None:
            pass
        assert ws.close_code == 1000
        assert ws.close_reason in ("upstream closed", b"upstream closed")
