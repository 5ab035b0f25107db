#!/usr/bin/env python3
"""read-little -- a TLS client (Python's ssl) that reads a little and goes.

usage: read-little.py -p PORT --ca FILE [--starttls] [--read N]
                      [--how close|halfclose|reset]

It completes a TLS 1.2 handshake with 127.0.0.1:PORT (with --starttls:
after the plaintext prelude of hostile.py --starttls), reads at least
--read bytes of application data (default 1000), then:
  close       closes the socket, unread data in it: the kernel sends RST
  halfclose   a TCP half-close (shutdown SHUT_WR), 200 ms, then close
              (RST: unread data)
  reset       an RST at once (SO_LINGER 0)
and prints "read N", then "gone T", T the time.time() of the close, and
exits 0.  Exit 2 when the client itself failed.
"""

import argparse
import os
import socket
import ssl
import struct
import sys
import time


def line(sock):
    b = b""
    while not b.endswith(b"\n"):
        c = sock.recv(1)
        if not c:
            raise OSError("end-of-file in the plaintext prelude")
        b += c
    return b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--starttls", action="store_true")
    ap.add_argument("--read", type=int, default=1000)
    ap.add_argument("--how", default="close", choices=("close", "halfclose", "reset"))
    a = ap.parse_args()
    try:
        raw = socket.create_connection(("127.0.0.1", a.port), timeout=20)
        if a.starttls:
            line(raw)
            raw.sendall(b"STARTTLS\r\n")
            line(raw)
        ctx = ssl.create_default_context(cafile=a.ca)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        n = 0
        while n < a.read:
            b = s.recv(65536)
            if not b:
                raise OSError("end-of-file after %d bytes" % n)
            n += len(b)
        print("read %d" % n, flush=True)
        if a.how == "halfclose":
            plain = socket.socket(fileno=os.dup(s.fileno()))
            plain.shutdown(socket.SHUT_WR)
            plain.close()
            time.sleep(0.2)
        elif a.how == "reset":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        print("gone %.3f" % time.time(), flush=True)
    except (OSError, ssl.SSLError) as e:
        print("read-little: %s" % e, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
