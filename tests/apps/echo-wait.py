#!/usr/bin/env python3
"""echo-wait STATUSFILE [RFD WFD] -- echo, then report how the TLS child ended.

Run as the prog of `ucspitlsd -i` (RFD WFD default 0 1) or of
`ucspitlsc -i` (give 6 7).  It copies everything from RFD to WFD until
end-of-file (a write error ends the copy too), closes both, then waits
for its child -- the TLS child that the wrapper forked before exec'ing
it -- and appends to STATUSFILE one line: "exit N", "signal N",
"nochild" or "timeout" ($TEST_WAIT seconds, default 30).

Under `ucspitlsd` in delayed mode ($SSLCTLFD set, no RFD WFD given) it
speaks a STARTTLS prelude first, as hostile.py --starttls expects: the
greeting "220 echo-wait", one line read a byte at a time (whatever it
says), "220 go ahead", the control byte y, SSLCTLFD read to its end, the
plaintext fds 0 and 1 closed; then it echoes from SSLREADFD to
SSLWRITEFD.

Environment (optional):
  TEST_RECV_FILE   every byte read from RFD is appended there too
  TEST_HOLD        "1": at end-of-file, keep WFD open and wait for the
                   TLS child first (a prog that is still busy when the
                   peer has ended); WFD is closed only then
  TEST_CHILD_CPU   the TLS child's CPU time, appended ("cpu S.SSS")
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from ucspiapp import closefd, starttls_prelude, wait_child  # noqa: E402


def main():
    status = sys.argv[1]
    rfd = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    wfd = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    if len(sys.argv) <= 2 and os.environ.get("SSLCTLFD"):
        fds = starttls_prelude("echo-wait")
        if fds is None:
            wait_child(status, logged=False)
            return 0
        rfd, wfd = fds
    recv = os.environ.get("TEST_RECV_FILE")
    rec = open(recv, "ab", buffering=0) if recv else None
    try:
        while True:
            b = os.read(rfd, 65536)
            if not b:
                break
            if rec:
                rec.write(b)
            while b:
                b = b[os.write(wfd, b):]
    except OSError:
        pass
    closefd(rfd)
    hold = os.environ.get("TEST_HOLD") == "1"
    if not hold:
        closefd(wfd)
    wait_child(status, logged=False)
    if hold:
        closefd(wfd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
