#!/usr/bin/env python3
"""halfclose-app.py KEY=VALUE... -- one end of a half-close run.

The prog of `ucspitlsd` (side=s) or of `ucspitlsc` (side=c), in immediate
mode (mode=i: the clear stream on 0/1, resp. 6/7) or delayed mode (mode=d:
it writes y on SSLCTLFD, waits for end-of-file there, then uses SSLREADFD
and SSLWRITEFD).  It writes a stream of random bytes while a thread reads
the peer's stream, closes its output at the moment that `close` says, reads
until end-of-file, waits for its child (the TLS child that the wrapper
forked before exec'ing it) and writes DIR/SIDE.res:

    pid P
    sent N SHA256HEX
    recv N SHA256HEX
    eofatclose 0|1     had it seen the peer's end when it closed its output
    tls exit N | tls signal N | tls nochild | tls timeout
    cpu APP TLS        CPU seconds of the app and of its TLS child
    err MESSAGE        (one per problem: a failed write, a time-out...)

It exits 0 when there is no "err" line.

Keys (all but dir, side, mode, len have defaults):
  dir=PATH side=c|s mode=i|d    where, which end, which mode
  len=N seed=N                  the stream: N bytes from random.Random(seed)
  chunk=MIN:MAX                 write sizes, log-uniform (default 1:65536)
  pause=P:MAXMS                 before each write, with probability P, a
                                pause of up to MAXMS ms (default 0:0)
  longpause=AT:MS               one pause of MS ms before the write that
                                starts at byte AT or after it (default none)
  pre=MS                        a pause before anything (the control byte)
  rpause=P:MAXMS                pauses in the reader, as for pause
  close=before|after|sync       before: close once the stream is written;
                                after: write the first `split` bytes, wait
                                for the peer's end, write the rest, close;
                                sync: like before, but close only when the
                                peer's app has written all too (the files
                                DIR/c.ready, DIR/s.ready: a barrier)
  split=N                       for close=after (default 0)
  early=N                       delayed mode: write the first N bytes to
                                SSLWRITEFD before the control byte
  readafter=0|1                 start reading only once the output is closed
                                (with close=before)
  keepnet=0|1                   delayed mode: keep the plaintext network fds
                                open until the end (default: close them once
                                TLS is up)
  limit=SECS                    give up after SECS (default 30): "err timeout"
"""

import math
import os
import random
import sys
import threading
import time

# hashlib and signal cost more to import than the rest together (OpenSSL,
# enum), and a run starts two of these: their C cores will do
try:
    from _sha256 import sha256
except ImportError:
    from hashlib import sha256
try:
    import _signal as signal
except ImportError:
    import signal


class Timeout(Exception):
    pass


def pair(s, conv):
    a, b = s.split(":")
    return conv(a), conv(b)


def write_all(fd, mv):
    while mv:
        mv = mv[os.write(fd, mv):]


