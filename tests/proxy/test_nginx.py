"""The documented nginx example (proxy/examples/nginx-pop3ws.conf) in front of
two pop3ws-proxy instances: wss at nginx, sessions spread over both proxies."""

import asyncio
import os
import re
import signal
import socket
import ssl
import subprocess
import time

import pytest

from pop3ws_harness import mailgen
from pop3ws_harness.dovecot import PrivateDovecot
from pop3ws_harness.tlsgen import make_tls_files

from proxyctl import Proxy, WsPop3, dovecot_targets, http_exchange, run

EXAMPLE = os.path.join(os.environ.get("POP3WS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                       "proxy", "examples", "nginx-pop3ws.conf")
MAIL = mailgen.bulk(2, 2000)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def nginx_config(prefix, port, proxy_ports, cert, key):
    with open(EXAMPLE) as f:
        example = f.read()
    servers = "".join("    server 127.0.0.1:%d;\n" % p for p in proxy_ports)
    example, n = re.subn(r"(?m)^    server 127\.0\.0\.1:\d+;\n(    server 127\.0\.0\.1:\d+;\n)*", servers, example)
    assert n == 1, "the example's upstream block changed"
    example = example.replace("listen 443 ssl;", "listen 127.0.0.1:%d ssl;" % port)
    example = example.replace("server_name mail.example.org;", "server_name localhost;")
    example = re.sub(r"ssl_certificate\s+\S+;", "ssl_certificate %s;" % cert, example)
    example = re.sub(r"ssl_certificate_key\s+\S+;", "ssl_certificate_key %s;" % key, example)
    temp = "".join("%s_temp_path %s/%s;\n" % (t, prefix, t) for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return ("worker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log info;\n"
            "events { worker_connections 1024; }\n"
            "http {\naccess_log %s/access.log;\n%s%s\n}\n" % (prefix, prefix, prefix, temp, example))


class Nginx:
    def __init__(self, prefix, config):
        self.prefix = prefix
        self.conf = os.path.join(prefix, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(config)
        test = subprocess.run(["nginx", "-t", "-p", prefix, "-c", self.conf], capture_output=True, text=True)
        assert test.returncode == 0, "nginx rejects the example config:\n" + test.stderr
        self.proc = subprocess.Popen(["nginx", "-p", prefix, "-c", self.conf, "-g", "daemon off;"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def wait(self, port):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited:\n" + self.log())
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not listen:\n" + self.log())

    def log(self):
        try:
            with open(os.path.join(self.prefix, "error.log")) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)  # graceful shutdown
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def proxy_metric(p, name):
    _, body = http_exchange(p.port, "/metrics", timeout=10)
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    raise AssertionError(name)


def test_nginx_in_front_of_two_proxies(tmp_path):
    tls = make_tls_files(str(tmp_path / "tls"))
    nginx_port = free_port()
    origin = "https://localhost:%d" % nginx_port
    with PrivateDovecot(users={"alice": "alice-pass"}, mailboxes={"alice": MAIL}) as d:
        top = 'allowed_origins = ["%s"]\n' % origin
        limits = {"max_connections": 1000, "max_connections_per_ip": 1000}
        with Proxy(dovecot_targets(d), top=top, limits=limits) as p1, \
                Proxy(dovecot_targets(d), top=top, limits=limits) as p2:
            prefix = str(tmp_path / "nginx")
            os.makedirs(prefix)
            ngx = Nginx(prefix, nginx_config(prefix, nginx_port, [p1.port, p2.port], tls.cert_file, tls.key_file))
            try:
                ngx.wait(nginx_port)
                ctx = ssl.create_default_context(cafile=tls.ca_file)

                async def one():
                    c = await WsPop3.connect("wss://localhost:%d/pop3/tls" % nginx_port, ssl=ctx, origin=origin)
                    await c.login("alice", "alice-pass")
                    return c

                async def go():
                    clients = await asyncio.gather(*(one() for _ in range(20)))
                    spread = (proxy_metric(p1, "pop3ws_proxy_sessions_open"),
                              proxy_metric(p2, "pop3ws_proxy_sessions_open"))
                    bodies = await asyncio.gather(*(c.retr(2) for c in clients))
                    await asyncio.gather(*(c.command("QUIT") for c in clients))
                    closes = await asyncio.gather(*(c.closed() for c in clients))
                    return spread, bodies, closes

                spread, bodies, closes = run(go())
                assert sum(spread) == 20 and min(spread) >= 5, spread
                assert all(b == mailgen.pop3_view(MAIL[1]) for b in bodies)
                assert all(c == (1000, "upstream closed") for c in closes), closes[:3]
                # A page from elsewhere is refused by the proxies behind nginx.
                with pytest.raises(Exception):
                    run(WsPop3.connect("wss://localhost:%d/pop3/tls" % nginx_port, ssl=ctx,
                                       origin="https://evil.example"))
            finally:
                ngx.stop()
