#!/usr/bin/env python3
"""notify-framing -- a peer whose close_notify is framed in unusual ways.

usage: notify-framing.py -p PORT FRAMING
       notify-framing.py -s PORTFILE -c CERT -k PKCS1KEY FRAMING

As a client (-p): connects to 127.0.0.1:PORT, completes a TLS 1.2
handshake with minitls.  As a server (-s): listens on 127.0.0.1 (its
port written to PORTFILE), takes one connection, completes the handshake
with miniserver (CERT, and its RSA key in PKCS#1).  Then sends one
application-data
record "request\\n", then its close_notify framed as FRAMING says:
  plain       one alert record holding the close_notify (the usual way)
  split       two alert records of one byte each: level, then
              description (TLS 1.2 allows an alert fragmented across
              records, RFC 5246 6.2.1)
  coalesced   34 warning alerts (user_canceled) and the close_notify in
              one 70-byte alert record
  split-warn  a warning and the close_notify's level in one record, its
              description in a second one
then reads everything the server sends until its close_notify, EOF or
reset (20 s at most).

Output: "reply HEX-ESCAPED" with all the application data received,
then "end close_notify", "end eof", "end reset" or "end timeout".
Exit 0 when the run got that far, 2 when the client itself failed.
"""

import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import minitls  # noqa: E402
import miniserver  # noqa: E402

REC_ALERT = minitls.REC_ALERT


def frame(c, how):
    if how == "plain":
        return c.seal(REC_ALERT, b"\x01\x00")
    if how == "split":
        return c.seal(REC_ALERT, b"\x01") + c.seal(REC_ALERT, b"\x00")
    if how == "coalesced":
        return c.seal(REC_ALERT, b"\x01\x5a" * 34 + b"\x01\x00")
    if how == "split-warn":
        return c.seal(REC_ALERT, b"\x01\x5a\x01") + c.seal(REC_ALERT, b"\x00")
    raise SystemExit("notify-framing: unknown framing " + how)


def play(c, how):
    """the request and the framed close_notify in one write, then what
    comes back"""
    c.send_raw(c.seal(minitls.REC_APP, b"request\n") + frame(c, how))
    reply = b""
    end = "timeout"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and end == "timeout":
        for ev in c.poll(0.5):
            if ev[0] == "app":
                reply += ev[1]
            elif ev[0] == "alert" and ev[2] == 0:
                end = "close_notify"
            elif ev[0] == "alert":
                end = "alert %d %d" % (ev[1], ev[2])
            elif ev[0] == "eof" and end == "timeout":
                end = ev[1]
            if end != "timeout":
                break
    print("reply %s" % reply.decode("latin-1").encode("unicode_escape").decode(), flush=True)
    print("end %s" % end, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", type=int)
    ap.add_argument("-s", metavar="PORTFILE")
    ap.add_argument("-c", metavar="CERT")
    ap.add_argument("-k", metavar="KEY")
    ap.add_argument("framing")
    a = ap.parse_args()
    try:
        if a.s:
            ls = socket.socket()
            ls.bind(("127.0.0.1", 0))
            ls.listen(1)
            with open(a.s + ".tmp", "w") as f:
                f.write("%d\n" % ls.getsockname()[1])
            os.rename(a.s + ".tmp", a.s)
            ls.settimeout(30)
            sock, _ = ls.accept()
            sock.settimeout(30)
            c = miniserver.Server(sock, a.c, a.k)
            c.handshake()
        else:
            sock = socket.create_connection(("127.0.0.1", a.p), timeout=30)
            c = minitls.Client(sock)
            c.handshake(sni=b"localhost")
    except (minitls.Failed, OSError) as e:
        print("notify-framing: handshake: %s" % e, flush=True)
        return 2
    play(c, a.framing)
    return 0


if __name__ == "__main__":
    sys.exit(main())
