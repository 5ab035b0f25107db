#!/usr/bin/env python3
"""tlsclient -- a scripted line client on Python's ssl module.

usage: tlsclient.py [options] STEP...
  -p PORT            port on 127.0.0.1 (required)
  --host ADDR        address to connect to (default 127.0.0.1)
  --bind ADDR        connect from ADDR (127.0.0.2, ...)
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
import os
import socket
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from ucspiapp import Failed, LineClient, run  # noqa: E402


class Client(LineClient):
    def __init__(self, args):
        src = (args.bind, 0) if args.bind else None
        super().__init__(socket.create_connection((args.host, args.port), timeout=args.timeout, source_address=src))
        self.args = args

    def recv(self):
        try:
            if self.tls is None:
                return self.sock.recv(1)
            return self.tls.recv(16384)
        except (ssl.SSLError, ConnectionError) as e:
            raise Failed("read failed: %s (have %r)" % (e, self.buf))

    def send(self, data):
        (self.tls or self.sock).sendall(data)

    def starttls(self, _):
        """The step's argument is not used: --sni says the name."""
        self.check_drained()
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--bind")
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
