"""Start pop3ws-proxy for a test, and talk POP3 through it over WebSocket.

The proxy listens on an ephemeral port (--listen 127.0.0.1:0) and logs the
port it got; Proxy reads it from the log. Every test's proxy must exit with
status 0 on SIGTERM: sanitizer and leak reports make the status non-zero.
"""

import asyncio
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time

import websockets

PROXY_BIN = os.environ.get("POP3WS_PROXY_BIN")


def http_exchange(port, path, method="GET", timeout=20, source=None):
    """One HTTP/1.1 request to the proxy on 127.0.0.1 (it answers one request
    per connection and closes); returns (head, body) as bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                  source_address=(source, 0) if source else None) as s:
        s.sendall(("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % (method, path)).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def target_toml(name, host, port, security="tls", **extra):
    lines = ["[[targets]]", 'name = "%s"' % name, 'host = "%s"' % host, "port = %d" % port,
             'security = "%s"' % security]
    for key, value in extra.items():
        if isinstance(value, bool):
            lines.append("%s = %s" % (key, "true" if value else "false"))
        elif isinstance(value, int):
            lines.append("%s = %d" % (key, value))
        else:
            lines.append('%s = "%s"' % (key, value))
    return "\n".join(lines) + "\n"


def dovecot_targets(d):
    """The usual targets for a PrivateDovecot: implicit TLS, STARTTLS, wrong CA."""
    return (target_toml("tls", d.host, d.pop3s_port, ca_file=d.ca_file, server_name="localhost",
                        allow_private=True)
            + target_toml("stls", d.host, d.pop3_port, "starttls", ca_file=d.ca_file,
                          server_name="localhost", allow_private=True)
            + target_toml("plain", d.host, d.pop3_port, "none", allow_private=True)
            + target_toml("otherca", d.host, d.pop3s_port, ca_file=d.other_ca_file,
                          server_name="localhost", allow_private=True)
            + target_toml("denied", d.host, d.pop3s_port, ca_file=d.ca_file, server_name="localhost"))


class Proxy:
    def __init__(self, config, args=(), limits=None, top="", env=None):
        if not PROXY_BIN:
            raise RuntimeError("POP3WS_PROXY_BIN is not set: run through ctest")
        self.dir = tempfile.mkdtemp(prefix="pop3ws-proxy-test-")
        self.config_path = os.path.join(self.dir, "proxy.toml")
        text = top
        # Short drain by default so that a failing test's open session does not
        # hold the proxy for the default 30 s.
        limits = dict({"drain_timeout_ms": 2000}, **(limits or {}))
        text += "[limits]\n" + "".join("%s = %d\n" % kv for kv in limits.items())
        text += config
        with open(self.config_path, "w") as f:
            f.write(text)
        self.args = list(args)
        self.env = dict(os.environ, **(env or {}))
        self.lines = []
        self.proc = None
        self.port = None
        self.returncode = None

    def start(self):
        listen = [] if "--listen" in self.args else ["--listen", "127.0.0.1:0"]
        cmd = [PROXY_BIN, "-c", self.config_path] + listen + self.args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env=self.env)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for line in list(self.lines):
                m = re.search(r"event=listening addr=(\S+):(\d+) ", line)
                if m:
                    self.host = m.group(1)
                    self.port = int(m.group(2))
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.proc.kill()
        raise RuntimeError("pop3ws-proxy did not start:\n" + self.log())

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.append(raw.decode("utf-8", "replace"))

    def log(self):
        return "".join(self.lines)

    def url(self, path):
        return "ws://%s:%d%s" % (self.host, self.port, path)

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("pop3ws-proxy ignored SIGTERM:\n" + self.log()[-4000:])
        if self.proc:
            self._reader.join(5)
            self.returncode = self.proc.returncode
        return self.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, *rest):
        code = self.stop()
        if exc_type is None:
            assert code == 0, "pop3ws-proxy exited with %s:\n%s" % (code, self.log()[-6000:])
            for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
                assert bad not in self.log(), self.log()[-6000:]


class WsPop3:
    """A POP3 client over one WebSocket (binary frames, raw bytes)."""

    def __init__(self, ws):
        self.ws = ws
        self.buf = bytearray()

    @classmethod
    async def connect(cls, url, origin=None, subprotocols=("binary",), **kw):
        ws = await websockets.connect(url, origin=origin, subprotocols=list(subprotocols) or None,
                                      max_size=None, open_timeout=20, **kw)
        return cls(ws)

    async def _fill(self, timeout):
        data = await asyncio.wait_for(self.ws.recv(), timeout)
        assert isinstance(data, bytes), "the proxy sent a text frame"
        self.buf += data

    async def line(self, timeout=20):
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                out = bytes(self.buf[:end + 2])
                del self.buf[:end + 2]
                return out
            await self._fill(timeout)

    async def command(self, text, timeout=20):
        await self.ws.send(text.encode() + b"\r\n")
        return await self.line(timeout)

    async def multiline(self, timeout=60):
        """Body of a multi-line reply, dot-unstuffed (RFC 1939 section 3)."""
        while True:
            if self.buf.startswith(b".\r\n"):
                del self.buf[:3]
                return b""
            end = self.buf.find(b"\r\n.\r\n")
            if end >= 0:
                body = bytes(self.buf[:end + 2])
                del self.buf[:end + 5]
                lines = body.split(b"\r\n")
                return b"\r\n".join(l[1:] if l.startswith(b".") else l for l in lines)
            await self._fill(timeout)

    async def login(self, user, password):
        greeting = await self.line()
        assert greeting.startswith(b"+OK"), greeting
        assert (await self.command("USER " + user)).startswith(b"+OK")
        reply = await self.command("PASS " + password)
        assert reply.startswith(b"+OK"), reply
        return greeting

    async def retr(self, n):
        reply = await self.command("RETR %d" % n)
        assert reply.startswith(b"+OK"), reply
        return await self.multiline()

    async def closed(self, timeout=20):
        """Waits for the proxy's close; returns (code, reason)."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except websockets.ConnectionClosed as e:
            return (e.rcvd.code, e.rcvd.reason) if e.rcvd else (None, None)

    async def close(self):
        await self.ws.close()


def run(coro):
    return asyncio.run(coro)
