#!/usr/bin/env python3
# tests/bench/bench.py -- the orchestrator behind tests/bench/run.
#
# Starts the servers, runs every measurement of issue 5 on 127.0.0.1,
# contenders interleaved round-robin within each repetition (the order
# rotates from one repetition to the next), and prints one table of
# medians and ratios, also written to $BENCH_OUT (default
# ./bench-results.txt).  Python only drives: every byte of data is moved
# by the C helpers built by run (bulk, hsclient, echoapp) and the
# programs under test.
#
# usage: bench.py HELPERDIR   (run does this; see run for the variables)
#
# Exit 0 when every measurement ran, 1 when one did not (a timeout, a
# short stream, a server that did not start): never because of a timing.

import os
import re
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

MiB = 1 << 20
GiB = 1 << 30

HELPERS = os.path.abspath(sys.argv[1])
TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SRC = os.path.join(TOP, 'src')
QUICK = os.environ.get('BENCH_QUICK', '') not in ('', '0')
BYTES = int(os.environ.get('BENCH_BYTES') or (64 * MiB if QUICK else GiB))
REPS = int(os.environ.get('BENCH_REPS') or (1 if QUICK else 5))
HS_SECS = float(os.environ.get('BENCH_HS_SECS') or (0.5 if QUICK else 2))
MEM_CONNS = int(os.environ.get('BENCH_MEM_CONNS') or (50 if QUICK else 200))
MEM_REPS = min(REPS, 2)
# stop repeating (after 3 repetitions at least) when the next one would end past this
BUDGET = float(os.environ.get('BENCH_BUDGET') or 780)
OUT = os.environ.get('BENCH_OUT') or 'bench-results.txt'
# "NAME=VALUE" that makes ucspitlsc offer ChaCha20 alone, once it has such
# a knob: then the ucspitls pair is measured with ChaCha20 too.
CHACHA_CLIENT_ENV = os.environ.get('BENCH_UCSPITLSC_CHACHA_ENV', '')

BULK = os.path.join(HELPERS, 'bulk')
HSCLIENT = os.path.join(HELPERS, 'hsclient')
ECHOAPP = os.path.join(HELPERS, 'echoapp')
SPEED = os.path.join(HELPERS, 'bearssl-speed')
REAPER = os.path.join(HELPERS, 'reaper')
FLOOR = os.path.join(HELPERS, 'floor')
TICK = os.sysconf('SC_CLK_TCK')
UCSPITLSD = os.path.join(SRC, 'ucspitlsd')
UCSPITLSC = os.path.join(SRC, 'ucspitlsc')
CAT = shutil.which('cat') or '/bin/cat'

SUITES = {
    'aes': ('AES-128-GCM', 'ECDHE-ECDSA-AES128-GCM-SHA256'),
    'chacha': ('ChaCha20-Poly1305', 'ECDHE-ECDSA-CHACHA20-POLY1305'),
}
DIRS = {'c2s': 'client->server', 's2c': 'server->client'}

T = tempfile.mkdtemp(prefix='ucspitls-bench.')
PROCS = []
FAILURES = []
NOTES = []


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

class Server:
    """A long-lived server in its own session (process group), under a
    reaper so that the CPU time of all its processes can be read."""

    def __init__(self, name, argv, env=None, port=None):
        self.name, self.port = name, port
        self.log = os.path.join(T, name + '.log')
        e = dict(os.environ)
        e.update(env or {})
        with open(self.log, 'ab') as lf:
            self.p = subprocess.Popen([REAPER] + argv, env=e, stdin=subprocess.DEVNULL,
                                      stdout=lf, stderr=lf, start_new_session=True,
                                      close_fds=True)
        PROCS.append(self)
        self.main = None
        deadline = time.monotonic() + 10
        while self.main is None and time.monotonic() < deadline:
            kids = [p for p in group_pids(self.p.pid) if proc_ppid(p) == self.p.pid]
            if kids:
                self.main = kids[0]
            else:
                time.sleep(0.01)
        if self.main is None or (port and not wait_listen(port, 10)):
            raise RuntimeError('%s did not start on port %s (see %s)' % (name, port, self.log))

    def cpu(self):
        """CPU seconds of every process of this server so far."""
        t = 0
        for pid, own in ((self.p.pid, False), (self.main, True)):
            st = proc_fields(pid)
            if st:
                t += (st[11] + st[12] if own else 0) + st[13] + st[14]
        return t / TICK

    def stop(self):
        kill_group(self.p.pid)
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            pass


