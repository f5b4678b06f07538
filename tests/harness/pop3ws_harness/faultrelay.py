"""A loopback TCP relay that breaks connections on purpose, seeded and
repeatable: the fault injector of the "no message lost" tests.

Each accepted connection gets a plan drawn from the relay's random generator:
pass through untouched, cut the connection once a number of bytes has gone in
one direction, reset it (RST, SO_LINGER 0), or stall it (stop forwarding for a
while, then go on). Offsets are drawn up to `span` bytes, so cuts land in
greetings, logins, listings and message bodies alike.

    with FaultRelay("127.0.0.1", server_port, seed=7) as relay:
        relay.port            # connect here
        relay.faults          # Counter of injected faults by kind
"""

import collections
import random
import select
import socket
import struct
import threading
import time

KINDS = ("none", "cut_down", "cut_up", "reset", "stall")


class FaultRelay:
    def __init__(self, target_host, target_port, seed=0, span=400_000,
                 weights=(3, 4, 1, 2, 1), stall_seconds=1.5, host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.rng = random.Random(seed)
        self.span = span
        self.weights = weights
        self.stall_seconds = stall_seconds
        self.faults = collections.Counter()
        self.connections = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server((host, 0))
        self.host, self.port = self._listener.getsockname()[:2]
        self._stop = threading.Event()
        self._threads = []

    # -- lifecycle -----------------------------------------------------------
    def __enter__(self):
        t = threading.Thread(target=self._accept_loop, name="faultrelay-accept", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._listener.close()
        for t in list(self._threads):
            t.join(timeout=5)

    # -- plans ---------------------------------------------------------------
    def _plan(self):
        with self._lock:
            kind = self.rng.choices(KINDS, weights=self.weights)[0]
            offset = self.rng.randrange(0, self.span)
            self.connections += 1
            if kind != "none":
                self.faults[kind] += 1
        return kind, offset

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                r, _, _ = select.select([self._listener], [], [], 0.1)
                if not r:
                    continue
                client, _ = self._listener.accept()
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(client,), daemon=True)
            t.start()
            self._threads = [x for x in self._threads if x.is_alive()] + [t]

    def _serve(self, client):
        kind, offset = self._plan()
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        sent = {"down": 0, "up": 0}  # down: server -> client
        stalled = False
        try:
            while not self._stop.is_set():
                r, _, _ = select.select([client, upstream], [], [], 0.2)
                for src in r:
                    data = src.recv(65536)
                    if not data:
                        return
                    direction = "down" if src is upstream else "up"
                    dst = client if src is upstream else upstream
                    watched = {"cut_down": "down", "stall": "down", "reset": "down", "cut_up": "up"}.get(kind)
                    if watched == direction and sent[direction] + len(data) > offset and not stalled:
                        head = data[: max(0, offset - sent[direction])]
                        if head:
                            dst.sendall(head)
                        if kind == "stall":
                            stalled = True
                            time.sleep(self.stall_seconds)
                            dst.sendall(data[len(head):])
                            sent[direction] += len(data)
                            continue
                        if kind == "reset":
                            for s in (client, upstream):
                                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        return
                    dst.sendall(data)
                    sent[direction] += len(data)
        except OSError:
            return
        finally:
            for s in (client, upstream):
                try:
                    s.close()
                except OSError:
                    pass
