"""pop3ws against scripted servers that break the way real ones do: the
pipelining stall guard, STLS missing or attacked, a hang-up on a wrong
password, response codes, a malformed reply."""

import os
import ssl
import subprocess
import time

import pytest

from conftest import (EXIT_AUTH, EXIT_NETWORK, EXIT_PROTOCOL, EXIT_SERVER, EXIT_STALL, EXIT_TLS, EXIT_TRY_LATER,
                      explain, pop3ws_bin)
from pop3ws_harness.tlsgen import make_tls_files
from scripted_pop3 import (BareLf, Behaviour, CourierUtf8, HangUpOnWrongPassword, Malformed, NoUidl, PipelineBreaker, RespCode,
                           RetrRefused, ScriptedPop3, Silent, StlsInjector, TerminalEscapes)


def run(server, *command, password="right", security="none", options=(), wait=5):
    args = [pop3ws_bin(), "--server", "127.0.0.1:%d" % server.port, "--security", security,
            "--user", "u", "--password-env", "PW", "--auth", "user", "--timeout", str(wait)] + list(options) + list(command)
    return subprocess.run(args, capture_output=True, env=dict(os.environ, PW=password), timeout=60)


def test_pipelining_stall_is_detected_and_off_works(tmp_path):
    with ScriptedPop3(PipelineBreaker) as server:
        r = run(server, "fetch", "--maildir", str(tmp_path / "a"), wait=2)
        assert r.returncode == EXIT_STALL, explain(r)
        assert b"--pipelining off" in r.stderr
        r = run(server, "fetch", "--maildir", str(tmp_path / "b"), wait=2, options=["--pipelining", "off"])
        assert r.returncode == 0, explain(r)
        assert len(os.listdir(tmp_path / "b" / "new")) == 3


def test_well_behaved_scripted_server_fetches(tmp_path):
    with ScriptedPop3(Behaviour) as server:
        r = run(server, "fetch", "--maildir", str(tmp_path / "m"), "--only-new")
        assert r.returncode == 0, explain(r)
        got = sorted((tmp_path / "m" / "new" / n).read_bytes() for n in os.listdir(tmp_path / "m" / "new"))
        assert got == sorted(Behaviour.messages)


def test_starttls_not_offered_is_tls_failure():
    with ScriptedPop3(Behaviour) as server:
        r = run(server, "stat", security="starttls")
        assert r.returncode == EXIT_TLS, explain(r)
        assert b"STLS" in r.stderr
        assert not any(c.startswith(b"PASS") for c in server.commands), "password sent without TLS"


def test_stls_injection_is_refused():
    with ScriptedPop3(StlsInjector) as server:
        r = run(server, "stat", security="starttls")
        assert r.returncode == EXIT_TLS, explain(r)
        assert b"injection" in r.stderr
        assert not any(c.startswith(b"PASS") for c in server.commands)


def test_hang_up_on_wrong_password_is_auth_failure():
    with ScriptedPop3(HangUpOnWrongPassword) as server:
        r = run(server, "stat", password="wrong")
        assert r.returncode == EXIT_AUTH, explain(r)


@pytest.mark.parametrize("code,expected", [(b"SYS/TEMP", EXIT_TRY_LATER), (b"LOGIN-DELAY", EXIT_TRY_LATER),
                                           (b"IN-USE", EXIT_TRY_LATER), (b"SYS/PERM", EXIT_SERVER),
                                           (b"AUTH", EXIT_AUTH)])
def test_response_codes_choose_the_exit_code(code, expected):
    class Coded(RespCode):
        pass
    Coded.code = code
    with ScriptedPop3(Coded) as server:
        r = run(server, "stat")
        assert r.returncode == expected, explain(r)


def test_malformed_reply_is_protocol_error():
    with ScriptedPop3(Malformed) as server:
        r = run(server, "stat")
        assert r.returncode == EXIT_PROTOCOL, explain(r)


def test_refused_retr_keeps_the_others_and_deletes_nothing_unsafe(tmp_path):
    md = tmp_path / "m"
    with ScriptedPop3(RetrRefused) as server:
        r = run(server, "fetch", "--maildir", str(md), "--delete")
        assert r.returncode == EXIT_SERVER, explain(r)
        assert b"RETR 3" in r.stderr
        got = sorted((md / "new" / n).read_bytes() for n in os.listdir(md / "new"))
        assert got == sorted(RetrRefused.messages[:2])
        assert os.listdir(md / "tmp") == []
        assert (md / ".pop3ws-uidl").read_text().split() == ["u@127.0.0.1:%d" % server.port, "uid-1",
                                                              "u@127.0.0.1:%d" % server.port, "uid-2"]
        dele = [c for c in server.commands if c.startswith(b"DELE")]
        assert sorted(dele) == [b"DELE 1", b"DELE 2"]
        assert server.commands[-1] == b"QUIT"


