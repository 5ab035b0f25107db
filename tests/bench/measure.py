# tests/bench/measure.py -- the measurements, each run once against one
# contender: a bulk stream (MB/s, CPU per byte), a connection rate
# (handshakes, STARTTLS sessions, plaintext connections: rate, latency,
# server CPU per connection), the memory of idle connections and its
# floor, and BearSSL's own record-layer speed.  Each returns a dict of
# figures, or None after recording why it could not run.

import os
import re
import selectors
import signal
import subprocess
import time

from common import (BYTES, FLOOR, HS_SECS, HSCLIENT, MEM_CONNS, NOTES, QUICK, REAPER, SPEED, T,
                    fail, log)
from procs import group_pids, kill_group, proc_ppid, proc_stat, release, rss_pss, wait_quiet


def run_bulk(b, retry=True):
    """One stream. Returns {mbps, ccpu, scpu} (CPU in ns per byte, client
    and server side), or None (and records why)."""
    what = '%s %s %s' % (b.label, b.suite or '', b.d)
    open(b.resfile, 'w').close()
    cpufile = os.path.join(T, 'client.cpu')
    open(cpufile, 'w').close()
    argv = [REAPER, '-o', cpufile] + b.client_argv
    scpu0 = b.server.cpu()
    e = dict(os.environ)
    e.update(b.client_env)
    logf = open(os.path.join(T, 'client.log'), 'ab')
    limit = 60 + BYTES / 20e6
    p = subprocess.Popen(argv, env=e, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                         start_new_session=True)
    try:
        p.wait(limit)
    except subprocess.TimeoutExpired:
        kill_group(p.pid, signal.SIGKILL)
        return fail(what, 'timed out after %ds' % limit)
    finally:
        logf.close()
    deadline = time.monotonic() + 30
    line = None
    while time.monotonic() < deadline:
        with open(b.resfile) as f:
            for l in f:
                if l.startswith('mode=recv'):
                    line = l
        if line:
            break
        time.sleep(0.01)
    wait_quiet(p.pid, [], 15)
    if not b.server.quiet():
        log('bench: warning: %s: server still busy after the run' % what)
    if not line:
        return fail(what, 'no result from the receiving end (client exit %s)' % p.returncode)
    v = dict(x.split('=') for x in line.split())
    if v['bytes'] != v['want']:
        if b.key.startswith('stunnel') and b.d == 's2c' and retry:
            # stunnel 5.68's client takes the server's FIN ("TLS socket
            # closed (read hangup)") for the end, and drops the records
            # still queued on its socket; any server's FIN can meet it
            NOTES.append('%s: the stunnel client received %s bytes of %s; stream run again'
                         % (what, v['bytes'], v['want']))
            log('bench: %s: the stunnel client dropped the end of the stream; again' % what)
            return run_bulk(b, False)
        return fail(what, 'received %s bytes of %s' % (v['bytes'], v['want']))
    dt = float(v['t_n']) - float(v['t_first'])
    if dt <= 0:
        return fail(what, 'no time measured')
    n = int(v['bytes'])
    with open(cpufile) as f:
        m = re.search(r'cpu=([0-9.]+)', f.read())
    return {'mbps': n / dt / 1e6, 'ccpu': float(m.group(1)) * 1e9 / n if m else None,
            'scpu': (b.server.cpu() - scpu0) * 1e9 / n}


def check_cipher(b):
    if not b.check:
        return True
    logfile, cname = b.check
    with open(logfile) as f:
        ciphers = re.findall(r'cipher=(\S+)', f.read())
    if not ciphers or ciphers[-1] != cname:
        fail('%s %s %s' % (b.label, b.suite, b.d), 'negotiated %s, not %s'
             % (ciphers[-1] if ciphers else 'nothing', cname))
        return False
    return True


def hsrate(server, mode, jobs, what, resume=False):
    """resume: each client job offers its session again (hsclient -r);
    'resumed' counts the connections that the server resumed."""
    port = server.port
    cpu0 = server.cpu()
    try:
        r = subprocess.run([HSCLIENT, '-p', str(port), '-k', server.der, '-n', server.sni, '-m', mode,
                            '-j', str(jobs), '-t', str(HS_SECS)] + (['-r'] if resume else []),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=HS_SECS + 60)
    except subprocess.TimeoutExpired:
        return fail(what, 'hsclient timed out')
    out = r.stdout.decode()
    if r.returncode != 0 or 'conns=' not in out:
        return fail(what, 'hsclient: %s %s' % (out.strip(), r.stderr.decode().strip()))
    v = dict(x.split('=') for x in out.split())
    if int(v['fails']):
        log('bench: warning: %s: %s failed connections' % (what, v['fails']))
    server.quiet()
    res = {k: float(v[k]) for k in ('rate', 'total_ms', 'plain_ms', 'tls_ms', 'fails', 'conns')}
    res['scpu_ms'] = (server.cpu() - cpu0) * 1000 / res['conns'] if res['conns'] else None
    if resume:
        res['resumed'] = float(v.get('resumed', 0))
    return res


