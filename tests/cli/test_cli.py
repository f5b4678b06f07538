"""pop3ws against a real private Dovecot: transports, every SASL mechanism
Dovecot offers here, pipelining on and off, byte-exact RETR/TOP of edge-case
mail, LIST/STAT/CAPA/DELE, and each failure's exit code."""

import os
import poplib
import subprocess

import pytest

from conftest import (EXIT_AUTH, EXIT_NETWORK, EXIT_SERVER, EXIT_TLS, EXIT_TRY_LATER, EXIT_USAGE, MECHANISMS,
                      explain, pop3ws, pop3ws_bin, secret_forms)
from pop3ws_harness import mailgen
from pop3ws_harness.dovecot import PrivateDovecot

EDGE = mailgen.edge()
SMALL = mailgen.bulk(30, 1500, seed=7)


@pytest.fixture(scope="module")
def server():
    users = {"alice": "alice-pass", "empty": "empty-pass", "dele": "dele-pass", "rset": "rset-pass",
             "small": "small-pass", "locked": "locked-pass"}
    mailboxes = {"alice": EDGE, "dele": SMALL[:5], "rset": SMALL[:3], "small": SMALL}
    # pop3_lock_session: a second session on a mailbox gets -ERR [IN-USE].
    with PrivateDovecot(users=users, mailboxes=mailboxes, extra_config="pop3_lock_session = yes") as d:
        yield d


# ---- transports and mechanisms -------------------------------------------------------------

@pytest.mark.parametrize("security", ["tls", "starttls", "none"])
@pytest.mark.parametrize("auth", MECHANISMS)
def test_login_every_mechanism_and_transport(server, security, auth):
    r = pop3ws(server, "stat", security=security, auth=auth)
    assert r.returncode == 0, explain(r)
    count, octets = r.stdout.split()
    assert int(count) == len(EDGE)
    assert int(octets) > 0


def test_auto_picks_strongest_and_transcript_shows_it(server):
    r = pop3ws(server, "stat", options=["-v"])
    assert r.returncode == 0, explain(r)
    assert b"C: AUTH SCRAM-SHA-256" in r.stderr


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_auto_with_secret_is_token_uses_oauth(server, security):
    r = pop3ws(server, "stat", security=security, secret=server.oauth_token("alice"),
               options=["--secret-is-token", "-v"])
    assert r.returncode == 0, explain(r)
    assert b"C: AUTH OAUTHBEARER" in r.stderr or b"C: AUTH XOAUTH2" in r.stderr
    # Without the flag the token is taken for a password and refused.
    wrong = pop3ws(server, "stat", security=security, secret=server.oauth_token("alice"))
    assert wrong.returncode == EXIT_AUTH, explain(wrong)


def test_plain_link_with_allow_insecure_auth(server):
    r = pop3ws(server, "stat", security="none", auth="user", options=["--allow-insecure-auth"])
    assert r.returncode == 0, explain(r)
    assert r.stdout.split()[0] == str(len(EDGE)).encode()


def test_localhost_name_verified(server):
    r = pop3ws(server, "stat", host="localhost")
    assert r.returncode == 0, explain(r)


def test_starttls_upgrade_is_in_transcript(server):
    r = pop3ws(server, "capa", security="starttls", options=["-v"])
    assert r.returncode == 0, explain(r)
    err = r.stderr.decode()
    assert "C: STLS" in err and "TLS established" in err
    # CAPA again after STLS (RFC 2595 section 4) and after login (RFC 2449 section 5).
    assert err.count("C: CAPA") == 3
    out = r.stdout.decode()
    before, after = out.split("# after login")
    assert "SASL PLAIN" in before and "PIPELINING" in after


# ---- -v transcript redaction ---------------------------------------------------------------

@pytest.mark.parametrize("auth", MECHANISMS)
def test_verbose_transcript_has_no_secret(server, auth):
    r = pop3ws(server, "stat", security="starttls", auth=auth, options=["-v"])
    assert r.returncode == 0, explain(r)
    assert b"C: " in r.stderr and b"S: +OK" in r.stderr
    secret = server.oauth_token("alice") if auth in ("xoauth2", "oauthbearer") else "alice-pass"
    for form in secret_forms("alice", secret):
        assert form not in r.stderr, "secret leaked in the -v transcript (%s)" % auth
    assert b"********" in r.stderr


