"""pop3ws shell driven through a pseudo-terminal (Python's pty module)
against a private Dovecot, directly and through pop3ws-proxy: the prompt
shows the state, a refused command sends nothing, every command and reply is
annotated (English and Chinese, from client-wasm/annotations/pop3.json),
history (up arrow) and completion (tab) work, and no password reaches the
screen's transcript or the exported file."""

import fcntl
import json
import os
import pty
import re
import select
import signal
import socket
import struct
import sys
import termios
import threading
import time

import pytest

from conftest import pop3ws_bin
from pop3ws_harness import mailgen
from pop3ws_harness.dovecot import PrivateDovecot

sys.path.insert(0, os.path.join(os.environ.get("POP3WS_SOURCE_DIR", ""), "tests", "proxy"))
from proxyctl import Proxy, dovecot_targets  # noqa: E402

MAIL = mailgen.bulk(30, 900, seed=5)
NOTES = json.load(open(os.path.join(os.environ.get("POP3WS_SOURCE_DIR", ""), "client-wasm", "annotations",
                                    "pop3.json"), encoding="utf-8"))
PROMPT = re.compile(rb"pop3ws ([A-Z]+)> ")
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r|\x07")


@pytest.fixture(scope="module")
def server():
    users = {"alice": "alice-pass", "bob": "bob-pass", "carol": "carol-pass", "dave": "dave-pass",
             "erin": "erin-pass"}
    # pop3_lock_session: a second session on a mailbox gets -ERR [IN-USE].
    with PrivateDovecot(users=users, mailboxes={u: MAIL for u in users},
                        extra_config="pop3_lock_session = yes") as d:
        yield d


@pytest.fixture(scope="module")
def proxy(server):
    if not os.environ.get("POP3WS_PROXY_BIN"):
        pytest.fail("POP3WS_PROXY_BIN is not set: pop3ws-proxy was not built")
    with Proxy(dovecot_targets(server)) as p:
        yield p