def stime(server, what):
    """Sequential full handshakes from openssl s_time (TLS 1.2, the same
    suite), whose client offers X25519 first, as OpenSSL's does: the
    rate, and the server's CPU per connection."""
    cpu0 = server.cpu()
    secs = max(1, int(round(HS_SECS)))
    t0 = time.monotonic()
    try:
        r = subprocess.run(['openssl', 's_time', '-connect', '127.0.0.1:%d' % server.port, '-new', '-tls1_2',
                            '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256', '-time', str(secs)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=secs + 60)
    except subprocess.TimeoutExpired:
        return fail(what, 's_time timed out')
    dt = time.monotonic() - t0
    out = r.stdout.decode(errors='replace')
    m = re.search(r'(\d+) connections in [0-9.]+s', out)
    if r.returncode != 0 or not m or not int(m.group(1)):
        return fail(what, 's_time: %s' % ' '.join(out.split())[-200:])
    n = int(m.group(1))
    server.quiet()
    return {'rate': n / dt, 'conns': n, 'scpu_ms': (server.cpu() - cpu0) * 1000 / n}


def stime_reuse(server, what):
    """openssl s_time -reuse: connections per second of one client that
    resumes its session each time (OpenSSL's own client, for a second
    opinion on hsclient -r)."""
    try:
        r = subprocess.run(['openssl', 's_time', '-connect', '127.0.0.1:%d' % server.port, '-reuse',
                            '-time', str(max(1, int(HS_SECS))), '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                           timeout=HS_SECS + 60)
    except subprocess.TimeoutExpired:
        return fail(what, 's_time timed out')
    out = r.stdout.decode(errors='replace')
    m = re.search(r'(\d+) connections in (\d+) real seconds', out)
    if not m or not int(m.group(2)):
        return fail(what, 's_time: %s' % out.strip()[-200:])
    server.quiet()
    return {'rate': int(m.group(1)) / int(m.group(2))}


# memory: which processes are "the TLS process(es)" of each server

def tls_procs(kind, server):
    pids = group_pids(server.p.pid)
    if kind in ('ucspitls', 'base', 'musl', 'musl-bearssl', 'glibc-bearssl'):
        return [p for p in pids if (proc_stat(p) or ('',))[0] == 'ucspitlsd']
    if kind == 'socat':
        return [p for p in pids if p != server.main and (proc_stat(p) or ('',))[0] == 'socat']
    return [server.main]


def per_conn(procs):
    return {'rss': sum(x[0] for x in procs) / MEM_CONNS, 'pss': sum(x[1] for x in procs) / MEM_CONNS,
            'nproc': len(procs)}


def memory(kind, server, what):
    before = [rss_pss(p) for p in tls_procs(kind, server)]
    p = subprocess.Popen([HSCLIENT, '-p', str(server.port), '-k', server.der, '-n', server.sni, '-H', str(MEM_CONNS)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = b''
        deadline = time.monotonic() + 120
        sel = selectors.DefaultSelector()
        sel.register(p.stdout, selectors.EVENT_READ)
        while not line.endswith(b'\n') and time.monotonic() < deadline:
            if sel.select(1):
                c = os.read(p.stdout.fileno(), 64)
                if not c:
                    break
                line += c
        if not line.startswith(b'ready'):
            return fail(what, 'the %d connections did not open' % MEM_CONNS)
        if int(line.split()[1]) != MEM_CONNS:
            return fail(what, 'only %s of %d connections opened' % (line.split()[1].decode(), MEM_CONNS))
        time.sleep(0.5)
        procs = tls_procs(kind, server)
        now = [rss_pss(x) for x in procs]
    finally:
        release(p)
    server.quiet()
    if not now or (kind == 'stunnel' and not before):
        return fail(what, 'no TLS process found')
    if kind == 'stunnel':
        return {'rss': (now[0][0] - before[0][0]) / MEM_CONNS, 'pss': (now[0][1] - before[0][1]) / MEM_CONNS,
                'nproc': 1}
    return per_conn(now)


def memfloor(what, floor=FLOOR):
    """PSS of MEM_CONNS processes of a static program that only waits:
    the floor under any design with a process per connection."""
    p = subprocess.Popen([floor, str(MEM_CONNS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        line = p.stdout.readline()
        if not line.startswith(b'ready'):
            return fail(what, 'the waiting processes did not start')
        time.sleep(0.5)
        kids = [int(d) for d in os.listdir('/proc') if d.isdigit() and proc_ppid(int(d)) == p.pid]
        now = [rss_pss(x) for x in kids]
    finally:
        release(p)
    if len(now) != MEM_CONNS:
        return fail(what, 'found %d of %d waiting processes' % (len(now), MEM_CONNS))
    return per_conn(now)


def bearssl_speed():
    r = subprocess.run([SPEED, '0.2' if QUICK else '0.4'], stdout=subprocess.PIPE, check=True)
    out = {}
    for line in r.stdout.decode().splitlines():
        v = dict(x.split('=') for x in line.split())
        out[v['suite']] = v
    return out
