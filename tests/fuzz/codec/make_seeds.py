#!/usr/bin/env python3
"""Builds the codec fuzz seed corpora from the transcript vectors
(tests/vectors/codec/*.txt): the server bytes of each case become a seed;
the SASL exchanges (@login lines and the server's answers) become codec_sasl
seeds in both of its modes, the server lines codec_capa_codes seeds.
Run again after adding vectors; the seeds are committed."""
import base64
import binascii
import hashlib
import pathlib
import re

here = pathlib.Path(__file__).resolve().parent
vectors = here.parents[1] / "vectors" / "codec"


def unescape(text: str) -> bytes:
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n == "r": out += b"\r"; i += 2; continue
            if n == "n": out += b"\n"; i += 2; continue
            if n == "t": out += b"\t"; i += 2; continue
            if n == "0": out += b"\0"; i += 2; continue
            if n == "x": out.append(int(text[i + 2:i + 4], 16)); i += 4; continue
            out += n.encode(); i += 2; continue
        out += c.encode("utf-8")
        i += 1
    return bytes(out)


def cases():
    for f in sorted(vectors.glob("*.txt")):
        server = bytearray()
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.startswith("## "):
                if server:
                    yield bytes(server)
                server = bytearray()
            elif line.startswith("S: "):
                server += unescape(line[3:]) + b"\r\n"
            elif line == "S:":
                server += b"\r\n"
            elif line.startswith("S= "):
                server += unescape(line[3:])
        if server:
            yield bytes(server)


def write(target: str, data: bytes):
    d = here / "seeds" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


# codec_sasl: the order of its mechanism and credential tables.
SASL_METHODS = ["plain", "login", "cram-md5", "scram-sha-256", "xoauth2", "oauthbearer"]
SASL_USERS = ["user", "tim"]  # credentials 0 and 1; any other user maps to 2 and 3
SASL_NONCES = ["rOprNGfwEbeRWgbNEkqO", "fyko+d2lbbFgONRv9qkxdawL", "0123456789abcdef~!", "ZZZZZZZZZZZZZZZZ"]
SASL_IR = {"auto": 0, "always": 1, "never": 2}
SESSION_MODE = 0x08
LIMIT_4096 = 0xFF  # the target reads 0xFF as 4096, the RFC 7677 example's count


def login_cases():
    """(mode byte, server lines after the @login line) for each SASL login."""
    for f in sorted(vectors.glob("*.txt")):
        login, server = None, []
        for line in f.read_text(encoding="utf-8").splitlines() + ["## end"]:
            if line.startswith("## ") or line.startswith("@login"):
                if login is not None:
                    yield login, server
                login, server = None, []
            if line.startswith("@login"):
                kv = dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
                method = kv.get("method", "")
                if method not in SASL_METHODS or "!" in line:
                    continue
                user = kv.get("user", "")
                cred = SASL_USERS.index(user) if user in SASL_USERS else 2
                login = SASL_METHODS.index(method) | SASL_IR[kv.get("ir", "auto")] << 4 | cred << 6
            elif login is not None and line.startswith("S: "):
                server.append(unescape(line[3:]))
            elif login is not None and line == "S:":
                server.append(b"")


def direct_lines(server):
    """The session's "+ base64" lines as the raw challenges a mechanism sees."""
    out = []
    for line in server:
        if line == b"+" or line.startswith(b"+ "):
            try:
                out.append(base64.b64decode(line[1:].strip(), validate=True))
            except binascii.Error:
                out.append(line[2:])
        elif line.startswith(b"+OK"):
            out.append(line)
            break
        else:
            break
    return out


def sasl_seed(mode, limit, lines):
    write("codec_sasl", bytes([mode, limit]) + b"\n".join(lines))


for mode, server in login_cases():
    limit = LIMIT_4096 if (mode & 7) == SASL_METHODS.index("scram-sha-256") else 16
    sasl_seed(mode | SESSION_MODE, limit, server)
    sasl_seed(mode, limit, direct_lines(server))
    sasl_seed(mode, 0, direct_lines(server))  # the same under a limit of 0

# SCRAM with a small iteration count and every credential set, so the fuzzer
# reaches the server-final step cheaply; "@V" is the signature the target
# computes, "+~" asks it to base64 the rest.
for cred, nonce in enumerate(SASL_NONCES):
    scram = SASL_METHODS.index("scram-sha-256") | cred << 6
    first = b"r=" + nonce.encode() + b"-server-nonce,s=QSXCR+Q6sek8bf92,i=8"
    for ir in SASL_IR.values():
        sasl_seed(scram | ir << 4, 8, [b"", first, b"v=@V", b"+OK"])
        sasl_seed(scram | ir << 4 | SESSION_MODE, 8,
                  [b"+" if ir == 2 else b"", b"+~" + first, b"+~v=@V", b"+OK done"])
    sasl_seed(scram | 1 << 4 | SESSION_MODE, 8, [b"+~" + first, b"+OK~v=@V"])  # proof in the +OK text
    sasl_seed(scram | 1 << 4, 8, [first, b"e=invalid-proof"])
    sasl_seed(scram | 1 << 4, 8, [first.replace(b"i=8", b"i=9"), b"v=@V"])  # above the limit

for f in sorted(vectors.glob("*.txt")):
    block = []
    for line in f.read_text(encoding="utf-8").splitlines() + ["## end"]:
        if line.startswith("## "):
            if block:
                write("codec_capa_codes", b"\n".join(block[:48]))
            block = []
        elif line.startswith("S: "):
            block.append(unescape(line[3:]))

for i, server in enumerate(cases()):
    for scenario in (0, 2, 7, 8):
        write("codec_receive", bytes([scenario | (0x40 if i % 2 else 0), 13]) + server)
    write("codec_lines", server.split(b"\r\n")[0])
    body = re.sub(rb"^\+OK[^\n]*\n", b"", server)
    write("codec_body_roundtrip", bytes([i % 256]) + body[:4096])
