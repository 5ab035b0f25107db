#!/usr/bin/env python3
"""end-peer -- how the other side ends a TLS session: close_notify or a
bare TCP end.

usage: end-peer.py client PORT [REPLY]
       end-peer.py server PORTFILE CERT KEY

client: connects to 127.0.0.1:PORT, does a TLS 1.2 handshake with
minitls (which tells a close_notify from a TCP end), reads what the
server sends until its close_notify or end-of-file; then, with REPLY,
sends REPLY and a newline as application data and a close_notify, and
reads on to end-of-file.
server: listens on 127.0.0.1 (its port written to PORTFILE), takes one
connection with Python's ssl, and reads until the client's close_notify
(recv gives b"") or a TCP end without one (an SSLError, UNEXPECTED_EOF:
suppress_ragged_eofs and OP_IGNORE_UNEXPECTED_EOF are off).

Output: "got HEX-ESCAPED" (the data received before the end), then "end
close_notify", "end eof", "end reset" or "end timeout" (20 s), and for
the client with REPLY "after eof", "after reset" or "after timeout".
Exit 0 when it got that far, 2 when it failed on its own.
"""

import os
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import minitls  # noqa: E402


def esc(b):
    return b.decode("latin-1").encode("unicode_escape").decode()


def client_end(c, limit=20):
    """data, and how the server's side ended"""
    got, end = b"", "timeout"
    deadline = time.monotonic() + limit
    while end == "timeout" and time.monotonic() < deadline:
        for ev in c.poll(0.5):
            if ev[0] == "app":
                got += ev[1]
            elif ev[0] == "alert" and ev[1:] == (1, 0):
                end = "close_notify"
                break
            elif ev[0] == "alert":
                end = "alert %d %d" % ev[1:]
                break
            elif ev[0] == "eof":
                end = ev[1]
    return got, end


def client(port, reply):
    sock = socket.create_connection(("127.0.0.1", int(port)), timeout=30)
    c = minitls.Client(sock)
    try:
        c.handshake(sni=b"localhost")
    except (minitls.Failed, OSError) as e:
        print("end-peer: handshake: %s" % e, flush=True)
        return 2
    got, end = client_end(c)
    print("got %s" % esc(got), flush=True)
    print("end %s" % end, flush=True)
    if reply is not None:
        try:
            c.send_raw(c.seal(minitls.REC_APP, reply.encode() + b"\n") + c.seal(minitls.REC_ALERT, b"\x01\x00"))
            c.shutdown_write()
            _, after = client_end(c)
        except OSError as e:
            after = "error %s" % e
        print("after %s" % after, flush=True)
    return 0


def server(portfile, cert, key):
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    ls.settimeout(30)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    # Python sets it by default: a TCP end would look like close_notify
    ctx.options &= ~getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)
    try:
        sock, _ = ls.accept()
        sock.settimeout(20)
        s = ctx.wrap_socket(sock, server_side=True, suppress_ragged_eofs=False)
    except OSError as e:
        print("end-peer: no session: %s" % e, flush=True)
        return 2
    got, end = b"", "timeout"
    try:
        while True:
            b = s.recv(65536)
            if not b:
                end = "close_notify"
                break
            got += b
    except ssl.SSLError as e:
        # a TCP end without close_notify; any other error says itself
        end = "eof" if isinstance(e, ssl.SSLEOFError) or "UNEXPECTED_EOF" in str(e) else "error %s" % e
    except ConnectionResetError:
        end = "reset"
    except socket.timeout:
        end = "timeout"
    print("got %s" % esc(got), flush=True)
    print("end %s" % end, flush=True)
    return 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if a and a[0] == "client" and len(a) in (2, 3):
        sys.exit(client(a[1], a[2] if len(a) == 3 else None))
    if a and a[0] == "server" and len(a) == 4:
        sys.exit(server(*a[1:]))
    sys.exit("usage: end-peer.py client PORT [REPLY] | server PORTFILE CERT KEY")
