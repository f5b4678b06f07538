"""Misbehaving mail servers for the abuse test, all on loopback.

- MuteServer: accepts TCP and never sends a byte (nor reads much).
- StallTlsServer: reads the ClientHello, answers with the first bytes of a
  TLS record and then nothing, so the handshake never completes; with
  starttls=True it first plays the POP3 part of RFC 2595 section 4 (greeting,
  "+OK" to STLS) and then stalls the same way.
- FullBacklog: a listener whose accept queue is full and never drained, so
  that further connection attempts are never answered (Linux drops the SYN
  while the queue is full): the proxy's connect timeout is what ends them.
"""

import socket
import threading


class _Listener:
    def __init__(self, backlog=512):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(backlog)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._conns = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.sock.close()
        self._thread.join(5)
        with self._lock:
            for c in self._conns:
                c.close()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
                self.accepted += 1
            self.on_connection(conn)

    def on_connection(self, conn):
        pass


class MuteServer(_Listener):
    pass


class StallTlsServer(_Listener):
    # A handshake record header announcing 64 bytes, and only 6 of them:
    # the client waits for the rest until its TLS timeout.
    PARTIAL_SERVER_HELLO = b"\x16\x03\x03\x00\x40\x02\x00\x00\x3c\x03\x03"

    def __init__(self, starttls=False):
        super().__init__()
        self.starttls = starttls

    def on_connection(self, conn):
        threading.Thread(target=self._stall, args=(conn,), daemon=True).start()

    def _stall(self, conn):
        try:
            conn.settimeout(30)
            if self.starttls:
                conn.sendall(b"+OK stall ready\r\n")
                line = b""
                while not line.endswith(b"\r\n"):
                    chunk = conn.recv(64)
                    if not chunk:
                        return
                    line += chunk
                conn.sendall(b"+OK Begin TLS negotiation\r\n")
            if conn.recv(4096):  # the ClientHello
                conn.sendall(self.PARTIAL_SERVER_HELLO)
            self._stop.wait(60)
        except OSError:
            pass


class FullBacklog:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        # One connection fills an accept queue of length 0 (Linux allows
        # backlog + 1); nobody ever accepts it.
        self.filler = socket.create_connection(("127.0.0.1", self.port), timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.filler.close()
        self.sock.close()
