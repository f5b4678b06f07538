"""A loopback TCP relay that adds a fixed one-way delay, and optionally a bandwidth cap.

The test machines have no tc netem, so benchmarks put this relay between a
client and a server to model a network path:

    with DelayRelay("127.0.0.1", d.pop3_port, delay_ms=20) as r:
        connect to ("127.0.0.1", r.port)     # every byte arrives 20 ms later, each way

Each direction models a link: a chunk starts "transmitting" when the link is
free, takes len/rate seconds when a rate is set, and is delivered `delay_ms`
after that. A round trip therefore costs 2 * delay_ms. Bytes in flight per
direction are bounded (`window`), so a slow reader pushes back on the
sender instead of letting queues grow without bound.

Half-close is relayed: EOF from one side becomes a shutdown(SHUT_WR) on the
other after the same delay, which keeps POP3 QUIT and TLS close_notify intact.
"""

import asyncio
import socket
import threading

_READ_SIZE = 65536


class _Link:
    """One direction of one connection."""

    def __init__(self, loop, delay, rate, window):
        self.loop = loop
        self.delay = delay
        self.rate = rate
        self.window = window
        self.queue = asyncio.Queue()
        self.in_flight = 0
        self.link_free = 0.0
        self.room = asyncio.Event()
        self.room.set()

    def read_size(self):
        if self.rate:
            # Chunks of at most ~5 ms of transmission keep pacing smooth.
            return max(1024, min(_READ_SIZE, int(self.rate * 0.005)))
        return _READ_SIZE

    async def pump_in(self, reader):
        try:
            while True:
                await self.room.wait()
                data = await reader.read(self.read_size())
                now = self.loop.time()
                start = max(now, self.link_free)
                self.link_free = start + (len(data) / self.rate if self.rate else 0.0)
                self.in_flight += len(data)
                if self.in_flight >= self.window:
                    self.room.clear()
                await self.queue.put((self.link_free + self.delay, data))
                if not data:
                    return
        except (ConnectionError, OSError):
            await self.queue.put((self.loop.time(), None))

    async def pump_out(self, writer):
        while True:
            due, data = await self.queue.get()
            wait = due - self.loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:           # the reading side failed: drop the connection
                return False
            if not data:               # orderly EOF: half-close the other side
                if writer.can_write_eof():
                    writer.write_eof()
                return True
            writer.write(data)
            await writer.drain()
            self.in_flight -= len(data)
            if self.in_flight < self.window:
                self.room.set()


def _nodelay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


class DelayRelay:
    def __init__(self, target_host, target_port, delay_ms=20.0, rate_bytes_per_s=None,
                 listen_host="127.0.0.1", listen_port=0, window=4 * 1024 * 1024):
        self.target = (target_host, int(target_port))
        self.delay = float(delay_ms) / 1000.0
        self.rate = float(rate_bytes_per_s) if rate_bytes_per_s else None
        self.window = int(window)
        self.host = listen_host
        self.port = None
        self._listen_port = int(listen_port or 0)
        self._loop = None
        self._server = None
        self._thread = None
        self._tasks = set()
        self._ready = threading.Event()
        self._error = None
        self.connections = 0

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self):
        self._thread = threading.Thread(target=self._run, name="delayrelay", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        if self.port is None:
            raise RuntimeError("delay relay did not start")
        return self

    def stop(self):
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._shutdown)
            self._thread.join(10)
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def _run(self):
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as e:  # reported to start()
            self._error = e
            self._ready.set()
        finally:
            self._loop.close()

    async def _serve(self):
        self._stopped = asyncio.Event()
        self._server = await asyncio.start_server(self._on_client, self.host, self._listen_port)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stopped.wait()
        self._server.close()
        await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _shutdown(self):
        self._stopped.set()

    # -- one connection -------------------------------------------------------------------------

    def _on_client(self, c_reader, c_writer):
        task = asyncio.ensure_future(self._relay(c_reader, c_writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _relay(self, c_reader, c_writer):
        self.connections += 1
        s_writer = None
        try:
            try:
                s_reader, s_writer = await asyncio.open_connection(*self.target)
            except OSError:
                return
            _nodelay(c_writer)
            _nodelay(s_writer)
            up = _Link(self._loop, self.delay, self.rate, self.window)
            down = _Link(self._loop, self.delay, self.rate, self.window)
            pumps = [asyncio.ensure_future(p) for p in (
                up.pump_in(c_reader), up.pump_out(s_writer),
                down.pump_in(s_reader), down.pump_out(c_writer))]
            outs = {pumps[1], pumps[3]}
            try:
                # Finished when both directions delivered EOF, or either failed.
                while outs:
                    done, _ = await asyncio.wait(outs, return_when=asyncio.FIRST_COMPLETED)
                    outs -= done
                    if any(t.exception() is not None or t.result() is False for t in done):
                        break
            finally:
                for p in pumps:
                    p.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)
        finally:
            for w in (c_writer, s_writer):
                if w is not None:
                    w.close()