def kill_group(pgid, sig=signal.SIGTERM):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + 3
    while group_pids(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if group_pids(pgid):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def proc_stat(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            s = f.read()
    except OSError:
        return None
    comm = s[s.index('(') + 1:s.rindex(')')]
    rest = s[s.rindex(')') + 2:].split()
    return comm, rest[0], int(rest[2])  # comm, state, pgid


def proc_fields(pid):
    """/proc/PID/stat from field 3 (state) on: [k - 3] is field k; numbers as ints."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(')') + 2:].split()
    return [rest[0]] + [int(x) for x in rest[1:]]


def proc_ppid(pid):
    st = proc_fields(pid)
    return st[1] if st else None


def group_pids(pgid):
    out = []
    for d in os.listdir('/proc'):
        if d.isdigit():
            st = proc_stat(int(d))
            if st and st[2] == pgid and st[1] != 'Z':
                out.append(int(d))
    return out


def wait_quiet(pgid, keep, secs=15):
    """Wait until the group has no process but the `keep` ones."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        if not [p for p in group_pids(pgid) if p not in keep]:
            return True
        time.sleep(0.02)
    return False


def listening(port):
    want = ':%04X' % port
    for f in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(f) as fh:
                next(fh)
                for line in fh:
                    x = line.split()
                    if x[1].endswith(want) and x[3] == '0A':
                        return True
        except OSError:
            pass
    return False


def wait_listen(port, secs):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        if listening(port):
            return True
        time.sleep(0.02)
    return False


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cleanup(*_):
    for s in PROCS:
        s.stop()
    shutil.rmtree(T, ignore_errors=True)


def on_signal(sig, _frame):
    cleanup()
    sys.exit(128 + sig)


# ---------------------------------------------------------------- setup

def sh(argv, **kw):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, **kw).stdout.decode()


def make_certs():
    d = os.path.join(T, 'certs')
    os.mkdir(d)
    ext = os.path.join(d, 'ext')
    with open(ext, 'w') as f:
        f.write('subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n'
                'keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n')
    j = lambda n: os.path.join(d, n)
    sh(['openssl', 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', j('ca.key')])
    sh(['openssl', 'req', '-x509', '-new', '-key', j('ca.key'), '-subj', '/CN=ucspitls bench CA',
        '-days', '30', '-out', j('ca.pem')])
    sh(['openssl', 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', j('srv.key')])
    sh(['openssl', 'req', '-new', '-key', j('srv.key'), '-subj', '/CN=localhost', '-out', j('srv.csr')])
    sh(['openssl', 'x509', '-req', '-in', j('srv.csr'), '-CA', j('ca.pem'), '-CAkey', j('ca.key'),
        '-CAcreateserial', '-days', '30', '-extfile', ext, '-out', j('srv.pem')])
    sh(['openssl', 'x509', '-in', j('srv.pem'), '-outform', 'DER', '-out', j('srv.der')])
    return {'ca': j('ca.pem'), 'cert': j('srv.pem'), 'key': j('srv.key'), 'der': j('srv.der')}


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


# ---------------------------------------------------------------- contenders

C = None  # the certificates


def stunnel_conf(name, lines):
    path = os.path.join(T, name + '.conf')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def stunnel_tls(suite):
    return ['sslVersion = TLSv1.2', 'ciphers = ' + SUITES[suite][1], 'TIMEOUTclose = 0']


def socat_tls(suite):
    return 'cipher=%s,openssl-min-proto-version=TLS1.2,openssl-max-proto-version=TLS1.2' % SUITES[suite][1]


def ucspitlsd_server(name, app, extra=(), immediate=True, conc=1000):
    port = free_port()
    argv = ['tcpserver', '-RHl0', '-c', str(conc), '127.0.0.1', str(port), UCSPITLSD]
    argv += (['-i'] if immediate else []) + list(extra) + list(app)
    return Server(name, argv, {'CERTFILE': C['cert'], 'KEYFILE': C['key']}, port)


def plain_server(name, app, conc=1000):
    port = free_port()
    return Server(name, ['tcpserver', '-RHl0', '-c', str(conc), '127.0.0.1', str(port)] + list(app),
                  None, port)


def stunnel_server(name, suite, execargv):
    port = free_port()
    conf = stunnel_conf(name, ['foreground = yes', 'pid =', 'debug = 3', '[%s]' % name,
                               'accept = 127.0.0.1:%d' % port, 'cert = ' + C['cert'],
                               'key = ' + C['key']] + stunnel_tls(suite) +
                        ['exec = ' + execargv[0], 'execArgs = ' + ' '.join(execargv)])
    return Server(name, ['stunnel', conf], None, port)


def socat_server(name, suite, execargv):
    port = free_port()
    argv = ['socat', '-b65536', 'OPENSSL-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork,cert=%s,key=%s,verify=0,%s'
            % (port, C['cert'], C['key'], socat_tls(suite)), 'EXEC:' + ' '.join(execargv)]
    return Server(name, argv, None, port)


def stunnel_client_argv(name, suite, port):
    """stunnel in inetd mode: the clear stream on its stdin/stdout."""
    conf = stunnel_conf(name, ['pid =', 'debug = 3', 'client = yes', 'connect = 127.0.0.1:%d' % port,
                               'CAfile = ' + C['ca'], 'verifyChain = yes', 'checkHost = localhost']
                        + stunnel_tls(suite))
    return ['stunnel', conf]


def socat_client_argv(suite, port):
    return ['socat', '-b65536', 'STDIO', 'OPENSSL:127.0.0.1:%d,cafile=%s,commonname=localhost,%s'
            % (port, C['ca'], socat_tls(suite))]


class Bulk:
    """One throughput contender in one direction: a server and how to run
    its client."""

    def __init__(self, key, label, suite, d, server, client_argv, client_env=None, check=None):
        self.key, self.label, self.suite, self.d = key, label, suite, d
        self.server, self.client_argv, self.client_env = server, client_argv, client_env or {}
        self.check = check  # (log file, cipher name) to verify in ucspitlsd's -v2 line


def bulk_contenders():
    out = []
    servers = {}
    res = {}

    def resfile(tag):
        if tag not in res:
            res[tag] = os.path.join(T, 'res-%s' % tag)
        return res[tag]

    def srv_app(d, rf):
        return [BULK, 'recv' if d == 'c2s' else 'send', str(BYTES), '-o', rf]

    def cli_app(d, rf, fds):
        if d == 'c2s':
            return [BULK, 'send', str(BYTES), '-f', fds[1], '-o', rf]
        return [BULK, 'recv', str(BYTES), '-f', fds[0], '-o', rf]

    def cli_wrap(d, rf, argv):
        return [BULK, 'send' if d == 'c2s' else 'recv', str(BYTES), '-o', rf, '--'] + argv

    def server(tag, make):
        if tag not in servers:
            servers[tag] = make()
        return servers[tag]

    cenv = {'CAFILE': C['ca']}
    for suite in ('aes', 'chacha'):
        for d in ('c2s', 's2c'):
            # ucspitlsd serves either suite: the client's offer decides
            rfu = resfile('ucspitlsd-' + d)
            su = server('ucspitlsd-' + d, lambda: ucspitlsd_server('bulk-ucspitlsd-' + d, srv_app(d, rfu), ['-v', '2']))
            cname = SUITES[suite][1]
            if suite == 'aes' or CHACHA_CLIENT_ENV:
                env = dict(cenv)
                if suite == 'chacha':
                    k, _, v = CHACHA_CLIENT_ENV.partition('=')
                    env[k] = v
                out.append(Bulk('ucspitls', 'ucspitlsc -i  <->  ucspitlsd -i', suite, d, su,
                                ['tcpclient', '-RHl0', '127.0.0.1', str(su.port), UCSPITLSC, '-i', '-k', 'localhost']
                                + cli_app(d, rfu, ('6', '7')), env, (su.log, cname)))
            out.append(Bulk('stunnel-ucspitlsd', 'stunnel client  <->  ucspitlsd -i', suite, d, su,
                            cli_wrap(d, rfu, stunnel_client_argv('cli-stunnel-u-%s-%s' % (suite, d), suite, su.port)),
                            None, (su.log, cname)))
            rfs = resfile('stunnel-%s-%s' % (suite, d))
            ss = server('stunnel-%s-%s' % (suite, d),
                        lambda: stunnel_server('bulk-stunnel-%s-%s' % (suite, d), suite, srv_app(d, rfs)))
            out.append(Bulk('stunnel', 'stunnel  <->  stunnel', suite, d, ss,
                            cli_wrap(d, rfs, stunnel_client_argv('cli-stunnel-%s-%s' % (suite, d), suite, ss.port))))
            rfo = resfile('socat-%s-%s' % (suite, d))
            so = server('socat-%s-%s' % (suite, d),
                        lambda: socat_server('bulk-socat-%s-%s' % (suite, d), suite, srv_app(d, rfo)))
            out.append(Bulk('socat', 'socat  <->  socat', suite, d, so,
                            cli_wrap(d, rfo, socat_client_argv(suite, so.port))))
    for d in ('c2s', 's2c'):
        rfp = resfile('plain-' + d)
        sp = server('plain-' + d, lambda: plain_server('bulk-plain-' + d, srv_app(d, rfp)))
        out.append(Bulk('plain', 'tcpclient  <->  tcpserver, no TLS', None, d, sp,
                        ['tcpclient', '-RHl0', '127.0.0.1', str(sp.port)] + cli_app(d, rfp, ('6', '7'))))
        rfd = resfile('delayed-' + d)
        sd = server('delayed-' + d, lambda: ucspitlsd_server('bulk-delayed-' + d, srv_app(d, rfd), immediate=False))
        out.append(Bulk('delayed-plain', 'tcpserver ucspitlsd (delayed) app, no TLS', None, d, sd,
                        ['tcpclient', '-RHl0', '127.0.0.1', str(sd.port)] + cli_app(d, rfd, ('6', '7'))))
    for b in out:
        b.resfile = next(v for k, v in res.items() if v in b.client_argv)
    return out


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
    keep = [b.server.p.pid, b.server.main]
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
    if not wait_quiet(b.server.p.pid, keep, 30):
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


def fail(what, why):
    FAILURES.append('%s: %s' % (what, why))
    log('bench: FAILED: %s: %s' % (what, why))
    return None


def hsrate(server, mode, jobs, what):
    port = server.port
    cpu0 = server.cpu()
    try:
        r = subprocess.run([HSCLIENT, '-p', str(port), '-k', C['der'], '-m', mode, '-j', str(jobs),
                            '-t', str(HS_SECS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=HS_SECS + 60)
    except subprocess.TimeoutExpired:
        return fail(what, 'hsclient timed out')
    out = r.stdout.decode()
    if r.returncode != 0 or 'conns=' not in out:
        return fail(what, 'hsclient: %s %s' % (out.strip(), r.stderr.decode().strip()))
    v = dict(x.split('=') for x in out.split())
    if int(v['fails']):
        log('bench: warning: %s: %s failed connections' % (what, v['fails']))
    wait_quiet(server.p.pid, [server.p.pid, server.main], 30)
    res = {k: float(v[k]) for k in ('rate', 'total_ms', 'plain_ms', 'tls_ms', 'fails', 'conns')}
    res['scpu_ms'] = (server.cpu() - cpu0) * 1000 / res['conns'] if res['conns'] else None
    return res


# memory: which processes are "the TLS process(es)" of each server

def rss_pss(pid):
    rss = pss = 0
    try:
        with open('/proc/%d/smaps_rollup' % pid) as f:
            for line in f:
                if line.startswith('Rss:'):
                    rss = int(line.split()[1])
                elif line.startswith('Pss:'):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def tls_procs(kind, server):
    pids = group_pids(server.p.pid)
    if kind == 'ucspitls':
        return [p for p in pids if (proc_stat(p) or ('',))[0] == 'ucspitlsd']
    if kind == 'socat':
        return [p for p in pids if p != server.main and (proc_stat(p) or ('',))[0] == 'socat']
    return [server.main]


def release(p):
    """End a process that holds connections (or processes) open until
    end of file on its stdin."""
    p.stdin.close()
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def per_conn(procs):
    return {'rss': sum(x[0] for x in procs) / MEM_CONNS, 'pss': sum(x[1] for x in procs) / MEM_CONNS,
            'nproc': len(procs)}


def memory(kind, server, what):
    before = [rss_pss(p) for p in tls_procs(kind, server)]
    p = subprocess.Popen([HSCLIENT, '-p', str(server.port), '-k', C['der'], '-H', str(MEM_CONNS)],
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
    wait_quiet(server.p.pid, [server.p.pid, server.main], 30)
    if not now or (kind == 'stunnel' and not before):
        return fail(what, 'no TLS process found')
    if kind == 'stunnel':
        return {'rss': (now[0][0] - before[0][0]) / MEM_CONNS, 'pss': (now[0][1] - before[0][1]) / MEM_CONNS,
                'nproc': 1}
    return per_conn(now)


def memfloor(what):
    """PSS of MEM_CONNS processes of a static program that only waits:
    the floor under any design with a process per connection."""
    p = subprocess.Popen([FLOOR, str(MEM_CONNS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
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


# ---------------------------------------------------------------- report

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


def bearssl_speed():
    r = subprocess.run([SPEED, '0.2' if QUICK else '0.4'], stdout=subprocess.PIPE, check=True)
    out = {}
    for line in r.stdout.decode().splitlines():
        v = dict(x.split('=') for x in line.split())
        out[v['suite']] = v
    return out


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


def main():
    global C
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    t_start = time.time()
    load0 = loadavg()
    log('bench: temp dir %s; %d bytes per stream, %d repetitions%s'
        % (T, BYTES, REPS, ' (quick mode)' if QUICK else ''))
    C = make_certs()
    bulks = bulk_contenders()
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
