#!/usr/bin/env python3
"""ctlapp MODE -- a delayed-mode server application that misuses, or
uses at the edges, the UCSPI-TLS control channel (ucspitlsd's prog).

A line protocol: greeting "220 ctlapp", then ECHO text -> "250 text",
QUIT -> "221 bye", STARTTLS -> what MODE says; anything else -> "500".
Before TLS it reads fd 0 one byte at a time (nothing past a line is
consumed); once TLS is up it talks on $SSLREADFD/$SSLWRITEFD.

Modes:
  bad:HEX      on STARTTLS: "220 go ahead", then the bytes HEX on
               SSLCTLFD; waits for the TLS child (which must exit at
               once), reads SSLCTLFD to its end, answers "250 still
               plaintext", and goes on in plaintext on fds 0/1
  send:HEX     on STARTTLS: "220 go ahead", the bytes HEX in one write on
               SSLCTLFD, SSLCTLFD read to its end (into $TEST_YBLOCK_FILE
               if set), then TLS
  twice:B      on STARTTLS: "220 go ahead", B on SSLCTLFD, SSLCTLFD read
               to its end (TLS is up), then B again on SSLCTLFD (logged:
               "second byte: ok" or the error), then TLS
  die:B        on STARTTLS: "220 go ahead", B on SSLCTLFD, and exit at
               once (status 0), without reading or closing anything
  prewrite:T   first of all, T plus CR LF on SSLWRITEFD (before the
               greeting, before any control byte); on STARTTLS: "220 go
               ahead", a 300 ms pause, y, SSLCTLFD to its end, then TLS
  decline[:T]  first of all (T plus CR LF on SSLWRITEFD if T is given,
               then) close SSLCTLFD alone, keeping SSLREADFD/SSLWRITEFD
               open, and wait for the TLS child, which must exit at once;
               then plaintext only: STARTTLS -> "454 no TLS"
After a control byte, SSLCTLFD is read to its end: the log says "ctl eof
after N bytes", or "ctl error after N bytes: ERROR" if the read fails (the
app then goes on as if it had seen end-of-file).
Environment: TEST_YBLOCK_FILE (send:, what came on SSLCTLFD), TEST_STATUS_FILE (the TLS child's end, one line: "exit N",
"signal N", "nochild", "timeout"), TEST_LOG (events, one per line).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from ucspiapp import Conn, closefd, log, read_ctl, wait_child  # noqa: E402


def drain(fd):
    n = 0
    while True:
        b = os.read(fd, 4096)
        if not b:
            return n
        n += len(b)


def main():
    mode, _, arg = sys.argv[1].partition(":")
    ctl, sslr, sslw = (int(os.environ[v]) for v in ("SSLCTLFD", "SSLREADFD", "SSLWRITEFD"))
    if mode in ("prewrite", "decline") and arg:
        os.write(sslw, arg.encode() + b"\r\n")
        log("prewrote %s" % arg)
    if mode == "decline":
        os.close(ctl)
        log("ctl closed")
        wait_child()
    conn = Conn(0, 1, True)
    conn.write("220 ctlapp")
    tls = False
    while True:
        line = conn.readline()
        if line is None:
            log("eof")
            break
        log("cmd " + line)
        verb, _, rest = line.partition(" ")
        if verb == "ECHO":
            conn.write("250 " + rest)
        elif verb == "QUIT":
            conn.write("221 bye")
            break
        elif verb == "STARTTLS" and mode == "decline":
            conn.write("454 no TLS")
        elif verb == "STARTTLS" and not tls:
            conn.write("220 go ahead")
            if mode == "bad":
                os.write(ctl, bytes.fromhex(arg))
                log("ctl sent %s" % arg)
                wait_child()
                log("ctl eof after %d bytes" % drain(ctl))
                conn.write("250 still plaintext")
                continue
            if mode == "die":
                os.write(ctl, arg.encode())
                log("ctl sent %s, exiting" % arg)
                os._exit(0)
            if mode == "prewrite":
                time.sleep(0.3)
            b = arg.encode() if mode == "twice" else bytes.fromhex(arg) if mode == "send" else b"y"
            os.write(ctl, b)
            log("ctl sent %s" % b.hex())
            read_ctl(ctl, lenient=True)
            if mode == "twice":
                try:
                    os.write(ctl, b)
                    log("second byte: ok")
                except OSError as e:
                    log("second byte: %s" % e.strerror)
            os.close(ctl)
            conn = Conn(sslr, sslw, False)
            tls = True
            log("tls")
        else:
            conn.write("500 what")
    for fd in (0, 1, sslr, sslw):
        closefd(fd)
    if not tls and mode not in ("bad", "decline"):
        closefd(ctl)
    if mode not in ("bad", "decline"):
        wait_child()
    log("end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
