#!/usr/bin/env python3
"""hostile-server -- a scripted hostile TLS server, for ucspitlsc's side.

usage: hostile-server.py PORTFILE CERT KEY CASE [TIMEOUT]

Listens on 127.0.0.1 (a port of its own choosing, written to PORTFILE),
takes one connection, completes a real TLS 1.2 handshake with Python's
ssl module through a MemoryBIO (so that its records can be altered on
their way out), sends "hello\\n" and waits for the client's application
to echo it, then plays CASE:
  reneg-ssl   an application-data record re-typed as handshake (22): to
              the client, a renegotiation request
  reneg-ccs   the same re-typed as ChangeCipherSpec (20)
  badmac-ssl  an application-data record with one ciphertext byte flipped
Then it waits (TIMEOUT seconds, default 20) for the client to end the
connection, and prints what happened as hostile.py does ("echo hello",
"closed after S s ...", "received ...", "records: ...").  Exit 0 when
the client ended the connection in time, 1 if not, 2 on its own failure.
"""

import os
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import hostile  # noqa: E402


def main():
    portfile, cert, key, case = sys.argv[1:5]
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 20.0
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    ls.settimeout(timeout + 10)
    try:
        sock, _ = ls.accept()
    except OSError as e:
        print("hostile-server: no connection: %s" % e, flush=True)
        return 2
    sock.settimeout(timeout + 10)
    hostile.START = time.monotonic()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    try:
        obj, inc, out = hostile.bio_handshake(sock, ctx, server_side=True)
        sock.sendall(bytes(hostile.ssl_record(obj, out, b"hello\n")))
        got = b""
        while not got.endswith(b"\n"):
            try:
                got += obj.read(4096)
            except ssl.SSLWantReadError:
                b = sock.recv(65536)
                if not b:
                    raise hostile.ClientError("end-of-file before the echo")
                inc.write(b)
        hostile.say("echo " + got.decode("utf-8", "replace").strip())
        rec = hostile.ssl_record(obj, out, b"this record will not make it\n")
        if case == "reneg-ssl":
            rec[0] = 22
        elif case == "reneg-ccs":
            rec[0] = 20
        elif case == "badmac-ssl":
            rec[5 + 8 + 3] ^= 0x01
        else:
            raise hostile.ClientError("unknown case %r" % case)
        hostile.say("sent the %s record" % case)
        sock.sendall(bytes(rec))
        mark = time.monotonic()
        ok = hostile.wait_close(sock, mark, timeout)
    except (hostile.ClientError, OSError, ssl.SSLError) as e:
        print("hostile-server: error: %s" % e, flush=True)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
