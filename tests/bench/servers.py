# tests/bench/servers.py -- the contenders: the certificates they all
# serve (the default pair, and the named pairs that SNI selects), and
# how each server is started (tcpserver ucspitlsd, today's or the
# baseline commit's, stunnel, socat, a bare tcpserver) and each client is
# run (ucspitlsc, stunnel, socat, tcpclient) for the bulk streams.

import os

from common import BULK, BYTES, CHACHA_CLIENT_ENV, SUITES, T, UCSPITLSC, UCSPITLSD, sh
from procs import Server, free_port


C = None  # the certificates: make_certs()
NAMES = []  # the named pairs: make_names()


def make_certs():
    global C
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
    C = {'ca': j('ca.pem'), 'cert': j('srv.pem'), 'key': j('srv.key'), 'der': j('srv.der')}


def make_names(n):
    """n pairs, each its own P-256 key and a self-signed certificate for
    its name: nNNN.bench.test. hsclient pins the key of the one that its
    SNI name selects, so no chain is needed."""
    d = os.path.join(T, 'names')
    os.mkdir(d)
    for i in range(1, n + 1):
        name = 'n%03d.bench.test' % i
        j = lambda ext: os.path.join(d, name + ext)
        sh(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
            '-keyout', j('.key'), '-out', j('.pem'), '-subj', '/CN=' + name,
            '-addext', 'subjectAltName=DNS:' + name, '-days', '30'])
        sh(['openssl', 'x509', '-in', j('.pem'), '-outform', 'DER', '-out', j('.der')])
        NAMES.append({'name': name, 'cert': j('.pem'), 'key': j('.key'), 'der': j('.der')})


def stunnel_conf(name, lines):
    path = os.path.join(T, name + '.conf')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def stunnel_tls(suite):
    return ['sslVersion = TLSv1.2', 'ciphers = ' + SUITES[suite][1], 'TIMEOUTclose = 0']


def socat_tls(suite):
    return 'cipher=%s,openssl-min-proto-version=TLS1.2,openssl-max-proto-version=TLS1.2' % SUITES[suite][1]


def ucspitlsd_server(name, app, extra=(), immediate=True, conc=1000, pairs=0, binary=UCSPITLSD, env_extra=None):
    """tcpserver ucspitlsd with the default pair and the first `pairs`
    named pairs: the client's SNI selects the last of them; env_extra:
    more of its environment (TLS_SESSION_CACHE)."""
    port = free_port()
    argv = ['tcpserver', '-RHl0', '-c', str(conc), '127.0.0.1', str(port), binary]
    argv += (['-i'] if immediate else []) + list(extra) + list(app)
    env = {'CERTFILE': C['cert'], 'KEYFILE': C['key']}
    for p in NAMES[:pairs]:
        env['CERTFILE:' + p['name']] = p['cert']
        env['KEYFILE:' + p['name']] = p['key']
    env.update(env_extra or {})
    return Server(name, argv, env, port, chosen(pairs))


def chosen(pairs):
    """What a client sends in SNI, and the certificate it pins: the
    default pair's, or the last of `pairs` named pairs."""
    if pairs:
        return NAMES[pairs - 1]['name'], NAMES[pairs - 1]['der']
    return 'localhost', C['der']


def plain_server(name, app, conc=1000):
    port = free_port()
    return Server(name, ['tcpserver', '-RHl0', '-c', str(conc), '127.0.0.1', str(port)] + list(app),
                  None, port, chosen(0))


def stunnel_server(name, suite, execargv, pairs=0):
    """stunnel with the default pair and, as secondary services (sni=),
    the first `pairs` named pairs."""
    port = free_port()
    service = lambda cert, key: ['cert = ' + cert, 'key = ' + key] + stunnel_tls(suite) + \
        ['exec = ' + execargv[0], 'execArgs = ' + ' '.join(execargv)]
    lines = ['foreground = yes', 'pid =', 'debug = 3', '[%s]' % name, 'accept = 127.0.0.1:%d' % port] + \
        service(C['cert'], C['key'])
    for p in NAMES[:pairs]:
        lines += ['[%s]' % p['name'], 'sni = %s:%s' % (name, p['name'])] + service(p['cert'], p['key'])
    return Server(name, ['stunnel', stunnel_conf(name, lines)], None, port, chosen(pairs))


def socat_server(name, suite, execargv):
    port = free_port()
    argv = ['socat', '-b65536', 'OPENSSL-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork,cert=%s,key=%s,verify=0,%s'
            % (port, C['cert'], C['key'], socat_tls(suite)), 'EXEC:' + ' '.join(execargv)]
    return Server(name, argv, None, port, chosen(0))


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
