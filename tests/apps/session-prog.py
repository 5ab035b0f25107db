#!/usr/bin/env python3
"""session-prog DIR -- prog of the randomized session-event test.

Run by tests/apps/session-serve as ucspitlsd's prog, in the run's
directory DIR.  It does what DIR/plan.json says of prog (see
session_plan.py): in delayed mode the STARTTLS prelude of
ucspiapp.starttls_prelude first; then, in one select loop on its
non-blocking ends of the clear stream, it reads (all, until a stop, or
nothing), writes its stream (session_plan.stream) in the drawn chunks
and pauses, or for ever (16 KiB per 10 ms when it has an early time),
closes its output when the plan says, and goes when it is done or at
its early time.  It writes the TLS child's pid to
DIR/tls.pid once TLS is up, and at the end, having reaped the child
(wait4), DIR/prog.res:
    recv N SHA256      what it read
    sent N SHA256      what it wrote (whole writes and the written part of
                       the last one)
    wend closed | EPIPE | early | error:ERRNO    how its writing ended
    rend eof | stop | none | early | error:ERRNO how its reading ended
    done T             time.time() when it had closed all its ends
    tls exit N | tls signal N | tls nochild | tls timeout
    cpu S              the TLS child's CPU time (user + system)
    reaped T
    err MESSAGE        a problem of its own (it gave up after 15 s ...)
"""

import errno
import hashlib
import json
import os
import select
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import session_plan  # noqa: E402
from ucspiapp import closefd, starttls_prelude  # noqa: E402

GIVEUP = 15


class Timeout(Exception):
    pass


def ename(e):
    return "error:" + errno.errorcode.get(e.errno, str(e.errno))


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "plan.json")) as f:
        plan = json.load(f)
    seed, p = plan["seed"], plan["prog"]
    res, errs = [], []
    rfd, wfd = 0, 1
    if plan["mode"] == "d":
        fds = starttls_prelude("session-prog")
        if fds is None:
            errs.append("no STARTTLS from the peer")
            rfd = wfd = None
        else:
            rfd, wfd = fds
    try:
        with open("/proc/self/task/%d/children" % os.getpid()) as f:
            kids = f.read().split()
        # whole or not at all (a rename): the peer, which may look at any
        # moment, takes a file without a pid for a TLS child that is gone
        if kids:
            with open(os.path.join(d, "tls.pid.tmp"), "w") as f:
                f.write("%s\n" % kids[0])
            os.rename(os.path.join(d, "tls.pid.tmp"), os.path.join(d, "tls.pid"))
    except OSError:
        pass

    t0 = time.monotonic()
    rh, wh = hashlib.sha256(), hashlib.sha256()
    nr = nw = 0
    rend = "none" if p["read"] == "none" else None
    wend = None
    eof = False
    chunks = [list(c) for c in p["chunks"]]
    pause_until = None
    pending = b""
    for fd in (rfd, wfd):
        if fd is not None:
            os.set_blocking(fd, False)
    if rfd is None:
        rend = wend = "error:none"
    early = t0 + p["early"] / 1000 if p["early"] is not None else None
    stop_at = t0 + p["stop_ms"] / 1000
    while True:
        now = time.monotonic()
        if early is not None and now >= early:
            rend = rend or "early"
            wend = wend or "early"
            break
        if now - t0 > GIVEUP:
            errs.append("gave up after %d s (read %s, write %s)" % (GIVEUP, rend or "on", wend or "on"))
            break
        if rend is None and p["read"] == "stop" and (nr >= p["stop_bytes"] or now >= stop_at):
            rend = "stop"
        # the next bytes to write, if it is their time
        if wend is None and not pending and (p["wait"] == "now" or eof):
            if p["forever"]:
                if early is None or pause_until is None or now >= pause_until:
                    pending = session_plan.stream(seed, "prog", session_plan.BLOCK, nw)
                    pause_until = now + 0.01 if early is not None else None
            elif chunks:
                if chunks[0][1] and pause_until is None:
                    pause_until = now + chunks[0][1] / 1000
                if pause_until is None or now >= pause_until:
                    k = chunks.pop(0)[0]
                    pending = session_plan.stream(seed, "prog", k, nw)
                    pause_until = None
            elif p["closeat"] == "write" or eof:
                wend = "closed"
                closefd(wfd)
        if wend is not None and rend is not None:
            break
        rl = [rfd] if rend is None else []
        wl = [wfd] if pending and wend is None else []
        wait = 0.05
        if pause_until is not None:
            wait = max(0, min(wait, pause_until - now))
        r, w, _ = select.select(rl, wl, [], wait)
        if r:
            try:
                b = os.read(rfd, 65536)
            except BlockingIOError:
                b = None
            except OSError as e:
                rend, b = ename(e), None
            if b == b"":
                rend, eof = "eof", True
            elif b:
                rh.update(b)
                nr += len(b)
        if w:
            try:
                k = os.write(wfd, pending)
                wh.update(pending[:k])
                nw += k
                pending = pending[k:]
            except BlockingIOError:
                pass
            except OSError as e:
                wend = "EPIPE" if e.errno == errno.EPIPE else ename(e)
    for fd in (rfd, wfd):
        closefd(fd)
    done = time.time()

    def alarm(signo, frame):
        raise Timeout()

    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(20)
    cpu = "?"
    try:
        _, st, ru = os.wait4(-1, 0)
        tls = "exit %d" % os.WEXITSTATUS(st) if os.WIFEXITED(st) else "signal %d" % os.WTERMSIG(st)
        cpu = "%.3f" % (ru.ru_utime + ru.ru_stime)
    except ChildProcessError:
        tls = "nochild"
    except Timeout:
        tls = "timeout"
    signal.alarm(0)
    res = ["recv %d %s" % (nr, rh.hexdigest()), "sent %d %s" % (nw, wh.hexdigest()),
           "wend " + (wend or "?"), "rend " + (rend or "?"), "done %.3f" % done,
           "tls " + tls, "cpu " + cpu, "reaped %.3f" % time.time()] + ["err " + e for e in errs]
    out = os.path.join(d, "prog.res")
    with open(out + ".tmp", "w") as f:
        f.write("\n".join(res) + "\n")
    os.rename(out + ".tmp", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