class CountingRelay:
    """A loopback TCP relay that counts the bytes the client sends, to prove
    that a refused command puts nothing on the wire."""

    def __init__(self, port):
        self.target = port
        self.up = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        client, _ = self.listener.accept()
        upstream = socket.create_connection(("127.0.0.1", self.target))
        threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
        threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src, dst, count):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if count:
                    self.up += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class PtyShell:
    """pop3ws shell on a pseudo-terminal: type lines and keys, read the screen."""

    def __init__(self, args, env):
        pid, fd = pty.fork()
        if pid == 0:  # the child: becomes pop3ws on the terminal
            os.execve(args[0], args, env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
        self.raw = bytearray()
        self.mark = 0

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([self.fd], [], [], left)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        self.raw += data
        return True

    def screen(self, since=0):
        return ANSI.sub(b"", bytes(self.raw[since:])).decode("utf-8", "replace")

    def expect(self, pattern, timeout=30):
        """Waits for `pattern` (bytes regex) in the output after the mark."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(ANSI.sub(b"", bytes(self.raw[self.mark:])))
            if m:
                return m
            if not self._fill(deadline):
                raise AssertionError("waited for %r; the terminal shows:\n%s" % (pattern, self.screen()[-4000:]))

    def command(self, line, timeout=30):
        """Types `line` and Enter; returns what appeared up to the next prompt."""
        self.mark = len(self.raw)
        os.write(self.fd, line.encode() + b"\r")
        # The prompt that ends the output (a masked PASS line repeats one).
        m = self.expect(rb"\npop3ws ([A-Z]+)> $", timeout)
        return self.screen(self.mark), m.group(1).decode()

    def keys(self, data):
        self.mark = len(self.raw)
        os.write(self.fd, data)

    def close(self):
        """Ends the shell if it still runs (after a failed assertion)."""
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self.pid = None
        try:
            os.close(self.fd)
        except OSError:
            pass

    def finish(self, timeout=30, key=b"exit\r"):
        """Leaves the shell (`exit`, or Ctrl-D with key=b"\\x04"); returns the
        exit status. The key is typed again if the first one arrived while
        the line editor was still setting up the terminal."""
        deadline = time.monotonic() + timeout
        sent = 0
        last_sent = 0.0
        while time.monotonic() < deadline:
            # Type the key only while the line editor reads (it turns canonical
            # mode off, which the pty's master side sees): in canonical mode the
            # line discipline itself takes a Ctrl-D, and the editor never sees
            # it. Resend after a pause in case it still got lost.
            if (sent < 5 and time.monotonic() - last_sent > 2.0 and self._editor_reading()
                    and b"* bye" not in self.raw[self.mark:]
                    and b"\xe5\x86\x8d\xe8\xa7\x81" not in self.raw[self.mark:]):
                if sent == 0:
                    self.mark = len(self.raw)
                os.write(self.fd, key)
                sent += 1
                last_sent = time.monotonic()
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self._fill(time.monotonic() + 0.2):
                    pass
                os.close(self.fd)
                self.pid = None
                return os.waitstatus_to_exitcode(status)
            self._fill(time.monotonic() + 1.0)
        reading = self._editor_reading()
        self.close()
        raise AssertionError("pop3ws shell did not exit on %r (sent %d times; line editor reading: %s):\n%s"
                             % (key, sent, reading, self.screen()[-3000:]))

    def _editor_reading(self):
        try:
            return not (termios.tcgetattr(self.fd)[3] & termios.ICANON)
        except termios.error:
            return False


def start_shell(conn, user, lang="C.UTF-8", extra=(), secret=None):
    env = {"PATH": "/usr/bin:/bin", "TERM": "xterm", "HOME": os.environ.get("HOME", "/root"), "LANG": lang,
           "SHELL_TEST_SECRET": secret or user + "-pass"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    args = [pop3ws_bin()] + conn + ["--user", user, "--password-env", "SHELL_TEST_SECRET", "shell"] + list(extra)
    sh = PtyShell(args, env)
    sh.expect(rb"pop3ws AUTHORIZATION> ")
    return sh


def direct(server, port=None):
    return ["--server", "127.0.0.1:%d" % (port or server.pop3s_port), "--security", "tls", "--ca-file", server.ca_file]


def note(section, key, lang):
    return NOTES[section][key][lang]


def lesson(sh, lang):
    """Login, STAT, LIST, TOP, DELE, RSET, QUIT with their annotations."""
    out, state = sh.command("login")
    assert state == "TRANSACTION", out
    assert "C: AUTH SCRAM-SHA-256" in out and "S: +OK" in out
    assert note("states", "TRANSACTION", lang) in out
    for cmd, args in (("STAT", ""), ("LIST", ""), ("TOP", " 1 2"), ("DELE", " 1"), ("RSET", "")):
        out, state = sh.command(cmd + args)
        assert state == "TRANSACTION", out
        assert "C: " + cmd + args in out
        assert note("commands", cmd, lang) in out, "%s not annotated in %s:\n%s" % (cmd, lang, out)
        assert note("responses", "+OK", lang) in out
        if cmd in ("LIST", "TOP"):
            assert note("responses", ".", lang) in out
        if cmd == "LIST":
            # 30 messages fold after 20 lines, with a count.
            assert ("10 more lines folded" if lang == "en" else "另有 10 行已折叠") in out, out
            assert "S: 20 " in out and "S: 21 " not in out
            shown, _ = sh.command("show")
            assert "S: 30 " in shown
        if cmd == "STAT":
            assert ("30 messages" if lang == "en" else "30 封邮件") in out
    out, state = sh.command("QUIT")
    assert state == "CLOSED", out
    assert note("commands", "QUIT", lang) in out
    assert note("states", "UPDATE", lang) in out and note("states", "CLOSED", lang) in out


def test_refusal_sends_nothing_then_lesson_in_english(server, tmp_path):
    relay = CountingRelay(server.pop3s_port)
    sh = start_shell(direct(server, relay.port), "alice")
    try:
        time.sleep(0.3)
        handshake = relay.up  # the TLS handshake; nothing of POP3 yet
        greeting = sh.screen()
        assert "S: +OK" in greeting and note("responses", "greeting", "en") in greeting
        out, state = sh.command("RETR 1")
        assert state == "AUTHORIZATION"
        assert "refused, nothing sent" in out and "C: RETR" not in out
        assert note("errors", "wrong-state", "en") in out
        assert "RETR is allowed in TRANSACTION" in out and note("commands", "RETR", "en") in out
        time.sleep(0.3)
        assert relay.up == handshake, "a refused command reached the server (%d bytes)" % (relay.up - handshake)
        out, state = sh.command("TOP 1")
        assert "refused, nothing sent" in out and "usage: " + NOTES["commands"]["TOP"]["usage"] in out
        assert relay.up == handshake
        lesson(sh, "en")
        assert relay.up > handshake  # the relay does count what is sent
        out, _ = sh.command("export %s" % (tmp_path / "t.txt"))
        assert "secrets redacted" in out
        assert sh.finish() == 0
    finally:
        sh.close()
    exported = (tmp_path / "t.txt").read_text(encoding="utf-8")
    assert "C: AUTH SCRAM-SHA-256" in exported and "alice-pass" not in exported
    assert server.message_count("alice") == len(MAIL), "RSET should have undone DELE 1"


@pytest.mark.parametrize("how", ["LANG", "--lang"])
def test_lesson_in_chinese_through_the_proxy(server, proxy, how):
    user = "bob" if how == "LANG" else "carol"
    conn = ["--proxy", proxy.url("/pop3/stls")]
    sh = (start_shell(conn, user, lang="zh_CN.UTF-8") if how == "LANG"
          else start_shell(conn, user, lang="C.UTF-8", extra=["--lang", "zh"]))
    try:
        assert "经 pop3ws-proxy 连接" in sh.screen()
        assert note("responses", "greeting", "zh") in sh.screen()
        out, state = sh.command("RETR 2")
        assert state == "AUTHORIZATION" and "已拒绝，未发送任何内容" in out
        assert note("errors", "wrong-state", "zh") in out
        out, _ = sh.command("STLS")
        assert "C: STLS" not in out and "代理" in out
        lesson(sh, "zh")
        assert sh.finish() == 0
    except BaseException:
        sh.close()
        raise


def test_history_completion_and_masked_pass(server, tmp_path):
    sh = start_shell(direct(server), "dave")
    try:
        out, state = sh.command("USER dave")
        assert "C: USER dave" in out and state == "AUTHORIZATION"
        out, state = sh.command("PASS dave-pass")
        assert state == "TRANSACTION", out
        assert "C: PASS ********" in out
        # The typed line was overwritten with its masked form on the screen.
        assert "PASS ********" in sh.screen(sh.mark)
        # Up arrow recalls USER (PASS is kept out of the history).
        sh.keys(b"\x1b[A")
        sh.expect(rb"USER dave")
        out, state = sh.command("")
        assert "refused, nothing sent" in out and "USER is allowed in AUTHORIZATION" in out
        assert "dave-pass" not in sh.screen(sh.mark)
        # Tab completes command names, keeping the case typed.
        sh.mark = len(sh.raw)
        os.write(sh.fd, b"STA\t")
        sh.expect(rb"STAT")
        out, state = sh.command("")
        assert "C: STAT" in out and state == "TRANSACTION"
        os.write(sh.fd, b"uid\t")
        out, state = sh.command("")
        assert "C: uidl" in out or "C: UIDL" in out, out
        out, _ = sh.command("export %s" % (tmp_path / "t.txt"))
        out, state = sh.command("QUIT")
        assert state == "CLOSED"
        assert sh.finish(key=b"\x04") == 0  # Ctrl-D
    except BaseException:
        sh.close()
        raise
    exported = (tmp_path / "t.txt").read_text(encoding="utf-8")
    assert "dave-pass" not in exported
    assert "PASS ********" in exported and "C: STAT" in exported


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_response_code_in_use_is_explained(server, lang):
    import poplib
    import ssl
    holder = poplib.POP3_SSL("127.0.0.1", server.pop3s_port,
                             context=ssl.create_default_context(cafile=server.ca_file))
    try:
        holder.user("erin")
        holder.pass_("erin-pass")  # holds the mailbox lock
        sh = start_shell(direct(server), "erin", extra=["--lang", lang])
        try:
            out, state = sh.command("login")
            assert state == "AUTHORIZATION", out
            assert "S: -ERR [IN-USE]" in out
            assert "[IN-USE] " + note("codes", "IN-USE", lang) in out and NOTES["codes"]["IN-USE"]["rfc"] in out
            assert note("responses", "-ERR", lang) in out
            assert sh.finish() == 0
        finally:
            sh.close()
    finally:
        holder.quit()


def test_explain_off_is_plain(server):
    sh = start_shell(direct(server), "alice", extra=["--explain", "off"])
    try:
        assert "    | " not in sh.screen()
        out, state = sh.command("login")
        assert state == "TRANSACTION" and "S: +OK" in out
        out, _ = sh.command("NOOP")
        assert "C: NOOP" in out and "S: +OK" in out and "    | " not in out
        out, state = sh.command("QUIT")
        assert sh.finish() == 0
    except BaseException:
        sh.close()
        raise


def test_scripted_stdin_without_terminal(server):
    """Without a terminal the shell reads plain lines (for scripts)."""
    import subprocess
    env = dict(os.environ, PW="alice-pass", LANG="C")
    r = subprocess.run([pop3ws_bin()] + direct(server) + ["--user", "alice", "--password-env", "PW", "shell"],
                       input=b"help\nPASS wrong-order\nUSER alice\nPASS alice-pass\nSTAT\nQUIT\n", capture_output=True,
                       env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "export FILE" in out and NOTES["commands"]["TOP"]["usage"] in out  # help
    assert "refused, nothing sent" in out  # PASS before USER (RFC 1939 section 7)
    assert "S: +OK 30 " in out and "pop3ws CLOSED> " in out
    assert "alice-pass" not in out and "wrong-order" not in out


def test_starttls_runs_capa_and_stls_before_the_prompt(server):
    import subprocess
    env = dict(os.environ, PW="alice-pass", LANG="C")
    conn = ["--server", "127.0.0.1:%d" % server.pop3_port, "--security", "starttls", "--ca-file", server.ca_file]
    r = subprocess.run([pop3ws_bin()] + conn + ["--user", "alice", "--password-env", "PW", "shell"],
                       input=b"STLS\nlogin\nSTAT\nQUIT\n", capture_output=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    before_prompt = out.split("pop3ws AUTHORIZATION> ")[0]
    assert "C: STLS" in before_prompt and "*  TLS established" in before_prompt
    assert note("commands", "STLS", "en") in before_prompt
    # STLS again after TLS: the server no longer offers it (Dovecot: -ERR).
    assert "S: +OK 30 " in out and "alice-pass" not in out
