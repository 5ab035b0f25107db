#!/usr/bin/env python3
"""session-random -- one lane of the randomized session-event test.

usage: session-random.py DIR CURFILE PORT MAXFAIL SEED...

For each SEED in turn: the run's plan (session_plan.draw), in DIR/runSEED
(plan.json, and srv.args for tests/apps/session-serve, which the lane's
tcpserver on 127.0.0.1:PORT runs; CURFILE tells it which run is on); then
this process plays the peer over tests/apps/minitls, waits for prog's
report (DIR/runSEED/prog.res) and for every process of the run to go,
and checks what session_plan.expect says must hold.  One line per run on
stdout: "ok SEED SECONDS END STATUS" or "FAIL SEED"; a failure also
leaves DIR/runSEED.fail (the plan, what happened, why it is wrong; the
same on stderr at once), and the run's directory; after MAXFAIL
failures the lane stops (a broken build fails fast); a success removes the directory (and a run that took
over 5 s is noted in DIR/slow.log).

Checked for each run:
  - what prog read is the start of what the peer sent, and what the peer
    read the start of what prog wrote (both directions, byte for byte);
    each whole where session_plan.expect says so
  - the TLS child's status and ucspitlsd's stderr: exit 0 and only the
    -v2 line with end=ok (in= and out= the bytes prog read and wrote), or
    exit 98, one fatal line matching an allowed reason, and the -v2 line
    with end=error; which of them is allowed: session_plan.expect
  - once both ends are done (prog has closed its ends, the peer its
    socket), the TLS child is gone within GONE s, and every process of the
    run within 2 * GONE s; once prog is done and what it wrote has come, with a
    silent peer (which keeps its socket open until the TLS child is
    gone), the child goes within GONE s (the man page's 2 s, and slack for
    a loaded machine; less than the 10 s that it may wait for a peer
    that reads, which a broken end would show)
  - the TLS child never spins: its CPU time (wait4) stays under 0.5 s, and
    over an "idle" second of the peer (nothing moves) it gains at most
    0.1 s (/proc/PID/stat)
"""

import json
import os
import re
import select
import shutil
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import minitls  # noqa: E402
import session_plan as sp  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
# wall-clock bounds, generous for a loaded machine (2 cores, many tests
# at once): how long the TLS child may take to go once both ends are
# done, how long the peer waits for the server's end once its own, and
# for a send to move (the plan keeps every send within the buffers)
HUNG, GONE, STALL = 20, 8.0, 15
V2 = re.compile(r"^ucspitlsd: info: peer=\S+ sni=localhost protocol=TLSv1\.2 cipher=[A-Z0-9-]+ "
                r"session=[0-9a-f]+ resumed=no in=(\d+) out=(\d+) duration=\d+\.\d{3} end=(\w+)$")


def cpu_ticks(pid):
    try:
        with open("/proc/%s/stat" % pid) as f:
            f = f.read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    except (OSError, IndexError, ValueError):
        return None


def run_procs(runid):
    """pid -> comm of the live processes of the run."""
    mark = ("SESSION_RUNID=" + runid).encode()
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                if mark not in f.read().split(b"\0"):
                    continue
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        if st.rsplit(")", 1)[1].split()[0] != "Z":
            out[d] = st[st.index("(") + 1:st.rindex(")")]
    return out


def run_gone(runid):
    """No process of the run is alive: none found on three readings 50 ms
    apart.  One reading is not enough: while a process execs (env, then
    python3), its /proc/PID/environ reads empty for a moment."""
    for k in range(3):
        if k:
            time.sleep(0.05)
        if run_procs(runid):
            return False
    return True


