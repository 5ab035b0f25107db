#!/usr/bin/env python3
"""pingpong.py ROLE RFD WFD SIZE... -- writes of every size, each followed
by a pause: the writer waits for the reader's answer before going on.

For each SIZE, twice: the talker writes SIZE bytes (a pattern, in one
os.write) and then waits for the line "got SIZE"; the listener reads
exactly SIZE bytes, checks them, and answers that line.  The client talks
first, then the server, then the next size.  A copy loop that held back
the end of a write until more came would leave both waiting: the test
around this bounds the time.  The client prints "ok N" (N exchanges) on
stdout; any mismatch ends with a message on stderr and exit 1.
"""

import os
import sys


def pattern(n):
    return bytes((i * 7 + n) % 251 for i in range(n))


def readn(fd, n):
    buf = b""
    while len(buf) < n:
        c = os.read(fd, n - len(buf))
        if not c:
            sys.exit("pingpong: end of file after %d of %d bytes" % (len(buf), n))
        buf += c
    return buf


def readline(fd):
    line = b""
    while not line.endswith(b"\n"):
        c = os.read(fd, 1)
        if not c:
            sys.exit("pingpong: end of file in a line: %r" % line)
        line += c
    return line


def writeall(fd, data):
    while data:
        data = data[os.write(fd, data):]


def main():
    role, rfd, wfd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sizes = [int(x) for x in sys.argv[4:]]
    n = 0
    for size in sizes:
        for talker in ("client", "server"):
            if role == talker:
                writeall(wfd, pattern(size))
                line = readline(rfd)
                if line != b"got %d\n" % size:
                    sys.exit("pingpong: %s: answer %r to %d bytes" % (role, line, size))
            else:
                if readn(rfd, size) != pattern(size):
                    sys.exit("pingpong: %s: the %d bytes differ" % (role, size))
                writeall(wfd, b"got %d\n" % size)
            n += 1
    if role == "client":
        print("ok %d" % n)


if __name__ == "__main__":
    main()
