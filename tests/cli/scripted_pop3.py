"""A tiny scripted POP3 server on 127.0.0.1 that behaves like broken real
servers (see shared design notes on real servers): one that advertises
PIPELINING and answers only the first of several pipelined RETRs (o2.pl),
one without STLS, one that injects bytes after +OK to STLS, one that hangs
up on a wrong password (AOL), and servers that answer with response codes.
Dovecot cannot be configured to misbehave like this."""

import select
import socket
import threading

CRLF = b"\r\n"


class ScriptedPop3:
    """Accepts connections and runs `behaviour` (a Behaviour subclass) per connection."""

    def __init__(self, behaviour, tls_context=None):
        """With `tls_context` (an ssl.SSLContext for the server side), TLS
        starts at connect (implicit TLS) and the SNI each client sent is kept
        in `server_names`."""
        self.behaviour = behaviour
        self.tls_context = tls_context
        self.server_names = []
        if tls_context is not None:
            tls_context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.commands = []  # every command line received, in order
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        # shutdown() wakes the accept() blocked in the serving thread; close() alone does not.
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(5)
        return False

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        try:
            conn.settimeout(30)
            if self.tls_context is not None:
                conn = self.tls_context.wrap_socket(conn, server_side=True)
            with conn:
                self.behaviour(self, conn).run()
        except OSError:  # ssl.SSLError included: a client that refused our certificate
            pass


class Behaviour:
    """A well-behaved small server with three messages; subclasses break it."""

    capabilities = [b"USER", b"UIDL", b"TOP", b"RESP-CODES"]
    messages = [b"Subject: m%d\r\n\r\nbody %d\r\n" % (i, i) for i in (1, 2, 3)]

    def __init__(self, server, conn):
        self.server, self.conn = server, conn
        self.buffer = b""

    def send(self, data):
        self.conn.sendall(data)

    def lines(self):
        """Yields (line, still_buffered) for each command line received."""
        while True:
            while CRLF not in self.buffer:
                data = self.conn.recv(65536)
                if not data:
                    return
                self.buffer += data
            line, self.buffer = self.buffer.split(CRLF, 1)
            self.server.commands.append(line)
            yield line

    def run(self):
        self.send(b"+OK scripted server ready" + CRLF)
        for line in self.lines():
            if not self.handle(line):
                return

    def handle(self, line):
        verb, _, arg = line.partition(b" ")
        verb = verb.upper()
        if verb == b"CAPA":
            self.send(b"+OK" + CRLF + b"".join(c + CRLF for c in self.capabilities) + b"." + CRLF)
        elif verb == b"USER":
            self.send(b"+OK" + CRLF)
        elif verb == b"PASS":
            return self.password(arg)
        elif verb == b"STAT":
            self.send(b"+OK %d %d" % (len(self.messages), sum(map(len, self.messages))) + CRLF)
        elif verb == b"LIST":
            self.send(b"+OK" + CRLF + b"".join(b"%d %d" % (i, len(m)) + CRLF
                                              for i, m in enumerate(self.messages, 1)) + b"." + CRLF)
        elif verb == b"UIDL":
            self.send(b"+OK" + CRLF + b"".join(b"%d uid-%d" % (i, i) + CRLF
                                              for i in range(1, len(self.messages) + 1)) + b"." + CRLF)
        elif verb == b"RETR":
            self.retr(int(arg))
        elif verb == b"QUIT":
            self.send(b"+OK bye" + CRLF)
            return False
        else:
            self.send(b"-ERR unknown command" + CRLF)
        return True

    def password(self, arg):
        if arg == b"right":
            self.send(b"+OK logged in" + CRLF)
        else:
            self.send(b"-ERR [AUTH] wrong password" + CRLF)
        return True

    def retr(self, n):
        m = self.messages[n - 1]
        self.send(b"+OK %d octets" % len(m) + CRLF + m + b"." + CRLF)


class PipelineBreaker(Behaviour):
    """o2.pl: advertises PIPELINING, then answers only the first of the RETRs
    that arrived together; the others are silently dropped."""

    capabilities = Behaviour.capabilities + [b"PIPELINING"]

    # "Together" is what arrives within this window after a RETR. o2.pl drops
    # what shares a read with the first RETR; every relay on the way (browser,
    # proxy) may cut pipelined bytes into several segments, so a window makes
    # the test independent of that. A client that waits for each reply (no
    # pipelining) sends nothing in the window and loses nothing.
    together_s = 0.3

    def retr(self, n):
        ready, _, _ = select.select([self.conn], [], [], self.together_s)
        while ready:
            data = self.conn.recv(65536)
            if not data:
                break
            self.buffer += data
            ready, _, _ = select.select([self.conn], [], [], self.together_s)
        super().retr(n)
        kept = [l for l in self.buffer.split(CRLF) if l and not l.upper().startswith(b"RETR")]
        self.buffer = b"".join(l + CRLF for l in kept)


