"""Relay benchmark: direct TCP vs pop3ws-proxy vs websockify, one run, same client.

    cmake --preset release && cmake --build --preset release --target pop3ws-proxy ws_bench_client
    /usr/bin/python3 bench/proxy/bench_proxy.py --proxy-bin build/release/proxy/pop3ws-proxy \
        --client-bin build/release/bench/proxy/ws_bench_client

The client is ws_bench_client (C++, Boost.Beast's WebSocket client, blocking
sockets): the same program logs in and RETRs through each path, so that the
paths, not the client, differ. It measures:
  - throughput of one large RETR (MB/s, best and median of several runs)
    from a memory-speed stand-in POP3 server over plain TCP, which takes the
    mail server out of the measurement, and from the private Dovecot
    (tests/harness) over TLS; plus the CPU time the relay process (with its
    children) spent per GB relayed;
  - round-trip latency of NOOP after login to Dovecot, p50 and p99;
  - memory per idle WebSocket session: proxy RSS growth divided by the
    number of sessions, each session connected through TLS to a greeting-only
    TLS server (a process of its own; Dovecot's own limits would cap the
    session count). This part uses a small asyncio client: it measures the
    relay's memory, not speed. A proxy holds two descriptors per session;
    a count that one process may not hold under the descriptor limit is
    spread over several proxies (the client takes them in turn, as nginx
    does in front of several), the RSS growth summed over them, and the
    largest count one process can hold is measured as well.

websockify runs with --ssl-target towards Dovecot (it does not verify the
server certificate; pop3ws-proxy does), and it forks a process per
connection, so its memory is the sum of its processes' proportional set size
(PSS), at a smaller session count: about 5 MB per session (10,000 would
not fit in the machine's memory), and its select() loop drops connections
once descriptors pass 1,023, which happens before 1,000 sessions.
"""

import argparse
import asyncio
import base64
import json
import os
import resource
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "harness"))

from pop3ws_harness import mailgen  # noqa: E402
from pop3ws_harness.dovecot import PrivateDovecot  # noqa: E402
from pop3ws_harness.tlsgen import make_tls_files  # noqa: E402


# ---------------------------------------------------------------- client

def tree_cpu_seconds(pid):
    """User+system CPU of a process, its live descendants, and the children
    it has reaped (websockify forks a process per connection, which exits
    with the connection)."""
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
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        except OSError:
            pass
    return total / tick


def run_client(client_bin, port, args, relay_pid=None):
    """Runs ws_bench_client; returns its JSON and the relay's CPU seconds."""
    cpu0 = tree_cpu_seconds(relay_pid) if relay_pid else 0
    out = subprocess.run([client_bin, "--port", str(port)] + args, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError("ws_bench_client failed: " + out.stderr)
    if relay_pid:
        time.sleep(1)  # let websockify reap its per-connection processes
    cpu = tree_cpu_seconds(relay_pid) - cpu0 if relay_pid else None
    return json.loads(out.stdout), cpu


def measure(client_bin, port, path_args, user, password, runs, noops, relay_pid):
    """Throughput runs (and NOOPs when noops > 0) on one path."""
    res, cpu = run_client(client_bin, port, path_args + ["--user", user, "--password", password,
                                                         "--runs", str(runs), "--noops", "0"], relay_pid)
    rates = res["mb_per_s"]
    out = {"best_MBps": max(rates), "median_MBps": statistics.median(rates), "runs_MBps": rates,
           "relay_cpu_s_per_GB": round(cpu / (res["retr_bytes"] * runs / 1e9), 3) if cpu is not None else None}
    if noops:
        lat, _ = run_client(client_bin, port, path_args + ["--user", user, "--password", password,
                                                           "--runs", "0", "--noops", str(noops)])
        out["noop_p50_us"], out["noop_p99_us"] = lat["noop_p50_us"], lat["noop_p99_us"]
    return out


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


def serve_greetings(port, cert_file, key_file):
    """The greeting-only TLS server, run as a process of its own
    (--greeting-server): its 10,000 descriptors then do not count against
    the client's."""
    raise_nofile_limit()
    sctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    sctx.load_cert_chain(cert_file, key_file)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(greeting_server(sctx, port))
    loop.run_forever()


def start_greeting_server(tls):
    port = free_port()
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--greeting-server", str(port),
                             tls.cert_file, tls.key_file])
    wait_port(port, proc, "greeting server")
    return proc, port


def raise_nofile_limit():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (200000, 200000))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def open_idle_sessions(ports, path, n, concurrency):
    """n WebSocket sessions that received the greeting and then sit idle,
    spread over the relays listening on `ports` in turn."""
    key = base64.b64encode(os.urandom(16)).decode()
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n\r\n"
           % (path, key)).encode()
    sem = asyncio.Semaphore(concurrency)

    async def one(port):
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
    return await asyncio.gather(*(one(ports[i % len(ports)]) for i in range(n)))


