# tests/bench/procs.py -- the processes of the bench: a long-lived server
# in a session of its own under tests/bench/reaper (a child subreaper),
# so that the CPU time of every process of every connection can be read
# from /proc; waiting for a server to listen or to go quiet; ending a
# process group; the memory (RSS, PSS) of a process.

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from common import PROCS, REAPER, T, TICK


class Server:
    """A long-lived server in its own session (process group), under a
    reaper so that the CPU time of all its processes can be read.
    client: (name, certificate) -- the server name that a client sends
    in SNI, and the server's certificate (DER) that it selects, which
    the client pins."""

    def __init__(self, name, argv, env=None, port=None, client=(None, None)):
        self.name, self.port = name, port
        self.sni, self.der = client
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
        """CPU seconds of every process of this server so far, once they
        are reaped: the server's own and that of the children it waited
        for (tcpserver: the fork of each connection, which becomes
        ucspitlsd and then prog, with what prog waited for), plus the
        reaper's, which are the orphans with what they waited for
        (ucspitlsd's TLS child, whose parent prog does not wait for it,
        and the key process, which the TLS child waits for)."""
        t = 0
        for pid, own in ((self.p.pid, False), (self.main, True)):
            st = proc_fields(pid)
            if st:
                t += (st[11] + st[12] if own else 0) + st[13] + st[14]
        return t / TICK

    def quiet(self, secs=30):
        """Wait until every process of every connection has ended and
        been reaped, so that cpu() counts it."""
        return wait_quiet(self.p.pid, [self.p.pid, self.main], secs)

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


def group_pids(pgid, zombies=False):
    """The processes of a process group; with zombies, also the ones
    that have exited and are not reaped yet, whose CPU time is in
    nobody's account until they are."""
    out = []
    for d in os.listdir('/proc'):
        if d.isdigit():
            st = proc_stat(int(d))
            if st and st[2] == pgid and (zombies or st[1] != 'Z'):
                out.append(int(d))
    return out


def wait_quiet(pgid, keep, secs=15):
    """Wait until the group has no process but the `keep` ones, and
    none unreaped."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        if not [p for p in group_pids(pgid, True) if p not in keep]:
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


def release(p):
    """End a process that holds connections (or processes) open until
    end of file on its stdin."""
    p.stdin.close()
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def cleanup(*_):
    for s in PROCS:
        s.stop()
    shutil.rmtree(T, ignore_errors=True)


def on_signal(sig, _frame):
    cleanup()
    sys.exit(128 + sig)
