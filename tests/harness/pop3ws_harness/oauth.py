"""A tiny OAuth 2.0 token-introspection endpoint (RFC 7662) for Dovecot's passdb oauth2.

Dovecot validates XOAUTH2 and OAUTHBEARER (RFC 7628) logins by POSTing
`token=<bearer>` to `introspection_url` (introspection_mode = post) and reading
`active` and the user-name attribute from the JSON reply. This server knows only
the tokens the harness issued, so a test can tell a good token from a bad one.

http.server is enough here: one loopback client (Dovecot's auth process), a
handful of requests per test, and no third-party dependency.
"""

import json
import secrets
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = "/introspect"


class _Handler(BaseHTTPRequestHandler):
    server_version = "pop3ws-introspect/1"

    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _token_from_request(self):
        # RFC 7662 section 2.1: the token is a form parameter of a POST;
        # introspection_mode = get appends it to the URL instead.
        url = urllib.parse.urlsplit(self.path)
        if url.path.rstrip("/") != PATH:
            return None, False
        if self.command == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode("ascii", "replace"))
        else:
            form = urllib.parse.parse_qs(url.query)
        token = (form.get("token") or [""])[0]
        if not token:
            # introspection_mode = auth sends "Authorization: Bearer <token>".
            auth = self.headers.get("Authorization", "")
            if auth.lower().startswith("bearer "):
                token = auth[7:].strip()
        return token, True

    def _handle(self):
        token, known_path = self._token_from_request()
        if not known_path:
            self._reply(404, {"error": "not found"})
            return
        self.server.requests += 1
        user = self.server.tokens.get(token)
        if user is None:
            self._reply(200, {"active": False})
        else:
            self._reply(200, {"active": True, "username": user, "scope": "pop"})

    do_POST = _handle
    do_GET = _handle

    def log_message(self, fmt, *args):
        # Requests carry bearer tokens: never log them.
        pass


class IntrospectionServer:
    """Runs on 127.0.0.1 in a daemon thread; issue() hands out tokens."""

    def __init__(self, host="127.0.0.1"):
        self._httpd = ThreadingHTTPServer((host, 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.tokens = {}
        self._httpd.requests = 0
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        name="oauth-introspect", daemon=True)

    @property
    def url(self):
        host, port = self._httpd.server_address[:2]
        return "http://%s:%d%s" % (host, port, PATH)

    @property
    def requests(self):
        """How many introspection requests arrived (tests use it to prove Dovecot asked)."""
        return self._httpd.requests

    def issue(self, user):
        token = "pop3ws-" + secrets.token_urlsafe(24)
        self._httpd.tokens[token] = user
        return token

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)