class StlsInjector(Behaviour):
    """Sends a forged reply right behind +OK to STLS, before any handshake."""

    capabilities = Behaviour.capabilities + [b"STLS"]

    def handle(self, line):
        if line.upper() == b"STLS":
            self.send(b"+OK begin TLS" + CRLF + b"+OK injected" + CRLF)
            return True
        return super().handle(line)


class HangUpOnWrongPassword(Behaviour):
    """AOL: closes the connection at once instead of answering -ERR."""

    def password(self, arg):
        if arg == b"right":
            return super().password(arg)
        return False


class RespCode(Behaviour):
    """Answers PASS with -ERR and a given RFC 2449/3206 response code."""

    code = b"SYS/TEMP"

    def password(self, arg):
        self.send(b"-ERR [" + self.code + b"] not now" + CRLF)
        return True


class Malformed(Behaviour):
    """Answers STAT with something that is neither +OK nor -ERR."""

    def handle(self, line):
        if line.upper() == b"STAT":
            self.send(b"HELLO THERE" + CRLF)
            return True
        return super().handle(line)


class RetrRefused(Behaviour):
    """Refuses RETR of the last message (as if another session deleted it)."""

    capabilities = Behaviour.capabilities + [b"PIPELINING"]

    def retr(self, n):
        if n == len(self.messages):
            self.send(b"-ERR [SYS/TEMP] message is gone" + CRLF)
        else:
            super().retr(n)


class Silent(Behaviour):
    """Accepts the connection and never sends a greeting."""

    def run(self):
        for _ in self.lines():
            pass


class TerminalEscapes(Behaviour):
    """Puts terminal escape sequences (set window title, clear screen) into
    its greeting, CAPA and -ERR texts."""

    capabilities = Behaviour.capabilities + [b"IMPLEMENTATION evil\x1b[2J"]

    def run(self):
        self.send(b"+OK hello \x1b]0;owned\x07" + CRLF)
        for line in self.lines():
            if not self.handle(line):
                return

    def password(self, arg):
        self.send(b"-ERR [AUTH] no \x1b[2J\x1b]0;owned\x07" + CRLF)
        return True


class NoUidl(Behaviour):
    """An RFC 1939 server without the optional UIDL command."""

    capabilities = [b"USER", b"TOP"]

    def handle(self, line):
        if line.upper() == b"UIDL":
            self.send(b"-ERR unknown command" + CRLF)
            return True
        return super().handle(line)


class CourierUtf8(Behaviour):
    """Courier: advertises UTF8 and serves a stub for a message with UTF-8
    headers unless the client sent UTF8 first (RFC 6856)."""

    capabilities = Behaviour.capabilities + [b"UTF8 USER"]
    messages = ["Subject: Grüße 你好\r\n\r\nbody\r\n".encode("utf-8")]
    stub = b"Subject: message unavailable\r\n\r\nThis message needs UTF8.\r\n"

    def run(self):
        self.utf8 = False
        super().run()

    def handle(self, line):
        if line.upper() == b"UTF8":
            self.utf8 = True
            self.send(b"+OK UTF8 enabled" + CRLF)
            return True
        return super().handle(line)

    def retr(self, n):
        m = self.messages[n - 1] if self.utf8 else self.stub
        self.send(b"+OK" + CRLF + m + b"." + CRLF)


class BareLf(Behaviour):
    """mailtrap.io and others: every line ends in a bare LF."""

    messages = [b"Subject: lf\n\n.leading dot\nline\n", b"Subject: mixed\r\n\r\nline\nother\r\n"]

    def send(self, data):
        super().send(data.replace(CRLF, b"\n"))

    def retr(self, n):
        m = self.messages[n - 1]
        # Dot-stuffed as RFC 1939 section 3 asks, LF line ends as sent.
        stuffed = b"\n".join((b"." + l if l.startswith(b".") else l) for l in m.split(b"\n"))
        self.conn.sendall(b"+OK\n" + stuffed + b".\n")