class Peer:
    """The scripted peer of one run; what happened, in its attributes."""

    def __init__(self, port, plan, expect, rd):
        self.plan, self.expect, self.rd, self.seed = plan, expect, rd, plan["seed"]
        self.got = bytearray()    # prog's stream, as it arrived
        self.nsent = 0            # the peer's stream bytes sent, whole send events
        self.tried = 0            # ... and offered (a send that failed may have gone in part)
        self.notes = []           # what went differently from the plan
        self.gone = None          # how the server's side ended: eof, reset
        self.notify = False       # the server's close_notify came
        self.failed_send = False
        self.hung = False         # the server never ended the connection
        self.idle = None          # CPU ticks of the TLS child over the idle second
        self.last = 0             # time.time() of the last data (or close_notify) from prog's side
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.settimeout(10)
        s.connect(("127.0.0.1", port))
        self.sock = s
        if plan["mode"] == "d":
            self.line()
            s.sendall(b"STARTTLS\r\n")
            self.line()
        self.c = minitls.Client(s)
        self.c.handshake(sni=b"localhost")
        s.setblocking(False)

    def line(self):
        b = b""
        while not b.endswith(b"\n"):
            c = self.sock.recv(1)
            if not c:
                raise minitls.Failed("end-of-file in the plaintext prelude")
            b += c

    def take(self, events):
        for ev in events:
            if ev[0] == "app":
                self.got += ev[1]
                self.last = time.time()
            elif ev[0] == "alert" and ev[1:] == (1, 0):
                self.notify = True
                self.last = time.time()
            elif ev[0] == "alert":
                self.notes.append("the server sent alert %d %d" % ev[1:])
            elif ev[0] == "eof":
                self.gone = ev[1]

    def poll(self, timeout):
        try:
            self.take(self.c.poll(timeout, limit=65536))
        except minitls.Failed as e:
            self.notes.append("reading: %s" % e)
            self.gone = self.gone or "error"

    def send(self, raw):
        """RAW out, reading whatever comes meanwhile; False if it could not
        all go (the server gone, or STALL s without progress).  The server's
        end-of-file is only its half-close: sending goes on."""
        off, deadline = 0, time.monotonic() + STALL
        while off < len(raw):
            if self.failed_send:
                return False
            r, w, _ = select.select([self.sock] if not self.gone else [], [self.sock], [],
                                    max(0, deadline - time.monotonic()))
            if r:
                self.poll(0)
            if w:
                try:
                    k = self.sock.send(raw[off:off + 65536])
                except BlockingIOError:
                    k = 0
                except OSError as e:
                    self.notes.append("send: %s" % e)
                    self.failed_send = True
                    return False
                if k:
                    off += k
                    deadline = time.monotonic() + STALL
            if not r and not w and time.monotonic() >= deadline:
                self.notes.append("a send made no progress for %d s" % STALL)
                self.failed_send = True
                return False
        return True

    def records(self, typ, bodies):
        return b"".join(self.c.seal(typ, b) for b in bodies)

    def event(self, ev):
        kind = ev[0]
        if kind == "send":
            data = sp.stream(self.seed, "peer", sum(ev[1]), self.nsent)
            bodies, i = [], 0
            for k in ev[1]:
                bodies.append(data[i:i + k])
                i += k
            self.tried = self.nsent + len(data)
            if self.send(self.records(minitls.REC_APP, bodies)):
                self.nsent += len(data)
        elif kind == "empty":
            self.send(self.records(minitls.REC_APP, [b""] * ev[1]))
        elif kind == "warn":
            self.send(self.records(minitls.REC_ALERT, [bytes([1, ev[1]])]))
        elif kind == "pause":
            time.sleep(ev[1] / 1000)
        elif kind == "recv":
            end = time.monotonic() + ev[1] / 1000
            while not self.gone and time.monotonic() < end:
                self.poll(max(0, end - time.monotonic()))
        elif kind == "idle":
            time.sleep(0.2)
            try:
                with open(os.path.join(self.rd, "tls.pid")) as f:
                    pid = f.read().strip()
            except OSError:
                pid = ""
            a = cpu_ticks(pid) if pid else None
            time.sleep(1)
            b = cpu_ticks(pid) if pid else None
            if a is not None and b is not None:
                self.idle = b - a

    def tls_alive(self):
        """The TLS child is still there (a zombie counts: prog reaps it);
        as long as its pid is not known, it is."""
        try:
            with open(os.path.join(self.rd, "tls.pid")) as f:
                pid = f.read().strip()
        except OSError:
            return True
        return not pid or cpu_ticks(pid) is not None

    def to_end(self, cap, whole, hold=False):
        """Read until the server ends, or until CAP bytes of prog's stream
        have come (then an RST: they are unread).  Unless the plan wants
        prog's stream WHOLE, the TLS child's exit is the end too: what
        the kernel still holds for us may take seconds to decrypt.  HUNG s
        at most (then the server "hung").  HOLD: then keep the socket open
        until the TLS child is gone (5 s at most): a peer that never
        closes."""
        end = time.monotonic() + HUNG
        while not self.gone:
            if cap is not None and len(self.got) >= cap:
                return self.reset()
            if not whole and not self.tls_alive():
                return self.reset()
            if time.monotonic() > end:
                self.hung = True
                break
            self.poll(0.2)
        if hold:
            end = time.monotonic() + 5
            while self.tls_alive() and time.monotonic() < end:
                time.sleep(0.02)
        self.sock.close()

    def reset(self):
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        except OSError:
            pass
        self.sock.close()

    def play(self):
        p = self.plan["peer"]
        for ev in p["events"]:
            if self.failed_send:
                break
            self.event(ev)
        end, cap = p["end"], p["cap"]
        whole = self.expect["s2c"]
        if self.failed_send and end != "rst":
            self.notes.append("could not send all: ending with a close instead of %s" % end)
            return self.to_end(0, whole)
        if end == "notify":
            self.send(self.records(minitls.REC_ALERT, [b"\1\0"]))
        elif end == "halfclose":
            try:
                self.sock.shutdown(socket.SHUT_WR)
            except OSError as e:
                self.notes.append("shutdown: %s" % e)
        elif end == "fatal":
            self.send(self.records(minitls.REC_ALERT, [bytes([2, p["fatal"]])]))
        elif end == "flood":
            self.send(self.records(minitls.REC_APP, [b""] * p["flood"]))
        elif end == "rst":
            return self.reset()
        self.to_end(cap, whole, hold=end == "silent")


