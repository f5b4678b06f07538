#!/usr/bin/python3
"""Fetch benchmark: `pop3ws fetch` beside Debian's `mpop`, same mailbox, same run.

Starts a private Dovecot (tests/harness) holding N generated messages, then
alternately fetches the whole mailbox into a fresh Maildir with each client
over implicit TLS (the harness CA trusted, USER/PASS for both), several
times, and prints each time, the medians and the ratio pop3ws / mpop
(target: at most 1.0).

    /usr/bin/python3 bench/fetch/bench_fetch.py --pop3ws build/release/client-wasm/cli/pop3ws

Both clients deliver every message (mpop: only_new off; pop3ws: no --only-new)
and neither deletes. --delay-ms puts the harness delay relay between client
and server to stand in for a network round trip.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))

from pop3ws_harness import mailgen  # noqa: E402
from pop3ws_harness.delayrelay import DelayRelay  # noqa: E402
from pop3ws_harness.dovecot import PrivateDovecot  # noqa: E402

USER, PASSWORD = "bench", "bench-pass"


def count_messages(maildir):
    return sum(len(os.listdir(os.path.join(maildir, sub))) for sub in ("new", "cur"))


def mpoprc(path, port, ca_file, maildir, uidls):
    # mpop refuses a configuration file that others can read when it holds a password.
    with open(path, "w") as f:
        f.write("defaults\n"
                "tls on\n"
                "tls_starttls off\n"
                "tls_trust_file %s\n"
                "account bench\n"
                "host localhost\n"
                "port %d\n"
                "user %s\n"
                "password %s\n"
                "auth user\n"
                "pipelining auto\n"
                "only_new off\n"
                "keep on\n"
                "received_header off\n"
                "uidls_file %s\n"
                "delivery maildir %s\n" % (ca_file, port, USER, PASSWORD, uidls, maildir))
    os.chmod(path, 0o600)


def timed(args, env=None):
    """Wall-clock seconds and CPU seconds (user + system) of one run."""
    with tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit("%s failed (exit %d): %s" % (args[0], proc.returncode, err.read().decode()[-2000:]))
    return elapsed, usage.ru_utime + usage.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pop3ws", default=os.path.join(ROOT, "build", "release", "client-wasm", "cli", "pop3ws"))
    ap.add_argument("--mpop", default=shutil.which("mpop") or "/usr/bin/mpop")
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--size", type=int, default=4096, help="approximate bytes per message")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--delay-ms", type=float, default=0, help="one-way delay added by the delay relay")
    ap.add_argument("--maildir-root", default=None,
                    help="where the Maildirs go (default: the temp dir); /dev/shm (tmpfs, where fsync "
                         "costs nothing) takes the shared disk out of the comparison")
    opts = ap.parse_args()
    for tool in (opts.pop3ws, opts.mpop):
        if not os.access(tool, os.X_OK):
            raise SystemExit("not executable: %s" % tool)

    messages = mailgen.bulk(opts.messages, opts.size, seed=5)
    total = sum(len(m) for m in messages)
    work = tempfile.mkdtemp(prefix="pop3ws-bench-fetch-", dir=opts.maildir_root)
    try:
        with PrivateDovecot(users={USER: PASSWORD}, mailboxes={USER: messages}) as d:
            port = d.pop3s_port
            relay = None
            if opts.delay_ms:
                # The relay listens on 127.0.0.1; the certificate names localhost and 127.0.0.1.
                relay = DelayRelay(d.host, d.pop3s_port, delay_ms=opts.delay_ms).__enter__()
                port = relay.port
            try:
                print("fetch benchmark: %d messages, %.1f MB, TLS, %s ms one-way delay, %d runs, Maildirs in %s"
                      % (opts.messages, total / 1e6, opts.delay_ms or 0, opts.runs, work))
                times = {"pop3ws": [], "mpop": []}
                cpu = {"pop3ws": [], "mpop": []}
                for run in range(opts.runs):
                    order = ("pop3ws", "mpop") if run % 2 == 0 else ("mpop", "pop3ws")
                    for client in order:
                        maildir = os.path.join(work, "%s-%d" % (client, run))
                        if client == "pop3ws":
                            t, c = timed([opts.pop3ws, "--server", "localhost:%d" % port, "--security", "tls",
                                       "--ca-file", d.ca_file, "--user", USER, "--password-env", "BENCH_PW",
                                       "--auth", "user", "fetch", "--maildir", maildir],
                                      env=dict(os.environ, BENCH_PW=PASSWORD))
                        else:
                            for sub in ("cur", "new", "tmp"):
                                os.makedirs(os.path.join(maildir, sub))
                            rc = os.path.join(work, "mpoprc-%d" % run)
                            mpoprc(rc, port, d.ca_file, maildir, os.path.join(work, "uidls-%d" % run))
                            t, c = timed([opts.mpop, "-C", rc, "--quiet", "bench"])
                        got = count_messages(maildir)
                        if got != opts.messages:
                            raise SystemExit("%s delivered %d of %d messages" % (client, got, opts.messages))
                        times[client].append(t)
                        cpu[client].append(c)
                        shutil.rmtree(maildir)
                    print("run %d: pop3ws %.3f s (cpu %.3f s), mpop %.3f s (cpu %.3f s)"
                          % (run + 1, times["pop3ws"][-1], cpu["pop3ws"][-1], times["mpop"][-1], cpu["mpop"][-1]))
            finally:
                if relay:
                    relay.__exit__(None, None, None)
        p, m = statistics.median(times["pop3ws"]), statistics.median(times["mpop"])
        print("median: pop3ws %.3f s (%.0f msg/s), mpop %.3f s (%.0f msg/s)"
              % (p, opts.messages / p, m, opts.messages / m))
        pc, mc = statistics.median(cpu["pop3ws"]), statistics.median(cpu["mpop"])
        print("median CPU (user+system): pop3ws %.3f s, mpop %.3f s, ratio %.2f" % (pc, mc, pc / mc))
        print("ratio pop3ws/mpop: %.2f (target <= 1.00)" % (p / m))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
