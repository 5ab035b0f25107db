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

import os
import signal
import sys
import time

import servers
from common import (BASE, BASE_UCSPITLSD, BASE_WHY, BUDGET, BYTES, CAT, ECHOAPP, EXECFLOOR, EXECFLOOR_MUSL, FAILURES,
                    FLOOR_MUSL, GLIBC_BEARSSL_UCSPITLSD, MEM_REPS, MUSL_BEARSSL_UCSPITLSD, MUSL_UCSPITLSD, NOTES, OUT, PAIRS, QUICK, REPS, T,
                    fail, log)
from measure import bearssl_speed, check_cipher, hsrate, memfloor, memory, run_bulk, stime, stime_reuse
from procs import cleanup, on_signal
from report import loadavg, report
from servers import plain_server, socat_server, stunnel_server, ucspitlsd_server


def rot(xs, k):
    k %= max(len(xs), 1)
    return xs[k:] + xs[:k]


def measure(bulks, S):
    """Every measurement, REPS times (fewer if BUDGET runs out), against
    the servers of S; returns the samples by key, and the bulk
    contenders that failed."""
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
        # the handshake rows, by the number of named pairs too, in one rotation
        # and with openssl s_time, which offers X25519 first (not the baseline)
        hs = [('hs', k, j) for j in (1, 8) for k in S['hs']] + [('sni', k, n) for k, n in S['sni']] + \
            [('hsx', k, 1) for k in S['hs'] if k != 'base']
        for key in rot(hs, rep):
            if key[0] == 'hs':
                add(key, hsrate(S['hs'][key[1]], 'tls', key[2], 'handshake %s x%d' % key[1:]))
            elif key[0] == 'hsx':
                add(key, stime(S['hs'][key[1]], 'handshake %s, s_time (X25519 first)' % key[1]))
            else:
                add(key, hsrate(S['sni'][key[1:]], 'tls', 1, 'handshake %s, %d named pairs' % key[1:]))
        # resumed handshakes: ucspitlsd with its store, stunnel with its cache
        res = [('res', k, j) for j in (1, 8) for k in S['res']] + [('stime', k) for k in S['res']]
        for key in rot(res, rep):
            if key[0] == 'res':
                add(key, hsrate(S['res'][key[1]], 'tls', key[2], 'resumed handshake %s x%d' % key[1:], resume=True))
            else:
                add(key, stime_reuse(S['res'][key[1]], 'openssl s_time -reuse %s' % key[1]))
        for k in rot(['delayed', 'immediate'], rep):
            add(('st', k), hsrate(S['st'][k], 'starttls' if k == 'delayed' else 'tls', 1, 'session %s' % k))
        for k in rot(list(S['pl']), rep):
            add(('pl', k), hsrate(S['pl'][k], 'plain', 1, 'plaintext connection %s' % k))
        if rep < MEM_REPS:
            for k in rot(list(S['hs']), rep):
                add(('mem', k), memory(k, S['hs'][k], 'memory %s' % k))
            add(('mem', 'floor'), memfloor('memory floor'))
            if os.path.exists(FLOOR_MUSL):
                add(('mem', 'floor-musl'), memfloor('memory floor, musl', FLOOR_MUSL))
        last = time.monotonic() - t1
        done = rep + 1
    R['reps'] = done
    return R, broken


def baseline():
    """Whether the baseline ucspitlsd is there; if not, why, in the notes
    (skipped) or in the failures (it should have been built)."""
    if os.path.exists(BASE_UCSPITLSD):
        return True
    try:
        with open(BASE_WHY) as f:
            why = f.read().strip()
    except OSError:
        why = 'no baseline binary, and no reason given'
    if why.startswith('skip: '):
        NOTES.append('ucspitlsd before key separation (BENCH_BASE=%s): skipped, %s' % (BASE, why[6:]))
    else:
        fail('ucspitlsd before key separation (BENCH_BASE=%s)' % BASE, why)
    return False


def start_servers():
    """The servers, keyed as measure() and report() read them."""
    base = baseline()
    S = {'hs': {'ucspitls': ucspitlsd_server('hs-ucspitlsd', [CAT]),
                'stunnel': stunnel_server('hs-stunnel', 'aes', [CAT]),
                'socat': socat_server('hs-socat', 'aes', [CAT])},
         'sni': {},
         'st': {'delayed': ucspitlsd_server('st-delayed', [ECHOAPP, '-s'], immediate=False),
                'immediate': ucspitlsd_server('st-immediate', [ECHOAPP])},
         'pl': {'bare': plain_server('pl-bare', [CAT]),
                'floor': plain_server('pl-floor', [EXECFLOOR, CAT]),
                'forkfloor': plain_server('pl-forkfloor', [EXECFLOOR, '-f', CAT]),
                'wrapped': ucspitlsd_server('pl-wrapped', [CAT], immediate=False),
                'wrapped-pairs': ucspitlsd_server('pl-wrapped-pairs', [CAT], immediate=False, pairs=PAIRS[-1])}}
    S['res'] = {'ucspitls': ucspitlsd_server('res-ucspitlsd', [CAT],
                                             env_extra={'TLS_SESSION_CACHE': os.path.join(T, 'sessions')}),
                'stunnel': S['hs']['stunnel']}
    for n in PAIRS:
        S['sni']['ucspitls', n] = ucspitlsd_server('sni-ucspitlsd-%d' % n, [CAT], pairs=n)
        S['sni']['stunnel', n] = stunnel_server('sni-stunnel-%d' % n, 'aes', [CAT], pairs=n)
    # the musl builds, where the build matters: handshakes (and so memory),
    # sessions that never STARTTLS, with their floor
    for k, b in (('musl', MUSL_UCSPITLSD), ('musl-bearssl', MUSL_BEARSSL_UCSPITLSD),
                 ('glibc-bearssl', GLIBC_BEARSSL_UCSPITLSD)):
        if b:
            S['hs'][k] = ucspitlsd_server('hs-' + k, [CAT], binary=b)
            S['pl']['wrapped-' + k] = ucspitlsd_server('pl-wrapped-' + k, [CAT], immediate=False, binary=b)
    if not MUSL_UCSPITLSD:
        NOTES.append('musl build: none (make musl, or BENCH_MUSL=DIR: its programs)')
    if os.path.exists(EXECFLOOR_MUSL):
        S['pl']['floor-musl'] = plain_server('pl-floor-musl', [EXECFLOOR_MUSL, CAT])
        S['pl']['forkfloor-musl'] = plain_server('pl-forkfloor-musl', [EXECFLOOR_MUSL, '-f', CAT])
    if base:
        S['hs']['base'] = ucspitlsd_server('hs-base', [CAT], binary=BASE_UCSPITLSD)
        for n in (PAIRS[0], PAIRS[-1]):
            S['sni']['base', n] = ucspitlsd_server('sni-base-%d' % n, [CAT], pairs=n, binary=BASE_UCSPITLSD)
        S['pl']['base'] = ucspitlsd_server('pl-base', [CAT], immediate=False, binary=BASE_UCSPITLSD)
    return S


def main():
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    t_start = time.time()
    load0 = loadavg()
    log('bench: temp dir %s; %d bytes per stream, %d repetitions%s'
        % (T, BYTES, REPS, ' (quick mode)' if QUICK else ''))
    servers.make_certs()
    servers.make_names(PAIRS[-1])
    bulks = servers.bulk_contenders()
    S = start_servers()
    R, broken = measure(bulks, S)
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