def parse_res(path):
    res = {"err": []}
    with open(path) as f:
        for ln in f:
            k, _, v = ln.rstrip("\n").partition(" ")
            if k == "err":
                res["err"].append(v)
            else:
                res[k] = v
    return res


def describe(plan):
    p, q = plan["prog"], plan["peer"]
    prog = "read=%s%s write=%s wait=%s closeat=%s%s" % (
        p["read"], "(%d B/%.0f ms)" % (p["stop_bytes"], p["stop_ms"]) if p["read"] == "stop" else "",
        "forever" if p["forever"] else "%dB/%d" % (sum(c[0] for c in p["chunks"]), len(p["chunks"])),
        p["wait"], p["closeat"], " early=%.0fms" % p["early"] if p["early"] is not None else "")
    evs = " ".join(e[0] + ("=%d" % sum(e[1]) if e[0] == "send" else "=%d" % e[1] if e[0] in ("empty", "warn")
                           else "=%.0fms" % e[1] if e[0] in ("pause", "recv") else "") for e in q["events"])
    end = q["end"] + (" %d" % q["fatal"] if q["end"] == "fatal" else " %d" % q["flood"] if q["end"] == "flood" else "")
    return "ucspitlsd %s -- prog %s -- peer [%s] %s%s" % (
        " ".join(plan["sopts"]), prog, evs, end, " cap=%d" % q["cap"] if q["cap"] is not None else "")


