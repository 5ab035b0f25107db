#!/usr/bin/env python3
"""qmail-smtpd -- an SMTP server on stdin/stdout that reads the client the
way netqmail 1.06's qmail-smtpd does (its commands.c and blast()), for
starttls-smtpd's tests.  Nothing is queued: each message is logged.

Commands (commands.c): a command is read up to LF; one CR before it is
dropped; the verb is what comes before the first space, matched without
regard to case.  HELO, EHLO, MAIL, RCPT, DATA, RSET, NOOP, VRFY, HELP,
QUIT; anything else gets "502 unimplemented (#5.5.1)".  EHLO offers
PIPELINING and 8BITMIME.

The DATA body (blast()): it ends at CR LF . CR LF only (the body's start
counts as after a CR LF); a leading dot is dropped; a CR not followed by
LF is kept as a byte of the body; a bare LF anywhere in the body is
"451 See http://pobox.com/~djb/docs/smtplf.html." and the end of the
session (exit 1), as qmail-smtpd's straynewline().  An accepted message
gets "250 ok TIME qp PID".  End of input: exit 1 (die_read); QUIT: 221
and exit 0.

Environment (test controls, not qmail's):
  QMAIL_LOG          one line appended per event: "start pid=N", "cmd
                     LINE", "message N BODY" (BODY as a Python bytes
                     literal, the message as qmail would queue it),
                     "straynewline"
  QMAIL_ENVDUMP      FILE: at start, append "instance pid=N", the
                     process's environment, one NAME=VALUE per line (values
                     as Python literals), a line "fd N" for each open fd
                     above 2, and "end"
  QMAIL_EHLO_LONG    N: the EHLO reply carries a line "250-XLONG xxx..."
                     (or "250 XLONG ...", see below) N bytes long, CR LF
                     excluded
  QMAIL_EHLO_LONG_AT "middle" (default): that line between PIPELINING
                     and 8BITMIME; "last": it ends the reply; "first": the
                     first line, "250-mx.test xxx...", is that long
  QMAIL_EHLO_NOSEP   "1": that line has no separator after its code
                     ("250XLONG xxx...", "250mx.test xxx...", still N
                     bytes), which makes it the reply's last line: the
                     lines after it are left out
"""

import fcntl
import os
import sys

HOST = "mx.test"


def log(event):
    path = os.environ.get("QMAIL_LOG")
    if path:
        with open(path, "ab") as f:
            f.write(event.encode("utf-8", "backslashreplace") + b"\n")


def dumpenv():
    path = os.environ.get("QMAIL_ENVDUMP")
    if not path:
        return
    lines = ["instance pid=%d" % os.getpid()]
    for k in sorted(os.environ):
        lines.append("%s=%r" % (k, os.environ[k]))
    for fd in range(3, 256):
        try:
            fcntl.fcntl(fd, fcntl.F_GETFD)
        except OSError:
            continue
        lines.append("fd %d" % fd)
    lines.append("end")
    with open(path, "a") as f:
        f.write("\n".join(lines) + "\n")


class In:
    """substdio on fd 0: buffered reads, a byte at a time to the parsers."""

    def __init__(self):
        self.buf = b""
        self.pos = 0

    def get(self):
        if self.pos == len(self.buf):
            out.flush()
            try:
                self.buf = os.read(0, 1024)
            except OSError:
                self.buf = b""
            self.pos = 0
            if not self.buf:
                log("eof")
                out.flush()
                sys.exit(1)
        c = self.buf[self.pos:self.pos + 1]
        self.pos += 1
        return c


class Out:
    def __init__(self):
        self.buf = b""

    def put(self, s):
        self.buf += s.encode() if isinstance(s, str) else s

    def flush(self):
        while self.buf:
            try:
                n = os.write(1, self.buf)
            except OSError:
                sys.exit(1)
            self.buf = self.buf[n:]


out = Out()
inp = In()


def straynewline():
    log("straynewline")
    out.put("451 See http://pobox.com/~djb/docs/smtplf.html.\r\n")
    out.flush()
    sys.exit(1)


