#!/usr/bin/env python3
"""keysteal -- stand in for a connection's key process and answer garbage.

usage: keysteal.py KPID READYFILE [TIMEOUT]

As root.  It takes a copy of the key process's end of its socketpair
(pidfd_getfd(2); the key process must hold exactly one socket), stops
the key process (SIGSTOP: it reads nothing more) and creates READYFILE.
Then it waits for the TLS child's request and answers it with 4096
bytes of 0xff, which no framing can take for an answer (too long for any
signature; any length field in it is too large), and keeps its end
open: the TLS child must reject the answer itself, not notice that the
key process is gone.  It prints "request N bytes", "answered 4096
bytes", then "peer closed after S s" (S from the answer) once the TLS
child has closed its end.  Last it lets the key process go on
(SIGCONT), which then finds its peer gone.  Exit 0 when all this
happened within TIMEOUT seconds (default 20), 1 when not.
"""

import ctypes
import os
import signal
import socket
import sys
import time

SYS_pidfd_getfd = 438  # x86_64, arm64 and the others of the generic table


def say(msg):
    print(msg, flush=True)


def steal(pid):
    socks = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:"):
                socks.append(int(fd))
        except OSError:
            pass
    if len(socks) != 1:
        sys.exit("keysteal: process %d holds %d sockets, not one" % (pid, len(socks)))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    pidfd = os.pidfd_open(pid)
    fd = libc.syscall(SYS_pidfd_getfd, pidfd, socks[0], 0)
    if fd < 0:
        sys.exit("keysteal: pidfd_getfd: %s" % os.strerror(ctypes.get_errno()))
    os.close(pidfd)
    return socket.socket(fileno=fd)


def main():
    pid, ready = int(sys.argv[1]), sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
    s = steal(pid)
    os.kill(pid, signal.SIGSTOP)
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % pid)
    os.rename(ready + ".tmp", ready)
    s.settimeout(timeout)
    try:
        req = s.recv(65536)
        if not req:
            say("the peer closed without a request")
            return 1
        say("request %d bytes" % len(req))
        s.sendall(b"\xff" * 4096)
        say("answered 4096 bytes")
        t0 = time.monotonic()
        while s.recv(65536):
            pass
        say("peer closed after %.3f s" % (time.monotonic() - t0))
    except socket.timeout:
        say("timed out")
        return 1
    except OSError as e:
        say("peer closed after an error: %s" % e)
    finally:
        os.kill(pid, signal.SIGCONT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
