"""session_plan -- what one run of the randomized session-event test does,
and what must come of it.  Imported by session-random.py (the peer and
the checks) and session-prog.py (prog); each run's plan depends on its
seed alone, so that SESSION_SEED=seed replays it (its timing cannot be
replayed).

A run is one connection: `tcpserver ... ucspitlsd -v2 OPTIONS
session-prog.py`, and a scripted TLS peer (tests/apps/minitls).

The server:  -i or delayed mode (prog then speaks a STARTTLS prelude),
             -s or -S, -j or -J; always -K 20000.
prog draws:
  read     all (to end-of-file) | stop (until K bytes or T ms, then it
           reads no more, keeping the pipe open) | none
  write    N bytes in chunks of random sizes with random pauses, or
           "forever" (until a write fails)
  wait     now (write while reading) | eof (write only once it has read
           end-of-file: read all)
  closeat  write (close its output once its writes are done) | eof (only
           once it has also seen end-of-file: read all)
  early    None, or a time (ms after TLS is up) at which it closes
           everything and goes, whatever it was doing
  prog is done when its output is closed and its reading is over (EOF,
  or stop/none reached); it then closes everything and only waits for
  its TLS child.
The peer draws a list of events -- send N bytes (records of random
sizes), K empty records, a warning alert, a pause, a moment of reading,
at most one "idle" second (the TLS child's CPU time must not move) --
and an end:
  notify     close_notify, then read to the end
  halfclose  TCP half-close, then read to the end
  fatal      a fatal alert, then read to the end
  flood      33 to 200 empty records in a row, then read to the end
  rst        an RST
  silent     nothing more, not even a close: read until the server ends
             the connection (drawn only when prog ends on its own)
"read to the end" stops after CAP bytes when prog writes for ever and
the server cannot end after the peer's end; the peer then closes with
unread data: an RST.  prog writing for ever with an early time writes
16 KiB per 10 ms, so that the peer has not megabytes to decrypt.

expect(plan) says what ucspitlsd must do: the outcomes allowed (ok, or
an error with the regular expression of its fatal line), and which
streams must arrive whole.  A peer's end that the server may or may not
see before it finishes on its own (prog done first) allows both.
"""

import hashlib
import math
import random

KiB = 1024

ALERT_NAMES = {10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure",
               42: "bad_certificate", 47: "illegal_parameter", 80: "internal_error",
               90: "user_canceled", 112: "unrecognized_name"}
WARNINGS = (90, 112)


def logu(r, lo, hi):
    return int(math.exp(r.uniform(math.log(lo), math.log(hi))))


BLOCK = 16384


def stream(seed, side, n, start=0):
    """Bytes START to START+N of what SIDE ("peer" or "prog") of run SEED
    sends: the same whoever computes them, and without end (blocks of
    16 KiB, each from a generator of its own)."""
    out = bytearray()
    i = start // BLOCK
    while len(out) < (start % BLOCK) + n:
        out += random.Random("%d/%s/%d" % (seed, side, i)).randbytes(BLOCK)
        i += 1
    return bytes(out[start % BLOCK:start % BLOCK + n])


def sha(b):
    return hashlib.sha256(b).hexdigest()


