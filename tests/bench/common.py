# tests/bench/common.py -- what every part of the bench shares: the
# settings that the environment gives (tests/bench/run lists them), where
# the programs and the helpers are, the scratch directory, and the lists
# of failures and notes that the report ends with.

import os
import shutil
import subprocess
import sys
import tempfile

MiB = 1 << 20
GiB = 1 << 30

if len(sys.argv) != 2:
    sys.exit('bench: usage: bench.py HELPERDIR')
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
EXECFLOOR = os.path.join(HELPERS, 'execfloor')
TICK = os.sysconf('SC_CLK_TCK')
UCSPITLSD = os.path.join(SRC, 'ucspitlsd')
UCSPITLSC = os.path.join(SRC, 'ucspitlsc')
# the baseline of key separation's A/B, built by run outside the tree: ucspitlsd
# at commit BASE, before key separation; base.why says why it is not
# there ('skip: ...' is a note, anything else a failure)
BASE = os.environ.get('BENCH_BASE', '')
BASE_UCSPITLSD = os.path.join(HELPERS, 'base', 'src', 'ucspitlsd')
BASE_WHY = os.path.join(HELPERS, 'base.why')
# the musl builds (make bench makes them): make musl's programs
# (BENCH_MUSL, a directory), and the same with the BearSSL that make
# bench's BEARSSL names (BENCH_MUSL_BEARSSL), and a glibc static build
# with that BearSSL (BENCH_GLIBC_BEARSSL); with the floors built by
# musl-gcc (run), when it is there
def _bin(var, default=''):
    d = os.environ.get(var, default)
    p = os.path.join(d, 'ucspitlsd') if d else ''
    return p if p and os.access(p, os.X_OK) else None


MUSL_UCSPITLSD = _bin('BENCH_MUSL', os.path.join(TOP, 'build', 'musl', 'bin'))
MUSL_BEARSSL_UCSPITLSD = _bin('BENCH_MUSL_BEARSSL')
GLIBC_BEARSSL_UCSPITLSD = _bin('BENCH_GLIBC_BEARSSL')
MUSL_BEARSSL = os.environ.get('BENCH_BEARSSL', '')
FLOOR_MUSL = os.path.join(HELPERS, 'floor-musl')
EXECFLOOR_MUSL = os.path.join(HELPERS, 'execfloor-musl')
# how many named pairs (CERTFILE:name) the SNI rows serve
PAIRS = (1, 10, 100)
CAT = shutil.which('cat') or '/bin/cat'

SUITES = {
    'aes': ('AES-128-GCM', 'ECDHE-ECDSA-AES128-GCM-SHA256'),
    'chacha': ('ChaCha20-Poly1305', 'ECDHE-ECDSA-CHACHA20-POLY1305'),
}
DIRS = {'c2s': 'client->server', 's2c': 'server->client'}

T = tempfile.mkdtemp(prefix='ucspitls-bench.')
PROCS = []      # the servers started, for cleanup
FAILURES = []   # "Did not run:" in the report; the exit code is 1 when there is one
NOTES = []      # "Notes:" in the report


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def fail(what, why):
    FAILURES.append('%s: %s' % (what, why))
    log('bench: FAILED: %s: %s' % (what, why))
    return None


def sh(argv, **kw):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, **kw).stdout.decode()
