"""A private Dovecot POP3 server on loopback, one per test, started from a generated config.

Nothing of the system's Dovecot is used: the config file, base_dir (sockets,
pid file), state_dir, log, TLS keys, passwd-file and Maildirs all live in the
instance's work directory, so several instances run side by side.

    with PrivateDovecot(users={"alice": "alice-pass"},
                        mailboxes={"alice": [b"Subject: hi\\r\\n\\r\\nbody\\r\\n"]}) as d:
        poplib.POP3_SSL(d.host, d.pop3s_port, context=ssl.create_default_context(cafile=d.ca_file))

Ports: `pop3_port` is plain POP3 offering STLS (RFC 2595 section 4), `pop3s_port`
is implicit TLS (RFC 8314 section 3.3). Passwords are stored as {PLAIN} because
CRAM-MD5 (RFC 2195), SCRAM-SHA-256 (RFC 7677) and APOP (RFC 1939 section 7) need
the clear secret on the server. XOAUTH2 and OAUTHBEARER (RFC 7628) go through
passdb oauth2, which asks a token-introspection endpoint run by this harness.
"""

import grp
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

from . import maildir as _maildir
from .oauth import IntrospectionServer
from .ports import free_ports
from .tlsgen import make_tls_files

HOST = "127.0.0.1"
# Dovecot counts a connection whose remote address equals its local address as
# "secured" (login-common: client->secured), so on 127.0.0.1 it would never
# enforce disable_plaintext_auth. A server that must enforce it listens on
# 127.0.0.2: clients connect from 127.0.0.1 (the loopback route's source).
UNSECURED_HOST = "127.0.0.2"

ALL_MECHANISMS = ("plain", "login", "cram-md5", "scram-sha-256", "apop", "xoauth2", "oauthbearer")
_OAUTH_MECHANISMS = ("xoauth2", "oauthbearer")

MAIL_USER = "pop3ws-mail"

# unix socket paths are limited to 108 bytes (sun_path); Dovecot's longest
# socket name below base_dir is about 30 bytes.
_MAX_BASE_DIR = 70


# sh script: run "dovecot -F -c $1", stop it with SIGTERM once stdin reaches EOF,
# and exit with Dovecot's status. fd 3 keeps the pipe for the background reader
# (a background job's own stdin would be /dev/null).
_WATCHDOG = """
exec 3<&0
dovecot -F -c "$1" </dev/null &
master=$!
{ read -r _ <&3; kill -TERM "$master" 2>/dev/null; } &
reader=$!
exec 3<&-
wait "$master"
status=$?
kill "$reader" 2>/dev/null
exit "$status"
"""


class DovecotError(RuntimeError):
    """Dovecot did not start or misbehaved; the message carries the end of its log."""


def _mail_ids():
    """uid/gid that own the Maildirs: Dovecot refuses to run mail processes as root.

    A dedicated system user keeps test mail apart from anything else on the
    machine; nobody/nogroup is the fallback when it cannot be created.
    """
    try:
        pw = pwd.getpwnam(MAIL_USER)
        return pw.pw_uid, pw.pw_gid
    except KeyError:
        pass
    if os.geteuid() == 0 and shutil.which("useradd"):
        # Parallel harnesses may race here; the loser's "already exists" is fine.
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", MAIL_USER],
                       capture_output=True)
        try:
            pw = pwd.getpwnam(MAIL_USER)
            return pw.pw_uid, pw.pw_gid
        except KeyError:
            pass
    return 65534, 65534


def _session_pids(session):
    """Processes whose session id is `session` (field 6 of /proc/PID/stat)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != b"Z":
            pids.append(int(entry))
    return pids


def _end_session(session, grace=2.0):
    """Stop what is left of `session`: SIGTERM, then SIGKILL after `grace` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        for pid in _session_pids(session):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while _session_pids(session):
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        else:
            return


