#!/usr/bin/env python3
"""conn-sampler -- count a test's connection processes, continually.

usage: conn-sampler.py MAX STOPFILE GRACE [ORPHAN]

A connection process is one that carries this test's marker
(UCSPITLS_TEST_ID=$UCSPITLS_TEST_ID in its environment) and TCPREMOTEPORT
(set by tcpserver for each connection, so: the connection's prog, its
TLS child, a key process, and any of them that outlived the
connection), and is not a zombie.  Every 20 ms, /proc is scanned; a
count above MAX is scanned again at once (a scan is not atomic: a
process that exits during it and one that a new connection forks may
both be seen), and a count above MAX in both scans is a violation.
With ORPHAN (seconds), a connection process whose parent is neither
tcpserver nor another connection process (it outlived the process that
started it, and was re-parented) must be gone within ORPHAN seconds of
the first scan that sees it so: one that stays longer is a violation
too.  Once STOPFILE exists (the clients have stopped), it waits GRACE
seconds at most for the count to reach 0.  Prints:
  samples N
  max N                 the highest count of a confirmed scan
  over N PID:COMM...    each violation, with the processes (the first 5)
  orphan PID:COMM S     each orphan that stayed over ORPHAN s (S: how long
                        it was seen)
  gone S                seconds from STOPFILE to a count of 0, or
  left N PID:COMM...    what was still there after GRACE (the first 10)
and exits 0 when there was no violation and nothing was left, else 1.
"""

import os
import sys
import time


def scan(marker, parents=None):
    """The connection processes, "PID:COMM"; PARENTS, if given, gets
    each one's parent: {pid: (ppid, parent's comm)}."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            if st.rsplit(")", 1)[1].split()[0] == "Z":
                continue
            with open("/proc/%s/environ" % d, "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if marker in env and any(e.startswith(b"TCPREMOTEPORT=") for e in env):
            found.append("%s:%s" % (d, st[st.index("(") + 1:st.rindex(")")]))
            if parents is not None:
                ppid = st.rsplit(")", 1)[1].split()[1]
                try:
                    with open("/proc/%s/comm" % ppid) as f:
                        pcomm = f.read().strip()
                except OSError:
                    pcomm = "?"
                parents[found[-1]] = (ppid, pcomm)
    return found


def orphans(procs, parents):
    """Those of PROCS whose parent is neither tcpserver nor one of them."""
    mine = {p.split(":")[0] for p in procs}
    return [p for p in procs if p in parents and parents[p][0] not in mine and parents[p][1] != "tcpserver"]


def main():
    limit, stopfile, grace = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    maxorphan = float(sys.argv[4]) if len(sys.argv) > 4 else None
    marker = ("UCSPITLS_TEST_ID=" + os.environ["UCSPITLS_TEST_ID"]).encode()
    n = top = 0
    overs = []
    seen = {}      # orphan -> when first seen as one
    late = {}      # orphan -> how long it was seen, once past maxorphan
    stopped = None
    while True:
        now = time.monotonic()
        if stopped is None and os.path.exists(stopfile):
            stopped = now
        parents = {}
        procs = scan(marker, parents)
        n += 1
        if maxorphan is not None:
            now_orphans = set(orphans(procs, parents))
            for p in now_orphans:
                seen.setdefault(p, now)
                if now - seen[p] > maxorphan:
                    late[p] = now - seen[p]
            for p in list(seen):
                if p not in now_orphans:
                    del seen[p]
        if len(procs) > limit:
            again = scan(marker)
            if len(again) > limit:
                overs.append(again)
            procs = min(procs, again, key=len)
        top = max(top, len(procs))
        if stopped is not None and not procs:
            break
        if stopped is not None and now - stopped > grace:
            break
        time.sleep(0.02)
    print("samples %d" % n)
    print("max %d" % top)
    for o in overs[:20]:
        print("over %d %s" % (len(o), " ".join(o[:5])))
    for p in sorted(late)[:20]:
        print("orphan %s %.1f" % (p, late[p]))
    if procs:
        print("left %d %s" % (len(procs), " ".join(procs[:10])))
    else:
        print("gone %.3f" % (time.monotonic() - stopped))
    sys.stdout.flush()
    return 1 if overs or late or procs else 0


if __name__ == "__main__":
    sys.exit(main())