def test_verbose_retr_shows_no_message_content(server):
    r = pop3ws(server, "retr", "2", options=["-v"])
    assert r.returncode == 0, explain(r)
    assert b"Latin-1 bytes" not in r.stderr
    assert b"octets of message 2" in r.stderr


# ---- byte-exact messages -------------------------------------------------------------------

@pytest.mark.parametrize("pipelining", ["on", "off"])
def test_retr_edge_messages_byte_identical(server, pipelining, tmp_path):
    for i, message in enumerate(EDGE, 1):
        r = pop3ws(server, "retr", str(i), options=["--pipelining", pipelining])
        assert r.returncode == 0, explain(r)
        assert r.stdout == mailgen.pop3_view(message), "message %d differs" % i
    out = tmp_path / "m1.eml"
    r = pop3ws(server, "retr", "1", "-o", str(out))
    assert r.returncode == 0, explain(r)
    assert r.stdout == b""
    assert out.read_bytes() == mailgen.pop3_view(EDGE[0])


def test_top_returns_headers_and_first_lines(server):
    message = mailgen.pop3_view(EDGE[0])
    head, body = message.split(b"\r\n\r\n", 1)
    r = pop3ws(server, "top", "1", "3")
    assert r.returncode == 0, explain(r)
    assert r.stdout == head + b"\r\n\r\n" + b"".join(l + b"\r\n" for l in body.split(b"\r\n")[:3])
    r = pop3ws(server, "top", "1", "0")
    assert r.returncode == 0, explain(r)
    assert r.stdout == head + b"\r\n\r\n"


@pytest.mark.parametrize("pipelining", ["auto", "on", "off"])
def test_list_numbers_sizes_and_uidls(server, pipelining):
    r = pop3ws(server, "list", user="small", options=["--pipelining", pipelining])
    assert r.returncode == 0, explain(r)
    lines = r.stdout.decode().splitlines()
    assert len(lines) == len(SMALL)
    uids = set()
    for n, line in enumerate(lines, 1):
        number, size, uid = line.split()
        assert int(number) == n
        # Dovecot may count LF line ends: sizes are estimates (real-servers.md).
        assert abs(int(size) - len(SMALL[n - 1])) <= SMALL[n - 1].count(b"\n")
        uids.add(uid)
    assert len(uids) == len(SMALL)


def test_empty_mailbox(server, tmp_path):
    r = pop3ws(server, "stat", user="empty")
    assert r.returncode == 0, explain(r)
    assert r.stdout == b"0 0\n"
    r = pop3ws(server, "list", user="empty")
    assert r.returncode == 0, explain(r)
    assert r.stdout == b""
    r = pop3ws(server, "fetch", "--maildir", str(tmp_path / "md"), user="empty")
    assert r.returncode == 0, explain(r)
    assert os.listdir(tmp_path / "md" / "new") == []
    r = pop3ws(server, "retr", "1", user="empty")
    assert r.returncode == EXIT_SERVER, explain(r)


# ---- DELE ------------------------------------------------------------------------------------

def test_dele_deletes_at_quit(server):
    assert server.message_count("dele") == 5
    r = pop3ws(server, "dele", "2", "4", user="dele")
    assert r.returncode == 0, explain(r)
    assert b"QUIT" in r.stdout
    assert server.message_count("dele") == 3
    r = pop3ws(server, "list", user="dele")
    assert len(r.stdout.splitlines()) == 3


def test_dele_of_missing_message_deletes_nothing(server):
    r = pop3ws(server, "dele", "1", "99", user="rset")
    assert r.returncode == EXIT_SERVER, explain(r)
    assert b"nothing was deleted" in r.stderr
    assert server.message_count("rset") == 3


# ---- failures and their exit codes ------------------------------------------------------------

@pytest.mark.parametrize("auth", ["user", "plain", "login", "cram-md5", "scram-sha-256", "apop"])
def test_wrong_password_is_auth_failure(server, auth):
    r = pop3ws(server, "stat", auth=auth, secret="not-the-password")
    assert r.returncode == EXIT_AUTH, explain(r)
    assert b"login refused" in r.stderr
    assert b"not-the-password" not in r.stderr + r.stdout


@pytest.mark.parametrize("auth", ["xoauth2", "oauthbearer"])
def test_wrong_token_is_auth_failure(server, auth):
    r = pop3ws(server, "stat", auth=auth, secret="not-a-token-the-server-issued")
    assert r.returncode == EXIT_AUTH, explain(r)


