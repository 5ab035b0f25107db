#!/usr/bin/env python3
"""echo-wait STATUSFILE [RFD WFD] -- echo, then report how the TLS child ended.

Run as the prog of `ucspitlsd -i` (RFD WFD default 0 1) or of
`ucspitlsc -i` (give 6 7).  It copies everything from RFD to WFD until
end-of-file (a write error ends the copy too), closes both, then waits
for its child -- the TLS child that the wrapper forked before exec'ing
it -- and appends to STATUSFILE one line: "exit N", "signal N",
"nochild" or "timeout" ($TEST_WAIT seconds, default 30).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from ucspiapp import closefd, wait_child  # noqa: E402


def main():
    status = sys.argv[1]
    rfd = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    wfd = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    try:
        while True:
            b = os.read(rfd, 65536)
            if not b:
                break
            while b:
                b = b[os.write(wfd, b):]
    except OSError:
        pass
    for fd in (rfd, wfd):
        closefd(fd)
    wait_child(status, logged=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