def test_sni_sent_for_names_not_for_addresses(tmp_path):
    tls = make_tls_files(str(tmp_path / "tls"))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls.cert_file, tls.key_file)
    with ScriptedPop3(Behaviour, tls_context=ctx) as server:
        for host in ("localhost", "127.0.0.1"):
            args = [pop3ws_bin(), "--server", "%s:%d" % (host, server.port), "--security", "tls",
                    "--ca-file", tls.ca_file, "--user", "u", "--password-env", "PW", "--timeout", "5", "stat"]
            r = subprocess.run(args, capture_output=True, env=dict(os.environ, PW="right"), timeout=60)
            assert r.returncode == 0, explain(r)
            assert r.stdout == b"3 %d\n" % sum(map(len, Behaviour.messages))
        # RFC 6066 section 3: a host name is sent, an IP literal is not.
        assert server.server_names == ["localhost", None]
        r = subprocess.run(args[:5] + ["--ca-file", tls.other_ca_file] + args[7:], capture_output=True,
                           env=dict(os.environ, PW="right"), timeout=60)
        assert r.returncode == EXIT_TLS, explain(r)


def test_silent_server_times_out_as_network_failure():
    with ScriptedPop3(Silent) as server:
        start = time.monotonic()
        r = run(server, "stat", wait=1)
        assert r.returncode == EXIT_NETWORK, explain(r)
        assert b"no reply from the server for 1 s" in r.stderr
        assert time.monotonic() - start < 10


def test_server_text_cannot_drive_the_terminal():
    with ScriptedPop3(TerminalEscapes) as server:
        r = run(server, "stat", options=["-v"])
        assert r.returncode == EXIT_AUTH, explain(r)
        assert b"\x1b" not in r.stderr and b"\x07" not in r.stderr
        assert b"no \\x1b[2J" in r.stderr           # shown, escaped
        assert b"S: +OK hello \\x1b]0;owned\\x07" in r.stderr


def test_server_without_uidl(tmp_path):
    with ScriptedPop3(NoUidl) as server:
        r = run(server, "list")
        assert r.returncode == 0, explain(r)
        assert r.stdout.decode().split("\n")[0].endswith(" -")
        assert len(r.stdout.splitlines()) == 3
        r = run(server, "fetch", "--maildir", str(tmp_path / "all"))
        assert r.returncode == 0, explain(r)
        got = sorted((tmp_path / "all" / "new" / n).read_bytes() for n in os.listdir(tmp_path / "all" / "new"))
        assert got == sorted(NoUidl.messages)
        r = run(server, "fetch", "--maildir", str(tmp_path / "new"), "--only-new")
        assert r.returncode == EXIT_SERVER, explain(r)
        assert b"UIDL" in r.stderr
        assert not any(c.startswith(b"RETR") for c in server.commands[-3:])


def test_certificate_for_another_name_is_tls_failure(tmp_path):
    # A certificate from a trusted CA, but for other.test only.
    tls = make_tls_files(str(tmp_path / "tls"), hostnames=("other.test",), ips=())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls.cert_file, tls.key_file)
    with ScriptedPop3(Behaviour, tls_context=ctx) as server:
        for host, why in (("localhost", b"hostname mismatch"), ("127.0.0.1", b"IP address mismatch")):
            args = [pop3ws_bin(), "--server", "%s:%d" % (host, server.port), "--security", "tls",
                    "--ca-file", tls.ca_file, "--user", "u", "--password-env", "PW", "--timeout", "5", "stat"]
            r = subprocess.run(args, capture_output=True, env=dict(os.environ, PW="right"), timeout=60)
            assert r.returncode == EXIT_TLS, explain(r)
            assert why in r.stderr
        assert not any(c.startswith(b"PASS") for c in server.commands)


def test_utf8_mode_is_requested_where_offered():
    with ScriptedPop3(CourierUtf8) as server:
        r = run(server, "retr", "1")
        assert r.returncode == 0, explain(r)
        assert r.stdout == CourierUtf8.messages[0]
        assert server.commands.index(b"UTF8") < server.commands.index(b"USER u")


def test_bare_lf_server_bytes_as_sent():
    with ScriptedPop3(BareLf) as server:
        for n, message in enumerate(BareLf.messages, 1):
            r = run(server, "retr", str(n))
            assert r.returncode == 0, explain(r)
            assert r.stdout == message