def check(plan, exp, peer, res, lines, t_peer, left):
    """The reasons why the run is wrong (none: it is right)."""
    why = []
    seed = plan["seed"]
    if peer.hung:
        why.append("the server did not end the connection within %d s of the peer's end (%s)" % (HUNG, plan["peer"]["end"]))
    if left:
        why.append("processes of the run left %d s after both ends were done: %s" % (2 * GONE, left))
    if res is None:
        return why + ["prog wrote no report"]
    why += ["prog: " + e for e in res["err"]]
    # the streams
    nr, hr = res["recv"].split()
    nr = int(nr)
    if nr > max(peer.nsent, peer.tried) or hr != sp.sha(sp.stream(seed, "peer", nr)):
        why.append("prog read %d bytes that are not the start of the peer's %d" % (nr, max(peer.nsent, peer.tried)))
    elif exp["c2s"] and not peer.failed_send and nr != peer.nsent:
        why.append("prog read %d bytes of the peer's %d" % (nr, peer.nsent))
    ns, hs = res["sent"].split()
    ns = int(ns)
    got = bytes(peer.got)
    if len(got) > ns or got != sp.stream(seed, "prog", len(got)):
        why.append("the peer read %d bytes that are not the start of prog's %d" % (len(got), ns))
    # how the TLS child ended
    tls = res["tls"]
    v2 = V2.match(lines[-1]) if lines else None
    if tls == "exit 0":
        if None not in exp["allowed"]:
            why.append("the TLS child exited 0; expected an error: %s" % " or ".join(exp["allowed"]))
        if len(lines) != 1 or not v2 or v2.group(3) != "ok":
            why.append("exit 0, but stderr is not the one -v2 line with end=ok: %s" % " | ".join(lines))
        if exp["s2c"] and not peer.hung and len(got) != ns:
            why.append("the session ended ok, but the peer read %d bytes of prog's %d" % (len(got), ns))
        if v2 and int(v2.group(2)) != ns:
            why.append("-v2 out=%s, prog wrote %d" % (v2.group(2), ns))
    elif tls == "exit 98":
        regs = [a for a in exp["allowed"] if a is not None]
        if not regs:
            why.append("the TLS child exited 98 (%s); expected exit 0" % (lines[0] if lines else "no line"))
        elif len(lines) != 2 or not lines[0].startswith("ucspitlsd: fatal: TLS connection failed: ") \
                or not any(re.search(a, re.sub(r" \(peer=[^)]*\)$", "", lines[0])) for a in regs):
            why.append("exit 98, but not the fatal line expected (%s): %s" % (" or ".join(regs), " | ".join(lines)))
        if not v2 or v2.group(3) != "error":
            why.append("exit 98, but no -v2 line with end=error: %s" % " | ".join(lines))
    else:
        why.append("the TLS child: %s (stderr: %s)" % (tls, " | ".join(lines)))
    if v2:
        if int(v2.group(1)) < nr or (res["rend"] == "eof" and int(v2.group(1)) != nr):
            why.append("-v2 in=%s, prog read %d (%s)" % (v2.group(1), nr, res["rend"]))
        if int(v2.group(2)) > ns:
            why.append("-v2 out=%s, more than prog wrote (%d)" % (v2.group(2), ns))
    # when it ended, and how hard it worked
    done, reaped = float(res["done"]), float(res["reaped"])
    if res["tls"] != "timeout" and reaped - max(done, t_peer) > GONE:
        why.append("the TLS child went %.1f s after both ends were done" % (reaped - max(done, t_peer)))
    if plan["peer"]["end"] == "silent" and reaped - max(done, peer.last) > GONE:
        why.append("prog was done and its data sent, the peer silent: the TLS child went only %.1f s later"
                   % (reaped - max(done, peer.last)))
    if res["cpu"] != "?" and float(res["cpu"]) > 0.5:
        why.append("the TLS child used %s s of CPU" % res["cpu"])
    if peer.idle is not None and peer.idle > 0.1 * TICK:
        why.append("the TLS child used %.2f s of CPU over an idle second" % (peer.idle / TICK))
    return why


