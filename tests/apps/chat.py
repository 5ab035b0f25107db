#!/usr/bin/env python3
"""chat -- drive an interactive client (openssl s_client, gnutls-cli) step
by step, waiting for each answer before sending the next line.

usage: chat.py [-t SECS] STEP... -- cmd args...

The command's stdout and stderr are merged and echoed to our stdout as
they arrive.  Steps:
  expect RE      wait for an output line matching RE (re.search); lines
                 before it are passed over (clients print a lot of noise)
  send TEXT      write TEXT plus CR LF to the command's stdin
  close          close the command's stdin
  exit CODE      wait for the command to exit; its status must be CODE
                 (use "exit any" to only wait)
The whole run is bounded by -t SECS (default 20): on time-out, or when a
step fails, the command is killed and chat exits 1.  If the steps end
while the command still runs, it is killed.
"""

import os
import re
import select
import subprocess
import sys
import time


def main():
    argv = sys.argv[1:]
    secs = 20.0
    if argv[:1] == ["-t"]:
        secs = float(argv[1])
        argv = argv[2:]
    if "--" not in argv:
        sys.exit("usage: chat.py [-t SECS] STEP... -- cmd args...")
    k = argv.index("--")
    steps, cmd = argv[:k], argv[k + 1:]
    deadline = time.monotonic() + secs
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, close_fds=True)
    out = p.stdout.fileno()
    pending = b""
    eof = False

    def nextline():
        """The next output line, None at end-of-file; raises on time-out."""
        nonlocal pending, eof
        while b"\n" not in pending:
            if eof:
                if pending:
                    ln, pending = pending, b""
                    return ln.decode("utf-8", "replace")
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError()
            r, _, _ = select.select([out], [], [], left)
            if not r:
                continue
            chunk = os.read(out, 65536)
            if not chunk:
                eof = True
                continue
            sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
            pending += chunk
        ln, pending = pending.split(b"\n", 1)
        return ln.rstrip(b"\r").decode("utf-8", "replace")

    def die(msg):
        print("\nchat: failed: %s" % msg, flush=True)
        p.kill()
        p.wait()
        sys.exit(1)

    try:
        for s in steps:
            verb, _, rest = s.partition(" ")
            if verb == "expect":
                while True:
                    ln = nextline()
                    if ln is None:
                        die("end of output while expecting %r" % rest)
                    if re.search(rest, ln):
                        break
            elif verb == "send":
                try:
                    p.stdin.write(rest.encode() + b"\r\n")
                    p.stdin.flush()
                except BrokenPipeError:
                    die("command closed its input before %r" % rest)
            elif verb == "close":
                p.stdin.close()
            elif verb == "exit":
                while nextline() is not None:
                    pass
                left = max(deadline - time.monotonic(), 0.1)
                rc = p.wait(timeout=left)
                print("\nchat: exit %d" % rc, flush=True)
                if rest != "any" and rc != int(rest):
                    die("exit status %d, expected %s" % (rc, rest))
            else:
                die("unknown step %r" % s)
    except (TimeoutError, subprocess.TimeoutExpired):
        die("timed out (step %r)" % s)
    if p.poll() is None:
        p.kill()
        p.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
