# tests/bench/report_musl.py -- section 8 of the table: the builds (glibc
# static, musl static, musl with another BearSSL) where the build
# matters, and the client's key exchange (P-256 alone, X25519 first)
# for every handshake contender; and the goals of the musl build.

from common import MEM_CONNS, MUSL_BEARSSL
from report import fmt, med, rate, ratio, verdict

LABELS = {'ucspitls': 'ucspitlsd, glibc static (make)', 'musl': 'ucspitlsd, musl static (make musl)',
          'musl-bearssl': 'ucspitlsd, musl static, BearSSL %s' % (MUSL_BEARSSL or 'given'),
          'glibc-bearssl': 'ucspitlsd, glibc static, BearSSL %s' % (MUSL_BEARSSL or 'given'),
          'stunnel': 'stunnel (exec cat)', 'socat': 'socat OPENSSL-LISTEN,fork EXEC:cat'}
BUILDS = ('ucspitls', 'musl', 'glibc-bearssl', 'musl-bearssl')


def section_builds(R, say):
    say('8. The builds and the client\'s key exchange: handshakes as in section 2 (P-256: the BearSSL client, which '
        'offers P-256 alone), and')
    say('   sequential full handshakes from openssl s_time, which offers X25519 first as OpenSSL, GnuTLS and browsers '
        'do (every server here takes it); server CPU = ms per connection, all its processes;')
    say('   CPU ratio = this row\'s server CPU / stunnel\'s with the same client')
    hdr = '   %-10s %-44s %8s %8s %7s %8s %8s %7s'
    say(hdr % ('clients', 'server', 'P-256/s', 'CPU ms', 'ratio', 'X25519/s', 'CPU ms', 'ratio'))
    dash = lambda key, x, nd=0: fmt(x, nd) if key in R else '-'
    kinds = [k for k in BUILDS + ('stunnel', 'socat') if ('hs', k, 1) in R]
    for j in (1, 8):
        st = rate(R, ('hs', 'stunnel', j), 'scpu_ms')
        stx = rate(R, ('hsx', 'stunnel', j), 'scpu_ms')
        for i, k in enumerate(kinds):
            c, cx = rate(R, ('hs', k, j), 'scpu_ms'), rate(R, ('hsx', k, j), 'scpu_ms')
            say(hdr % (('sequential' if j == 1 else '%d at once' % j) if i == 0 else '', LABELS[k],
                       fmt(rate(R, ('hs', k, j))), fmt(c, 2), ratio(c, st),
                       dash(('hsx', k, j), rate(R, ('hsx', k, j))), dash(('hsx', k, j), cx, 2), ratio(cx, stx)))
    say('')
    say('   memory per idle connection (PSS, KiB, %d connections; section 5), and its floor: a static process '
        'that waits, built the same way' % MEM_CONNS)
    pick = lambda k, f='pss': med([x for x in R.get(('mem', k), []) if x], f)
    for k, label in [(k, LABELS[k]) for k in BUILDS + ('stunnel',) if ('mem', k) in R] + \
            [('floor', 'floor, glibc static'), ('floor-musl', 'floor, musl static')]:
        if ('mem', k) in R:
            say('   %-57s %6s KiB  (RSS %s)' % (label, fmt(pick(k)), fmt(pick(k, 'rss'))))
    say('')
    say('   delayed-mode sessions that never STARTTLS (section 6): conn/s, ratio to a bare tcpserver cat, '
        'server CPU ms per connection, and')
    say('   the CPU ratio: a bare tcpserver cat\'s CPU / this row\'s (the steadier figure on a shared machine)')
    bare = rate(R, ('pl', 'bare'))
    barec = rate(R, ('pl', 'bare'), 'scpu_ms')
    rows = [('bare', 'tcpserver cat'), ('floor', 'floor: tcpserver execfloor cat, glibc static'),
            ('floor-musl', 'floor: tcpserver execfloor cat, musl static'),
            ('forkfloor', 'floor: tcpserver execfloor -f cat, glibc static'),
            ('forkfloor-musl', 'floor: tcpserver execfloor -f cat, musl static'),
            ('wrapped', 'tcpserver ucspitlsd cat, glibc static'), ('wrapped-musl', 'tcpserver ucspitlsd cat, musl'),
            ('wrapped-glibc-bearssl', 'tcpserver ucspitlsd cat, glibc, BearSSL %s' % (MUSL_BEARSSL or 'given')),
            ('wrapped-musl-bearssl', 'tcpserver ucspitlsd cat, musl, BearSSL %s' % (MUSL_BEARSSL or 'given'))]
    for k, label in rows:
        if ('pl', k) in R:
            c = rate(R, ('pl', k), 'scpu_ms')
            say('   %-57s %6s %7s %8s %7s' % (label, fmt(rate(R, ('pl', k))), ratio(rate(R, ('pl', k)), bare),
                                              fmt(c, 2), ratio(barec, c)))
    say('   execfloor -f forks, before it execs cat, a child that waits on a socket until cat has gone, as the')
    say('   process that would do the TLS must wait beside prog: the floor of a session that never asks for TLS')
    say('')

    goals = []
    for k in ('musl', 'musl-bearssl', 'glibc-bearssl'):
        if ('hs', k, 1) not in R:
            continue
        m, st = pick(k), pick('stunnel')
        if m is not None and st is not None:
            goals.append('   %s: memory per idle connection (PSS) %s KiB, stunnel\'s %s [goal below stunnel\'s: %s]'
                         % (LABELS[k], fmt(m), fmt(st), verdict(m < st)))
        w, wc = rate(R, ('pl', 'wrapped-' + k)), rate(R, ('pl', 'wrapped-' + k), 'scpu_ms')
        ff = rate(R, ('pl', 'forkfloor-musl' if k.startswith('musl') else 'forkfloor'))
        if w is not None and bare:
            goals.append('   %s: delayed sessions that never STARTTLS %s conn/s = %s a bare tcpserver '
                         '[goal >= 0.85x: %s]; by server CPU per connection %s%s' %
                         (LABELS[k], fmt(w), ratio(w, bare), verdict(w >= 0.85 * bare), ratio(barec, wc),
                          '; its floor (execfloor -f, musl) %s' % ratio(ff, bare) if ff is not None else ''))
        c, st = rate(R, ('hsx', k, 1), 'scpu_ms'), rate(R, ('hsx', 'stunnel', 1), 'scpu_ms')
        if c is not None and st:
            goals.append('   %s: server CPU per full handshake, X25519 first (s_time): %s ms = %s stunnel\'s %s ms '
                         '[goal <= 0.50x: %s]' % (LABELS[k], fmt(c, 2), ratio(c, st), fmt(st, 2),
                                                  verdict(c <= 0.5 * st)))
    return goals
