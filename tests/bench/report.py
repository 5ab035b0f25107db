# tests/bench/report.py -- the table: the machine and the software, then
# one section per measurement (medians, min-max, ratios), the goals that
# the figures answer (the first targets; named pairs, plaintext sessions
# and CPU; key separation), the notes and what did not run.  R holds the samples by key, as bench.py's measure() adds
# them; a section function prints its part and returns its goal lines.

import os
import statistics
import subprocess
import time

from common import BASE, BYTES, CHACHA_CLIENT_ENV, DIRS, FAILURES, GiB, MEM_CONNS, MiB, NOTES, PAIRS, QUICK, REPS, SUITES


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


def rate(R, key, k='rate'):
    return med(R.get(key, []), k)


def verdict(ok):
    return 'met' if ok else 'NOT met'


HS_LABELS = {'ucspitls': 'tcpserver ucspitlsd -i cat', 'stunnel': 'stunnel (exec cat)',
             'socat': 'socat OPENSSL-LISTEN,fork EXEC:cat', 'base': 'tcpserver ucspitlsd -i cat, at %s' % BASE}


def section_bulk(R, bulks, broken, say):
    goals = []
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

    return goals


def section_handshakes(R, say):
    goals = []
    say('2. Handshake rate: full handshakes per second, ECDHE P-256 + ECDSA P-256, AES-128-GCM, TLS 1.2, '
        'each with a 1-byte echo;')
    say('   one fixed BearSSL client for all; ratio = ucspitlsd / this row; latency = median connect-to-echo; '
        'server CPU = ms of CPU per connection,')
    say('   all its processes (ucspitlsd: tcpserver and its fork, which becomes ucspitlsd then prog; the TLS child; '
        'the key process)')
    say('   %-10s %-44s %7s %11s %7s %10s %10s' % ('clients', 'server', 'conn/s', 'min-max', 'ratio', 'latency ms',
                                                 'server CPU'))
    for j in (1, 8):
        mine = rate(R, ('hs', 'ucspitls', j))
        first = True
        for k in ('ucspitls', 'stunnel', 'socat', 'base'):
            xs = R.get(('hs', k, j))
            if xs is None and k == 'base':
                say('   %-10s %-44s %7s' % ('', HS_LABELS[k], 'n/a (see the notes)'))
                continue
            xs = xs or []
            say('   %-10s %-44s %7s %11s %7s %10s %10s'
                % (('sequential' if j == 1 else '%d at once' % j) if first else '', HS_LABELS[k],
                   fmt(med(xs, 'rate')), spread(xs, 'rate'), ratio(mine, med(xs, 'rate')),
                   fmt(med(xs, 'total_ms'), 2), fmt(med(xs, 'scpu_ms'), 2)))
            first = False
        peers = [p for p in (rate(R, ('hs', k, j)) for k in ('stunnel', 'socat')) if p is not None]
        if mine is not None and peers:
            goals.append('   handshakes, %s: ucspitlsd %s conn/s = %s the best peer %s [goal >= 1.00x: %s]'
                         % ('sequential' if j == 1 else '%d at once' % j, fmt(mine), ratio(mine, max(peers)),
                            fmt(max(peers)), verdict(mine >= max(peers))))
    say('   at %s: ucspitlsd before key separation, built from git at bench time; the A/B of section 7' % BASE)
    say('')
    return goals


def section_pairs(R, say):
    say('3. Handshakes by the number of certificates: the default pair and N CERTFILE:name pairs (stunnel: N sni= '
        'services), each with')
    say('   its own P-256 key; the client\'s SNI selects the last named pair; sequential, the same client; '
        'ratio = this row / the same server with %d pair' % PAIRS[0])
    say('   %-44s %6s %7s %11s %7s %10s %10s' % ('server', 'pairs', 'conn/s', 'min-max', 'ratio', 'latency ms',
                                              'server CPU'))
    labels = {'ucspitls': HS_LABELS['ucspitls'], 'stunnel': 'stunnel (exec cat), sni= services',
              'base': HS_LABELS['base']}
    for k in ('ucspitls', 'stunnel', 'base'):
        ns = [n for n in PAIRS if ('sni', k, n) in R]
        if not ns and k == 'base':
            say('   %-44s %6s %7s' % (labels[k], '', 'n/a (see the notes)'))
        one = rate(R, ('sni', k, PAIRS[0]))
        for i, n in enumerate(ns):
            xs = R[('sni', k, n)]
            say('   %-44s %6d %7s %11s %7s %10s %10s'
                % (labels[k] if i == 0 else '', n, fmt(med(xs, 'rate')), spread(xs, 'rate'),
                   ratio(med(xs, 'rate'), one), fmt(med(xs, 'total_ms'), 2), fmt(med(xs, 'scpu_ms'), 2)))
    say('')
    goals = []
    one, many = rate(R, ('sni', 'ucspitls', PAIRS[0])), rate(R, ('sni', 'ucspitls', PAIRS[-1]))
    cone, cmany = rate(R, ('sni', 'ucspitls', PAIRS[0]), 'scpu_ms'), rate(R, ('sni', 'ucspitls', PAIRS[-1]), 'scpu_ms')
    if one is not None and many is not None:
        goals.append('   handshakes with %d named pairs: %s conn/s = %s the rate with %d pair (%s) [goal >= 0.90x: %s]; '
                     'server CPU per handshake %s ms = %s that with %d pair (%s ms)'
                     % (PAIRS[-1], fmt(many), ratio(many, one), PAIRS[0], fmt(one), verdict(many >= 0.9 * one),
                        fmt(cmany, 2), ratio(cmany, cone), PAIRS[0], fmt(cone, 2)))
    return goals


