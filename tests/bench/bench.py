#!/usr/bin/env python3
# tests/bench/bench.py -- the orchestrator behind tests/bench/run.
#
# Starts the servers, runs every measurement on 127.0.0.1, contenders
# interleaved round-robin within each repetition (the order rotates from
# one repetition to the next), and prints one table of medians and
# ratios, also written to $BENCH_OUT (default ./bench-results.txt).
# Python only drives: every byte of data is moved by the C helpers built
# by run (bulk, hsclient, echoapp) and the programs under test.
#
# The parts, a file per concern: common.py (settings, paths, failures),
# procs.py (processes, CPU and memory from /proc), servers.py (the
# contenders), measure.py (each measurement), report.py (the table);
# this file holds the schedule of one run.
#
# usage: bench.py HELPERDIR   (run does this; see run for the variables)
#
# Exit 0 when every measurement ran, 1 when one did not (a timeout, a
# short stream, a server that did not start): never because of a timing.

import signal
import sys
import time

import servers
from common import BUDGET, BYTES, CAT, ECHOAPP, FAILURES, MEM_REPS, OUT, QUICK, REPS, T, log
from measure import bearssl_speed, check_cipher, hsrate, memfloor, memory, run_bulk
from procs import cleanup, on_signal
from report import loadavg, report
from servers import plain_server, socat_server, stunnel_server, ucspitlsd_server


def rot(xs, k):
    k %= max(len(xs), 1)
    return xs[k:] + xs[:k]


def measure(bulks, hs_servers, st_servers, pl_servers):
    R = {}
    broken = set()   # a pair that failed once is not run again
    checked = set()  # pairs whose suite has been checked in ucspitlsd's log

    def add(key, v):
        R.setdefault(key, []).append(v)

    t0 = time.monotonic()
    last = 0
    done = 0
    for rep in range(REPS):
        if rep >= 3 and time.monotonic() - t0 + last > BUDGET:
            log('bench: stopping after %d repetitions: the time budget (BENCH_BUDGET=%.0f s) would be exceeded'
                % (rep, BUDGET))
            break
        t1 = time.monotonic()
        log('bench: repetition %d of %d (load %s)' % (rep + 1, REPS, loadavg()))
        sp = bearssl_speed()
        for name, v in sp.items():
            add(('speed', name), {'enc': float(v['enc_MBps']), 'encdec': float(v['encdec_MBps']),
                                  'impl': v['impl']})
        for b in rot([b for b in bulks if id(b) not in broken], rep):
            v = run_bulk(b)
            if v is not None and id(b) not in checked:
                checked.add(id(b))
                if not check_cipher(b):
                    v = None
            if v is None:
                broken.add(id(b))
            add(('bulk', b.key, b.suite, b.d), v)
        hs = [(k, j) for j in (1, 8) for k in ('ucspitls', 'stunnel', 'socat')]
        for k, j in rot(hs, rep):
            add(('hs', k, j), hsrate(hs_servers[k], 'tls', j, 'handshake %s x%d' % (k, j)))
        for k in rot(['delayed', 'immediate'], rep):
            add(('st', k), hsrate(st_servers[k], 'starttls' if k == 'delayed' else 'tls', 1, 'session %s' % k))
        for k in rot(['bare', 'wrapped'], rep):
            add(('pl', k), hsrate(pl_servers[k], 'plain', 1, 'plaintext connection %s' % k))
        if rep < MEM_REPS:
            for k in rot(['ucspitls', 'stunnel', 'socat'], rep):
                add(('mem', k), memory(k, hs_servers[k], 'memory %s' % k))
            add(('mem', 'floor'), memfloor('memory floor'))
        last = time.monotonic() - t1
        done = rep + 1
    R['reps'] = done
    return R, broken


def main():
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    t_start = time.time()
    load0 = loadavg()
    log('bench: temp dir %s; %d bytes per stream, %d repetitions%s'
        % (T, BYTES, REPS, ' (quick mode)' if QUICK else ''))
    servers.make_certs()
    bulks = servers.bulk_contenders()
    hs_servers = {
        'ucspitls': ucspitlsd_server('hs-ucspitlsd', [CAT]),
        'stunnel': stunnel_server('hs-stunnel', 'aes', [CAT]),
        'socat': socat_server('hs-socat', 'aes', [CAT]),
    }
    st_servers = {
        'delayed': ucspitlsd_server('st-delayed', [ECHOAPP, '-s'], immediate=False),
        'immediate': ucspitlsd_server('st-immediate', [ECHOAPP]),
    }
    pl_servers = {
        'bare': plain_server('pl-bare', [CAT]),
        'wrapped': ucspitlsd_server('pl-wrapped', [CAT], immediate=False),
    }
    R, broken = measure(bulks, hs_servers, st_servers, pl_servers)
    text = report(R, bulks, broken, t_start, load0)
    sys.stdout.write(text)
    with open(OUT, 'w') as f:
        f.write(text)
    log('bench: table written to %s' % OUT)
    return 1 if FAILURES else 0


if __name__ == '__main__':
    try:
        rc = main()
    finally:
        cleanup()
    sys.exit(rc)
