#!/usr/bin/env python3
"""halfclose-config.py SEED N -- the configurations of N half-close runs,
the first with seed SEED, the next with SEED+1, and so on: one line each,
fields separated by "|":

    seed  order  client-options  server-options  client-app  server-app

Each run's configuration depends on its seed alone (random.Random(seed)),
so that HALFCLOSE_SEED=seed replays it (the timing cannot be replayed).

  order     client-first (the client's app closes its output, the server's
            closes its own once it has seen the client's end), server-first
            (the other way round), simultaneous (both close once their
            stream is written), or simultaneous-sync (both close once both
            streams are written: a barrier between the two apps)
  options   for ucspitlsc / ucspitlsd, space-separated: -i or not, -S or
            -s (or neither: the default, -s), -J or -j (or neither)
  app       the KEY=VALUE arguments of halfclose-app.py but dir and side

Both apps cannot wait for each other's end before closing: that is a
deadlock of the applications, not a case of the copy loop.

-J (a peer's end without close_notify is an error) is given to a side only
when its peer is sure to end with close_notify: the peer has -S, or this
side has -S and the peer's app closes only after seeing this side's end
(the peer's TLS child then holds our close_notify until its app is done,
and its engine answers it with one of its own).  Anywhere else the peer
may end with a bare TCP FIN, and exit 98 would be the right outcome.
"""

import math
import random
import sys

KiB = 1024
MiB = 1024 * KiB


def logu(r, lo, hi):
    return int(math.exp(r.uniform(math.log(lo), math.log(hi))))


def length(r):
    x = r.random()
    if x < 0.12:
        return 0
    if x < 0.57:
        return logu(r, 1, 16 * KiB)
    if x < 0.87:
        return logu(r, 16 * KiB, 512 * KiB)
    return logu(r, 512 * KiB, 3 * MiB)


def mean_logu(lo, hi):
    return (hi - lo) / math.log(hi / lo) if hi > lo else lo


def app(r, mode, close):
    n = length(r)
    a = ["mode=" + mode, "len=%d" % n, "seed=%d" % r.getrandbits(32), "close=" + close]
    cmin, cmax = r.choice([(1, 64), (1, 4096), (256, 65536), (4096, MiB)])
    if n > 32 * KiB and cmax == 64:
        cmin, cmax = 1, 4096
    cmin = max(cmin, min(cmax, n // 4000 + 1))
    a.append("chunk=%d:%d" % (cmin, cmax))
    writes = n / mean_logu(cmin, cmax) + 1
    x = r.random()
    if x < 0.3:
        a.append("pause=%.4f:10" % min(0.1, 20 / writes))
    elif x < 0.5:
        a.append("pause=%.4f:50" % min(0.02, 5 / writes))
    if r.random() < 0.25:
        a.append("longpause=%d:%d" % (r.randint(0, max(n - 1, 0)), r.randint(50, 300)))
    if r.random() < 0.25:
        a.append("rpause=%.4f:20" % min(0.05, 10 / (n / 8192 + 1)))
    if r.random() < 0.3:
        a.append("pre=%d" % r.randint(0, 100))
    if close == "after":
        x = r.random()
        a.append("split=%d" % (0 if x < 1 / 3 else n if x < 2 / 3 else r.randint(0, n)))
    if mode == "d":
        if r.random() < 0.2:
            a.append("early=%d" % r.randint(1, 4096))
        if r.random() < 0.5:
            a.append("keepnet=1")
    return a


def config(seed):
    r = random.Random(seed)
    order = r.choices(["client-first", "server-first", "simultaneous"], [35, 35, 30])[0]
    if order == "client-first":
        cclose, sclose = "before", "after"
    elif order == "server-first":
        cclose, sclose = "after", "before"
    elif r.random() < 0.5:
        order, cclose, sclose = "simultaneous-sync", "sync", "sync"
    else:
        cclose, sclose = "before", "before"
    cmode, smode = r.choice("id"), r.choice("id")
    cS, sS = r.random() < 0.5, r.random() < 0.5

    def opts(mode, S, close, peerS, peerclose):
        o = ["-i"] if mode == "i" else []
        if S:
            o.append("-S")
        elif r.random() < 0.7:
            o.append("-s")
        if peerS or (S and peerclose == "after"):
            o.append(r.choice(["-J", "-J", "-j", ""]))
        else:
            o.append(r.choice(["-j", ""]))
        return [x for x in o if x]

    copts = opts(cmode, cS, cclose, sS, sclose)
    sopts = opts(smode, sS, sclose, cS, cclose)
    capp = app(r, cmode, cclose)
    sapp = app(r, smode, sclose)
    # an app that reads nothing before it has closed its output: one side
    # at most (two would block each other's writes), and never one that
    # waits for the peer (after, sync)
    x = r.random()
    if x < 0.15 and cclose == "before":
        capp.append("readafter=1")
    elif x < 0.3 and sclose == "before":
        sapp.append("readafter=1")
    return "|".join([str(seed), order, " ".join(copts), " ".join(sopts), " ".join(capp), " ".join(sapp)])


def main():
    seed, n = int(sys.argv[1]), int(sys.argv[2])
    for i in range(n):
        print(config(seed + i))


if __name__ == "__main__":
    main()