def section_starttls(R, say):
    say('4. STARTTLS session cost: tcpserver ucspitlsd, sequential sessions, the same client')
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


def section_memory(R, say):
    goals = []
    kinds = ('ucspitls', 'stunnel', 'socat', 'base')
    say('5. Memory per connection, %d idle TLS connections open (after handshake and echo), KiB' % MEM_CONNS)
    say('   ucspitlsd: its TLS processes / %d; socat: its per-connection processes / %d; stunnel (threads): '
        '(with - before) / %d;' % (MEM_CONNS, MEM_CONNS, MEM_CONNS))
    say('   the per-connection cat is counted for none; RSS counts a shared page in every process, '
        'PSS divides it among them')
    say('   %-44s %9s %9s %9s %10s' % ('server', 'RSS/conn', 'PSS/conn', 'ratio PSS', 'processes'))
    mem = {k: [x for x in R.get(('mem', k), []) if x] for k in kinds}
    mine, mrss = med(mem['ucspitls'], 'pss'), med(mem['ucspitls'], 'rss')
    for k in kinds:
        if k == 'base' and ('mem', k) not in R:
            say('   %-44s %9s' % (HS_LABELS[k], 'n/a (see the notes)'))
            continue
        say('   %-44s %9s %9s %9s %10s' % (HS_LABELS[k], fmt(med(mem[k], 'rss')), fmt(med(mem[k], 'pss')),
                                          ratio(mine, med(mem[k], 'pss')), fmt(med(mem[k], 'nproc'))))
    fl = [x for x in R.get(('mem', 'floor'), []) if x]
    say('   %-44s %9s %9s %9s %10s' % ('floor: a static process that waits', fmt(med(fl, 'rss')),
                                      fmt(med(fl, 'pss')), ratio(mine, med(fl, 'pss')), fmt(med(fl, 'nproc'))))
    say('   floor: %d copies of a static C program (tests/bench/floor.c) that only wait: the least any design '
        'with a process per connection pays' % MEM_CONNS)
    peers = [(med(mem[k], 'pss'), med(mem[k], 'rss'), k) for k in ('stunnel', 'socat') if mem[k]]
    if mine is not None and peers:
        lo = min(peers)
        goals.append('   memory per connection: ucspitlsd PSS %s KiB (RSS %s), lowest peer %s PSS %s KiB (RSS %s) '
                     '[goal below every peer: %s]%s'
                     % (fmt(mine), fmt(mrss), lo[2], fmt(lo[0]), fmt(lo[1]),
                        verdict(mine < min(p[0] for p in peers)),
                        '; a process that only waits costs %s KiB' % fmt(med(fl, 'pss')) if fl else ''))
    say('')
    return goals


