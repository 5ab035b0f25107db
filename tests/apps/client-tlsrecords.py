#!/usr/bin/env python3
"""client-tlsrecords -- check that a capture is TLS records and nothing else.

usage: client-tlsrecords.py FILE

FILE holds bytes as a client sent them (client-recorder's N.raw).  Every
byte must belong to a complete TLS record: content type 20-23 (change
cipher spec, alert, handshake, application data), version 3.1 to 3.3, a
length of at most 2^14 + 2048, and the whole body present.  Prints the
record types in order, one line, for instance "22 21"; exits 1 (saying
where) when something else is found, and on an empty file.
"""

import sys


def main():
    data = open(sys.argv[1], "rb").read()
    if not data:
        print("empty")
        return 1
    types = []
    i = 0
    while i < len(data):
        hdr = data[i:i + 5]
        if len(hdr) < 5:
            print("truncated header at %d: %s" % (i, hdr.hex()))
            return 1
        ctype, major, minor = hdr[0], hdr[1], hdr[2]
        length = int.from_bytes(hdr[3:5], "big")
        if ctype not in (20, 21, 22, 23) or major != 3 or not 1 <= minor <= 3 \
                or length > 16384 + 2048:
            print("not a TLS record at %d: %s" % (i, data[i:i + 16].hex()))
            return 1
        if i + 5 + length > len(data):
            print("truncated record at %d" % i)
            return 1
        types.append(str(ctype))
        i += 5 + length
    print(" ".join(types))
    return 0


if __name__ == "__main__":
    sys.exit(main())
