"""pop3ws through pop3ws-proxy (--proxy ws://.../pop3/NAME and wss://):
every command against a private Dovecot behind the real proxy, TLS and
STARTTLS targets, byte-identical to a direct connection; the proxy's close
codes become pop3ws's exit codes with their reason."""

import os
import subprocess
import sys

import pytest

from conftest import EXIT_NETWORK, EXIT_TLS, EXIT_USAGE, explain, maildir_contents, pop3ws, pop3ws_bin
from pop3ws_harness import mailgen
from pop3ws_harness.dovecot import PrivateDovecot
from pop3ws_harness.tlsgen import make_tls_files

sys.path.insert(0, os.path.join(os.environ.get("POP3WS_SOURCE_DIR", ""), "tests", "proxy"))
from proxyctl import Proxy, dovecot_targets, target_toml  # noqa: E402

EDGE = mailgen.edge()
SMALL = mailgen.bulk(12, 1500, seed=11)


@pytest.fixture(scope="module")
def server():
    users = {"alice": "alice-pass", "small": "small-pass", "dele": "dele-pass", "fetch": "fetch-pass"}
    mailboxes = {"alice": EDGE, "small": SMALL, "dele": SMALL[:4], "fetch": SMALL}
    with PrivateDovecot(users=users, mailboxes=mailboxes) as d:
        yield d


@pytest.fixture(scope="module")
def proxy(server):
    if not os.environ.get("POP3WS_PROXY_BIN"):
        pytest.fail("POP3WS_PROXY_BIN is not set: pop3ws-proxy was not built")
    # A refused port for the connect-failed case: bind, learn, close.
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    config = dovecot_targets(server) + target_toml("dead", "127.0.0.1", dead, "none", allow_private=True)
    with Proxy(config) as p:
        yield p


def via(proxy, target, *command, user="alice", auth=None, options=(), secret=None, timeout=180):
    """Runs pop3ws --proxy URL ... (no --server/--security)."""
    env = dict(os.environ, POP3WS_TEST_SECRET=secret if secret is not None else user + "-pass")
    args = [pop3ws_bin(), "--proxy", proxy.url("/pop3/" + target), "--user", user,
            "--password-env", "POP3WS_TEST_SECRET"]
    if auth:
        args += ["--auth", auth]
    return subprocess.run(args + list(options) + list(command), capture_output=True, env=env, timeout=timeout)


@pytest.mark.parametrize("target", ["tls", "stls"])
def test_list_and_retr_byte_identical_to_direct(server, proxy, target):
    direct = pop3ws(server, "list")
    proxied = via(proxy, target, "list")
    assert direct.returncode == 0, explain(direct)
    assert proxied.returncode == 0, explain(proxied)
    assert proxied.stdout == direct.stdout
    assert len(proxied.stdout.splitlines()) == len(EDGE)
    for n in range(1, len(EDGE) + 1):
        r = via(proxy, target, "retr", str(n))
        assert r.returncode == 0, explain(r)
        d = pop3ws(server, "retr", str(n))
        assert d.returncode == 0, explain(d)
        assert r.stdout == d.stdout, "message %d differs through the proxy" % n


@pytest.mark.parametrize("target", ["tls", "stls"])
def test_capa_stat_top_through_proxy(server, proxy, target):
    capa = via(proxy, target, "capa")
    assert capa.returncode == 0, explain(capa)
    # The proxy ran STLS for the stls target: the page sees no STLS offered
    # after TLS, and pop3ws sent none itself.
    assert b"PIPELINING" in capa.stdout.split(b"# after login")[1]
    stat = via(proxy, target, "stat", user="small")
    assert stat.returncode == 0, explain(stat)
    assert int(stat.stdout.split()[0]) == len(SMALL)
    top = via(proxy, target, "top", "2", "0", user="small")
    assert top.returncode == 0, explain(top)
    assert top.stdout == pop3ws(server, "top", "2", "0", user="small").stdout
    assert b"\r\n\r\n" in top.stdout and SMALL[1].startswith(top.stdout.split(b"\r\n\r\n")[0])


def test_verbose_transcript_names_no_stls_and_no_secret(server, proxy):
    r = via(proxy, "stls", "stat", options=["-v"], auth="plain")
    assert r.returncode == 0, explain(r)
    assert b"C: STLS" not in r.stderr
    assert b"alice-pass" not in r.stderr