def one(d, cur, port, seed):
    plan = sp.draw(seed)
    exp = sp.expect(plan)
    runid = "run%d" % seed
    rd = os.path.join(d, runid)
    os.mkdir(rd)
    with open(os.path.join(rd, "plan.json"), "w") as f:
        json.dump(plan, f)
    with open(os.path.join(rd, "srv.args"), "w") as f:
        f.write(" ".join(plan["sopts"]) + "\n")
    with open(cur, "w") as f:
        f.write(rd + "\n")
    t0 = time.monotonic()
    why = []
    peer = None
    try:
        peer = Peer(port, plan, exp, rd)
        peer.play()
    except (OSError, minitls.Failed) as e:
        why.append("the peer failed before its script: %s" % e)
        if peer is not None:
            peer.reset()
    t_peer = time.time()
    # prog's report, then nothing of the run left
    res_path = os.path.join(rd, "prog.res")
    deadline = time.monotonic() + 25
    while not os.path.exists(res_path) and time.monotonic() < deadline:
        if run_gone(runid):
            break
        time.sleep(0.02)
    deadline = time.monotonic() + 2 * GONE
    procs = run_procs(runid)
    while procs and time.monotonic() < deadline:
        time.sleep(0.02)
        procs = run_procs(runid)
    left = ""
    if procs:
        ticks = {p: cpu_ticks(p) for p in procs}
        time.sleep(1)
        spent = {p: "%.2f s" % (((cpu_ticks(p) or 0) - ticks[p]) / TICK) if ticks[p] is not None else "?"
                 for p in procs}
        left = " ".join("%s[%s] (%s CPU in 1 s)" % (c, p, spent[p]) for p, c in sorted(procs.items()))
        for p in procs:
            try:
                os.kill(int(p), signal.SIGKILL)
            except OSError:
                pass
    res = parse_res(res_path) if os.path.exists(res_path) else None
    try:
        with open(os.path.join(rd, "srv.err"), errors="backslashreplace") as f:
            lines = f.read().splitlines()
    except OSError:
        lines = []
    if peer is not None and not why:
        why = check(plan, exp, peer, res, lines, t_peer, left)
    secs = time.monotonic() - t0
    if not why:
        shutil.rmtree(rd, ignore_errors=True)
        if secs > 5:
            with open(os.path.join(d, "slow.log"), "a") as f:
                f.write("%d %.1f s: %s\n" % (seed, secs, describe(plan)))
        return "ok %d %.2f %s %s" % (seed, secs, plan["peer"]["end"], res["tls"].replace(" ", ""))
    with open(rd + ".fail", "w") as f:
        f = Tee(f)
        f.write("FAIL seed=%d (replay: SESSION_SEED=%d tests/run session-random)\n" % (seed, seed))
        f.write("  plan: %s\n" % describe(plan))
        f.write("  allowed: %s; whole: %s\n" % (
            " or ".join("ok" if a is None else a for a in exp["allowed"]),
            ", ".join(k for k in ("c2s", "s2c") if exp[k]) or "neither"))
        if peer is not None:
            f.write("  peer: sent %d, read %d, server's end %s%s%s\n" % (
                peer.nsent, len(peer.got), peer.gone, ", close_notify" if peer.notify else "",
                "".join("; " + n for n in peer.notes)))
        if res is not None:
            f.write("  prog: %s\n" % "; ".join("%s %s" % (k, v) for k, v in res.items() if k != "err"))
        f.write("  stderr: %s\n" % " | ".join(lines))
        for w in why:
            f.write("  - %s\n" % w)
    return "FAIL %d" % seed


class Tee:
    """A file that stderr gets a copy of."""

    def __init__(self, f):
        self.f = f

    def write(self, s):
        self.f.write(s)
        sys.stderr.write(s)
        sys.stderr.flush()


def main():
    d, cur, port, maxfail = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    fails = 0
    for s in sys.argv[5:]:
        r = one(d, cur, port, int(s))
        print(r, flush=True)
        fails += r.startswith("FAIL")
        if fails >= maxfail:
            sys.stderr.write("lane stopped after %d failures\n" % fails)
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
