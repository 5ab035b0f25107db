#!/usr/bin/env python3
"""authup -- stands for acceptutils' authup in SMTP mode, with its
conventions and replies as in its sources (schmonz/qmail: authup.c,
acceptutils_ucspitls.c; research notes, /work/notes/apps-research.md
sections 1, 2).  Run as ucspitlsd's prog, on fds 0/1.

usage: authup.py smtp PROG...

UCSPITLS and DISABLETLS, read at start (ucspitls_level) and then unset,
so that PROG never sees them:
  DISABLETLS set, UCSPITLS unset or "-"   UNAVAILABLE: no STARTTLS in
                     EHLO; STARTTLS gets "502 unimplemented (#5.5.1)"
  "!"                REQUIRED: offered; AUTH before TLS gets "530 authup
                     Must start TLS first (#5.7.0)" and the end (exit 1)
  "" or other        AVAILABLE: offered
STARTTLS: "220 Ready to start TLS (#5.7.0)"; 'Y' on $SSLCTLFD, then
fd_move(0, $SSLREADFD) and fd_move(1, $SSLWRITEFD) (each fd number 0 or
unparsable is a failure; the originals are closed); the facts block read
by the reader authup shares with s/qmail (halfreader.py: it stops about
halfway), each fact it gets put in the environment (end-of-file first:
"451 authup out of memory (#4.3.0)", exit 12; another failure: "454
authup TLS temporarily not available (#5.7.3)", exit 1); buffered
plaintext thrown away; no STARTTLS any more.

AUTH LOGIN / PLAIN: checkpassword's interface.  PROG runs with
AUTHUP_USER set and fd 3 the read end of a pipe that carries
"user\\0password\\0timestamp\\0"; PROG talks to the client on fds 0/1
from then on.  Its exit status 1, 2 or 111: "535 authup authorization
failed (#5.7.0)" after 5 s; else authup exits 0.  Other commands: EHLO
(the greeting, STARTTLS as above, AUTH LOGIN PLAIN, PIPELINING, 8BITMIME),
HELO, NOOP, HELP, QUIT; the rest gets "530 authup authentication
required (#5.7.1)".  Departures: no control files, no POP3.

Environment (the test's, not authup's):
  AUTHUP_LOG       events appended, one a line: "setup UCSPITLS=...
                   level=N" (UCSPITLS as a Python literal, or "(unset)";
                   0 UNAVAILABLE, 1 AVAILABLE, 2 REQUIRED), "cmd LINE",
                   "fact NAME=VALUE" for each variable the facts reader set
  AUTHUP_GREETING  control/smtpgreeting (default "localhost")
"""

import base64
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import halfreader  # noqa: E402

UNAVAILABLE, AVAILABLE, REQUIRED = 0, 1, 2
ERRORS = {  # name: (message, code, enhanced code, sleep, exit status)
    "nomem": ("out of memory", "451", "4.3.0", 0, 12),
    "read": ("unable to read pipe", "454", "4.3.0", 0, 12),
    "pipe": ("unable to open pipe", "454", "4.3.0", 0, 12),
    "write": ("unable to write pipe", "454", "4.3.0", 0, 12),
    "crash": ("aack, child crashed", "454", "4.3.0", 0, 12),
    "badauth": ("authorization failed", "535", "5.7.0", 5, 1),
    "noauth": ("auth type unimplemented", "504", "5.5.1", 5, 1),
    "input": ("malformed auth input", "501", "5.5.4", 5, 1),
    "authabrt": ("auth exchange cancelled", "501", "5.0.0", 5, 1),
    "starttls": ("TLS temporarily not available", "454", "5.7.3", 0, 1),
    "needtls": ("Must start TLS first", "530", "5.7.0", 0, 1),
}


def log(event):
    path = os.environ.get("AUTHUP_LOG")
    if path:
        with open(path, "ab") as f:
            f.write(event.encode("utf-8", "backslashreplace") + b"\n")


def out(s):
    data = (s + "\r\n").encode("utf-8", "surrogateescape")
    while data:
        try:
            data = data[os.write(1, data):]
        except OSError:
            os._exit(1)


def authup_die(name):
    msg, code, enh, pause, status = ERRORS[name]
    time.sleep(pause)
    out("%s authup %s (#%s)" % (code, msg, enh))
    os._exit(status)


def ucspitls_level():
    ucspitls = os.environ.pop("UCSPITLS", None)
    disabletls = os.environ.pop("DISABLETLS", None)
    if disabletls is not None or ucspitls is None or ucspitls == "-":
        level = UNAVAILABLE
    elif ucspitls == "!":
        level = REQUIRED
    else:
        level = AVAILABLE
    log("setup UCSPITLS=%s level=%d" % ("(unset)" if ucspitls is None else repr(ucspitls), level))
    return level


def get_fd_for(name):
    try:
        return int(os.environ[name])
    except (KeyError, ValueError):
        return 0


def fd_move(to, fd):
    os.dup2(fd, to)
    os.close(fd)