def draw(seed):
    r = random.Random(seed)
    mode = r.choice("id")
    sopts = ["-K", "20000"] + (["-i"] if mode == "i" else [])
    sopts.append(r.choice(["-s", "-S"]))
    sopts.append("-J" if r.random() < 0.25 else "-j")

    # prog
    read = r.choices(["all", "stop", "none"], [0.6, 0.25, 0.15])[0]
    forever = r.random() < 0.2
    if forever:
        wlen = None
    else:
        x = r.random()
        wlen = 0 if x < 0.12 else logu(r, 1, 16 * KiB) if x < 0.6 else logu(r, 16 * KiB, 200 * KiB)
    chunks, left = [], wlen if wlen is not None else 0
    while left > 0:
        k = min(left, logu(r, 1, 65536))
        chunks.append([k, r.choice([0, 0, 0, r.uniform(0, 50)])])
        left -= k
    prog = {
        "read": read,
        "stop_bytes": r.randint(0, 48 * KiB),
        "stop_ms": r.uniform(0, 300),
        "forever": forever,
        "chunks": chunks,
        "wait": "eof" if read == "all" and r.random() < 0.3 else "now",
        "closeat": "eof" if read == "all" and r.random() < 0.3 else "write",
        "early": r.uniform(0, 400) if r.random() < 0.15 else None,
    }
    finishes = prog_finishes(prog)

    # the peer: small amounts when prog may stop reading, so that a send
    # can never block (the buffers on the way hold far more)
    budget = 200 * KiB if read == "all" and prog["early"] is None else 40 * KiB
    events, empties, sent, idle = [], 0, 0, False
    for _ in range(r.randint(0, 8)):
        kind = r.choices(["send", "empty", "warn", "pause", "recv", "idle"], [5, 2, 1, 2, 2, 0.4])[0]
        if kind == "send":
            n = min(budget - sent, logu(r, 1, 64 * KiB))
            if n <= 0:
                continue
            sizes, m = [], n
            while m > 0:
                k = min(m, logu(r, 1, 16384))
                sizes.append(k)
                m -= k
            events.append(["send", sizes])
            sent += n
            empties = 0
        elif kind == "empty":
            # at most 32 in a row: only data breaks a row (an alert may not)
            k = min(r.randint(1, 8), 32 - empties)
            if k > 0:
                events.append(["empty", k])
                empties += k
        elif kind == "warn":
            events.append(["warn", r.choice(WARNINGS)])
        elif kind == "pause":
            events.append(["pause", r.uniform(0, 300)])
        elif kind == "recv":
            events.append(["recv", r.uniform(0, 200)])
        elif not idle:
            events.append(["idle"])
            idle = True
    ends = ["notify", "halfclose", "fatal", "flood", "rst"] + (["silent"] * 2 if finishes else [])
    end = r.choice(ends)
    # a cap where the server cannot end by itself after the peer's end:
    # prog writes for ever, and nothing in the peer's end stops it (its
    # close_notify is held until prog is done; a fatal alert or a flood
    # waits behind data that prog does not read)
    reads = read == "all" and prog["early"] is None
    capped = forever and prog["early"] is None and (end in ("notify", "halfclose") or not reads)
    peer = {"events": events, "end": end, "sent": sent,
            "fatal": r.choice(sorted(ALERT_NAMES)), "flood": r.randint(33, 200),
            "cap": r.randint(0, 64 * KiB) if capped else None}
    return {"seed": seed, "mode": mode, "sopts": sopts, "prog": prog, "peer": peer}


def prog_finishes(prog):
    """prog ends by itself, whatever the peer does (it does not wait for
    an end-of-file that may never come, nor write for ever)."""
    if prog["early"] is not None:
        return True
    return prog["read"] != "all" and not prog["forever"]


NET = r"network error: (Connection reset by peer|Broken pipe)$"
NOTIFY = r"closed the connection without close_notify$"
EMPTY = r"too many empty records"


def expect(plan):
    """{"allowed": [None (ok) or REGEX of the fatal line, ...],
        "c2s": the peer's stream must reach prog whole,
        "s2c": prog's stream must reach the peer whole (when it ends ok)}"""
    prog, peer = plan["prog"], plan["peer"]
    strict = "-J" in plan["sopts"]
    end = peer["end"]
    forever = prog["forever"] and prog["early"] is None
    reads = prog["read"] == "all" and prog["early"] is None
    if end == "notify":
        allowed = [NET] if forever else [None]
    elif end == "halfclose":
        allowed = [NOTIFY] if strict else [None]
        if forever:
            allowed = allowed + [NET] if strict else [NET]
    elif end == "fatal":
        code = peer["fatal"]
        allowed = [r"the peer sent fatal alert %d \(%s\) \(BR_ERR_RECV_FATAL_ALERT\)$" % (code, ALERT_NAMES[code])]
        if forever and not reads:
            allowed.append(NET)   # undelivered data holds the alert back; then the RST
        if not strict and not forever and prog["closeat"] == "write":
            # prog may have closed its output, and the server its side,
            # before the alert came: then it is the peer's end, like EOF
            allowed.append(None)
    elif end == "flood":
        allowed = [EMPTY] + ([NET] if forever else [])
    elif end == "rst":
        allowed = [NET]
    else:
        allowed = [None]
    if prog_finishes(prog) and None not in allowed:
        allowed.append(None)   # prog may be done, and the server with it, first
    c2s = reads and (end in ("notify", "fatal") or (end == "halfclose" and not strict))
    if forever and end != "fatal":
        c2s = False
    # prog's stream whole at the peer, when the session ends ok: the peer
    # reads to the end.  But when prog may be done first, the TLS child
    # goes in bounded time, and a peer that is still sending then gets
    # an RST, which destroys what the kernel had not sent yet: only a peer
    # that sends nothing at all is sure to get everything.
    s2c = end in ("notify", "halfclose", "silent") and not forever
    if prog_finishes(prog) and (end == "notify" or any(e[0] in ("send", "empty", "warn") for e in peer["events"])):
        s2c = False
    return {"allowed": allowed, "c2s": c2s, "s2c": s2c}
