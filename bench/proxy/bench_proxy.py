"""Relay benchmark: direct TCP vs pop3ws-proxy vs websockify, one run, same client.

    /usr/bin/python3 bench/proxy/bench_proxy.py --proxy-bin build/release/proxy/pop3ws-proxy

Measures, against the same private Dovecot (tests/harness):
  - throughput of one large RETR (MB/s), best of several runs, and the CPU
    time the relay process (with its children) spent per GB relayed; the
    same for a memory-speed plain-TCP stand-in server, which takes Dovecot
    out of the measurement;
  - round-trip latency of NOOP after login, p50 and p99 over many commands;
  - memory per idle WebSocket session: proxy RSS growth divided by the
    number of sessions, each session connected through TLS to a greeting-only
    TLS server (Dovecot's own limits would cap the session count).

The client is the same code for all three: a minimal WebSocket client on a
plain socket (server frames are unmasked, so parsing is cheap in Python),
and for "direct" the same POP3 code over TLS straight to Dovecot. websockify
runs with --ssl-target (it does not verify the server certificate), and it
forks a process per connection, so its memory is the sum of its processes'
proportional set size (PSS) at a smaller session count.
"""

import argparse
import asyncio
import base64
import json
import os
import re
import resource
import socket
import ssl
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "harness"))

from pop3ws_harness import mailgen  # noqa: E402
from pop3ws_harness.dovecot import PrivateDovecot  # noqa: E402
from pop3ws_harness.tlsgen import make_tls_files  # noqa: E402


# ---------------------------------------------------------------- clients

class DirectConn:
    """POP3 over TLS (or plain TCP without a CA file) straight to the server."""

    def __init__(self, host, port, ca_file):
        raw = socket.create_connection((host, port))
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if ca_file:
            ctx = ssl.create_default_context(cafile=ca_file)
            self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        else:
            self.sock = raw
        self.buf = bytearray()

    def send(self, data):
        self.sock.sendall(data)

    def fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise EOFError
        self.buf += chunk

    def close(self):
        self.sock.close()


