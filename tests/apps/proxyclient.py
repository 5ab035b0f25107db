#!/usr/bin/env python3
"""proxyclient -- a client with a make-believe balancer in front: it
writes a PROXY protocol header itself, then plaintext or a TLS session.

  proxyclient.py -p PORT [options] plain TEXT | tls TEXT | none | hold

Header (one of):
  --v1 FIELDS        "PROXY FIELDS\\r\\n" (FIELDS: "TCP4 a b p q", "UNKNOWN")
  --v2 CMD FAM SRC DST SPORT DPORT
                     CMD local|proxy|0xNN (the version/command byte), FAM a
                     byte (0x11 TCP over IPv4, 0x21 over IPv6, ...); SRC and
                     DST are IPv4 or IPv6 text, or - for none
  --raw HEX          the header's bytes, as given
Options:
  --tlv N            v2: N more bytes of TLVs after the addresses (a
                     PP2_TYPE_AUTHORITY, then NOOPs), counted in the length
  --len N            v2: write N as the length, whatever follows
  --chunk N          write the header N bytes at a time, 20 ms apart; the
                     first bytes after it go with its last piece
  --bind IP          connect from IP (127.0.0.2, ...)
  --ca FILE          tls: the CA (the server's name is localhost)
  --timeout S        (default 20)

plain TEXT: writes TEXT (\\n and \\r are escapes) with the header's end,
half-closes, prints "received HEX" of all that comes back.  tls TEXT:
the ClientHello goes in the same write as the header's end; after the
handshake TEXT is sent and "tls echo HEX" printed with what came back.
none: the header only, then half-close; prints "received HEX". hold:
the same without the half-close (the server must end it).
The first line is always "port N", the client's own port.
"""

import argparse
import socket
import ssl
import struct
import sys
import time


def header(a):
    if a.v1 is not None:
        return b"PROXY " + a.v1.encode() + b"\r\n"
    if a.raw is not None:
        return bytes.fromhex(a.raw)
    cmd, fam, src, dst, sport, dport = a.v2
    vc = {"local": 0x20, "proxy": 0x21}.get(cmd)
    if vc is None:
        vc = int(cmd, 0)
    body = b""
    for ip in (src, dst):
        if ip == "-":
            continue
        af = socket.AF_INET6 if ":" in ip else socket.AF_INET
        body += socket.inet_pton(af, ip)
    if src != "-":
        body += struct.pack("!HH", int(sport), int(dport))
    if a.tlv:
        n = a.tlv
        tlvs = b""
        auth = b"mail.example.org"
        if n >= 3 + len(auth):
            tlvs += struct.pack("!BH", 0x02, len(auth)) + auth
        while len(tlvs) < n:
            k = min(n - len(tlvs) - 3, 65535)
            tlvs += struct.pack("!BH", 0x04, k) + b"\0" * k
        body += tlvs
    n = len(body) if a.len is None else a.len
    return b"\r\n\r\n\0\r\nQUIT\n" + bytes([vc, int(fam, 0)]) + struct.pack("!H", n) + body


def send_header(s, h, first, chunk):
    if not chunk:
        s.sendall(h + first)
        return
    for i in range(0, len(h), chunk):
        piece = h[i:i + chunk]
        if i + chunk >= len(h):
            piece += first
        s.sendall(piece)
        time.sleep(0.02)


def readall(s):
    got = b""
    while True:
        try:
            b = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not b:
            break
        got += b
    return got


def unescape(t):
    return t.replace("\\r", "\r").replace("\\n", "\n").encode()


def tls(s, h, a, text):
    ctx = ssl.create_default_context(cafile=a.ca)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    send_header(s, h, out.read(), a.chunk)

    def pump():
        d = out.read()
        if d:
            s.sendall(d)
        b = s.recv(65536)
        if b:
            inc.write(b)
        else:
            inc.write_eof()
        return b

    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            if not pump():
                raise SystemExit("proxyclient: the server ended the handshake")
    obj.write(text)
    s.sendall(out.read())
    got = b""
    while len(got) < len(text):
        try:
            got += obj.read(65536)
        except ssl.SSLWantReadError:
            if not pump():
                break
    print("tls", obj.version(), "echo", got.hex())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-p", type=int, required=True)
    p.add_argument("--v1")
    p.add_argument("--v2", nargs=6)
    p.add_argument("--raw")
    p.add_argument("--tlv", type=int, default=0)
    p.add_argument("--len", type=int)
    p.add_argument("--chunk", type=int, default=0)
    p.add_argument("--bind")
    p.add_argument("--ca")
    p.add_argument("--timeout", type=float, default=20)
    p.add_argument("mode", choices=("plain", "tls", "none", "hold"))
    p.add_argument("text", nargs="?", default="")
    a = p.parse_args()
    h = header(a)
    s = socket.socket()
    s.settimeout(a.timeout)
    if a.bind:
        s.bind((a.bind, 0))
    s.connect(("127.0.0.1", a.p))
    print("port", s.getsockname()[1], flush=True)
    text = unescape(a.text)
    if a.mode == "tls":
        tls(s, h, a, text)
        return
    try:
        send_header(s, h, text if a.mode == "plain" else b"", a.chunk)
        if a.mode != "hold":
            s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError, OSError):
        pass
    print("received", readall(s).hex())


if __name__ == "__main__":
    sys.exit(main())
