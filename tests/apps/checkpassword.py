#!/usr/bin/env python3
"""checkpassword -- stands for what acceptutils' authup runs once a client
has authenticated: a checkpassword program, then fixsmtpio in front of
qmail-smtpd, whose queue filter qmail-qfilter-addtlsheader
(schmonz/qmail) adds a Received line from the environment.

usage: checkpassword.py FILE

Reads fd 3 to its end: "user\\0password\\0timestamp\\0" (the checkpassword
interface).  A user and password other than $CHECKPASSWORD_USER and
$CHECKPASSWORD_PASS: exit 1.  Else it writes to FILE the environment it
was given, "NAME=VALUE" a line, sorted, and then the line that
qmail-qfilter-addtlsheader would add to a message in that environment,
"header Received: (ucspitls acceptutils authup USER PROTOCOL CIPHER)" --
only when SSL_CIPHER and SSL_PROTOCOL are both set; "header none"
otherwise.  Then, standing for fixsmtpio and qmail-smtpd, it answers the
client "235 ok, go ahead (#2.0.0)" on fd 1, "221 localhost" to QUIT
(and exits 0), "502 unimplemented (#5.5.1)" to anything else.
"""

import os
import sys


def main():
    data = b""
    while True:
        chunk = os.read(3, 4096)
        if not chunk:
            break
        data += chunk
    parts = data.split(b"\0")
    user, password = (parts + [b"", b""])[:2]
    if (user.decode("utf-8", "replace") != os.environ.get("CHECKPASSWORD_USER")
            or password.decode("utf-8", "replace") != os.environ.get("CHECKPASSWORD_PASS")):
        return 1
    lines = ["%s=%s" % kv for kv in sorted(os.environ.items())]
    env = os.environ
    if "SSL_CIPHER" in env and "SSL_PROTOCOL" in env:
        who = " acceptutils fixsmtpio" if "FIXSMTPIOTLS" in env else (
            " acceptutils authup " + env["AUTHUP_USER"] if "AUTHUP_USER" in env else "")
        lines.append("header Received: (ucspitls%s %s %s)" % (who, env["SSL_PROTOCOL"], env["SSL_CIPHER"]))
    else:
        lines.append("header none")
    with open(sys.argv[1] + ".tmp", "w", errors="backslashreplace") as f:
        f.write("\n".join(lines) + "\n")
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    os.write(1, b"235 ok, go ahead (#2.0.0)\r\n")
    buf = b""
    while True:
        chunk = os.read(0, 1024)
        if not chunk:
            return 0
        buf += chunk
        while b"\n" in buf:
            ln, buf = buf.split(b"\n", 1)
            if ln.rstrip(b"\r").lower() == b"quit":
                os.write(1, b"221 localhost\r\n")
                return 0
            os.write(1, b"502 unimplemented (#5.5.1)\r\n")


if __name__ == "__main__":
    sys.exit(main())