def _check_traversable(path):
    """Dovecot's auth (user dovecot) and mail processes (the mail user) must reach the workdir."""
    while True:
        if os.path.exists(path) and not os.stat(path).st_mode & 0o001:
            raise DovecotError("workdir parent %s is not searchable by other users (mode %o); "
                               "Dovecot's unprivileged processes could not reach the work "
                               "directory" % (path, os.stat(path).st_mode & 0o7777))
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent


def _group_id(name):
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def _check_name(kind, value):
    # passwd-file fields are colon-separated; keep names and secrets printable.
    if not value or any(c in value for c in ":\r\n\0") or (kind == "user" and any(c in value for c in "/ %")):
        raise ValueError("unusable %s for the test server" % kind)


class PrivateDovecot:
    """One private Dovecot; a context manager (start() / stop()).

    users       {name: password}; default alice/alice-pass and bob/bob-pass
    mailboxes   {name: [raw message bytes]}: each user's Maildir holds exactly
                these when the server starts (keep_mail=True keeps a reused
                workdir's Maildirs as they are instead)
    mechanisms  SASL mechanisms offered (ALL_MECHANISMS by default)
    disable_plaintext_auth  refuse USER/PASS, PLAIN and LOGIN before TLS
                (the server then listens on 127.0.0.2; see UNSECURED_HOST)
    workdir     directory for everything; a temporary one (removed on stop
                unless keep=True) when None
    pop3_port, pop3s_port   fixed ports; free ones when None
    extra_config            text appended to the generated dovecot.conf
    """

    def __init__(self, workdir=None, users=None, mailboxes=None, mechanisms=ALL_MECHANISMS,
                 disable_plaintext_auth=False, keep=False, pop3_port=None, pop3s_port=None,
                 startup_timeout=20.0, extra_config="", keep_mail=False):
        self.disable_plaintext_auth = bool(disable_plaintext_auth)
        self.host = UNSECURED_HOST if self.disable_plaintext_auth else HOST
        self.users = dict(users if users is not None else {"alice": "alice-pass", "bob": "bob-pass"})
        for user, password in self.users.items():
            _check_name("user", user)
            _check_name("password", password)
        self._initial_mail = {u: list(m) for u, m in (mailboxes or {}).items()}
        unknown = set(self._initial_mail) - set(self.users)
        if unknown:
            raise ValueError("mailboxes for unknown users: %s" % ", ".join(sorted(unknown)))
        mechs = [m.lower() for m in mechanisms]
        bad = [m for m in mechs if m not in ALL_MECHANISMS]
        if bad:
            raise ValueError("unsupported mechanisms: %s" % ", ".join(bad))
        self.mechanisms = tuple(mechs)
        self.keep = keep
        self.keep_mail = keep_mail
        self.startup_timeout = startup_timeout
        self.extra_config = extra_config
        self._fixed_ports = (pop3_port, pop3s_port)
        self.pop3_port = pop3_port
        self.pop3s_port = pop3s_port
        self._requested_workdir = workdir
        self.workdir = None
        self._made_workdir = False
        self._base_dir = None
        self._made_base_dir = False
        self._proc = None
        self._oauth = None
        self._tokens = {}
        self.ca_file = self.other_ca_file = None
        self.config_file = self.log_path = None
        self.mail_uid, self.mail_gid = None, None

    # ---- public API -------------------------------------------------------------------------

    def oauth_token(self, user):
        """A bearer token the server accepts for `user` via XOAUTH2/OAUTHBEARER."""
        if self._oauth is None:
            raise RuntimeError("no OAuth mechanism configured for this server")
        if user not in self._tokens:
            self._tokens[user] = self._oauth.issue(user)
        return self._tokens[user]

    @property
    def oauth_requests(self):
        """Introspection requests Dovecot has made (0 when OAuth is off)."""
        return self._oauth.requests if self._oauth else 0

    def maildir(self, user):
        return os.path.join(self.workdir, "mail", user, "Maildir")

    def message_count(self, user):
        return _maildir.count_messages(self.maildir(user))

    def add_messages(self, user, messages):
        """Deliver more messages to `user` while the server runs."""
        return _maildir.write_maildir(self.maildir(user), messages, self.mail_uid, self.mail_gid)

    def log_tail(self, lines=40):
        out = []
        for path in (self.log_path, self._stderr_path()):
            if path and os.path.exists(path):
                with open(path, "rb") as f:
                    text = f.read()[-20000:].decode("utf-8", "replace").splitlines()
                out.append("--- %s\n%s" % (os.path.basename(path), "\n".join(text[-lines:])))
        return "\n".join(out) or "(no log written)"

    def start(self):
        if os.geteuid() != 0:
            raise DovecotError("PrivateDovecot runs Dovecot as root (it drops privileges itself); "
                               "run the tests as root")
        if not shutil.which("dovecot"):
            raise DovecotError("dovecot is not installed (Debian: dovecot-core dovecot-pop3d)")
        try:
            self._prepare()
            attempts = 1 if all(self._fixed_ports) else 5
            for attempt in range(attempts):
                if not self._fixed_ports[0] or not self._fixed_ports[1]:
                    ports = free_ports(2, self.host)
                    self.pop3_port = self._fixed_ports[0] or ports[0]
                    self.pop3s_port = self._fixed_ports[1] or ports[1]
                self._write_config()
                try:
                    self._launch()
                    return self
                except DovecotError as e:
                    if "Address already in use" in str(e) and attempt + 1 < attempts:
                        continue
                    raise
        except BaseException:
            self.stop()
            raise

    def stop(self):
        if self._proc is not None:
            session = self._proc.pid
            if self._proc.poll() is None:
                # Closing the pipe makes the watchdog send SIGTERM to the master,
                # which signals its children and removes its pid file.
                self._proc.stdin.close()
                try:
                    self._proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(session, signal.SIGKILL)
                    self._proc.wait(5)
            elif self._proc.stdin:
                self._proc.stdin.close()
            self._proc = None
            # The master does not wait for mail processes of connected clients:
            # one may still be writing dovecot-uidlist. End the whole session
            # before the work directory is removed or reused.
            _end_session(session)
        if self._oauth is not None:
            self._oauth.stop()
            self._oauth = None
        if self._made_base_dir and self._base_dir:
            shutil.rmtree(self._base_dir, ignore_errors=True)
            self._made_base_dir = False
        if self._made_workdir and not self.keep and self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self._made_workdir = False

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- setup --------------------------------------------------------------------------------

    def _stderr_path(self):
        return os.path.join(self.workdir, "dovecot.stderr") if self.workdir else None

    def _prepare(self):
        if self._requested_workdir:
            self.workdir = os.path.abspath(self._requested_workdir)
            _check_traversable(os.path.dirname(self.workdir))
            os.makedirs(self.workdir, exist_ok=True)
        else:
            self.workdir = tempfile.mkdtemp(prefix="pop3ws-dovecot-")
            self._made_workdir = True
        # Dovecot's unprivileged processes (auth as user dovecot, mail as the
        # mail user) must traverse the work directory.
        os.chmod(self.workdir, 0o755)
        self._base_dir = os.path.join(self.workdir, "run")
        if len(self._base_dir) > _MAX_BASE_DIR:
            self._base_dir = tempfile.mkdtemp(prefix="p3d-")
            self._made_base_dir = True
        os.makedirs(self._base_dir, exist_ok=True)
        os.makedirs(os.path.join(self.workdir, "state"), exist_ok=True)
        self.log_path = os.path.join(self.workdir, "dovecot.log")

        tls = make_tls_files(os.path.join(self.workdir, "tls"), ips=(HOST, UNSECURED_HOST))
        self.ca_file, self.other_ca_file = tls.ca_file, tls.other_ca_file
        self._cert_file, self._key_file = tls.cert_file, tls.key_file
        os.chmod(os.path.dirname(tls.ca_file), 0o755)

        self.mail_uid, self.mail_gid = _mail_ids()
        mail_root = os.path.join(self.workdir, "mail")
        os.makedirs(mail_root, mode=0o755, exist_ok=True)
        for user in self.users:
            home = os.path.join(mail_root, user)
            existing = os.path.isdir(self.maildir(user))
            if existing and not self.keep_mail:
                # A reused workdir: start from exactly the given mailbox.
                shutil.rmtree(home)
            os.makedirs(home, mode=0o700, exist_ok=True)
            os.chown(home, self.mail_uid, self.mail_gid)
            if existing and self.keep_mail:
                continue
            _maildir.write_maildir(self.maildir(user), self._initial_mail.get(user, []),
                                   self.mail_uid, self.mail_gid)

        self._passwd_file = os.path.join(self.workdir, "users.passwd")
        with open(self._passwd_file, "w") as f:
            for user, password in self.users.items():
                f.write("%s:{PLAIN}%s::::::\n" % (user, password))
        # Read by the auth process, which runs as Dovecot's internal user.
        dovecot_gid = _group_id("dovecot")
        if dovecot_gid is not None:
            os.chown(self._passwd_file, 0, dovecot_gid)
            os.chmod(self._passwd_file, 0o640)
        else:
            os.chmod(self._passwd_file, 0o644)

        if any(m in _OAUTH_MECHANISMS for m in self.mechanisms):
            self._oauth = IntrospectionServer(HOST).start()
            self._oauth_conf = os.path.join(self.workdir, "oauth2.conf")
            with open(self._oauth_conf, "w") as f:
                f.write("introspection_mode = post\n"
                        "introspection_url = %s\n"
                        "force_introspection = yes\n"
                        "username_attribute = username\n"
                        "active_attribute = active\n"
                        "active_value = true\n" % self._oauth.url)
            os.chmod(self._oauth_conf, 0o644)

    def _auth_mechanisms(self):
        # USER/PASS is carried to the auth process as PLAIN, so PLAIN stays
        # enabled even when the test asked only for other mechanisms.
        mechs = [m for m in self.mechanisms]
        if "plain" not in mechs:
            mechs.insert(0, "plain")
        return mechs

    def _write_config(self):
        mechs = self._auth_mechanisms()
        password_mechs = [m for m in mechs if m not in _OAUTH_MECHANISMS]
        oauth_mechs = [m for m in mechs if m in _OAUTH_MECHANISMS]
        conf = []
        add = conf.append
        add("# Generated by pop3ws_harness for one test server; see dovecot.py.")
        add("base_dir = %s" % self._base_dir)
        add("state_dir = %s" % os.path.join(self.workdir, "state"))
        add("instance_name = pop3ws-%d-%d" % (os.getpid(), self.pop3_port))
        add("log_path = %s" % self.log_path)
        add("protocols = pop3")
        add("listen = %s" % self.host)
        add("ssl = yes")
        add("ssl_cert = <%s" % self._cert_file)
        add("ssl_key = <%s" % self._key_file)
        add("ssl_min_protocol = TLSv1.2")
        add("disable_plaintext_auth = %s" % ("yes" if self.disable_plaintext_auth else "no"))
        add("auth_mechanisms = %s" % " ".join(mechs))
        # Logs failures without passwords (auth_verbose_passwords stays "no").
        add("auth_verbose = yes")
        add("auth_failure_delay = 0")
        add("mail_location = maildir:%s/mail/%%n/Maildir" % self.workdir)
        add("first_valid_uid = %d" % min(self.mail_uid, 500))
        add("first_valid_gid = 1")
        add("mail_max_userip_connections = 1000")
        # Parallel clients and benchmarks open many sessions at once.
        add("default_client_limit = 2000")
        add("pop3_uidl_format = %08Xu%08Xv")
        add("passdb {")
        add("  driver = passwd-file")
        add("  args = scheme=PLAIN username_format=%%n %s" % self._passwd_file)
        add("  mechanisms = %s" % " ".join(password_mechs))
        add("}")
        if oauth_mechs:
            add("passdb {")
            add("  driver = oauth2")
            add("  mechanisms = %s" % " ".join(oauth_mechs))
            add("  args = %s" % self._oauth_conf)
            add("}")
        add("userdb {")
        add("  driver = static")
        add("  args = uid=%d gid=%d home=%s/mail/%%n" % (self.mail_uid, self.mail_gid, self.workdir))
        add("}")
        add("service pop3-login {")
        add("  inet_listener pop3 {")
        add("    address = %s" % self.host)
        add("    port = %d" % self.pop3_port)
        add("  }")
        add("  inet_listener pop3s {")
        add("    address = %s" % self.host)
        add("    port = %d" % self.pop3s_port)
        add("    ssl = yes")
        add("  }")
        # Dovecot's "high-performance" login mode: each login process serves
        # many clients (and proxies their TLS after login). The default of one
        # process per connection caps concurrent TLS sessions at the login
        # process_limit (100), which load tests exceed.
        add("  service_count = 0")
        add("  process_min_avail = 2")
        add("  client_limit = 2000")
        add("}")
        # No anvil-auth-penalty socket: the auth penalty (2 to 15 s of delay
        # for every login from an address after a failed one) would slow each
        # test that follows a wrong-password test.
        add("service anvil {")
        add("  unix_listener anvil-auth-penalty {")
        add("    mode = 0")
        add("  }")
        add("}")
        add("service pop3 {")
        add("  process_limit = 1000")
        add("}")
        if self.extra_config:
            add(self.extra_config)
        self.config_file = os.path.join(self.workdir, "dovecot.conf")
        with open(self.config_file, "w") as f:
            f.write("\n".join(conf) + "\n")
        os.chmod(self.config_file, 0o644)

    # ---- process ------------------------------------------------------------------------------

    def _launch(self):
        if os.path.exists(self.log_path):
            # A retry after a port clash: start a fresh log so errors are this attempt's.
            os.replace(self.log_path, self.log_path + ".previous")
        stderr = open(self._stderr_path(), "wb")
        try:
            # The watchdog keeps the master in the foreground (-F) and sends it
            # SIGTERM when our end of its stdin closes: on stop(), and also when
            # this process dies without cleaning up (ctest's timeout kill), so
            # no orphaned server keeps its ports. A new session keeps terminal
            # signals meant for the test runner away from it.
            self._proc = subprocess.Popen(["sh", "-c", _WATCHDOG, "watchdog", self.config_file],
                                          stdin=subprocess.PIPE, stdout=stderr, stderr=stderr,
                                          start_new_session=True)
        finally:
            stderr.close()
        deadline = time.monotonic() + self.startup_timeout
        last_error = None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._proc = None
                raise DovecotError("dovecot exited with status %s during start-up\n%s"
                                   % (code, self.log_tail()))
            try:
                self._check_greeting(tls=False)
                self._check_greeting(tls=True)
                return
            except (OSError, ssl.SSLError, DovecotError) as e:
                last_error = e
                time.sleep(0.05)
        raise DovecotError("dovecot did not answer on %s:%s/%s within %.0f s (%s)\n%s"
                           % (self.host, self.pop3_port, self.pop3s_port, self.startup_timeout,
                              last_error, self.log_tail()))

    def _check_greeting(self, tls):
        port = self.pop3s_port if tls else self.pop3_port
        with socket.create_connection((self.host, port), timeout=2) as sock:
            if tls:
                ctx = ssl.create_default_context(cafile=self.ca_file)
                with ctx.wrap_socket(sock, server_hostname="localhost") as tsock:
                    line = tsock.recv(512)
                    tsock.sendall(b"QUIT\r\n")
            else:
                line = sock.recv(512)
                sock.sendall(b"QUIT\r\n")
        if not line.startswith(b"+OK"):
            raise DovecotError("unexpected greeting on port %d" % port)
