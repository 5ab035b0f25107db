#!/usr/bin/env python3
"""client-waitchild -- run an application as ucspitlsc's prog and record
how both it and the TLS child ended.

usage: client-waitchild.py STATUSFILE prog args...

ucspitlsc forks its TLS child before it execs prog, so the TLS child is a
child of this process.  This runs prog as a second child, with every fd
it was given (the network fds 6/7, SSLCTLFD, SSLREADFD, SSLWRITEFD),
then closes its own copies of all of them, so that only prog holds them.
It waits for both children and appends to STATUSFILE one line each:
  prog exit N | prog signal N
  tls exit N | tls signal N | tls nochild | tls timeout
($TEST_WAIT seconds for the two together, default 30), then exits with
prog's status.
"""

import os
import signal
import sys


def status(st):
    if os.WIFEXITED(st):
        return "exit %d" % os.WEXITSTATUS(st)
    return "signal %d" % os.WTERMSIG(st)


def main():
    if len(sys.argv) < 3:
        sys.stderr.write("usage: client-waitchild.py STATUSFILE prog args...\n")
        return 100
    out, argv = sys.argv[1], sys.argv[2:]
    fds = sorted(int(f) for f in os.listdir("/proc/self/fd"))
    pid = os.fork()
    if pid == 0:
        try:
            for fd in fds:
                if fd > 2:
                    try:
                        os.set_inheritable(fd, True)
                    except OSError:
                        pass  # the fd listdir used, now closed
            os.execvp(argv[0], argv)
        except OSError as e:
            sys.stderr.write("client-waitchild: exec %s: %s\n" % (argv[0], e))
        os._exit(111)
    for fd in fds:
        if fd > 2:
            try:
                os.close(fd)
            except OSError:
                pass

    class Timeout(Exception):
        pass

    def alarm(signo, frame):
        raise Timeout()

    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(int(os.environ.get("TEST_WAIT", "30")))
    prog = tls = None
    try:
        while prog is None or tls is None:
            try:
                p, st = os.wait()
            except ChildProcessError:
                break
            if p == pid:
                prog = status(st)
            else:
                tls = status(st)
    except Timeout:
        if tls is None and prog is not None:
            tls = "timeout"
    signal.alarm(0)
    with open(out, "a") as f:
        f.write("prog %s\n" % (prog or "timeout"))
        f.write("tls %s\n" % (tls or "nochild"))
    if prog and prog.startswith("exit "):
        return int(prog[5:])
    return 111


if __name__ == "__main__":
    sys.exit(main())
