#!/usr/bin/env python3
"""say-wait REPORT TEXT -- a prog that says one thing and is done.

Run as the prog of `ucspitlsd -i` (the clear stream on fds 0/1) or of
`ucspitlsd` in delayed mode (the STARTTLS prelude of
ucspiapp.starttls_prelude first, then SSLREADFD/SSLWRITEFD).  It writes
TEXT (Python escapes: \\r \\n) on the clear stream, closes both of its
ends without reading anything, then waits for its child (the TLS child:
from the child's side, prog is gone) and writes REPORT:
    closed T           time.time() when it had closed both ends
    tls exit N | signal N | nochild | timeout
    ended T            time.time() when the TLS child was reaped
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from ucspiapp import closefd, starttls_prelude, unescape, wait_child  # noqa: E402


def main():
    report, text = sys.argv[1], unescape(sys.argv[2])
    rfd, wfd = 0, 1
    if os.environ.get("SSLCTLFD"):
        fds = starttls_prelude("say-wait")
        if fds is None:
            raise SystemExit("say-wait: no STARTTLS")
        rfd, wfd = fds
    while text:
        text = text[os.write(wfd, text):]
    closefd(rfd)
    closefd(wfd)
    closed = time.time()
    tls = wait_child(report + ".status", logged=False)
    with open(report + ".tmp", "w") as f:
        f.write("closed %.3f\ntls %s\nended %.3f\n" % (closed, tls, time.time()))
    os.rename(report + ".tmp", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