def main():
    a = dict(x.split("=", 1) for x in sys.argv[1:])
    d, side, mode = a["dir"], a["side"], a["mode"]
    n, seed = int(a["len"]), int(a.get("seed", "1"))
    cmin, cmax = pair(a.get("chunk", "1:65536"), int)
    pp, pmax = pair(a.get("pause", "0:0"), float)
    lat, lms = pair(a.get("longpause", "-1:0"), int)
    rp, rmax = pair(a.get("rpause", "0:0"), float)
    close = a.get("close", "before")
    split = min(int(a.get("split", "0")), n) if close == "after" else n
    early = min(int(a.get("early", "0")), split)
    keepnet = a.get("keepnet", "0") == "1"
    readafter = a.get("readafter", "0") == "1" and close == "before"
    peer = "s" if side == "c" else "c"
    errs = []
    phase = ["start"]

    def alarm(signo, frame):
        raise Timeout()

    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(int(a.get("limit", "30")))

    rng = random.Random(seed)
    data = memoryview(rng.randbytes(n))

    # the writes: (start, end, pause before) pieces; split and early are
    # piece boundaries
    long_left = [lms if lat >= 0 else 0]

    def pieces(lo, hi):
        out = []
        lc, hc = math.log(cmin), math.log(cmax)
        while lo < hi:
            k = min(hi - lo, int(math.exp(rng.uniform(lc, hc))))
            p = rng.uniform(0, pmax) / 1000 if pp and rng.random() < pp else 0
            if long_left[0] and lo >= lat:
                p += long_left[0] / 1000
                long_left[0] = 0
            out.append((lo, lo + k, p))
            lo += k
        return out

    plan1 = pieces(early, split)
    plan2 = pieces(split, n)

    if mode == "i":
        rfd, wfd = (0, 1) if side == "s" else (6, 7)
        netfds = ()
    else:
        ctl = int(os.environ["SSLCTLFD"])
        rfd = int(os.environ["SSLREADFD"])
        wfd = int(os.environ["SSLWRITEFD"])
        netfds = (0, 1) if side == "s" else (6, 7)

    sent = sha256()
    nsent = 0
    got = {"n": 0, "h": sha256(), "err": None}
    eof = threading.Event()

    def reader():
        rr = random.Random(seed ^ 0x5EED)
        try:
            while True:
                if rp and rr.random() < rp:
                    time.sleep(rr.uniform(0, rmax) / 1000)
                b = os.read(rfd, 65536)
                if not b:
                    break
                got["h"].update(b)
                got["n"] += len(b)
        except OSError as e:
            got["err"] = "read: %s" % e
        eof.set()

    eofatclose = 0
    closed = False
    try:
        if a.get("pre"):
            phase[0] = "pre-pause"
            time.sleep(int(a["pre"]) / 1000)
        if mode == "d":
            if early:
                phase[0] = "early write"
                write_all(wfd, data[:early])
                sent.update(data[:early])
                nsent += early
            phase[0] = "control byte"
            os.write(ctl, b"y")
            b = os.read(ctl, 64)
            if b:
                errs.append("SSLCTLFD: read %r, not end-of-file" % b)
            os.close(ctl)
            if not keepnet:
                for fd in netfds:
                    os.close(fd)
        t = threading.Thread(target=reader, daemon=True)
        if not readafter:
            t.start()
        for i, plan in enumerate((plan1, plan2)):
            if i == 1 and close == "after":
                phase[0] = "waiting for the peer's end"
                eof.wait()
            phase[0] = "writing"
            for lo, hi, p in plan:
                if p:
                    time.sleep(p)
                write_all(wfd, data[lo:hi])
                sent.update(data[lo:hi])
                nsent += hi - lo
        if close == "sync":
            phase[0] = "barrier"
            open(os.path.join(d, side + ".ready"), "w").close()
            while not os.path.exists(os.path.join(d, peer + ".ready")):
                time.sleep(0.001)
        eofatclose = int(eof.is_set())
        phase[0] = "closing the output"
        os.close(wfd)
        phase[0] = "reading"
        if readafter:
            t.start()
        t.join()
        os.close(rfd)
        if got["err"]:
            errs.append(got["err"])
        closed = True
    except Timeout:
        errs.append("timeout while %s" % phase[0])
        signal.alarm(2)  # a last chance for the TLS child's status
    except OSError as e:
        errs.append("%s: %s" % (phase[0], e))
    if not closed:
        # let the TLS child see our end, whatever happened
        for fd in (wfd, rfd):
            try:
                os.close(fd)
            except OSError:
                pass
    try:
        phase[0] = "waiting for the TLS child"
        _, st = os.wait()
        tls = "exit %d" % os.WEXITSTATUS(st) if os.WIFEXITED(st) else "signal %d" % os.WTERMSIG(st)
    except ChildProcessError:
        tls = "nochild"
    except Timeout:
        errs.append("timeout while %s" % phase[0])
        tls = "timeout"
    signal.alarm(0)
    if nsent != n:
        errs.append("wrote %d bytes of %d" % (nsent, n))
    lines = ["pid %d" % os.getpid(),
             "sent %d %s" % (nsent, sent.hexdigest()),
             "recv %d %s" % (got["n"], got["h"].hexdigest()),
             "eofatclose %d" % eofatclose,
             "tls " + tls]
    t = os.times()
    lines.append("cpu %.3f %.3f" % (t.user + t.system, t.children_user + t.children_system))
    lines += ["err " + e for e in errs]
    res = os.path.join(d, side + ".res")
    with open(res + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.rename(res + ".tmp", res)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