def idle_memory(relay_procs, relay_ports, path, n, measure, concurrency=200):
    """Growth of the relays' memory (summed over the processes) per session."""
    def total():
        return sum(measure(p.pid) for p in relay_procs)

    async def run():
        base = total()
        conns = await open_idle_sessions(relay_ports, path, n, concurrency)
        await asyncio.sleep(2)
        after = total()
        for _, w in conns:
            w.close()
        await asyncio.sleep(1)
        return (after - base) / n
    return run


def synthetic_server(size_bytes):
    """Plain-TCP POP3 stand-in that answers any login and sends `size_bytes`
    of message for RETR at memory speed (one 8 MB block sent again and
    again; sendall runs without the GIL): it measures the relays, not a mail
    server."""
    import threading
    block = (b"x" * 74 + b"\r\n") * (8 * 1024 * 1024 // 76)
    count = max(1, size_bytes // len(block))
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)

    def serve(conn):
        try:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.sendall(b"+OK synthetic\r\n")
            f = conn.makefile("rb")
            for cmd in f:
                if cmd.startswith(b"RETR"):
                    conn.sendall(b"+OK\r\n")
                    for _ in range(count):
                        conn.sendall(block)
                    conn.sendall(b".\r\n")
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
    return srv, count * len(block) + 3


# ---------------------------------------------------------------- main

def paths(client_bin, runs, noops, user, password, modes):
    results = {}
    for name, (port, path_args, pid) in modes.items():
        r = measure(client_bin, port, path_args, user, password, runs, noops, pid)
        results[name] = r
        extra = ""
        if "noop_p50_us" in r:
            extra += "   NOOP p50 %6.1f us p99 %6.1f us" % (r["noop_p50_us"], r["noop_p99_us"])
        if r["relay_cpu_s_per_GB"] is not None:
            extra += "   relay CPU %.3f s/GB" % r["relay_cpu_s_per_GB"]
        print("  %-13s best %7.1f MB/s  median %7.1f MB/s%s" % (name, r["best_MBps"], r["median_MBps"], extra),
              flush=True)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--proxy-bin", default=os.environ.get("POP3WS_PROXY_BIN"))
    ap.add_argument("--client-bin", help="ws_bench_client (bench/proxy), a release build")
    ap.add_argument("--size-mb", type=int, default=50, help="the message in Dovecot")
    ap.add_argument("--synthetic-mb", type=int, default=1000, help="RETR size from the stand-in server (0: skip)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--noops", type=int, default=20000)
    # A proxy holds two descriptors per session (page and server). Where one
    # process may not hold that many (the reference machine's hard limit is
    # 20,000), a count is spread over several proxies, as nginx spreads
    # sessions in front of several (docs/self-hosting.md), and the largest
    # count one process can hold is measured too.
    ap.add_argument("--sessions", default="1000,10000", help="idle session counts for pop3ws-proxy (empty: skip)")
    # websockify forks a Python process per connection (about 5 MB each):
    # 10,000 would need some 50 GB. Its processes wait with select(), so
    # descriptors above 1,023 make it drop connections ("filedescriptor out
    # of range in select()"): at 1,000 sessions some already fail.
    ap.add_argument("--websockify-sessions", type=int, default=500)
    ap.add_argument("--greeting-server", nargs=3, metavar=("PORT", "CERT", "KEY"), help=argparse.SUPPRESS)
    ap.add_argument("--json", help="write the results here too")
    args = ap.parse_args()
    if args.greeting_server:
        port, cert, key = args.greeting_server
        return serve_greetings(int(port), cert, key)
    if not args.proxy_bin or not args.client_bin:
        ap.error("--proxy-bin and --client-bin are required (use a release build)")
    nofile = raise_nofile_limit()
    cb = args.client_bin
    results = {"size_mb": args.size_mb, "synthetic_mb": args.synthetic_mb}
    work = tempfile.mkdtemp(prefix="pop3ws-bench-")

    if args.synthetic_mb:
        srv, size = synthetic_server(args.synthetic_mb * 1000 * 1000)
        sport = srv.getsockname()[1]
        targets = ('[[targets]]\nname = "syn"\nhost = "127.0.0.1"\nport = %d\nsecurity = "none"\n'
                   'allow_private = true\n' % sport)
        proxy, pport = start_proxy(args.proxy_bin, targets, work)
        wsfy, wport = start_websockify(sport, ssl_target=False)
        print("stand-in server, plain TCP, RETR of %d MB:" % (size // 1000000), flush=True)
        try:
            results["synthetic"] = paths(cb, args.runs, 0, "u", "p", {
                "direct": (sport, [], None),
                "pop3ws-proxy": (pport, ["--ws", "/pop3/syn"], proxy.pid),
                "websockify": (wport, ["--ws", "/"], wsfy.pid),
            })
        finally:
            stop(proxy)
            stop(wsfy)
            srv.close()

    print("generating a %d MB message..." % args.size_mb, flush=True)
    big = mailgen.big(args.size_mb)
    with PrivateDovecot(users={"alice": "alice-pass", "bob": "bob-pass"},
                        mailboxes={"alice": mailgen.bulk(2, 1000), "bob": big}) as d:
        targets = ('[[targets]]\nname = "tls"\nhost = "127.0.0.1"\nport = %d\nca_file = "%s"\n'
                   'server_name = "localhost"\nallow_private = true\n' % (d.pop3s_port, d.ca_file))
        proxy, pport = start_proxy(args.proxy_bin, targets, work)
        wsfy, wport = start_websockify(d.pop3s_port)
        print("Dovecot, TLS to the server, RETR of %d MB, and NOOPs:" % args.size_mb, flush=True)
        try:
            modes = {
                "direct": (d.pop3s_port, ["--tls-ca", d.ca_file, "--sni", "localhost"], None),
                "pop3ws-proxy": (pport, ["--ws", "/pop3/tls"], proxy.pid),
                "websockify": (wport, ["--ws", "/"], wsfy.pid),
            }
            results["dovecot"] = paths(cb, args.runs, 0, "bob", "bob-pass", modes)
            lat = {}
            for name, (port, path_args, _) in modes.items():
                r, _ = run_client(cb, port, path_args + ["--user", "alice", "--password", "alice-pass",
                                                         "--runs", "0", "--noops", str(args.noops)])
                lat[name] = {"p50_us": r["noop_p50_us"], "p99_us": r["noop_p99_us"]}
                print("  %-13s NOOP p50 %6.1f us  p99 %6.1f us" % (name, r["noop_p50_us"], r["noop_p99_us"]),
                      flush=True)
            results["noop"] = lat
        finally:
            stop(proxy)
            stop(wsfy)

    # Idle sessions against a greeting-only TLS server (a process of its
    # own: the client here holds one descriptor per session, the server one).
    idle = {}
    counts = [int(x) for x in args.sessions.split(",") if x]
    # Two descriptors per session, and some for the proxy itself.
    per_process = max(1000, (nofile - 2000) // 2 // 1000 * 1000)
    runs = []
    for n in counts:
        if n > per_process:
            if per_process not in counts and per_process not in [r[0] for r in runs]:
                runs.append((per_process, 1))
            runs.append((n, -(-n // per_process)))
        else:
            runs.append((n, 1))
    if runs or args.websockify_sessions:
        tls = make_tls_files(os.path.join(work, "tls"))
        greeter, gport = start_greeting_server(tls)
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        targets = ('[[targets]]\nname = "idle"\nhost = "127.0.0.1"\nport = %d\nca_file = "%s"\n'
                   'server_name = "localhost"\nallow_private = true\n' % (gport, tls.ca_file))
        try:
            for n, procs in runs:
                started = [start_proxy(args.proxy_bin, targets, work, "idle_timeout_ms = 3600000\n")
                           for _ in range(procs)]
                try:
                    per = loop.run_until_complete(idle_memory([p for p, _ in started], [port for _, port in started],
                                                              "/pop3/idle", n, rss_kb)())
                finally:
                    for p, _ in started:
                        stop(p)
                key = "pop3ws-proxy@%d" % n + (" (%d processes)" % procs if procs > 1 else "")
                idle[key] = round(per, 1)
                print("pop3ws-proxy  %6d idle sessions%s: %6.1f KB RSS per session"
                      % (n, " over %d processes" % procs if procs > 1 else "", per), flush=True)
            if args.websockify_sessions:
                wsfy, wport = start_websockify(gport)
                try:
                    n = args.websockify_sessions
                    # websockify forks a process per connection: fewer
                    # connections in flight at once, or it resets some.
                    per = loop.run_until_complete(idle_memory([wsfy], [wport], "/", n, tree_pss_kb, 10)())
                finally:
                    stop(wsfy)
                idle["websockify@%d" % n] = round(per, 1)
                print("websockify    %6d idle sessions: %6.1f KB PSS per session" % (n, per), flush=True)
        finally:
            stop(greeter)
    results["idle_KB_per_session"] = idle

    ratios = {}
    for kind in ("synthetic", "dovecot"):
        if kind in results:
            r = results[kind]
            ratios[kind + "_throughput_vs_websockify"] = round(
                r["pop3ws-proxy"]["best_MBps"] / r["websockify"]["best_MBps"], 2)
            if r["pop3ws-proxy"]["relay_cpu_s_per_GB"]:  # 0 when a tiny run took under a clock tick
                ratios[kind + "_relay_cpu_websockify_vs_pop3ws_proxy"] = round(
                    r["websockify"]["relay_cpu_s_per_GB"] / r["pop3ws-proxy"]["relay_cpu_s_per_GB"], 2)
            ratios[kind + "_proxy_vs_direct"] = round(r["pop3ws-proxy"]["best_MBps"] / r["direct"]["best_MBps"], 2)
    if "noop" in results:
        n = results["noop"]
        ratios["added_p50_us_vs_direct"] = round(n["pop3ws-proxy"]["p50_us"] - n["direct"]["p50_us"], 1)
        ratios["websockify_added_p50_us_vs_direct"] = round(n["websockify"]["p50_us"] - n["direct"]["p50_us"], 1)
    results["ratios"] = ratios
    for k, v in ratios.items():
        print("%-48s %s" % (k, v))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