def test_dele_through_proxy(server, proxy):
    before = server.message_count("dele")
    r = via(proxy, "tls", "dele", "1", user="dele")
    assert r.returncode == 0, explain(r)
    assert server.message_count("dele") == before - 1


def test_fetch_through_proxy(server, proxy, tmp_path):
    r = via(proxy, "tls", "fetch", "--maildir", str(tmp_path / "md"), user="fetch")
    assert r.returncode == 0, explain(r)
    assert sorted(maildir_contents(str(tmp_path / "md"))) == sorted(SMALL)
    again = via(proxy, "tls", "fetch", "--maildir", str(tmp_path / "md"), "--only-new", user="fetch")
    assert again.returncode == 0, explain(again)
    assert len(maildir_contents(str(tmp_path / "md"))) == len(SMALL)


def test_oauth_through_proxy(server, proxy):
    r = via(proxy, "tls", "stat", auth="xoauth2", secret=server.oauth_token("alice"))
    assert r.returncode == 0, explain(r)


def test_unknown_target_is_usage_error_with_reason(proxy):
    r = via(proxy, "no-such-target", "stat")
    assert r.returncode == EXIT_USAGE, explain(r)
    assert b"unknown target" in r.stderr and b"4000" in r.stderr


def test_upstream_cert_from_unknown_ca_is_tls_failure(proxy):
    r = via(proxy, "otherca", "stat")
    assert r.returncode == EXIT_TLS, explain(r)
    assert b"TLS verification failed" in r.stderr and b"4003" in r.stderr


def test_denied_target_is_usage_error(proxy):
    r = via(proxy, "denied", "stat")
    assert r.returncode == EXIT_USAGE, explain(r)
    assert b"target not allowed" in r.stderr


def test_connect_failed_is_network_failure(proxy):
    r = via(proxy, "dead", "stat")
    assert r.returncode == EXIT_NETWORK, explain(r)
    assert b"connect failed" in r.stderr


def test_plain_target_through_loopback_ws_allows_user_pass(proxy):
    """ws:// to a loopback proxy counts as a loopback link (docs/cli.md)."""
    r = via(proxy, "plain", "stat", auth="user")
    assert r.returncode == 0, explain(r)


def test_bad_proxy_urls_are_usage_errors(proxy):
    for url in ("http://127.0.0.1:1/pop3/tls", "ws://:80/x", "ws://127.0.0.1:99999/pop3/tls", "ws://[::1/x"):
        r = subprocess.run([pop3ws_bin(), "--proxy", url, "--user", "a", "--password-env", "HOME", "stat"],
                           capture_output=True, timeout=60)
        assert r.returncode == EXIT_USAGE, "%s: %s" % (url, explain(r))
    r = subprocess.run([pop3ws_bin(), "--proxy", proxy.url("/pop3/tls"), "--server", "127.0.0.1:1",
                        "--user", "a", "--password-env", "HOME", "stat"], capture_output=True, timeout=60)
    assert r.returncode == EXIT_USAGE, explain(r)


def test_wss_proxy_with_proxy_ca_file(server, tmp_path):
    tls = make_tls_files(str(tmp_path / "tls"))
    top = '[tls]\ncert = "%s"\nkey = "%s"\n' % (tls.cert_file, tls.key_file)
    with Proxy(dovecot_targets(server), top=top) as p:
        url = "wss://localhost:%d/pop3/stls" % p.port
        env = dict(os.environ, PW="small-pass")
        base = [pop3ws_bin(), "--proxy", url, "--user", "small", "--password-env", "PW"]
        ok = subprocess.run(base + ["--proxy-ca-file", tls.ca_file, "list"], capture_output=True, env=env, timeout=120)
        assert ok.returncode == 0, explain(ok)
        assert ok.stdout == pop3ws(server, "list", user="small").stdout
        # The proxy's certificate from a CA we were not told to trust.
        bad = subprocess.run(base + ["--proxy-ca-file", server.other_ca_file, "stat"], capture_output=True,
                             env=env, timeout=120)
        assert bad.returncode == EXIT_TLS, explain(bad)
        assert b"proxy's certificate was not accepted" in bad.stderr
