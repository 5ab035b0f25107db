#!/usr/bin/env python3
"""resume-client -- connections that offer the previous session again.

usage: resume-client.py -p PORT --ca FILE [options]
  -n N            connections, one after the other (default 2)
  --sni NAME      SNI of the first connection (default: none)
  --sni2 NAME     SNI of the later ones (default: the first's)
  --starttls      SMTP: 220, EHLO, STARTTLS, 220, then TLS, "XECHO ok"
                  must get "250 ok", QUIT; default: immediate mode, TLS
                  at once, then every line the server sends until EOF
  --delay SECS    sleep between connections (default 0)
  --first         always offer the first connection's session (default:
                  the previous connection's)
  --expect LIST   what each connection must be, one letter each: r
                  reused, n new, ? either; the count must match -n

Python's ssl with one SSLContext, TLS 1.2, chain checked against --ca
(not the name: a second SNI may get the default certificate). Prints,
per connection, "conn I reused=yes|no" and the lines read ("S: line").
Exit 1 on any error, or when --expect is not met.
"""

import argparse
import socket
import ssl
import sys
import time


def one(args, ctx, i, session):
    sni = args.sni if i == 0 or args.sni2 is None else args.sni2
    raw = socket.create_connection(("127.0.0.1", args.port), timeout=args.timeout)
    lines = []
    if args.starttls:
        f = raw.makefile("rb")
        def reply():
            while True:
                line = f.readline().decode()
                if not line:
                    raise EOFError("eof in plaintext")
                if line[3:4] != "-":
                    return line
        reply()
        raw.sendall(b"EHLO resume.example\r\n")
        reply()
        raw.sendall(b"STARTTLS\r\n")
        if not reply().startswith("220"):
            raise RuntimeError("STARTTLS refused")
    s = ctx.wrap_socket(raw, server_hostname=sni, session=session)
    reused = s.session_reused
    print("conn %d reused=%s cipher=%s" % (i, "yes" if reused else "no", s.cipher()[0]))
    if args.starttls:
        s.sendall(b"XECHO ok\r\n")
        buf = b""
        while b"\r\n" not in buf:
            d = s.recv(4096)
            if not d:
                raise EOFError("eof in TLS")
            buf += d
        if not buf.startswith(b"250 ok"):
            raise RuntimeError("XECHO: %r" % buf)
        s.sendall(b"QUIT\r\n")
    buf = b""
    while True:
        try:
            d = s.recv(4096)
        except (ssl.SSLEOFError, ConnectionResetError):
            break
        if not d:
            break
        buf += d
    for line in buf.decode(errors="replace").splitlines():
        print("S: " + line)
    sess = s.session
    s.close()
    return reused, sess


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", dest="port", type=int, required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("-n", type=int, default=2)
    ap.add_argument("--sni")
    ap.add_argument("--sni2")
    ap.add_argument("--starttls", action="store_true")
    ap.add_argument("--delay", type=float, default=0)
    ap.add_argument("--first", action="store_true")
    ap.add_argument("--expect")
    ap.add_argument("--timeout", type=float, default=30)
    args = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(args.ca)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    got = ""
    session = first = None
    for i in range(args.n):
        if i and args.delay:
            time.sleep(args.delay)
        reused, sess = one(args, ctx, i, first if args.first and i else session)
        got += "r" if reused else "n"
        if i == 0:
            first = sess
        session = sess
    sys.stdout.flush()
    if args.expect:
        want = args.expect
        if len(want) != len(got) or any(w not in ("?", g) for w, g in zip(want, got)):
            print("resume-client: expected %s, got %s" % (want, got), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # noqa: BLE001
        print("resume-client: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
