"""Command line for the demo script and benchmarks.

    python3 -m pop3ws_harness dovecot --mailbox demo --user alice --password alice-pass
    python3 -m pop3ws_harness delayrelay --target 127.0.0.1:1100 --delay-ms 20

Each prints one JSON line describing what it started, then stays in the
foreground until SIGTERM or SIGINT and cleans up.
"""

import argparse
import json
import os
import signal
import sys
import threading

from . import mailgen


def mailbox_from_spec(spec):
    """demo | edge | empty | bulk:N:SIZE | big:MB  ->  list of messages."""
    name, _, rest = spec.partition(":")
    args = rest.split(":") if rest else []
    try:
        if name == "empty" and not args:
            return []
        if name == "edge" and not args:
            return mailgen.edge()
        if name == "demo" and not args:
            return mailgen.demo()
        if name == "bulk" and len(args) == 2:
            return mailgen.bulk(int(args[0]), int(args[1]))
        if name == "big" and len(args) == 1:
            return mailgen.big(float(args[0]))
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(
        "mailbox must be demo, edge, empty, bulk:N:SIZE or big:MB, not %r" % spec)


def _wait_for_signal():
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(3600):
        pass


def _cmd_dovecot(opts):
    from .dovecot import ALL_MECHANISMS, PrivateDovecot

    users = opts.user or ["alice"]
    passwords = opts.password or []
    if len(passwords) not in (0, 1, len(users)):
        sys.exit("give one --password per --user (or one for all)")
    if not passwords:
        passwords = [u + "-pass" for u in users]
    if len(passwords) == 1:
        passwords = passwords * len(users)
    # --mailbox SPEC applies to every user; USER=SPEC to one of them.
    boxes = {}
    for spec in opts.mailbox or ["demo"]:
        user, sep, what = spec.partition("=")
        targets = [user] if sep else users
        what = what if sep else spec
        if sep and user not in users:
            sys.exit("--mailbox %s names an unknown user" % spec)
        msgs = mailbox_from_spec(what)
        for u in targets:
            boxes[u] = msgs
    mechs = tuple(opts.mechanisms.split(",")) if opts.mechanisms else ALL_MECHANISMS
    d = PrivateDovecot(workdir=opts.workdir, users=dict(zip(users, passwords)), mailboxes=boxes,
                       mechanisms=mechs, disable_plaintext_auth=opts.disable_plaintext_auth,
                       pop3_port=opts.pop3_port, pop3s_port=opts.pop3s_port, keep=opts.keep,
                       keep_mail=opts.keep_mail, extra_config="\n".join(opts.extra_config or []))
    with d:
        info = {
            "host": d.host, "pop3_port": d.pop3_port, "pop3s_port": d.pop3s_port,
            "ca_file": d.ca_file, "other_ca_file": d.other_ca_file, "workdir": d.workdir,
            "users": sorted(d.users), "mechanisms": list(d.mechanisms),
            "messages": {u: d.message_count(u) for u in d.users},
        }
        if any(m in ("xoauth2", "oauthbearer") for m in d.mechanisms):
            # Tokens are credentials: hand them over in a private file, not on stdout.
            path = os.path.join(d.workdir, "oauth-tokens.json")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump({u: d.oauth_token(u) for u in d.users}, f)
            info["oauth_tokens_file"] = path
        print(json.dumps(info), flush=True)
        _wait_for_signal()
    return 0


def _cmd_delayrelay(opts):
    from .delayrelay import DelayRelay

    host, _, port = opts.target.rpartition(":")
    with DelayRelay(host or "127.0.0.1", int(port), delay_ms=opts.delay_ms,
                    rate_bytes_per_s=opts.rate, listen_port=opts.listen_port) as r:
        print(json.dumps({"host": r.host, "port": r.port, "target": opts.target,
                          "delay_ms": opts.delay_ms, "rate_bytes_per_s": opts.rate}), flush=True)
        _wait_for_signal()
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m pop3ws_harness")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("dovecot", help="run a private Dovecot POP3 server on loopback")
    p.add_argument("--mailbox", action="append",
                   help="demo|edge|empty|bulk:N:SIZE|big:MB, or USER=SPEC (repeatable; default demo)")
    p.add_argument("--user", action="append", help="user name (repeatable; default alice)")
    p.add_argument("--password", action="append", help="password, one per --user")
    p.add_argument("--workdir", help="keep everything here instead of a temporary directory")
    p.add_argument("--keep", action="store_true", help="do not delete the temporary work directory")
    p.add_argument("--keep-mail", action="store_true",
                   help="with --workdir: keep the Maildirs of the last run instead of --mailbox")
    p.add_argument("--pop3-port", type=int, help="plain POP3 (STLS) port; default: a free one")
    p.add_argument("--pop3s-port", type=int, help="implicit TLS port; default: a free one")
    p.add_argument("--mechanisms", help="comma-separated SASL mechanisms (default: all)")
    p.add_argument("--disable-plaintext-auth", action="store_true",
                   help="refuse USER/PASS and PLAIN before TLS (listens on 127.0.0.2)")
    p.add_argument("--extra-config", action="append", metavar="LINE",
                   help="a line appended to dovecot.conf (repeatable), e.g. 'pop3_lock_session = yes'")
    p.set_defaults(func=_cmd_dovecot)

    p = sub.add_parser("delayrelay", help="TCP relay on loopback adding a one-way delay")
    p.add_argument("--target", required=True, help="HOST:PORT to relay to")
    p.add_argument("--delay-ms", type=float, default=20.0, help="one-way delay per direction")
    p.add_argument("--rate", type=int, default=None, help="bandwidth cap per direction, bytes/s")
    p.add_argument("--listen-port", type=int, default=0, help="default: a free port")
    p.set_defaults(func=_cmd_delayrelay)

    opts = parser.parse_args(argv)
    return opts.func(opts)
