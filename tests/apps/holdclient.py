#!/usr/bin/env python3
"""holdclient -- a session to smtpish.py that stops where the test says.

usage: holdclient.py -p PORT --dir DIR [options]
       holdclient.py --ucspi RFD,WFD --dir DIR [--lines N] [--timeout SECS]

For the key-process tests: the test looks at the processes of the
connection at each stop.  With -p it connects to 127.0.0.1:PORT, with
--starttls speaks plaintext first (greeting, EHLO, STARTTLS, its 220),
then creates DIR/connected (holding its local port); with --gate it then
waits for DIR/hello before sending anything of TLS.  Then, by --hello:
  full   (default) a TLS handshake through Python's ssl (--ca FILE
         verifies the server for SNI "localhost"; --cert/--key present a
         client certificate); in immediate mode (no --starttls) the 220
         greeting; N (--lines, default 50) XECHO lines of 1000 bytes,
         each echoed back; then DIR/ready, and once DIR/go exists, QUIT,
         its 221 and end-of-file.  Prints "tls VERSION CIPHER", "echoed
         N", "ok".  With --expect-fail the handshake must fail instead:
         prints "handshake failed: WHY" and "failed S s after the
         ClientHello", and stops there.
  none   no TLS byte at all;
  half   the first half of a real ClientHello;
         and then wait for the server to close.
Whenever the server closes before the end, it prints "closed after S s"
(S counted from DIR/connected).
--ucspi: no socket; the session is already decrypted on fds RFD/WFD (the
prog of `ucspitlsc -i`): the greeting, the XECHO lines, DIR/ready, DIR/go,
QUIT, as above.
Every wait is bounded by --timeout (default 20 s).  Exit 0 when the
session went as asked, 1 when not.
"""

import argparse
import os
import socket
import ssl
import sys
import time


def fail(msg):
    print("fail: " + msg, flush=True)
    sys.exit(1)


def say(msg):
    print(msg, flush=True)


def touch(d, name, text=""):
    p = os.path.join(d, name)
    with open(p + ".tmp", "w") as f:
        f.write(text)
    os.rename(p + ".tmp", p)


def wait_file(d, name, timeout):
    end = time.monotonic() + timeout
    while not os.path.exists(os.path.join(d, name)):
        if time.monotonic() > end:
            fail("never got %s" % name)
        time.sleep(0.02)


class Lines:
    def __init__(self, recv, send):
        self.recv, self.send, self.buf = recv, send, b""

    def line(self, bytewise=False):
        while b"\n" not in self.buf:
            c = self.recv(1 if bytewise else 16384)
            if not c:
                return None
            self.buf += c
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln + b"\n"

    def reply(self, code, bytewise=False):
        while True:
            ln = self.line(bytewise)
            if ln is None:
                fail("end-of-file waiting for %s" % code)
            if ln[3:4] != b"-":
                break
        if not ln.startswith(code.encode()):
            fail("expected %s, got %r" % (code, ln))
        return ln


def dialogue(lines, args):
    for i in range(args.lines):
        text = ("%04d " % i) + "x" * 995
        lines.send(("XECHO %s\r\n" % text).encode())
        r = lines.reply("250")
        if r != ("250 %s\r\n" % text).encode():
            fail("bad echo %r" % r[:40])
    say("echoed %d" % args.lines)
    touch(args.dir, "ready")
    wait_file(args.dir, "go", args.timeout)
    lines.send(b"QUIT\r\n")
    lines.reply("221")
    if lines.line() is not None:
        fail("data after 221")
    say("ok")


def wait_close(sock, t0, timeout):
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
    except socket.timeout:
        fail("still open after %s s" % timeout)
    except OSError:
        pass
    say("closed after %.3f s" % (time.monotonic() - t0))


def ucspi(args):
    rfd, wfd = (int(x) for x in args.ucspi.split(","))

    def send(b):
        while b:
            b = b[os.write(wfd, b):]
    lines = Lines(lambda n: os.read(rfd, n), send)
    lines.reply("220")
    dialogue(lines, args)


def client_hello():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", type=int)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--ca")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--starttls", action="store_true")
    ap.add_argument("--gate", action="store_true")
    ap.add_argument("--hello", choices=("full", "none", "half"), default="full")
    ap.add_argument("--expect-fail", action="store_true")
    ap.add_argument("--lines", type=int, default=50)
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--ucspi")
    args = ap.parse_args()
    if args.ucspi:
        return ucspi(args)
    s = socket.create_connection(("127.0.0.1", args.p), timeout=args.timeout)
    plain = Lines(s.recv, s.sendall)
    if args.starttls:
        plain.reply("220", bytewise=True)
        s.sendall(b"EHLO hold.example\r\n")
        plain.reply("250", bytewise=True)
        s.sendall(b"STARTTLS\r\n")
        plain.reply("220", bytewise=True)
    t0 = time.monotonic()
    touch(args.dir, "connected", "%d\n" % s.getsockname()[1])
    say("connected %d" % s.getsockname()[1])
    if args.gate:
        wait_file(args.dir, "hello", args.timeout)
    if args.hello != "full":
        if args.hello == "half":
            ch = client_hello()
            s.sendall(ch[:len(ch) // 2])
            say("sent %d of %d bytes of a ClientHello" % (len(ch) // 2, len(ch)))
        wait_close(s, t0, args.timeout)
        return 0
    if args.ca:
        ctx = ssl.create_default_context(cafile=args.ca)
    else:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    t1 = time.monotonic()
    try:
        t = ctx.wrap_socket(s, server_hostname="localhost")
    except (ssl.SSLError, OSError) as e:
        if args.expect_fail:
            say("handshake failed: %s" % e)
            say("failed %.3f s after the ClientHello" % (time.monotonic() - t1))
            return 0
        fail("handshake failed: %s" % e)
    if args.expect_fail:
        fail("the handshake succeeded: %s %s" % (t.version(), t.cipher()[0]))
    say("tls %s %s" % (t.version(), t.cipher()[0]))
    lines = Lines(t.recv, t.sendall)
    if not args.starttls:
        lines.reply("220")
    dialogue(lines, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
