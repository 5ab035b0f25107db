"""ucspiapp -- what the test apps share, in one place so that they agree.

The progs run by ucspitlsd/ucspitlsc (ctlapp, smtpish, echo-wait,
dumpenv) take their lines, events and the TLS child's end from here; the
scripted clients (miniclient, tlsclient) their line reading and steps;
the small clients that tests write to $T their SMTP reply reading
(smtp_reply, ByteReader).
Each app puts its own directory first on sys.path before importing this,
so that it is found whatever the cwd and however Python was started; the
tests run their own clients with PYTHONPATH=$APPS.
"""

import os
import re
import signal
import socket


def log(event):
    """To $TEST_LOG, opened anew each time, so that a line is there even
    if the app is killed next."""
    path = os.environ.get("TEST_LOG")
    if path:
        with open(path, "ab") as f:
            f.write(event.encode("utf-8", "backslashreplace") + b"\n")


def closefd(fd):
    """At the end, an fd already gone (or never there) is fine."""
    if fd is None:
        return
    try:
        os.close(fd)
    except OSError:
        pass


class Conn:
    """Lines over a pair of fds.  bytewise: a byte per read, so that
    nothing past a STARTTLS line is consumed before the switch."""

    def __init__(self, rfd, wfd, bytewise):
        self.rfd, self.wfd, self.bytewise = rfd, wfd, bytewise
        self.buf = b""

    def readline(self):
        """A line without its CR LF; None at end-of-file."""
        while b"\n" not in self.buf:
            try:
                chunk = os.read(self.rfd, 1 if self.bytewise else 4096)
            except OSError:
                chunk = b""
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def write(self, text):
        data = (text + "\r\n").encode()
        while data:
            data = data[os.write(self.wfd, data):]


def read_ctl(ctl, lenient=False):
    """SSLCTLFD to its end after the control byte: the end says TLS is
    up, what came before is the facts block (to $TEST_YBLOCK_FILE).  A read
    error is not what the interface promises, but TLS may well be up:
    LENIENT logs it and goes on as a lenient app would."""
    block = b""
    while True:
        try:
            chunk = os.read(ctl, 4096)
        except OSError as e:
            if not lenient:
                raise
            log("ctl error after %d bytes: %s" % (len(block), e.strerror))
            break
        if not chunk:
            log("ctl eof after %d bytes" % len(block))
            break
        block += chunk
    path = os.environ.get("TEST_YBLOCK_FILE")
    if path:
        with open(path, "wb") as f:
            f.write(block)
    return block


def starttls_prelude(greeting):
    """Delayed mode under ucspitlsd, as hostile.py --starttls expects:
    "220 GREETING", one line read a byte at a time (whatever it says),
    "220 go ahead", the control byte y, SSLCTLFD read to its end, the
    plaintext fds 0 and 1 closed.  Returns the fds of the clear stream,
    (SSLREADFD, SSLWRITEFD); if the line never comes (end-of-file, an
    error), it closes all of them, declining TLS, and returns None."""
    ctl = int(os.environ["SSLCTLFD"])
    b = b""
    try:
        os.write(1, b"220 " + greeting.encode() + b"\r\n")
        while not b.endswith(b"\n"):
            c = os.read(0, 1)
            if not c:
                break
            b += c
    except OSError:
        pass
    if not b.endswith(b"\n"):
        for v in ("SSLCTLFD", "SSLREADFD", "SSLWRITEFD"):
            closefd(int(os.environ[v]))
        return None
    os.write(1, b"220 go ahead\r\n")
    os.write(ctl, b"y")
    read_ctl(ctl, lenient=True)
    for fd in (ctl, 0, 1):
        closefd(fd)
    return int(os.environ["SSLREADFD"]), int(os.environ["SSLWRITEFD"])


class _Timeout(Exception):
    pass


def wait_child(status=None, logged=True):
    """How the TLS child (forked by the wrapper before it exec'd us)
    ended, for the test to check: "exit N", "signal N", "nochild", or
    "timeout" after $TEST_WAIT s (default 30), so that a child that hangs
    fails the test instead of hanging it.  Appended to STATUS (default
    $TEST_STATUS_FILE), logged if LOGGED.  With $TEST_CHILD_CPU set, the
    child's CPU time (user + system, seconds) is appended to that file as
    "cpu S.SSS", so that a test can tell a child that spun."""
    def alarm(signo, frame):
        raise _Timeout()

    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(int(os.environ.get("TEST_WAIT", "30")))
    try:
        _, st, ru = os.wait4(-1, 0)
        res = "exit %d" % os.WEXITSTATUS(st) if os.WIFEXITED(st) else "signal %d" % os.WTERMSIG(st)
        if os.environ.get("TEST_CHILD_CPU"):
            with open(os.environ["TEST_CHILD_CPU"], "a") as f:
                f.write("cpu %.3f\n" % (ru.ru_utime + ru.ru_stime))
    except ChildProcessError:
        res = "nochild"
    except _Timeout:
        res = "timeout"
    signal.alarm(0)
    if logged:
        log("child " + res)
    path = status or os.environ.get("TEST_STATUS_FILE")
    if path:
        with open(path, "a") as f:
            f.write(res + "\n")
    return res


