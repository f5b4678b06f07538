"""Private certificate authorities for the test servers, made with the openssl CLI.

Each PrivateDovecot gets its own CA and a server certificate whose
subjectAltName covers DNS:localhost and IP:127.0.0.1 (RFC 6125 section 6:
clients match the reference identity against the SAN, never the CN), plus
an unrelated second CA that tests use to provoke "unknown CA" failures.

ECDSA P-256 keys: generation takes milliseconds, so every instance can have
fresh keys without slowing the parallel test runs.
"""

import os
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class TlsFiles:
    ca_file: str          # PEM certificate of the CA that signed the server certificate
    cert_file: str        # server certificate (PEM)
    key_file: str         # server private key (PEM, mode 0600)
    other_ca_file: str    # PEM certificate of an unrelated CA


def _openssl(*args, cwd):
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], proc.stderr.strip()))


def _make_ca(directory, stem, subject):
    key = os.path.join(directory, stem + ".key")
    crt = os.path.join(directory, stem + ".pem")
    _openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", key, "-out", crt, "-days", "3650", "-subj", subject,
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)
    os.chmod(key, 0o600)
    return key, crt


def make_tls_files(directory, hostnames=("localhost",), ips=("127.0.0.1",)):
    """Create both CAs and a server certificate in `directory`."""
    os.makedirs(directory, exist_ok=True)
    ca_key, ca_crt = _make_ca(directory, "ca", "/O=pop3ws test/CN=pop3ws private test CA")
    _, other_crt = _make_ca(directory, "other-ca", "/O=pop3ws test/CN=pop3ws unrelated test CA")

    key = os.path.join(directory, "server.key")
    csr = os.path.join(directory, "server.csr")
    crt = os.path.join(directory, "server.pem")
    ext = os.path.join(directory, "server.ext")
    san = ",".join(["DNS:" + h for h in hostnames] + ["IP:" + i for i in ips])
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=%s\n" % san)
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", key, "-out", csr, "-subj", "/O=pop3ws test/CN=localhost", cwd=directory)
    os.chmod(key, 0o600)
    _openssl("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
             "-out", crt, "-days", "825", "-sha256", "-extfile", ext, cwd=directory)
    return TlsFiles(ca_file=ca_crt, cert_file=crt, key_file=key, other_ca_file=other_crt)