def section_plaintext(R, say):
    say('6. Delayed mode without STARTTLS: the plaintext phase (the wrapper must not be in the data path), and '
        'sessions that never ask for TLS')
    say('   %-15s %-48s %7s %11s %7s %6s %6s' % ('', 'server (client: tcpclient bulk)', 'MB/s', 'min-max', 'ratio',
                                             'CPU c', 'CPU s'))
    for d in ('c2s', 's2c'):
        bare, wr = R.get(('bulk', 'plain', None, d), []), R.get(('bulk', 'delayed-plain', None, d), [])
        say('   %-15s %-48s %7s %11s %7s %6s %6s' % (DIRS[d], 'tcpserver bulk', fmt(med(bare, 'mbps')),
                                                  spread(bare, 'mbps'), '', fmt(med(bare, 'ccpu'), 2),
                                                  fmt(med(bare, 'scpu'), 2)))
        say('   %-15s %-48s %7s %11s %7s %6s %6s' % ('', 'tcpserver ucspitlsd bulk', fmt(med(wr, 'mbps')),
                                                  spread(wr, 'mbps'), ratio(med(wr, 'mbps'), med(bare, 'mbps')),
                                                  fmt(med(wr, 'ccpu'), 2), fmt(med(wr, 'scpu'), 2)))
    bare = rate(R, ('pl', 'bare'))
    say('   %-15s %-48s %7s %11s %7s %s' % ('', '', 'conn/s', 'min-max', 'ratio', '  latency ms, server CPU ms/conn'))
    rows = [('bare', 'tcpserver cat, 1-byte echo, sequential'),
            ('floor', 'floor: tcpserver execfloor cat'), ('wrapped', 'tcpserver ucspitlsd cat, the same'),
            ('wrapped-pairs', 'the same, %d named pairs' % PAIRS[-1]),
            ('base', 'tcpserver ucspitlsd cat, at %s' % BASE)]
    for i, (k, label) in enumerate(rows):
        xs = R.get(('pl', k))
        if xs is None:
            say('   %-15s %-48s %7s' % ('', label, 'n/a (see the notes)'))
            continue
        say('   %-15s %-48s %7s %11s %7s   %s, %s' % ('connections' if i == 0 else '', label, fmt(med(xs, 'rate')),
                                                    spread(xs, 'rate'), ratio(med(xs, 'rate'), bare) if i else '',
                                                    fmt(med(xs, 'total_ms'), 2), fmt(med(xs, 'scpu_ms'), 2)))
    say('   floor: a static C program (tests/bench/execfloor.c) that only execs cat: what one more static exec '
        'per connection costs, the least')
    say('   that any program between tcpserver and prog pays')
    say('')
    goals = []
    one, many, fl = rate(R, ('pl', 'wrapped')), rate(R, ('pl', 'wrapped-pairs')), rate(R, ('pl', 'floor'))
    if one is not None and bare is not None:
        goals.append('   delayed-mode sessions that never STARTTLS: %s conn/s = %s a bare tcpserver (%s) '
                     '[goal >= 0.70x: %s]%s%s'
                     % (fmt(one), ratio(one, bare), fmt(bare), verdict(one >= 0.7 * bare),
                        '; with %d named pairs %s' % (PAIRS[-1], ratio(many, bare)) if many is not None else '',
                        '; the floor (a static exec) %s' % ratio(fl, bare) if fl is not None else ''))
    return goals


def section_cpu_goal(R):
    """the server's CPU per full handshake against stunnel's"""
    goals = []
    for j in (1, 8):
        mine, st = rate(R, ('hs', 'ucspitls', j), 'scpu_ms'), rate(R, ('hs', 'stunnel', j), 'scpu_ms')
        if mine is not None and st:
            goals.append('   server CPU per full handshake, %s: ucspitlsd %s ms = %s stunnel\'s %s ms [goal <= 0.50x: %s]'
                         % ('sequential' if j == 1 else '%d at once' % j, fmt(mine, 2), ratio(mine, st), fmt(st, 2),
                            verdict(mine <= 0.5 * st)))
    cat = rate(R, ('pl', 'bare'), 'scpu_ms')
    if goals and cat is not None:
        goals.append('     (both include prog, cat: a bare tcpserver cat costs %s ms per connection, section 6)'
                     % fmt(cat, 2))
    return goals


def section_resume(R, say):
    """session resumption: resumed handshakes against our full ones and
    stunnel's resumed ones"""
    say('8. Resumed handshakes (TLS 1.2 session ID): the client offers its last session again (hsclient -r; '
        'openssl s_time -reuse);')
    say('   ucspitlsd with TLS_SESSION_CACHE, stunnel with its session cache; "full" is section 2\'s ucspitlsd '
        '(no store); resumed = connections resumed')
    say('   %-10s %-44s %7s %11s %9s %10s %10s' % ('clients', 'server', 'conn/s', 'min-max', 'resumed', 'latency ms',
                                                 'server CPU'))
    goals = []
    labels = {'ucspitls': 'tcpserver ucspitlsd -i cat, resumed', 'stunnel': 'stunnel (exec cat), resumed'}
    for j in (1, 8):
        first = True
        for key, label in ((('res', 'ucspitls', j), labels['ucspitls']), (('res', 'stunnel', j), labels['stunnel']),
                           (('hs', 'ucspitls', j), 'tcpserver ucspitlsd -i cat, full')):
            xs = R.get(key) or []
            say('   %-10s %-44s %7s %11s %9s %10s %10s'
                % (('sequential' if j == 1 else '%d at once' % j) if first else '', label,
                   fmt(med(xs, 'rate')), spread(xs, 'rate'),
                   fmt(med(xs, 'resumed')) + '/' + fmt(med(xs, 'conns')) if key[0] == 'res' else '-',
                   fmt(med(xs, 'total_ms'), 2), fmt(med(xs, 'scpu_ms'), 2)))
            first = False
        mine, full, st = rate(R, ('res', 'ucspitls', j)), rate(R, ('hs', 'ucspitls', j)), rate(R, ('res', 'stunnel', j))
        cmine, cfull = rate(R, ('res', 'ucspitls', j), 'scpu_ms'), rate(R, ('hs', 'ucspitls', j), 'scpu_ms')
        how = 'sequential' if j == 1 else '%d at once' % j
        if mine is not None and full:
            goals.append('   resumed handshakes, %s: %s conn/s = %s our full handshake [goal >= 1.80x: %s]'
                         % (how, fmt(mine), ratio(mine, full), verdict(mine >= 1.8 * full)))
        if mine is not None and st:
            goals.append('   resumed handshakes, %s: %s stunnel\'s resumed %s conn/s [goal >= 1.30x: %s]'
                         % (how, ratio(mine, st), fmt(st), verdict(mine >= 1.3 * st)))
        if cmine is not None and cfull:
            goals.append('   server CPU per resumed handshake, %s: %s ms = %s the full handshake\'s [goal <= 0.65x: %s]'
                         % (how, fmt(cmine, 2), ratio(cmine, cfull), verdict(cmine <= 0.65 * cfull)))
    for k, label in (('ucspitls', 'ucspitlsd -i cat, TLS_SESSION_CACHE'), ('stunnel', 'stunnel (exec cat)')):
        xs = R.get(('stime', k)) or []
        say('   %-10s %-44s %7s %11s' % ('s_time' if k == 'ucspitls' else '', label, fmt(med(xs, 'rate')),
                                         spread(xs, 'rate')))
    say('')
    return goals