# ---- the scripted clients

class Failed(Exception):
    """A step did not go as the test said (exit status 1)."""


def unescape(s):
    """Python escapes (\\r \\n \\x00) decoded: bytes a shell word cannot hold."""
    return s.encode("utf-8").decode("unicode_escape").encode("latin-1")


class LineClient:
    """What run() needs but the TLS stack: a subclass gives recv() (b""
    or None at the end; a byte at a time in plaintext, so as never to read
    past a STARTTLS reply), send(DATA) and starttls(ARG)."""

    def __init__(self, sock):
        self.sock = sock
        self.tls = None
        self.buf = b""

    def readline(self):
        """The next line (printed: the test reads the dialogue); None at
        the end.  A last line without its newline still counts."""
        while b"\n" not in self.buf:
            try:
                chunk = self.recv()
            except socket.timeout:
                raise Failed("timed out reading (have %r)" % self.buf)
            if not chunk:
                if self.buf:
                    line, self.buf = self.buf.decode("utf-8", "replace"), b""
                    print("S: " + line + " (no newline)", flush=True)
                    return line
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.rstrip(b"\r").decode("utf-8", "replace")
        print("S: " + line, flush=True)
        return line

    def check_drained(self):
        """Plaintext read but not used would be lost to the handshake."""
        if self.buf:
            raise Failed("unread plaintext before TLS: %r" % self.buf)


def run(c, steps):
    """The steps of tlsclient.py and miniclient.py, one meaning for both."""
    for s in steps:
        verb, _, rest = s.partition(" ")
        if verb == "tls":
            c.starttls(rest)
        elif verb == "send":
            print("C: " + rest, flush=True)
            c.send(rest.encode() + b"\r\n")
        elif verb == "sendraw":
            data = unescape(rest)
            print("C: " + repr(data), flush=True)
            c.send(data)
        elif verb == "reply":
            code, _, pat = rest.partition(" ")
            lines = []
            while True:
                ln = c.readline()
                if ln is None:
                    raise Failed("end-of-file waiting for reply %s" % code)
                lines.append(ln)
                if len(ln) < 4 or ln[3] != "-":
                    break
            if not lines[-1].startswith(code):
                raise Failed("expected reply %s, got %r" % (code, lines))
            if pat and not any(re.search(pat, ln) for ln in lines):
                raise Failed("reply %r does not match %r" % (lines, pat))
        elif verb == "line":
            ln = c.readline()
            if ln is None:
                raise Failed("end-of-file waiting for a line matching %r" % rest)
            if not re.search(rest, ln):
                raise Failed("line %r does not match %r" % (ln, rest))
        elif verb == "eof":
            ln = c.readline()
            if ln is not None:
                raise Failed("expected end-of-file, got %r" % ln)
            print("eof", flush=True)
        elif verb == "readall":
            while c.readline() is not None:
                pass
            print("eof", flush=True)
        else:
            raise Failed("unknown step %r" % s)


def smtp_reply(recv):
    """One SMTP reply read through RECV(1), which gives the next byte (b""
    at end-of-file): a byte at a time, so that nothing past the reply is
    consumed (a socket's recv before STARTTLS).  Returns its last line,
    CR LF included, as bytes; the "250-" lines before it are passed over.
    End-of-file first: SystemExit, with what the line had so far."""
    while True:
        b = b""
        while not b.endswith(b"\n"):
            c = recv(1)
            if not c:
                raise SystemExit("eof waiting for a reply (have %r)" % b)
            b += c
        if b[3:4] != b"-":
            return b


class ByteReader:
    """recv(N) for smtp_reply once TLS is up (no switch left to stop
    before): the socket is read up to 4096 bytes at a time, and what recv
    has not given yet is kept in buf."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def recv(self, n):
        if not self.buf:
            self.buf = self.sock.recv(4096)
        c, self.buf = self.buf[:n], self.buf[n:]
        return c
