"""A minimal POP3 client that returns exact bytes, for checking servers and relays.

poplib splits messages into lines, drops the line ends and refuses lines over
2048 bytes; tests that compare messages byte for byte need the whole message
as sent, with only the dot-stuffing of RFC 1939 section 3 undone.
"""

import base64
import socket
import ssl

CRLF = b"\r\n"


class Pop3Error(Exception):
    """The server answered -ERR (or something that is not +OK / +)."""

    def __init__(self, line):
        super().__init__(line.decode("utf-8", "replace"))
        self.line = line


class RawPop3:
    def __init__(self, host, port, tls_context=None, server_hostname=None, timeout=30):
        sock = socket.create_connection((host, port), timeout=timeout)
        if tls_context is not None:
            sock = tls_context.wrap_socket(sock, server_hostname=server_hostname or host)
        self._sock = sock
        self._buf = bytearray()
        self._pos = 0
        self.greeting = self._line()
        if not self.greeting.startswith(b"+OK"):
            raise Pop3Error(self.greeting)

    # -- lines ----------------------------------------------------------------------------------

    def _raw_line(self):
        """Next line including its CRLF; b"" at end of stream."""
        while True:
            end = self._buf.find(CRLF, self._pos)
            if end >= 0:
                line = bytes(self._buf[self._pos:end + 2])
                self._pos = end + 2
                return line
            # Drop consumed bytes before reading more (keeps long messages linear).
            del self._buf[:self._pos]
            self._pos = 0
            data = self._sock.recv(262144)
            if not data:
                rest = bytes(self._buf)
                self._buf.clear()
                return rest
            self._buf += data

    def _line(self):
        line = self._raw_line()
        if not line:
            raise ConnectionError("server closed the connection")
        if not line.endswith(CRLF):
            raise Pop3Error(b"line without CRLF: " + line[:80])
        return line[:-2]

    def send_line(self, line):
        if isinstance(line, str):
            line = line.encode()
        self._sock.sendall(line + CRLF)

    def cmd(self, line):
        """Send a command; return the status line after +OK, raise Pop3Error on -ERR."""
        self.send_line(line)
        reply = self._line()
        if not reply.startswith(b"+OK"):
            raise Pop3Error(reply)
        return reply

    def multiline(self):
        """Read a multi-line body up to the terminating ".", undoing dot-stuffing."""
        out = bytearray()
        while True:
            line = self._raw_line()
            if not line.endswith(CRLF):
                raise Pop3Error(b"truncated multi-line response")
            if line == b"." + CRLF:
                return bytes(out)
            if line.startswith(b"."):
                line = line[1:]
            out += line

    def retr(self, n):
        self.cmd("RETR %d" % n)
        return self.multiline()

    def stat(self):
        parts = self.cmd("STAT").split()
        return int(parts[1]), int(parts[2])

    def uidl(self):
        self.cmd("UIDL")
        return dict(line.split(b" ", 1) for line in self.multiline().splitlines())

    def list_sizes(self):
        self.cmd("LIST")
        return {int(a): int(b) for a, b in (line.split() for line in self.multiline().splitlines())}

    def capa(self):
        self.cmd("CAPA")
        return self.multiline().decode("utf-8", "replace").splitlines()

    # -- login ----------------------------------------------------------------------------------

    def login(self, user, password):
        self.cmd("USER " + user)
        self.cmd("PASS " + password)

    def stls(self, tls_context, server_hostname):
        """RFC 2595 section 4: after +OK, the next bytes are the TLS handshake."""
        self.cmd("STLS")
        if len(self._buf) > self._pos:
            raise Pop3Error(b"server sent data after the STLS reply")
        self._sock = tls_context.wrap_socket(self._sock, server_hostname=server_hostname)

    def auth(self, mechanism, steps, initial=None):
        """SASL AUTH (RFC 5034). `steps(challenge_bytes) -> response bytes` answers each "+".

        `initial` is sent on the AUTH line (base64) when given. Returns the final
        +OK line; raises Pop3Error with the -ERR line on failure.
        """
        line = "AUTH " + mechanism
        if initial is not None:
            line += " " + (base64.b64encode(initial).decode() if initial else "=")
        self.send_line(line)
        while True:
            reply = self._line()
            if reply.startswith(b"+OK"):
                return reply
            if reply == b"+" or reply.startswith(b"+ "):
                challenge = base64.b64decode(reply[2:]) if len(reply) > 2 else b""
                self.send_line(base64.b64encode(steps(challenge)))
                continue
            raise Pop3Error(reply)

    def quit(self):
        try:
            self.cmd("QUIT")
        finally:
            self.close()

    def close(self):
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def tls_context(ca_file):
    """A verifying client context that trusts only `ca_file`."""
    return ssl.create_default_context(cafile=ca_file)
