# tests/bench/report.py -- the table: the machine and the software, then
# one section per measurement (medians, min-max, ratios) and the goals
# of the issues that the figures answer, the notes and what did not run.

import os
import statistics
import subprocess
import time

from common import BYTES, CHACHA_CLIENT_ENV, DIRS, FAILURES, GiB, MEM_CONNS, MiB, NOTES, QUICK, REPS, SUITES


def machine():
    model = '?'
    flags = ''
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name') and model == '?':
                model = line.split(':', 1)[1].strip()
            if line.startswith('flags') and not flags:
                flags = line.split(':', 1)[1]
    aes = 'yes' if ' aes ' in ' %s ' % flags.replace('\n', ' ') else 'no'
    return '%s, %d cores, AES-NI %s, Linux %s' % (model, os.cpu_count(), aes, os.uname().release)


def versions():
    out = []
    for pkg in ('libbearssl-dev', 'stunnel4', 'socat', 'ucspi-tcp', 'openssl'):
        try:
            v = subprocess.run(['dpkg-query', '-W', '-f=${Version}', pkg], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL).stdout.decode().strip()
        except OSError:
            v = ''
        out.append('%s %s' % (pkg, v or '?'))
    return ', '.join(out)


def loadavg():
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:3])


def med(xs, k=None):
    xs = [x if k is None else x.get(k) for x in xs if x is not None]
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, nd=0):
    if x is None:
        return 'FAILED'
    return ('%.' + str(nd) + 'f') % x


def spread(xs, k=None, nd=0):
    xs = [x if k is None else x.get(k) for x in xs if x is not None]
    xs = [x for x in xs if x is not None]
    if len(xs) < 2:
        return ''
    return '%s-%s' % (fmt(min(xs), nd), fmt(max(xs), nd))


def ratio(a, b):
    if a is None or b is None or b == 0:
        return '-'
    return '%.2fx' % (a / b)