def blast():
    """The body, as qmail-smtpd's blast() reads it."""
    body = bytearray()
    state = 1
    while True:
        ch = inp.get()
        if state == 0:
            if ch == b"\n":
                straynewline()
            if ch == b"\r":
                state = 4
                continue
        elif state == 1:  # after CR LF
            if ch == b"\n":
                straynewline()
            if ch == b".":
                state = 2
                continue
            if ch == b"\r":
                state = 4
                continue
            state = 0
        elif state == 2:  # CR LF .
            if ch == b"\n":
                straynewline()
            if ch == b"\r":
                state = 3
                continue
            state = 0
        elif state == 3:  # CR LF . CR
            if ch == b"\n":
                return bytes(body)
            body += b".\r"
            if ch == b"\r":
                state = 4
                continue
            state = 0
        elif state == 4:  # CR
            if ch == b"\n":
                state = 1
            elif ch != b"\r":
                body += b"\r"
                state = 0
        body += ch


def ehlo():
    long_n = int(os.environ.get("QMAIL_EHLO_LONG", "0"))
    at = os.environ.get("QMAIL_EHLO_LONG_AT", "middle")
    nosep = os.environ.get("QMAIL_EHLO_NOSEP") == "1"
    lines = [HOST, "PIPELINING"]
    long_i = -1
    if long_n and at == "first":
        lines[0] = HOST + " " + "x" * (long_n - len(HOST) - 5)
        long_i = 0
    if long_n and at == "middle":
        lines.append("XLONG " + "x" * (long_n - 10))
        long_i = len(lines) - 1
    lines.append("8BITMIME")
    if long_n and at == "last":
        lines.append("XLONG " + "x" * (long_n - 10))
        long_i = len(lines) - 1
    for i, ln in enumerate(lines):
        if nosep and i == long_i:
            out.put("250%sx\r\n" % ln)
            break
        out.put("250%s%s\r\n" % (" " if i == len(lines) - 1 else "-", ln))


def main():
    log("start pid=%d" % os.getpid())
    dumpenv()
    seenmail = False
    rcpts = 0
    nmsg = 0
    out.put("220 %s ESMTP\r\n" % HOST)
    while True:
        cmd = bytearray()
        while True:
            c = inp.get()
            if c == b"\n":
                break
            cmd += c
        if cmd.endswith(b"\r"):
            del cmd[-1]
        line = cmd.decode("latin-1")
        log("cmd " + line)
        verb = line.split(" ", 1)[0].upper()
        if verb == "HELO":
            out.put("250 %s\r\n" % HOST)
            seenmail = False
        elif verb == "EHLO":
            ehlo()
            seenmail = False
        elif verb == "MAIL":
            seenmail = True
            rcpts = 0
            out.put("250 ok\r\n")
        elif verb == "RCPT":
            if not seenmail:
                out.put("503 MAIL first (#5.5.1)\r\n")
                continue
            rcpts += 1
            out.put("250 ok\r\n")
        elif verb == "DATA":
            if not seenmail:
                out.put("503 MAIL first (#5.5.1)\r\n")
                continue
            if not rcpts:
                out.put("503 RCPT first (#5.5.1)\r\n")
                continue
            seenmail = False
            out.put("354 go ahead\r\n")
            body = blast()
            nmsg += 1
            log("message %d %r" % (nmsg, body))
            out.put("250 ok 1700000000 qp %d\r\n" % os.getpid())
        elif verb == "RSET":
            seenmail = False
            out.put("250 flushed\r\n")
        elif verb == "NOOP":
            out.put("250 ok\r\n")
        elif verb == "VRFY":
            out.put("252 send some mail, i'll try my best\r\n")
        elif verb == "HELP":
            out.put("214 qmail home page: http://pobox.com/~djb/qmail.html\r\n")
        elif verb == "QUIT":
            out.put("221 %s\r\n" % HOST)
            out.flush()
            return 0
        else:
            out.put("502 unimplemented (#5.5.1)\r\n")


if __name__ == "__main__":
    sys.exit(main())