def test_mailbox_in_use_is_try_later(server):
    holder = poplib.POP3(server.host, server.pop3_port, timeout=30)
    try:
        holder.user("locked")
        holder.pass_("locked-pass")
        r = pop3ws(server, "stat", user="locked")
        assert r.returncode == EXIT_TRY_LATER, explain(r)
        assert b"IN-USE" in r.stderr
    finally:
        holder.quit()
    r = pop3ws(server, "stat", user="locked")
    assert r.returncode == 0, explain(r)


def test_unknown_ca_is_tls_failure(server):
    for security in ("tls", "starttls"):
        r = pop3ws(server, "stat", security=security, ca_file=server.other_ca_file)
        assert r.returncode == EXIT_TLS, explain(r)
        assert b"certificate" in r.stderr


def test_system_store_does_not_trust_private_ca(server):
    port = server.pop3s_port
    r = subprocess.run([pop3ws_bin(), "--server", "127.0.0.1:%d" % port, "--security", "tls",
                        "--user", "alice", "--password-env", "PW", "stat"],
                       capture_output=True, env=dict(os.environ, PW="alice-pass"), timeout=60)
    assert r.returncode == EXIT_TLS, explain(r)


def test_connection_refused_is_network_failure(server):
    r = subprocess.run([pop3ws_bin(), "--server", "127.0.0.1:1", "--security", "tls", "--user", "alice",
                        "--password-env", "PW", "stat"],
                       capture_output=True, env=dict(os.environ, PW="x"), timeout=60)
    assert r.returncode == EXIT_NETWORK, explain(r)


def test_no_such_message_is_server_error(server):
    r = pop3ws(server, "retr", "999")
    assert r.returncode == EXIT_SERVER, explain(r)
    assert b"RETR 999" in r.stderr


def test_usage_errors(server, tmp_path):
    base = [pop3ws_bin(), "--server", "127.0.0.1:%d" % server.pop3s_port, "--security", "tls",
            "--ca-file", server.ca_file, "--user", "alice"]
    env = dict(os.environ, PW="alice-pass")
    cases = [
        base + ["stat"],                                                     # no secret
        base + ["--password-env", "POP3WS_UNSET_VARIABLE", "stat"],           # unset variable
        base + ["--password-env", "PW", "--auth", "kerberos", "stat"],       # unknown method
        base + ["--password-env", "PW", "retr"],                              # missing N
        base + ["--password-env", "PW"],                                      # no command
        base + ["--password-env", "PW", "--password", "alice-pass", "stat"],  # no secret on the command line
        base + ["--password-env", "PW", "dele", "0"],                         # messages start at 1
    ]
    bad_server = [pop3ws_bin(), "--security", "tls", "--user", "alice", "--password-env", "PW", "stat", "--server"]
    cases += [bad_server + ["[::1"],           # unclosed IPv6 bracket
              bad_server + ["host:99999"],     # port out of range
              bad_server + ["::1"]]            # IPv6 without brackets
    for args in cases:
        r = subprocess.run(args, capture_output=True, env=env, timeout=60)
        assert r.returncode == EXIT_USAGE, "%s: %s" % (args[len(base):], explain(r))
    r = subprocess.run([pop3ws_bin(), "--help"], capture_output=True, timeout=60)
    assert r.returncode == 0
    for code in range(2, 11):
        assert ("\n  %d " % code).encode() in r.stdout


def test_password_file(server, tmp_path):
    pw = tmp_path / "secret"
    pw.write_text("alice-pass\n")
    args = [pop3ws_bin(), "--server", "127.0.0.1:%d" % server.pop3s_port, "--security", "tls",
            "--ca-file", server.ca_file, "--user", "alice", "--password-file", str(pw), "stat"]
    pw.chmod(0o644)
    r = subprocess.run(args, capture_output=True, timeout=60)
    assert r.returncode == 0, explain(r)
    assert b"can be read by other users" in r.stderr
    pw.chmod(0o600)
    r = subprocess.run(args, capture_output=True, timeout=60)
    assert r.returncode == 0, explain(r)
    assert r.stderr == b""
    pw.write_text("wrong-pass\r\n")
    r = subprocess.run(args, capture_output=True, timeout=60)
    assert r.returncode == EXIT_AUTH, explain(r)
