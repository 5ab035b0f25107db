#!/usr/bin/env python3
"""silent-server PORTFILE -- a server that reads and never answers.

Listens on 127.0.0.1 (a port of the kernel's choice, written to PORTFILE
once it listens), accepts one connection, reads and throws away what
comes until the peer closes (or 30 s of silence), then prints
"client closed after S s" (S counted from the accept) and exits.  For
the client-side tests that need a handshake to stall: ucspitlsc's
ClientHello goes unanswered.
"""

import os
import socket
import sys
import time


def main():
    portfile = sys.argv[1]
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    ls.settimeout(30)
    c, _ = ls.accept()
    c.settimeout(30)
    t0 = time.monotonic()
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass
    print("client closed after %.3f s" % (time.monotonic() - t0), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