def tls_init():
    fd = get_fd_for("SSLCTLFD")
    try:
        if not fd or os.write(fd, b"Y") < 1:
            return False
        rfd = get_fd_for("SSLREADFD")
        if not rfd:
            return False
        fd_move(0, rfd)
        wfd = get_fd_for("SSLWRITEFD")
        if not wfd:
            return False
        fd_move(1, wfd)
    except OSError:
        return False
    return True


def tls_info():
    fd = get_fd_for("SSLCTLFD")
    if not fd:
        return False
    try:
        block = halfreader.read_block(fd)
    except EOFError:
        authup_die("nomem")
    for name, value in halfreader.parse(block).items():
        name = name.decode("utf-8", "surrogateescape")
        value = value.decode("utf-8", "surrogateescape")
        if name:
            os.environ[name] = value
            log("fact %s=%s" % (name, value))
    return True


class In:
    """substdio on fd 0"""

    def __init__(self):
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            try:
                chunk = os.read(0, 1024)
            except OSError:
                chunk = b""
            if not chunk:
                authup_die("read")
            self.buf += chunk
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.rstrip(b"\r").decode("utf-8", "surrogateescape")


class Authup:
    def __init__(self, childargs):
        self.childargs = childargs
        self.greeting = os.environ.get("AUTHUP_GREETING", "localhost")
        self.level = ucspitls_level()
        self.in_tls = False
        self.ssin = In()

    def checkpassword(self, user, password):
        r, w = os.pipe()
        if r != 3:
            os.dup2(r, 3)
            os.close(r)
        os.set_inheritable(3, True)
        pid = os.fork()
        if pid == 0:
            os.close(w)
            os.environ["AUTHUP_USER"] = user.decode("utf-8", "surrogateescape")
            os.write(2, b"authup: login attempt by " + user + b"\n")
            try:
                os.execvp(self.childargs[0], self.childargs)
            finally:
                os._exit(1)
        os.close(3)
        try:
            os.write(w, user + b"\0" + password + b"\0" + b"<%d.%d@%s>\0" % (
                os.getpid(), int(time.time()), self.greeting.encode()))
        except OSError:
            authup_die("write")
        os.close(w)
        _, st = os.waitpid(pid, 0)
        if os.WIFSIGNALED(st):
            authup_die("crash")
        if os.WEXITSTATUS(st) in (1, 2, 111):
            authup_die("badauth")
        os._exit(0)

    def b64(self, s):
        try:
            return base64.b64decode(s, validate=True)
        except ValueError:
            authup_die("input")

    def authgetl(self):
        ln = self.ssin.line()
        if ln == "*":
            authup_die("authabrt")
        if not ln:
            authup_die("input")
        return ln

    def auth(self, arg):
        if self.level >= REQUIRED and not self.in_tls:
            authup_die("needtls")
        mech, _, arg = arg.partition(" ")
        arg = arg.lstrip(" ")
        if mech.lower() == "login":
            if arg:
                user = self.b64(arg)
            else:
                out("334 VXNlcm5hbWU6")
                user = self.b64(self.authgetl())
            out("334 UGFzc3dvcmQ6")
            password = self.b64(self.authgetl())
        elif mech.lower() == "plain":
            if not arg:
                out("334 ")
                arg = self.authgetl()
            parts = self.b64(arg).split(b"\0")
            user = parts[1] if len(parts) > 1 else b""
            password = parts[2] if len(parts) > 2 else b""
        else:
            authup_die("noauth")
        if not user or not password:
            authup_die("input")
        self.checkpassword(user, password)

    def ehlo(self, arg):
        lines = [self.greeting]
        if self.level >= AVAILABLE and not self.in_tls:
            lines.append("STARTTLS")
        lines += ["AUTH LOGIN PLAIN", "PIPELINING", "8BITMIME"]
        for ln in lines[:-1]:
            out("250-" + ln)
        out("250 " + lines[-1])

    def starttls(self, arg):
        if self.level < AVAILABLE or self.in_tls:
            out("502 unimplemented (#5.5.1)")
            return
        out("220 Ready to start TLS (#5.7.0)")
        if not tls_init() or not tls_info():
            authup_die("starttls")
        self.ssin.buf = b""
        self.in_tls = True

    def quit(self, arg):
        out("221 " + self.greeting)
        os._exit(0)

    def run(self):
        out("220 %s ESMTP" % self.greeting)
        table = {"starttls": self.starttls, "auth": self.auth, "quit": self.quit,
                 "helo": lambda a: out("250 " + self.greeting), "ehlo": self.ehlo,
                 "help": lambda a: out("214 authup home page: https://schmonz.com/qmail/acceptutils"),
                 "noop": lambda a: out("250 ok")}
        while True:
            ln = self.ssin.line()
            log("cmd " + ln)
            verb, _, arg = ln.partition(" ")
            table.get(verb.lower(), lambda a: out("530 authup authentication required (#5.7.1)"))(arg.lstrip(" "))


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "smtp":
        os.write(2, b"authup: usage: authup smtp prog\n")
        sys.exit(1)
    Authup(sys.argv[2:]).run()
