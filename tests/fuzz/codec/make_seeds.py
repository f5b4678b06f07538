#!/usr/bin/env python3
"""Builds the codec fuzz seed corpora from the transcript vectors
(tests/vectors/codec/*.txt): the server bytes of each case become a seed.
Run again after adding vectors; the seeds are committed."""
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


for i, server in enumerate(cases()):
    for scenario in (0, 2, 7, 8):
        write("codec_receive", bytes([scenario | (0x40 if i % 2 else 0), 13]) + server)
    write("codec_lines", server.split(b"\r\n")[0])
    body = re.sub(rb"^\+OK[^\n]*\n", b"", server)
    write("codec_body_roundtrip", bytes([i % 256]) + body[:4096])
