#!/usr/bin/env python3
"""alpn-server -- a TLS server whose ServerHello selects a protocol by
ALPN (RFC 7301) that the test names, whether the client offered it or
not: the server of another protocol in an ALPACA attack, which OpenSSL
and Python servers cannot play (they select only among the client's
names).

usage: alpn-server.py -s PORTFILE -c CERT -k PKCS1KEY NAME

Listens on 127.0.0.1 (its port written to PORTFILE), takes one
connection, and completes the handshake with miniserver, its ServerHello
selecting NAME.  Then it sends the application data "secret\\n" at once
and reads what the client sends until the client's close_notify, EOF or
reset (20 s at most).

Output, one line each:
  offered NAME,NAME...   the client's ALPN offer ("offered -" for none)
  handshake ok           or "handshake failed: WHY" (then the output ends)
  got HEX-ESCAPED        the application data received
  end close_notify|eof|reset|timeout|alert LEVEL DESC
Exit 0 when the run got that far, 2 when the server itself failed.
"""

import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import minitls  # noqa: E402
import miniserver  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", metavar="PORTFILE", required=True)
    ap.add_argument("-c", metavar="CERT", required=True)
    ap.add_argument("-k", metavar="KEY", required=True)
    ap.add_argument("name")
    a = ap.parse_args()
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    with open(a.s + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(a.s + ".tmp", a.s)
    ls.settimeout(30)
    try:
        sock, _ = ls.accept()
    except OSError as e:
        print("alpn-server: accept: %s" % e, flush=True)
        return 2
    sock.settimeout(30)
    s = miniserver.Server(sock, a.c, a.k)
    try:
        s.handshake(alpn=a.name.encode())
    except (minitls.Failed, OSError) as e:
        print("offered %s" % offered(s), flush=True)
        print("handshake failed: %s" % e, flush=True)
        return 0
    print("offered %s" % offered(s), flush=True)
    print("handshake ok", flush=True)
    got = b""
    end = "timeout"
    try:
        s.send_app(b"secret\n")
    except OSError:
        pass
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and end == "timeout":
        try:
            events = s.poll(0.5)
        except minitls.Failed as e:
            end = "failed %s" % e
            break
        for ev in events:
            if ev[0] == "app":
                got += ev[1]
            elif ev[0] == "alert" and ev[2] == 0:
                end = "close_notify"
            elif ev[0] == "alert":
                end = "alert %d %d" % (ev[1], ev[2])
            elif ev[0] == "eof" and end == "timeout":
                end = ev[1]
            if end != "timeout":
                break
    print("got %s" % got.decode("latin-1").encode("unicode_escape").decode(), flush=True)
    print("end %s" % end, flush=True)
    return 0


def offered(s):
    if s.offered is None:
        return "-"
    return ",".join(n.decode("latin-1") for n in s.offered)


if __name__ == "__main__":
    sys.exit(main())
