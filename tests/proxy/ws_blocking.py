"""A blocking WebSocket POP3 client on a plain socket, for load tests.

Python websockets runs on asyncio: sessions whose latency is measured while
the same test floods the proxy must not share that event loop, so they use
this client from a process of their own. Frames follow RFC 6455 section 5:
client frames are masked, server frames are not.
"""

import base64
import os
import socket
import struct


class Closed(Exception):
    """The proxy sent a close frame (code, reason) or ended the connection."""

    def __init__(self, code=None, reason=""):
        super().__init__("closed: %s %s" % (code, reason))
        self.code = code
        self.reason = reason


def client_frame(opcode, payload, fin=True, mask=True, length=None):
    """One client frame; `length` overrides the header's payload length."""
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | opcode
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    # Masking with bytes.translate would need a table per key byte; XOR of
    # two ints of the whole payload is the fast way in pure Python.
    rep = (key * (len(payload) // 4 + 1))[:len(payload)]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(rep, "big")).to_bytes(len(payload), "big")
    return head + key + masked


def upgrade_request(path, host="127.0.0.1"):
    key = base64.b64encode(os.urandom(16)).decode()
    return ("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n\r\n"
            % (path, host, key)).encode()


def connect(port, source=None, host="127.0.0.1", timeout=30, rcvbuf=None):
    """A TCP socket to the proxy, from `source` (any 127/8 address on Linux)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if source:
        s.bind((source, 0))
    s.settimeout(timeout)
    s.connect((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def handshake(s, path):
    """Sends the upgrade request; returns the bytes after the 101 response."""
    s.sendall(upgrade_request(path))
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise Closed(None, "no handshake response")
        head += chunk
    status, _, rest = head.partition(b"\r\n\r\n")
    if not status.startswith(b"HTTP/1.1 101"):
        raise Closed(None, status.split(b"\r\n", 1)[0].decode("latin-1"))
    return rest


class BlockingWsPop3:
    def __init__(self, port, path, source=None, timeout=30, rcvbuf=None):
        self.sock = connect(port, source, timeout=timeout, rcvbuf=rcvbuf)
        self.raw = bytearray(handshake(self.sock, path))
        self.buf = bytearray()
        self.closed = None  # the close frame, once received (data before it is still read)

    def send(self, data):
        self.sock.sendall(client_frame(2, data))

    def _fill(self):
        got = False
        while not got:
            raw = self.raw
            pos = 0
            while len(raw) - pos >= 2:
                op, n = raw[pos] & 0x0F, raw[pos + 1] & 0x7F
                hl = 2
                if n == 126:
                    if len(raw) - pos < 4:
                        break
                    n, hl = struct.unpack_from("!H", raw, pos + 2)[0], 4
                elif n == 127:
                    if len(raw) - pos < 10:
                        break
                    n, hl = struct.unpack_from("!Q", raw, pos + 2)[0], 10
                if len(raw) - pos < hl + n:
                    break
                payload = raw[pos + hl:pos + hl + n]
                pos += hl + n
                if op == 8:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                    self.closed = Closed(code, bytes(payload[2:]).decode("utf-8", "replace"))
                    break
                if op in (0, 2):
                    self.buf += payload
                    got = True
            del raw[:pos]
            if got:
                return
            if self.closed:
                raise self.closed
            chunk = self.sock.recv(1 << 18)
            if not chunk:
                raise Closed(None, "connection ended")
            self.raw += chunk

    def line(self):
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                out = bytes(self.buf[:end + 2])
                del self.buf[:end + 2]
                return out
            self._fill()

    def command(self, text):
        self.send(text.encode() + b"\r\n")
        return self.line()

    def multiline(self):
        """Body of a multi-line reply, dot-unstuffed (RFC 1939 section 3)."""
        scan = 0
        while True:
            if self.buf.startswith(b".\r\n"):
                del self.buf[:3]
                return b""
            end = self.buf.find(b"\r\n.\r\n", scan)
            if end >= 0:
                body = bytes(self.buf[:end + 2])
                del self.buf[:end + 5]
                return b"\r\n".join(l[1:] if l.startswith(b".") else l for l in body.split(b"\r\n"))
            scan = max(0, len(self.buf) - 4)
            self._fill()

    def login(self, user, password):
        greeting = self.line()
        assert greeting.startswith(b"+OK"), greeting
        assert self.command("USER " + user).startswith(b"+OK")
        reply = self.command("PASS " + password)
        assert reply.startswith(b"+OK"), reply

    def retr(self, n):
        reply = self.command("RETR %d" % n)
        assert reply.startswith(b"+OK"), reply
        return self.multiline()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