def report(R, bulks, broken, t_start, load0):
    lines = []
    say = lines.append
    goals = []
    say('ucspitls benchmark, %s' % time.strftime('%Y-%m-%d %H:%M %Z'))
    say('machine: %s' % machine())
    say('software: %s' % versions())
    say('run: %s per stream, %d repetition%s%s%s, contenders interleaved round-robin (order rotated each '
        'repetition); medians, min-max when there are several samples'
        % ('%.0f MiB' % (BYTES / MiB) if BYTES < GiB else '%.2f GiB' % (BYTES / GiB), R['reps'],
           '' if R['reps'] == 1 else 's', ' of %d (time budget)' % REPS if R['reps'] < REPS else '',
           ' (BENCH_QUICK)' if QUICK else ''))
    say('load average at start %s, at end %s (a shared machine: other work adds noise; '
        'CPU per byte is steadier than MB/s)' % (load0, loadavg()))
    say('')

    say('1. Bulk throughput: TLS 1.2, ECDSA P-256 certificate, one stream of %d bytes each way' % BYTES)
    say('   MB/s = 10^6 bytes/s, first to last byte at the receiving end; CPU = ns of CPU per byte on each side '
        '(client side: tcpclient, the TLS client and its start, the bulk end; server side: all its processes)')
    say('   ratio = MB/s of the ucspitls pair / this row (ChaCha20: of ucspitlsd behind a stunnel client)')
    w = 36
    hdr = '   %-17s %-14s %-*s %7s %11s %7s %6s %6s' % ('suite', 'direction', w, 'contender', 'MB/s', 'min-max',
                                                      'ratio', 'CPU c', 'CPU s')
    say(hdr)
    row = lambda a, b, c, d, e, f, g, h: say('   %-17s %-14s %-*s %7s %11s %7s %6s %6s' % (a, b, w, c, d, e, f, g, h))
    for suite in ('aes', 'chacha'):
        sname = SUITES[suite][0]
        sp = R.get(('speed', sname), [])
        enc, encdec = med(sp, 'enc'), med(sp, 'encdec')
        for d in ('c2s', 's2c'):
            rows = [b for b in bulks if b.suite == suite and b.d == d] + \
                   [b for b in bulks if b.key == 'plain' and b.d == d]
            mine_key = 'ucspitls' if any(b.key == 'ucspitls' for b in rows) else 'stunnel-ucspitlsd'
            mine = med(R.get(('bulk', mine_key, suite, d), []), 'mbps')
            first = True
            for b in rows:
                xs = R.get(('bulk', b.key, b.suite, d), [])
                m = med(xs, 'mbps') if id(b) not in broken else None
                row(sname if first else '', DIRS[d] if first else '', b.label, fmt(m), spread(xs, 'mbps'),
                    ratio(mine, m), fmt(med(xs, 'ccpu'), 2), fmt(med(xs, 'scpu'), 2))
                first = False
            if mine_key != 'ucspitls':
                row('', '', 'ucspitlsc  <->  ucspitlsd', 'n/a', '', '', '', '')
            row('', '', 'BearSSL records, 1 core, enc+dec', fmt(encdec), spread(sp, 'encdec'), ratio(mine, encdec),
                fmt(1000 / encdec if encdec else None, 2), '')
            row('', '', 'BearSSL records, 1 core, enc only', fmt(enc), spread(sp, 'enc'), ratio(mine, enc),
                fmt(1000 / enc if enc else None, 2), '')
            peers = [(med(R.get(('bulk', k, suite, d), []), 'mbps'), k) for k in ('stunnel', 'socat')]
            peers = [p for p in peers if p[0] is not None]
            if suite == 'aes' and mine is not None and peers and enc and encdec:
                best = max(peers)
                goals.append('   throughput, %s %s: ucspitls %s MB/s = %s the best peer (%s %s) [goal >= 1.50x: %s]; '
                             '= %s of BearSSL\'s 1-core enc-only speed %s, %s of its enc+dec %s [goal >= 0.50: %s]'
                             % (sname, DIRS[d], fmt(mine), ratio(mine, best[0]), best[1], fmt(best[0]),
                                'met' if mine >= 1.5 * best[0] else 'NOT met',
                                '%.2f' % (mine / enc), fmt(enc), '%.2f' % (mine / encdec), fmt(encdec),
                                'met' if mine >= 0.5 * enc else
                                ('met against enc+dec only' if mine >= 0.5 * encdec else 'NOT met')))
        if suite == 'aes':
            say('')
    if not CHACHA_CLIENT_ENV:
        say('   ChaCha20 for the ucspitls pair: n/a, ucspitlsc has no way to offer ChaCha20 alone and ucspitlsd '
            'prefers AES-GCM on this CPU;')
    say('   "stunnel client <-> ucspitlsd -i" is ucspitlsd with a stunnel client that offers ChaCha20 '
        '(AES-GCM) alone.')
    impl = lambda n: (R.get(('speed', n)) or [{}])[0].get('impl', '?')
    say('   BearSSL records: its TLS record layer encrypting (and decrypting) 16 KiB records in memory, '
        'AES-GCM %s, ChaCha20 %s' % (impl('AES-128-GCM'), impl('ChaCha20-Poly1305')))
    say('   stunnel client in inetd mode and socat STDIO get the stream on a socketpair; socat runs with -b65536')
    say('')

    say('2. Handshake rate: full handshakes per second, ECDHE P-256 + ECDSA P-256, AES-128-GCM, TLS 1.2, '
        'each with a 1-byte echo;')
    say('   one fixed BearSSL client for all; ratio = ucspitlsd / this row; latency = median connect-to-echo; '
        'server CPU = ms of CPU per connection, all its processes')
    hs_labels = {'ucspitls': 'tcpserver ucspitlsd -i cat', 'stunnel': 'stunnel (exec cat)',
                 'socat': 'socat OPENSSL-LISTEN,fork EXEC:cat'}
    say('   %-10s %-36s %7s %11s %7s %10s %10s' % ('clients', 'server', 'conn/s', 'min-max', 'ratio', 'latency ms',
                                                 'server CPU'))
    for j in (1, 8):
        mine = med(R.get(('hs', 'ucspitls', j), []), 'rate')
        first = True
        for k in ('ucspitls', 'stunnel', 'socat'):
            xs = R.get(('hs', k, j), [])
            say('   %-10s %-36s %7s %11s %7s %10s %10s'
                % (('sequential' if j == 1 else '%d at once' % j) if first else '', hs_labels[k],
                   fmt(med(xs, 'rate')), spread(xs, 'rate'), ratio(mine, med(xs, 'rate')),
                   fmt(med(xs, 'total_ms'), 2), fmt(med(xs, 'scpu_ms'), 2)))
            first = False
        peers = [p for p in (med(R.get(('hs', k, j), []), 'rate') for k in ('stunnel', 'socat')) if p is not None]
        if mine is not None and peers:
            goals.append('   handshakes, %s: ucspitlsd %s conn/s = %s the best peer %s [goal >= 1.00x: %s]'
                         % ('sequential' if j == 1 else '%d at once' % j, fmt(mine), ratio(mine, max(peers)),
                            fmt(max(peers)), 'met' if mine >= max(peers) else 'NOT met'))
    say('')

    say('3. STARTTLS session cost: tcpserver ucspitlsd, sequential sessions, the same client')
    dl, im = R.get(('st', 'delayed'), []), R.get(('st', 'immediate'), [])
    say('   %-58s %7s %11s %9s %10s' % ('', 'sess/s', 'min-max', 'total ms', 'server CPU'))
    say('   %-58s %7s %11s %9s %10s' % ('delayed: "220 ready", STARTTLS, "220 go", switch, echo',
                                        fmt(med(dl, 'rate')), spread(dl, 'rate'), fmt(med(dl, 'total_ms'), 2),
                                        fmt(med(dl, 'scpu_ms'), 2)))
    say('   %-58s %7s %11s %9s %10s' % ('immediate (-i): handshake, echo', fmt(med(im, 'rate')), spread(im, 'rate'),
                                        fmt(med(im, 'total_ms'), 2), fmt(med(im, 'scpu_ms'), 2)))
    dt, it = med(dl, 'total_ms'), med(im, 'total_ms')
    if dt is not None and it is not None:
        say('   a STARTTLS session takes %.2f ms %s than an immediate one (medians); its parts: connect to "220 go" %s ms, '
            '"220 go" to TLS up %s ms' % (abs(dt - it), 'more' if dt >= it else 'less',
                                         fmt(med(dl, 'plain_ms'), 2), fmt(med(dl, 'tls_ms'), 2)))
        say('   (immediate: connect to TLS up %s ms, which includes starting ucspitlsd; in delayed mode that '
            'start is in the plaintext part)' % fmt(med(im, 'tls_ms'), 2))
    say('')

    say('4. Memory per connection, %d idle TLS connections open (after handshake and echo), KiB' % MEM_CONNS)
    say('   ucspitlsd: its TLS processes / %d; socat: its per-connection processes / %d; stunnel (threads): '
        '(with - before) / %d;' % (MEM_CONNS, MEM_CONNS, MEM_CONNS))
    say('   the per-connection cat is counted for none; RSS counts a shared page in every process, '
        'PSS divides it among them')
    say('   %-36s %9s %9s %9s %10s' % ('server', 'RSS/conn', 'PSS/conn', 'ratio PSS', 'processes'))
    mem = {k: [x for x in R.get(('mem', k), []) if x] for k in ('ucspitls', 'stunnel', 'socat')}
    mine, mrss = med(mem['ucspitls'], 'pss'), med(mem['ucspitls'], 'rss')
    for k in ('ucspitls', 'stunnel', 'socat'):
        say('   %-36s %9s %9s %9s %10s' % (hs_labels[k], fmt(med(mem[k], 'rss')), fmt(med(mem[k], 'pss')),
                                          ratio(mine, med(mem[k], 'pss')), fmt(med(mem[k], 'nproc'))))
    fl = [x for x in R.get(('mem', 'floor'), []) if x]
    say('   %-36s %9s %9s %9s %10s' % ('floor: a static process that waits', fmt(med(fl, 'rss')),
                                      fmt(med(fl, 'pss')), ratio(mine, med(fl, 'pss')), fmt(med(fl, 'nproc'))))
    say('   floor: %d copies of a static C program (tests/bench/floor.c) that only wait: the least any design '
        'with a process per connection pays' % MEM_CONNS)
    peers = [(med(mem[k], 'pss'), med(mem[k], 'rss'), k) for k in ('stunnel', 'socat') if mem[k]]
    if mine is not None and peers:
        lo = min(peers)
        goals.append('   memory per connection: ucspitlsd PSS %s KiB (RSS %s), lowest peer %s PSS %s KiB (RSS %s) '
                     '[goal below every peer: %s]%s'
                     % (fmt(mine), fmt(mrss), lo[2], fmt(lo[0]), fmt(lo[1]),
                        'met' if mine < min(p[0] for p in peers) else 'NOT met',
                        '; a process that only waits costs %s KiB' % fmt(med(fl, 'pss')) if fl else ''))
    say('')

    say('5. Plaintext phase of delayed mode (no STARTTLS): the wrapper must not be in the data path')
    say('   %-15s %-40s %7s %11s %7s %6s %6s' % ('', 'server (client: tcpclient bulk)', 'MB/s', 'min-max', 'ratio',
                                             'CPU c', 'CPU s'))
    for d in ('c2s', 's2c'):
        bare, wr = R.get(('bulk', 'plain', None, d), []), R.get(('bulk', 'delayed-plain', None, d), [])
        say('   %-15s %-40s %7s %11s %7s %6s %6s' % (DIRS[d], 'tcpserver bulk', fmt(med(bare, 'mbps')),
                                                  spread(bare, 'mbps'), '', fmt(med(bare, 'ccpu'), 2),
                                                  fmt(med(bare, 'scpu'), 2)))
        say('   %-15s %-40s %7s %11s %7s %6s %6s' % ('', 'tcpserver ucspitlsd bulk', fmt(med(wr, 'mbps')),
                                                  spread(wr, 'mbps'), ratio(med(wr, 'mbps'), med(bare, 'mbps')),
                                                  fmt(med(wr, 'ccpu'), 2), fmt(med(wr, 'scpu'), 2)))
    pb, pw = R.get(('pl', 'bare'), []), R.get(('pl', 'wrapped'), [])
    say('   %-15s %-40s %7s %11s %7s %s' % ('', '', 'conn/s', 'min-max', 'ratio', '  latency ms, server CPU ms/conn'))
    say('   %-15s %-40s %7s %11s %7s   %s, %s' % ('connections', 'tcpserver cat, 1-byte echo, sequential',
                                                fmt(med(pb, 'rate')), spread(pb, 'rate'), '',
                                                fmt(med(pb, 'total_ms'), 2), fmt(med(pb, 'scpu_ms'), 2)))
    say('   %-15s %-40s %7s %11s %7s   %s, %s' % ('', 'tcpserver ucspitlsd cat, the same', fmt(med(pw, 'rate')),
                                                spread(pw, 'rate'), ratio(med(pw, 'rate'), med(pb, 'rate')),
                                                fmt(med(pw, 'total_ms'), 2), fmt(med(pw, 'scpu_ms'), 2)))
    say('')
    say('Goals of issue 5 (the bench reports; it never fails on a timing):')
    lines.extend(goals)
    if NOTES:
        say('')
        say('Notes:')
        for n in NOTES:
            say('   ' + n)
    if FAILURES:
        say('')
        say('Did not run:')
        for f in FAILURES:
            say('   ' + f)
    say('')
    say('bench took %.0f s' % (time.time() - t_start))
    return '\n'.join(lines) + '\n'
