#!/usr/bin/env python3
"""dumpenv FILE -- record the environment and the open fds, then end.

Run as ucspitlsd's prog.  FILE (argv[1], else $TEST_DUMP) gets, written
atomically (tmp + rename):
  env NAME=VALUE        one line per variable, sorted; in the value a
                        backslash is written \\\\ and a newline \\n
  fd N TARGET KIND MODE one line per open fd, ascending: TARGET is the
                        readlink of /proc/self/fd/N, KIND one of tcp, tcp6,
                        unix, socket, pipe, file, other; MODE rdonly,
                        wronly or rdwr
The fds are probed with fcntl(F_GETFD), so the probe opens none itself.

Then it closes every fd but 2 and, when $TEST_STATUS_FILE is set, waits
for its child (the TLS child) and appends "exit N" / "signal N" /
"nochild" / "timeout" to that file ($TEST_WAIT seconds, default 30).
"""

import fcntl
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from ucspiapp import closefd, wait_child  # noqa: E402


def socket_kinds():
    kinds = {}
    for name, kind in (("tcp", "tcp"), ("tcp6", "tcp6"), ("unix", "unix")):
        try:
            with open("/proc/net/" + name) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for ln in lines:
            cols = ln.split()
            inode = cols[9] if kind != "unix" else cols[6]
            kinds[inode] = kind
    return kinds


def open_fds():
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if limit == resource.RLIM_INFINITY or limit > 65536:
        limit = 65536
    fds = []
    for fd in range(limit):
        try:
            fcntl.fcntl(fd, fcntl.F_GETFD)
        except OSError:
            continue
        fds.append(fd)
    return fds


def describe(fd, kinds):
    try:
        target = os.readlink("/proc/self/fd/%d" % fd)
    except OSError:
        target = "?"
    if target.startswith("socket:["):
        kind = kinds.get(target[8:-1], "socket")
    elif target.startswith("pipe:["):
        kind = "pipe"
    elif target.startswith("/"):
        kind = "file"
    else:
        kind = "other"
    acc = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
    mode = {os.O_RDONLY: "rdonly", os.O_WRONLY: "wronly"}.get(acc, "rdwr")
    return "fd %d %s %s %s" % (fd, target.replace(" ", "_"), kind, mode)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.environ["TEST_DUMP"]
    fds = open_fds()
    kinds = socket_kinds()
    lines = [describe(fd, kinds) for fd in fds]
    envl = []
    for k, v in sorted(os.environb.items()):
        v = v.replace(b"\\", b"\\\\").replace(b"\n", b"\\n")
        envl.append(b"env " + k + b"=" + v)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(b"\n".join(envl) + b"\n")
        f.write(("\n".join(lines) + "\n").encode())
    os.rename(tmp, out)

    for fd in fds:
        if fd != 2:
            closefd(fd)
    if os.environ.get("TEST_STATUS_FILE"):
        wait_child(logged=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
