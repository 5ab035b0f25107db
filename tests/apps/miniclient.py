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
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import minitls  # noqa: E402
from ucspiapp import Failed, LineClient, run, unescape  # noqa: E402


class Client(LineClient):
    def __init__(self, a):
        super().__init__(socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout))
        self.raw = bytearray()

    def recv(self):
        if self.tls is None:
            try:
                b = self.sock.recv(1)
            except ConnectionResetError:
                b = b""
            self.raw += b
            return b
        try:
            return self.tls.recv_app()
        except minitls.Failed as e:
            raise Failed("TLS: %s" % e)

    def send(self, data):
        if self.tls is None:
            self.sock.sendall(data)
        else:
            self.tls.send_app(data)

    def starttls(self, sni):
        """SNI with Python escapes, so that a test can send any bytes."""
        sni = unescape(sni) if sni else None
        self.check_drained()
        self.tls = minitls.Client(self.sock)
        try:
            self.tls.handshake(sni=sni)
        except minitls.Failed as e:
            raise Failed("handshake failed: %s" % e)
        print("tls suite %04x" % self.tls.suite, flush=True)


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
