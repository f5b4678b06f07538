"""Shared helpers for the pop3ws command line tests.

The binary under test comes from POP3WS_BIN (set by tests/CMakeLists.txt);
servers are private Dovecot instances from tests/harness on 127.0.0.1.
"""

import base64
import os
import subprocess

import pytest

# Exit codes of pop3ws (client-wasm/cli/exit_codes.hpp, docs/cli.md).
EXIT_USAGE = 2
EXIT_NETWORK = 3
EXIT_TLS = 4
EXIT_AUTH = 5
EXIT_TRY_LATER = 6
EXIT_SERVER = 7
EXIT_PROTOCOL = 8
EXIT_LOCAL_IO = 9
EXIT_STALL = 10

MECHANISMS = ("user", "apop", "plain", "login", "cram-md5", "scram-sha-256", "xoauth2", "oauthbearer")
OAUTH = ("xoauth2", "oauthbearer")


def pop3ws_bin():
    path = os.environ.get("POP3WS_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("POP3WS_BIN does not name the pop3ws binary (run through ctest): %r" % path)
    return path


@pytest.fixture(scope="session")
def binary():
    return pop3ws_bin()


def secret_for(server, user, auth):
    if auth in OAUTH:
        return server.oauth_token(user)
    return server.users[user]


def pop3ws(server, *command, user="alice", security="tls", auth=None, secret=None, host="127.0.0.1",
           ca_file=None, options=(), timeout=180, env=None, stdin=None):
    """Runs pop3ws against `server`; returns the CompletedProcess (bytes)."""
    port = server.pop3s_port if security == "tls" else server.pop3_port
    if secret is None:
        secret = secret_for(server, user, auth)
    run_env = dict(os.environ)
    run_env["POP3WS_TEST_SECRET"] = secret
    if env:
        run_env.update(env)
    args = [pop3ws_bin(), "--server", "%s:%d" % (host, port), "--security", security,
            "--ca-file", ca_file or server.ca_file, "--user", user, "--password-env", "POP3WS_TEST_SECRET"]
    if auth:
        args += ["--auth", auth]
    args += list(options) + list(command)
    return subprocess.run(args, capture_output=True, env=run_env, timeout=timeout, stdin=stdin)


def explain(result):
    """Context for an assertion message: exit code and the end of stderr."""
    return "exit %d, stderr: %s" % (result.returncode, result.stderr[-3000:].decode("utf-8", "replace"))


def secret_forms(user, secret):
    """The secret and the encodings in which a careless client would leak it."""
    forms = [secret.encode()]
    for raw in (b"\0" + user.encode() + b"\0" + secret.encode(),      # PLAIN
                secret.encode(),                                      # LOGIN
                b"user=" + user.encode() + b"\x01auth=Bearer " + secret.encode() + b"\x01\x01"):  # XOAUTH2
        forms.append(base64.b64encode(raw))
    return forms


def maildir_contents(path):
    """Contents of every message file in new/ and cur/ of a Maildir."""
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(path, sub)
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as f:
                out.append(f.read())
    return out
