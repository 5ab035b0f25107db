#!/usr/bin/env python3
"""miniclient -- a scripted line client on tests/apps/minitls.py.

usage: miniclient.py -p PORT [--raw FILE] [--timeout SECS] STEP...

Like tlsclient.py, but its TLS is minitls: it can send any bytes as SNI,
and it checks that every record the server sends after the handshake is
application data (a HelloRequest or any other record is an error: there
is only ever one handshake).  --raw FILE gets every byte that came from
the server, as it came on the wire, plaintext part included.

Steps, in order; a mismatch or error ends with exit status 1:
  tls [SNI]          the handshake now (SNI with Python escapes: \\n \\x00;
                     none: no SNI); prints "tls suite XXXX"
  send TEXT          TEXT plus CR LF
  sendraw TEXT       TEXT with Python escapes decoded, nothing added
  reply CODE [RE]    one SMTP reply (continuation lines "CODE-"): its code
                     is CODE and, if RE is given, a line matches RE
  line RE            the next line matches RE
  eof                the server ends: end-of-file (or close_notify)
  readall            print every line until the end, as "S: " lines
While in plaintext it reads one byte at a time, so it never reads past a
line.  Lines are printed as "S: line" / "C: line".
"""

import argparse
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import minitls  # noqa: E402


class Failed(Exception):
    pass


def unescape(s):
    return s.encode("utf-8").decode("unicode_escape").encode("latin-1")


class Client:
    def __init__(self, a):
        self.sock = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
        self.tls = None
        self.raw = bytearray()
        self.buf = b""

    def readline(self):
        while b"\n" not in self.buf:
            if self.tls is None:
                try:
                    b = self.sock.recv(1)
                except ConnectionResetError:
                    b = b""
                except socket.timeout:
                    raise Failed("timed out reading (have %r)" % self.buf)
                self.raw += b
            else:
                try:
                    b = self.tls.recv_app()
                except socket.timeout:
                    raise Failed("timed out reading (have %r)" % self.buf)
                except minitls.Failed as e:
                    raise Failed("TLS: %s" % e)
            if not b:
                if self.buf:
                    line, self.buf = self.buf, b""
                    print("S: %s (no newline)" % line.decode("utf-8", "replace"), flush=True)
                    return line.decode("utf-8", "replace")
                return None
            self.buf += b
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.rstrip(b"\r").decode("utf-8", "replace")
        print("S: " + line, flush=True)
        return line

    def send(self, data):
        if self.tls is None:
            self.sock.sendall(data)
        else:
            self.tls.send_app(data)

    def starttls(self, sni):
        if self.buf:
            raise Failed("unread plaintext before TLS: %r" % self.buf)
        self.tls = minitls.Client(self.sock)
        try:
            self.tls.handshake(sni=sni)
        except minitls.Failed as e:
            raise Failed("handshake failed: %s" % e)
        print("tls suite %04x" % self.tls.suite, flush=True)


def run(c, steps):
    for s in steps:
        verb, _, rest = s.partition(" ")
        if verb == "tls":
            c.starttls(unescape(rest) if rest else None)
        elif verb == "send":
            print("C: " + rest, flush=True)
            c.send(rest.encode() + b"\r\n")
        elif verb == "sendraw":
            data = unescape(rest)
            print("C: " + repr(data), flush=True)
            c.send(data)
        elif verb == "reply":
            code, _, pat = rest.partition(" ")
            lines = []
            while True:
                ln = c.readline()
                if ln is None:
                    raise Failed("end-of-file waiting for reply %s" % code)
                lines.append(ln)
                if len(ln) < 4 or ln[3] != "-":
                    break
            if not lines[-1].startswith(code):
                raise Failed("expected reply %s, got %r" % (code, lines))
            if pat and not any(re.search(pat, ln) for ln in lines):
                raise Failed("reply %r does not match %r" % (lines, pat))
        elif verb == "line":
            ln = c.readline()
            if ln is None or not re.search(rest, ln):
                raise Failed("expected a line matching %r, got %r" % (rest, ln))
        elif verb == "eof":
            ln = c.readline()
            if ln is not None:
                raise Failed("expected end-of-file, got %r" % ln)
            print("eof", flush=True)
        elif verb == "readall":
            while c.readline() is not None:
                pass
            print("eof", flush=True)
        else:
            raise Failed("unknown step %r" % s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("--raw")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("steps", nargs="*")
    a = ap.parse_args()
    c = None
    rc = 0
    try:
        c = Client(a)
        run(c, a.steps)
    except Failed as e:
        print("miniclient: failed: %s" % e, flush=True)
        rc = 1
    except OSError as e:
        print("miniclient: error: %s" % e, flush=True)
        rc = 2
    if a.raw and c is not None:
        raw = bytes(c.raw) + (bytes(c.tls.raw_in) if c.tls else b"")
        with open(a.raw, "wb") as f:
            f.write(raw)
    return rc


if __name__ == "__main__":
    sys.exit(main())
