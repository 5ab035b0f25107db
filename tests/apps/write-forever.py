#!/usr/bin/env python3
"""write-forever REPORT [HEAD] -- a prog that writes until it cannot.

Run as the prog of `ucspitlsd -i` (the clear stream on fds 0/1) or of
`ucspitlsd` in delayed mode (the STARTTLS prelude of
ucspiapp.starttls_prelude first, then SSLREADFD/SSLWRITEFD).  It writes
HEAD (Python escapes: \\r \\n), then 16 KiB blocks of "x" for ever,
never reading, until a write fails or $TEST_GIVEUP seconds (default 15)
have passed (a write that cannot go on waits at most that long too).  Then it closes its fds, waits for its child (the TLS child)
and writes REPORT, one fact per line:
    wrote N
    end ERRNONAME T    the failed write (EPIPE ...) at time.time() T
    end giveup T       no write failed in $TEST_GIVEUP s
    tls exit N | signal N | nochild | timeout
    cpu S.SSS          the TLS child's CPU time
"""

import os
import sys
import errno
import select
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from ucspiapp import closefd, starttls_prelude, unescape, wait_child  # noqa: E402


def main():
    report = sys.argv[1]
    head = unescape(sys.argv[2]) if len(sys.argv) > 2 else b""
    rfd, wfd = 0, 1
    if os.environ.get("SSLCTLFD"):
        fds = starttls_prelude("write-forever")
        if fds is None:
            raise SystemExit("write-forever: no STARTTLS")
        rfd, wfd = fds
    giveup = time.monotonic() + float(os.environ.get("TEST_GIVEUP", "15"))
    block = b"x" * 16384
    n = 0
    end = None
    try:
        if head:
            os.write(wfd, head)
        os.set_blocking(wfd, False)
        while True:
            left = giveup - time.monotonic()
            if left <= 0:
                break
            select.select([], [wfd], [], left)
            try:
                n += os.write(wfd, block)
            except BlockingIOError:
                pass
    except OSError as e:
        end = "end %s %.3f" % (errno.errorcode.get(e.errno, str(e.errno)), time.time())
    if end is None:
        end = "end giveup %.3f" % time.time()
    for fd in (rfd, wfd):
        closefd(fd)
    cpu = report + ".cpu"
    os.environ["TEST_CHILD_CPU"] = cpu
    tls = wait_child(report + ".status", logged=False)
    try:
        with open(cpu) as f:
            cpuline = f.read().strip()
    except OSError:
        cpuline = "cpu ?"
    with open(report + ".tmp", "w") as f:
        f.write("wrote %d\n%s\ntls %s\n%s\n" % (n, end, tls, cpuline))
    os.rename(report + ".tmp", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
