#!/usr/bin/env python3
"""churn -- hostile clients in a loop, for the tcpserver -c tests.

usage: churn.py -p PORT [--secs S] [--lanes K] [--seed N] [--starttls]

K threads (default 6) connect to 127.0.0.1:PORT again and again for S
seconds (default 8), each connection drawing one behaviour:
  connect-close   connect, close at once
  connect-rst     connect, RST at once (SO_LINGER 0)
  half-hello      half a ClientHello, then close or RST
  hello           a whole ClientHello, read what comes for a moment,
                  then close or RST
  handshake       a whole handshake (tests/apps/minitls), then close or
                  RST
  line            a handshake, a line, its echo, then close or RST
  warn            a handshake, a line, a warning alert (user_canceled),
                  a line, then close
  halfclose       a handshake, a line, a TCP half-close, the echo to the
                  end, close
--starttls: the plaintext prelude of hostile.py --starttls first (those
that never get that far close during it).  A server that is full (the
connection waits in the listen queue) only makes a client wait: every
wait is bounded (1.5 s), then the client goes on with its script or
closes.  Prints, at the end, one line per behaviour: "BEHAVIOUR N" (how
many connections drew it) and "total N"; exit 0.
"""

import argparse
import os
import random
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import minitls  # noqa: E402

KINDS = ("connect-close", "connect-rst", "half-hello", "hello", "handshake", "line", "warn", "halfclose")


def rst(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def prelude(sock):
    def line():
        b = b""
        while not b.endswith(b"\n"):
            c = sock.recv(1)
            if not c:
                raise OSError("eof")
            b += c
    line()
    sock.sendall(b"STARTTLS\r\n")
    line()


def one(port, kind, rng, starttls):
    sock = socket.create_connection(("127.0.0.1", port), timeout=1.5)
    end = rst if rng.random() < 0.5 else (lambda s: s.close())
    try:
        if kind == "connect-close":
            return sock.close()
        if kind == "connect-rst":
            return rst(sock)
        if starttls:
            prelude(sock)
        if kind in ("half-hello", "hello"):
            h = minitls.client_hello(os.urandom(32), b"localhost")
            r = minitls.record_header(minitls.REC_HANDSHAKE, len(h), 0x0301) + h
            sock.sendall(r if kind == "hello" else r[:len(r) // 2])
            if kind == "hello":
                sock.recv(100)
            return end(sock)
        c = minitls.Client(sock)
        c.handshake(sni=b"localhost")
        if kind == "handshake":
            return end(sock)
        c.send_app(b"a line\n")
        if kind == "warn":
            c.send_alert(1, 90)
            c.send_app(b"after a warning\n")
            c.recv_line()
            return sock.close()
        c.recv_line()
        if kind == "line":
            return end(sock)
        c.shutdown_write()
        while c.recv_app() is not None:
            pass
        sock.close()
    except (OSError, minitls.Failed):
        rst(sock)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("--secs", type=float, default=8)
    ap.add_argument("--lanes", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--starttls", action="store_true")
    a = ap.parse_args()
    stop = time.monotonic() + a.secs
    counts = {k: 0 for k in KINDS}
    lock = threading.Lock()

    def lane(k):
        rng = random.Random(a.seed * 1000 + k)
        while time.monotonic() < stop:
            kind = rng.choice(KINDS)
            with lock:
                counts[kind] += 1
            try:
                one(a.port, kind, rng, a.starttls)
            except OSError:
                time.sleep(0.05)

    ts = [threading.Thread(target=lane, args=(k,)) for k in range(a.lanes)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for k in KINDS:
        print("%s %d" % (k, counts[k]))
    print("total %d" % sum(counts.values()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
