#!/usr/bin/env python3
"""smtpish -- a line-oriented SMTP-like UCSPI-TLS server application.

Run as ucspitlsd's prog.  It speaks just enough SMTP for the tests and for
swaks: 220 greeting, EHLO/HELO, STARTTLS, MAIL, RCPT, DATA, RSET, NOOP,
QUIT, plus two test commands: XECHO text (answers "250 text") and
XENV NAME (answers "250 NAME=value", or "250 NAME unset").

Delayed mode ($SSLCTLFD set): it reads the network (fd 0) one byte at a
time, so nothing past the STARTTLS line is ever consumed.  On STARTTLS it
writes the control byte to $SSLCTLFD, reads that fd to end-of-file, then
talks on $SSLREADFD/$SSLWRITEFD.  Immediate mode ($SSLCTLFD unset): the
session is already encrypted on fds 0/1; STARTTLS is neither offered nor
accepted.

At the end it closes every fd it talks on, waits for its child (the TLS
child that ucspitlsd forked before exec'ing it) and records how it ended.

Control (argv[1] overrides $TEST_CTL; default "y"):
  y | Y      the control byte sent on STARTTLS
  n          decline: close the three SSL fds at start, before the
             greeting; wait for the TLS child there; offer no STARTTLS
  x:HEX      on STARTTLS send these raw bytes as the control "byte"
             (protocol errors), read SSLCTLFD to end-of-file, wait for
             the TLS child there, answer "454 4.7.0 TLS not available
             (child exit N)" and go on in plaintext
Environment:
  TEST_YBLOCK_FILE   the bytes read from SSLCTLFD after the control byte,
                     up to end-of-file, written verbatim
  TEST_STATUS_FILE   one line appended per session for the child:
                     "exit N", "signal N", "nochild" or "timeout"
  TEST_LOG           events appended, one per line ("cmd EHLO x", ...)
  TEST_REPLY_ORDER   "before" (default): the 220 reply to STARTTLS is
                     written before the control byte; "after": after it
  TEST_WAIT          seconds to wait for the child (default 30)
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from ucspiapp import Conn, closefd, log, read_ctl, wait_child  # noqa: E402

HOST = "localhost"


def envfd(name):
    v = os.environ.get(name)
    return int(v) if v is not None else None


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TEST_CTL", "y")
    if mode in ("y", "Y"):
        ctlbytes = mode.encode()
    elif mode.startswith("x:"):
        ctlbytes = bytes.fromhex(mode[2:])
    elif mode == "n":
        ctlbytes = None
    else:
        sys.stderr.write("smtpish: bad mode %r\n" % mode)
        return 100
    order = os.environ.get("TEST_REPLY_ORDER", "before")

    ctl, sslr, sslw = envfd("SSLCTLFD"), envfd("SSLREADFD"), envfd("SSLWRITEFD")
    delayed = ctl is not None
    log("start " + ("delayed" if delayed else "immediate"))
    waited = False
    if delayed and ctlbytes is None:
        for fd in {ctl, sslr, sslw}:
            closefd(fd)
        ctl = sslr = sslw = None
        log("declined")
        wait_child()
        waited = True

    conn = Conn(0, 1, bytewise=delayed)
    tls = not delayed
    try:
        conn.write("220 %s ESMTP smtpish" % HOST)
        while True:
            line = conn.readline()
            if line is None:
                log("eof")
                break
            log("cmd " + line)
            verb = line.split(" ", 1)[0].upper()
            arg = line[len(verb) + 1:]
            if verb in ("EHLO", "HELO"):
                if verb == "HELO":
                    conn.write("250 %s" % HOST)
                    continue
                conn.write("250-%s hello %s" % (HOST, arg))
                if not tls and ctl is not None:
                    conn.write("250-STARTTLS")
                conn.write("250-8BITMIME")
                conn.write("250 HELP")
            elif verb == "STARTTLS":
                if tls:
                    conn.write("503 5.5.1 TLS already active")
                    continue
                if ctl is None:
                    conn.write("454 4.7.0 TLS not available")
                    continue
                bad = mode.startswith("x:")
                if order == "before" and not bad:
                    conn.write("220 2.0.0 Ready to start TLS")
                os.write(ctl, ctlbytes)
                log("ctl sent %s" % ctlbytes.hex())
                if order == "after" and not bad:
                    conn.write("220 2.0.0 Ready to start TLS")
                read_ctl(ctl)
                closefd(ctl)
                ctl = None
                if bad:
                    res = wait_child()
                    waited = True
                    closefd(sslr)
                    closefd(sslw)
                    sslr = sslw = None
                    conn.write("454 4.7.0 TLS not available (child %s)" % res)
                    continue
                conn = Conn(sslr, sslw, bytewise=False)
                tls = True
                log("tls")
            elif verb in ("MAIL", "RCPT"):
                conn.write("250 2.1.0 Ok")
            elif verb == "DATA":
                conn.write("354 End data with <CR><LF>.<CR><LF>")
                n = 0
                while True:
                    l2 = conn.readline()
                    if l2 is None:
                        raise EOFError()
                    if l2 == ".":
                        break
                    n += len(l2) + 2
                log("data %d" % n)
                conn.write("250 2.0.0 Ok: queued %d bytes" % n)
            elif verb in ("RSET", "NOOP"):
                conn.write("250 2.0.0 Ok")
            elif verb == "XECHO":
                conn.write("250 " + arg)
            elif verb == "XENV":
                v = os.environ.get(arg)
                conn.write("250 %s unset" % arg if v is None else "250 %s=%s" % (arg, v))
            elif verb == "QUIT":
                conn.write("221 2.0.0 Bye")
                break
            else:
                conn.write("500 5.5.2 Unrecognized command")
    except (OSError, EOFError) as e:
        log("error %s" % e)
    for fd in {0, 1, ctl, sslr, sslw}:
        closefd(fd)
    log("end")
    if not waited:
        wait_child()
    return 0


if __name__ == "__main__":
    sys.exit(main())
