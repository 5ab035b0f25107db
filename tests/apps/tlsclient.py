#!/usr/bin/env python3
"""tlsclient -- a scripted line client on Python's ssl module.

usage: tlsclient.py [options] STEP...
  -p PORT            port on 127.0.0.1 (required)
  --host ADDR        address to connect to (default 127.0.0.1)
  --ca FILE          verify the server against FILE (default: no checks)
  --sni NAME         send NAME as SNI (and check the certificate for it
                     when --ca is given); default: no SNI at all
  --cert F --key F   present a client certificate
  --ciphers STR      OpenSSL cipher list for TLS 1.2
  --timeout SECS     bound on every read and on the handshake (default 10)

Steps, run in order; any mismatch or error ends with exit status 1:
  tls                do the TLS handshake now (first step: immediate mode;
                     after a STARTTLS reply: delayed mode); prints
                     "tls version=V cipher=C"
  send TEXT          send TEXT plus CR LF
  sendraw TEXT       send TEXT with Python escapes (\\r \\n \\x00) decoded
  reply CODE [RE]    read one SMTP reply (continuation lines "CODE-");
                     its code must be CODE and, if RE is given, some line
                     must match RE (re.search)
  line RE            the next line must match RE
  eof                the server must close: end-of-file, no more data
  readall            print everything until end-of-file, as "S: " lines

While in plaintext it reads one byte at a time, so it never reads past a
STARTTLS reply.  Every line read is printed as "S: line", every line sent
as "C: line".
"""

import argparse
import re
import socket
import ssl
import sys


class Failed(Exception):
    pass


class Client:
    def __init__(self, args):
        self.args = args
        self.sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
        self.tls = None
        self.buf = b""

    def recv(self):
        if self.tls is None:
            return self.sock.recv(1)
        return self.tls.recv(16384)

    def readline(self):
        while b"\n" not in self.buf:
            try:
                chunk = self.recv()
            except socket.timeout:
                raise Failed("timed out reading (have %r)" % self.buf)
            except (ssl.SSLError, ConnectionError) as e:
                raise Failed("read failed: %s (have %r)" % (e, self.buf))
            if not chunk:
                if self.buf:
                    line, self.buf = self.buf.decode("utf-8", "replace"), b""
                    print("S: " + line + " (no newline)", flush=True)
                    return line
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.rstrip(b"\r").decode("utf-8", "replace")
        print("S: " + line, flush=True)
        return line

    def send(self, data):
        (self.tls or self.sock).sendall(data)

    def starttls(self):
        if self.buf:
            raise Failed("unread plaintext before TLS: %r" % self.buf)
        a = self.args
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if a.ca:
            ctx.load_verify_locations(a.ca)
            ctx.check_hostname = a.sni is not None
            ctx.verify_mode = ssl.CERT_REQUIRED
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if a.cert:
            ctx.load_cert_chain(a.cert, a.key)
        if a.ciphers:
            ctx.set_ciphers(a.ciphers)
        try:
            self.tls = ctx.wrap_socket(self.sock, server_hostname=a.sni)
        except (ssl.SSLError, OSError) as e:
            raise Failed("handshake failed: %s" % e)
        print("tls version=%s cipher=%s" % (self.tls.version(), self.tls.cipher()[0]), flush=True)


def run(c, steps):
    i = 0
    while i < len(steps):
        s = steps[i]
        verb, _, rest = s.partition(" ")
        if verb == "tls":
            c.starttls()
        elif verb == "send":
            print("C: " + rest, flush=True)
            c.send(rest.encode() + b"\r\n")
        elif verb == "sendraw":
            data = rest.encode().decode("unicode_escape").encode("latin-1")
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
            if ln is None:
                raise Failed("end-of-file waiting for a line matching %r" % rest)
            if not re.search(rest, ln):
                raise Failed("line %r does not match %r" % (ln, rest))
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
        i += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--ca")
    ap.add_argument("--sni")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--ciphers")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("steps", nargs="*")
    args = ap.parse_args()
    try:
        c = Client(args)
        run(c, args.steps)
    except Failed as e:
        print("tlsclient: failed: %s" % e, flush=True)
        return 1
    except OSError as e:
        print("tlsclient: error: %s" % e, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
