#!/usr/bin/env python3
"""qmail-pop3d -- stands for a checkpassword program and the qmail-pop3d
that it runs (qmail 1.03, following its public source).

usage: qmail-pop3d.py USER PASSWORD MAILDIR ENVFILE

Reads fd 3 to its end ("user\\0password\\0timestamp\\0"); another user
or password: exit 1.  Else it writes the SSL_* variables of its
environment to ENVFILE ("NAME=VALUE" lines, sorted; "none" when there
is none) and, as qmail-pop3d, says "+OK " and serves the files of
MAILDIR (sorted by name) as messages 1..n: STAT, LIST and UIDL with or
without an argument, RETR and TOP (lines that start with a dot are
stuffed), DELE, RSET, LAST, NOOP, QUIT; anything else is
"-ERR unimplemented".
"""

import os
import sys


def out(s):
    os.write(1, s if isinstance(s, bytes) else s.encode())


def readline():
    b = b""
    while not b.endswith(b"\n"):
        c = os.read(0, 1)
        if not c:
            sys.exit(0)
        b += c
    return b.rstrip(b"\n").rstrip(b"\r").decode("latin-1")


def main():
    user, password, maildir, envfile = sys.argv[1:5]
    data = b""
    while True:
        c = os.read(3, 4096)
        if not c:
            break
        data += c
    parts = data.split(b"\0")
    if len(parts) < 2 or parts[0].decode() != user or parts[1].decode() != password:
        sys.exit(1)
    env = sorted("%s=%s" % (k, v) for k, v in os.environ.items() if k.startswith("SSL_"))
    with open(envfile, "w") as f:
        f.write("\n".join(env or ["none"]) + "\n")
    msgs = [open(os.path.join(maildir, n), "rb").read() for n in sorted(os.listdir(maildir))]
    deleted = set()
    out("+OK \r\n")
    while True:
        verb, _, arg = readline().partition(" ")
        verb = verb.lower()
        live = [i for i in range(len(msgs)) if i not in deleted]
        try:
            n = int(arg.split(" ")[0]) - 1 if arg else None
        except ValueError:
            n = -1
        if verb in ("retr", "top", "dele") or (verb in ("list", "uidl") and arg):
            if n is None or n < 0 or n >= len(msgs) or n in deleted:
                out("-ERR unable to find message\r\n")
                continue
        if verb == "quit":
            out("+OK \r\n")
            sys.exit(0)
        elif verb == "stat":
            out("+OK %d %d\r\n" % (len(live), sum(len(msgs[i]) for i in live)))
        elif verb in ("list", "uidl"):
            val = (lambda i: str(len(msgs[i]))) if verb == "list" else (lambda i: "msg%d" % i)
            if arg:
                out("+OK %d %s\r\n" % (n + 1, val(n)))
            else:
                out("+OK \r\n" + "".join("%d %s\r\n" % (i + 1, val(i)) for i in live) + ".\r\n")
        elif verb in ("retr", "top"):
            lines = msgs[n].split(b"\n")
            if lines and lines[-1] == b"":
                lines.pop()
            if verb == "top":
                k = int(arg.split(" ")[1]) if len(arg.split(" ")) > 1 else 0
                blank = lines.index(b"") if b"" in lines else len(lines)
                lines = lines[:blank + 1 + k]
            out(b"+OK \r\n" + b"".join((b"." if l.startswith(b".") else b"") + l + b"\r\n" for l in lines) + b".\r\n")
        elif verb == "dele":
            deleted.add(n)
            out("+OK \r\n")
        elif verb == "rset":
            deleted.clear()
            out("+OK \r\n")
        elif verb == "last":
            out("+OK 0\r\n")
        elif verb == "noop":
            out("+OK \r\n")
        else:
            out("-ERR unimplemented\r\n")


main()
