#!/usr/bin/env python3
"""qmail-popup -- stands for qmail 1.03's qmail-popup, following its
public source: the POP3 AUTHORIZATION state, no CAPA, no STLS.

usage: qmail-popup.py HOSTNAME SUBPROGRAM...

Greets "+OK <PID.TIME@HOSTNAME>" (the APOP timestamp), reads command lines
as qmail's commands() does (up to LF, one trailing CR dropped, the verb
up to the first space, any case): USER (+OK), PASS (USER first), APOP,
NOOP, QUIT; anything else is "-ERR authorization first".  PASS and APOP
run SUBPROGRAM with "user\\0password\\0<timestamp>\\0" on fd 3 (the
checkpassword interface) and fds 0 and 1 its own; a non-zero exit is
"-ERR authorization failed".  Then it exits.  It reads one byte at a time,
so that the subprogram gets every byte after the PASS line.
"""

import os
import sys
import time


def out(s):
    os.write(1, s.encode())


def readline():
    b = b""
    while not b.endswith(b"\n"):
        c = os.read(0, 1)
        if not c:
            sys.exit(1)
        b += c
    b = b[:-1]
    if b.endswith(b"\r"):
        b = b[:-1]
    return b.decode("latin-1")


def doanddie(user, password, stamp, prog):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        if r != 3:
            os.dup2(r, 3)
        os.set_inheritable(3, True)
        os.execvp(prog[0], prog)
    os.close(r)
    os.write(w, user.encode() + b"\0" + password.encode() + b"\0" + stamp.encode() + b"\0")
    os.close(w)
    _, st = os.waitpid(pid, 0)
    if st != 0:
        out("-ERR authorization failed\r\n")
    sys.exit(0)


def main():
    host, prog = sys.argv[1], sys.argv[2:]
    stamp = "<%d.%d@%s>" % (os.getpid(), int(time.time()), host)
    out("+OK %s\r\n" % stamp)
    user = None
    while True:
        line = readline()
        verb, _, arg = line.partition(" ")
        verb = verb.lower()
        if verb == "user":
            if not arg:
                out("-ERR syntax error\r\n")
                continue
            user = arg
            out("+OK \r\n")
        elif verb == "pass":
            if user is None:
                out("-ERR USER first\r\n")
            elif not arg:
                out("-ERR syntax error\r\n")
            else:
                doanddie(user, arg, stamp, prog)
        elif verb == "apop":
            name, _, digest = arg.partition(" ")
            if not digest:
                out("-ERR syntax error\r\n")
            else:
                doanddie(name, digest, stamp, prog)
        elif verb == "noop":
            out("+OK \r\n")
        elif verb == "quit":
            out("+OK \r\n")
            sys.exit(0)
        else:
            out("-ERR authorization first\r\n")


main()