def section_keysep(R, say):
    say('7. Key separation, A/B in this run: ucspitlsd now / ucspitlsd at %s, the commit before it' % BASE)
    say('   %s also reads every pair and computes each public key from its private key on every connection: '
        'the A/B is' % BASE)
    say('   key separation and that loading together, what the key process costs less what the cheaper loading saves')
    if ('hs', 'base', 1) not in R:
        say('   n/a: no baseline (see the notes)')
        say('')
        return []
    rows = []
    for j in (1, 8):
        rows.append(('handshakes/s, %s' % ('sequential' if j == 1 else '%d at once' % j),
                     rate(R, ('hs', 'ucspitls', j)), rate(R, ('hs', 'base', j)), 0))
        rows.append(('server CPU per handshake, ms, %s' % ('sequential' if j == 1 else '%d at once' % j),
                     rate(R, ('hs', 'ucspitls', j), 'scpu_ms'), rate(R, ('hs', 'base', j), 'scpu_ms'), 2))
    pick = lambda k, f: med([x for x in R.get(('mem', k), []) if x], f)
    rows.append(('memory per idle connection, PSS KiB', pick('ucspitls', 'pss'), pick('base', 'pss'), 0))
    rows.append(('memory per idle connection, RSS KiB', pick('ucspitls', 'rss'), pick('base', 'rss'), 0))
    say('   %-44s %9s %9s %7s' % ('', 'now', BASE, 'ratio'))
    for label, a, b, nd in rows:
        say('   %-44s %9s %9s %7s' % (label, fmt(a, nd), fmt(b, nd), ratio(a, b)))
    say('')
    a, b = rows[0][1], rows[0][2]
    goals = []
    if a is not None and b:
        goals.append('   handshake rate with key separation: %s conn/s = %s the rate before it (%s, %s) '
                     '[goal >= 0.90x: %s]; server CPU per handshake %s, memory per idle connection (PSS) %s'
                     % (fmt(a), ratio(a, b), fmt(b), BASE, verdict(a >= 0.9 * b), ratio(rows[1][1], rows[1][2]),
                        ratio(rows[4][1], rows[4][2])))
    return goals


def report(R, bulks, broken, t_start, load0):
    lines = []
    say = lines.append
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
    g5 = section_bulk(R, bulks, broken, say)
    g5 += section_handshakes(R, say)
    g13 = section_pairs(R, say)
    section_starttls(R, say)
    g5 += section_memory(R, say)
    g13 += section_plaintext(R, say) + section_cpu_goal(R)
    g14 = section_keysep(R, say)
    gres = section_resume(R, say)
    from report_musl import section_builds
    gm = section_builds(R, say)
    say('Goals (the bench reports; it never fails on a timing):')
    for what, goals in (('throughput, handshakes, memory', g5),
                        ('named pairs, plaintext sessions, CPU per handshake', g13),
                        ('key separation', g14)):
        say(' %s:' % what)
        lines.extend(goals or ['   n/a: not measured'])
    say(' session resumption:')
    lines.extend(gres or ['   n/a: not measured'])
    say(' the musl build:')
    lines.extend(gm or ['   n/a: no musl build (make musl)'])
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