class WsConn:
    """POP3 over a WebSocket (binary frames) to a relay."""

    def __init__(self, port, path):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                           "Sec-WebSocket-Protocol: binary\r\n\r\n" % (path, port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(head[:200])
        self.raw = bytearray(head.split(b"\r\n\r\n", 1)[1])
        self.buf = bytearray()

    def send(self, data):
        mask = os.urandom(4)
        n = len(data)
        head = struct.pack("!BB", 0x82, 0x80 | n) if n < 126 else struct.pack("!BBH", 0x82, 0x80 | 126, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(head + mask + masked)

    def fill(self):
        got = False
        while not got:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError
            self.raw += chunk
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
                if op == 8:
                    raise EOFError("closed")
                if op in (0, 2):
                    self.buf += raw[pos + hl:pos + hl + n]
                    got = True
                pos += hl + n
            del raw[:pos]

    def close(self):
        self.sock.close()


def read_line(c):
    while True:
        end = c.buf.find(b"\r\n")
        if end >= 0:
            line = bytes(c.buf[:end + 2])
            del c.buf[:end + 2]
            return line
        c.fill()


def read_until_dot(c):
    total = 0
    while True:
        end = c.buf.find(b"\r\n.\r\n", max(0, len(c.buf) - (1 << 21)))
        if end >= 0:
            total += end + 5
            del c.buf[:end + 5]
            return total
        # Keep only a tail to search; count what is dropped.
        if len(c.buf) > 8:
            total += len(c.buf) - 8
            del c.buf[:-8]
        c.fill()


def login(c, user, password):
    assert read_line(c).startswith(b"+OK")
    c.send(b"USER %s\r\n" % user.encode())
    assert read_line(c).startswith(b"+OK")
    c.send(b"PASS %s\r\n" % password.encode())
    reply = read_line(c)
    assert reply.startswith(b"+OK"), reply


def tree_cpu_seconds(pid):
    """User+system CPU of a process and its live descendants."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children = {}
    for line in out.splitlines():
        p, pp = map(int, line.split())
        children.setdefault(pp, []).append(p)
    total, todo = 0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / tick


def throughput(make, size_bytes, runs, relay_pid=None):
    """Best MB/s over `runs` RETRs, and the relay's CPU seconds per GB for that run."""
    best, cpu_per_gb = 0.0, None
    for _ in range(runs):
        c = make()
        login(c, "bob", "bob-pass")
        cpu0 = tree_cpu_seconds(relay_pid) if relay_pid else 0
        start = time.perf_counter()
        c.send(b"RETR 1\r\n")
        assert read_line(c).startswith(b"+OK")
        got = read_until_dot(c)
        elapsed = time.perf_counter() - start
        cpu = tree_cpu_seconds(relay_pid) - cpu0 if relay_pid else None
        assert got >= size_bytes, (got, size_bytes)
        if got / elapsed / 1e6 > best:
            best = got / elapsed / 1e6
            cpu_per_gb = cpu / (got / 1e9) if cpu is not None else None
        c.send(b"QUIT\r\n")
        c.close()
    return best, cpu_per_gb


def latency(make, count):
    c = make()
    login(c, "alice", "alice-pass")
    for _ in range(50):  # warm up
        c.send(b"NOOP\r\n")
        read_line(c)
    samples = []
    for _ in range(count):
        start = time.perf_counter_ns()
        c.send(b"NOOP\r\n")
        line = read_line(c)
        samples.append((time.perf_counter_ns() - start) / 1000.0)
        assert line.startswith(b"+OK")
    c.send(b"QUIT\r\n")
    c.close()
    samples.sort()
    return samples[len(samples) // 2], samples[int(len(samples) * 0.99)]


# ---------------------------------------------------------------- servers

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, what):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("%s exited" % what)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("%s did not listen" % what)


def start_proxy(binary, targets, workdir, extra_limits=""):
    port = free_port()
    cfg = os.path.join(workdir, "proxy-%d.toml" % port)
    with open(cfg, "w") as f:
        f.write('listen = ["127.0.0.1:%d"]\nlog_level = "warn"\n[limits]\nmax_connections = 100000\n'
                "max_connections_per_ip = 100000\n%s%s" % (port, extra_limits, targets))
    proc = subprocess.Popen([binary, "-c", cfg], stderr=subprocess.DEVNULL)
    wait_port(port, proc, "pop3ws-proxy")
    return proc, port


def start_websockify(target_port, ssl_target=True):
    port = free_port()
    proc = subprocess.Popen(["websockify"] + (["--ssl-target"] if ssl_target else [])
                            + ["127.0.0.1:%d" % port, "127.0.0.1:%d" % target_port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc, "websockify")
    return proc, port


def stop(proc):
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def tree_pss_kb(pid):
    """PSS of a process and its descendants (websockify forks per connection)."""
    total = 0
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children = {}
    for line in out.splitlines():
        p, pp = map(int, line.split())
        children.setdefault(pp, []).append(p)
    todo = [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


async def greeting_server(ctx, port):
    async def handle(reader, writer):
        writer.write(b"+OK idle-test ready\r\n")
        try:
            await writer.drain()
            while await reader.read(4096):
                pass
        except (ConnectionError, ssl.SSLError):
            pass
        writer.close()
    return await asyncio.start_server(handle, "127.0.0.1", port, ssl=ctx, backlog=4096)


async def open_idle_sessions(port, path, n):
    """n WebSocket sessions that received the greeting and then sit idle."""
    key = base64.b64encode(os.urandom(16)).decode()
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n\r\n"
           % (path, key)).encode()
    sem = asyncio.Semaphore(200)

    async def one():
        async with sem:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 16)
            writer.write(req)
            data = b""
            while b"+OK" not in data:
                chunk = await asyncio.wait_for(reader.read(4096), 60)
                if not chunk:
                    raise EOFError(data[:200])
                data += chunk
            return reader, writer
    return await asyncio.gather(*(one() for _ in range(n)))


def idle_memory(relay_proc, relay_port, path, n, measure):
    async def run():
        base = measure(relay_proc.pid)
        conns = await open_idle_sessions(relay_port, path, n)
        await asyncio.sleep(2)
        after = measure(relay_proc.pid)
        for _, w in conns:
            w.close()
        await asyncio.sleep(1)
        return (after - base) / n
    return run


def synthetic_server(size_bytes):
    """Plain-TCP POP3 stand-in that answers any login and sends `size_bytes`
    of message for RETR at memory speed: it measures the relays, not Dovecot."""
    import threading
    line = b"x" * 74 + b"\r\n"
    body = line * (size_bytes // len(line)) + b".\r\n"
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)

    def serve(conn):
        try:
            conn.sendall(b"+OK synthetic\r\n")
            f = conn.makefile("rb")
            for cmd in f:
                if cmd.startswith(b"RETR"):
                    conn.sendall(b"+OK\r\n")
                    conn.sendall(body)
                elif cmd.startswith(b"QUIT"):
                    conn.sendall(b"+OK bye\r\n")
                    break
                else:
                    conn.sendall(b"+OK\r\n")
        except OSError:
            pass
        conn.close()

    def accept():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return srv, len(body)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--proxy-bin", default=os.environ.get("POP3WS_PROXY_BIN"), required=False)
    ap.add_argument("--size-mb", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--noops", type=int, default=5000)
    ap.add_argument("--sessions", default="1000,10000", help="idle session counts for pop3ws-proxy")
    ap.add_argument("--websockify-sessions", type=int, default=200)
    ap.add_argument("--synthetic-mb", type=int, default=200,
                    help="RETR size from a memory-speed plain-TCP server (0: skip)")
    ap.add_argument("--json", help="write the results here too")
    args = ap.parse_args()
    if not args.proxy_bin:
        ap.error("--proxy-bin or POP3WS_PROXY_BIN is required (use a release build)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (200000, 200000))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    results = {"size_mb": args.size_mb}
    work = tempfile.mkdtemp(prefix="pop3ws-bench-")
    print("generating a %d MB message..." % args.size_mb, flush=True)
    big = mailgen.big(args.size_mb)
    with PrivateDovecot(users={"alice": "alice-pass", "bob": "bob-pass"},
                        mailboxes={"alice": mailgen.bulk(2, 1000), "bob": big}) as d:
        targets = ('[[targets]]\nname = "tls"\nhost = "127.0.0.1"\nport = %d\nca_file = "%s"\n'
                   'server_name = "localhost"\nallow_private = true\n' % (d.pop3s_port, d.ca_file))
        proxy, pport = start_proxy(args.proxy_bin, targets, work)
        wsfy, wport = start_websockify(d.pop3s_port)
        try:
            modes = {
                "direct": (lambda: DirectConn(d.host, d.pop3s_port, d.ca_file), None),
                "pop3ws-proxy": (lambda: WsConn(pport, "/pop3/tls"), proxy.pid),
                "websockify": (lambda: WsConn(wport, "/"), wsfy.pid),
            }
            for name, (make, pid) in modes.items():
                mbps, cpu = throughput(make, len(big[0]), args.runs, pid)
                p50, p99 = latency(make, args.noops)
                results[name] = {"throughput_MBps": round(mbps, 1), "noop_p50_us": round(p50, 1),
                                 "noop_p99_us": round(p99, 1),
                                 "relay_cpu_s_per_GB": round(cpu, 2) if cpu is not None else None}
                print("%-13s %8.1f MB/s   NOOP p50 %7.1f us   p99 %7.1f us%s" % (
                    name, mbps, p50, p99, "   relay CPU %.2f s/GB" % cpu if cpu is not None else ""), flush=True)
        finally:
            stop(proxy)
            stop(wsfy)

    if args.synthetic_mb:
        srv, size = synthetic_server(args.synthetic_mb * 1000 * 1000)
        sport = srv.getsockname()[1]
        targets = ('[[targets]]\nname = "syn"\nhost = "127.0.0.1"\nport = %d\nsecurity = "none"\n'
                   'allow_private = true\n' % sport)
        proxy, pport = start_proxy(args.proxy_bin, targets, work)
        wsfy, wport = start_websockify(sport, ssl_target=False)
        try:
            modes = {
                "direct": (lambda: DirectConn("127.0.0.1", sport, None), None),
                "pop3ws-proxy": (lambda: WsConn(pport, "/pop3/syn"), proxy.pid),
                "websockify": (lambda: WsConn(wport, "/"), wsfy.pid),
            }
            syn, syn_cpu = {}, {}
            for name, (make, pid) in modes.items():
                mbps, cpu = throughput(make, size, args.runs, pid)
                syn[name] = round(mbps, 1)
                syn_cpu[name] = round(cpu, 2) if cpu is not None else None
                print("%-13s %8.1f MB/s  (synthetic plain-TCP server, %d MB)%s" % (
                    name, mbps, args.synthetic_mb, "   relay CPU %.2f s/GB" % cpu if cpu is not None else ""),
                    flush=True)
            results["synthetic_throughput_MBps"] = syn
            results["synthetic_relay_cpu_s_per_GB"] = syn_cpu
        finally:
            stop(proxy)
            stop(wsfy)
            srv.close()

    # Idle sessions against a greeting-only TLS server.
    tls = make_tls_files(os.path.join(work, "tls"))
    sctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    sctx.load_cert_chain(tls.cert_file, tls.key_file)
    gport = free_port()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(greeting_server(sctx, gport))
    targets = ('[[targets]]\nname = "idle"\nhost = "127.0.0.1"\nport = %d\nca_file = "%s"\n'
               'server_name = "localhost"\nallow_private = true\n' % (gport, tls.ca_file))
    idle = {}
    for n in [int(x) for x in args.sessions.split(",") if x]:
        proxy, pport = start_proxy(args.proxy_bin, targets, work, "idle_timeout_ms = 3600000\n")
        try:
            per = loop.run_until_complete(idle_memory(proxy, pport, "/pop3/idle", n, rss_kb)())
        finally:
            stop(proxy)
        idle["pop3ws-proxy@%d" % n] = round(per, 1)
        print("pop3ws-proxy  %6d idle sessions: %6.1f KB RSS per session" % (n, per), flush=True)
    if args.websockify_sessions:
        wsfy, wport = start_websockify(gport)
        try:
            n = args.websockify_sessions
            per = loop.run_until_complete(idle_memory(wsfy, wport, "/", n, tree_pss_kb)())
        finally:
            stop(wsfy)
        idle["websockify@%d" % n] = round(per, 1)
        print("websockify    %6d idle sessions: %6.1f KB PSS per session" % (n, per), flush=True)
    server.close()
    results["idle_KB_per_session"] = idle

    p, w, dr = results["pop3ws-proxy"], results["websockify"], results["direct"]
    results["ratios"] = {
        "throughput_vs_websockify": round(p["throughput_MBps"] / w["throughput_MBps"], 2),
        "relay_cpu_websockify_vs_pop3ws_proxy": round(w["relay_cpu_s_per_GB"] / p["relay_cpu_s_per_GB"], 2)
        if p["relay_cpu_s_per_GB"] else None,
        "synthetic_throughput_vs_websockify": round(
            results["synthetic_throughput_MBps"]["pop3ws-proxy"] / results["synthetic_throughput_MBps"]["websockify"], 2)
        if "synthetic_throughput_MBps" in results else None,
        "added_p50_us_vs_direct": round(p["noop_p50_us"] - dr["noop_p50_us"], 1),
        "websockify_added_p50_us_vs_direct": round(w["noop_p50_us"] - dr["noop_p50_us"], 1),
    }
    print("throughput pop3ws-proxy / websockify: %.2fx (Dovecot), %sx (synthetic server)" % (
        results["ratios"]["throughput_vs_websockify"], results["ratios"]["synthetic_throughput_vs_websockify"]))
    print("relay CPU per GB, websockify / pop3ws-proxy: %sx" % results["ratios"]["relay_cpu_websockify_vs_pop3ws_proxy"])
    print("added NOOP p50 over direct: pop3ws-proxy %+.1f us, websockify %+.1f us" % (
        results["ratios"]["added_p50_us_vs_direct"], results["ratios"]["websockify_added_p50_us_vs_direct"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
