"""Writing Maildirs the way a delivery agent does (tmp/ then rename into new/).

Dovecot numbers new messages in the order of the delivery time at the start
of each file name (maildir-uidlist.c sorts new files by it), so each message
gets a time one second after the previous one: POP3 message numbers then
follow the list order given here.
"""

import os
import re
import secrets
import socket
import time

_TIME_PREFIX = re.compile(r"^(\d+)\.")


def _last_time(path):
    latest = 0
    for sub in ("new", "cur"):
        try:
            names = os.listdir(os.path.join(path, sub))
        except FileNotFoundError:
            continue
        for name in names:
            m = _TIME_PREFIX.match(name)
            if m:
                latest = max(latest, int(m.group(1)))
    return latest


def _chown(path, uid, gid):
    if uid is not None or gid is not None:
        os.chown(path, -1 if uid is None else uid, -1 if gid is None else gid)


def write_maildir(path, messages, uid=None, gid=None):
    """Deliver `messages` (bytes each, written unchanged) into the Maildir at `path`.

    Creates cur/, new/ and tmp/ when missing. Messages are appended after any
    already there, in list order. Returns the file names written (in new/).
    """
    for sub in ("", "cur", "new", "tmp"):
        d = os.path.join(path, sub)
        os.makedirs(d, mode=0o700, exist_ok=True)
        _chown(d, uid, gid)
    # Maildir names: time.unique.host (https://cr.yp.to/proto/maildir.html).
    start = max(_last_time(path) + 1, int(time.time()) - len(messages))
    host = socket.gethostname().replace("/", "\\057").replace(":", "\\072")
    tag = secrets.token_hex(4)
    names = []
    for i, msg in enumerate(messages):
        if not isinstance(msg, (bytes, bytearray)):
            raise TypeError("message %d is %s, not bytes" % (i, type(msg).__name__))
        name = "%d.M%06dP%dQ%d_%s.%s" % (start + i, i % 1000000, os.getpid(), i, tag, host)
        tmp = os.path.join(path, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(msg)
        os.chmod(tmp, 0o600)
        _chown(tmp, uid, gid)
        os.rename(tmp, os.path.join(path, "new", name))
        names.append(name)
    return names


def count_messages(path):
    """Messages in new/ and cur/ (what POP3 STAT would count after a sync)."""
    total = 0
    for sub in ("new", "cur"):
        try:
            total += sum(1 for n in os.listdir(os.path.join(path, sub)) if not n.startswith("."))
        except FileNotFoundError:
            pass
    return total
