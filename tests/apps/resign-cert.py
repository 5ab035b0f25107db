#!/usr/bin/env python3
"""resign-cert IN.pem OUT.pem CAKEY FROM TO -- edit a certificate's bytes
and sign it again.

Replaces every occurrence of FROM by TO (Python escapes allowed, e.g.
\\x00; both the same length, so that no DER length changes) inside the
to-be-signed part of the certificate in IN.pem, signs the result with
CAKEY (with `openssl dgst -sha256 -sign`: the CA key must be the one that
issued IN.pem, and its signature algorithm SHA-256 based), and writes
the new certificate to OUT.pem.  This makes certificates that `openssl
req -subj` cannot: a subject with a NUL byte in a UTF8String, say.
"""

import base64
import re
import subprocess
import sys


def tlv(data, i):
    """(start of value, end of element) of the element at i."""
    n = data[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(data[j:j + k], "big")
        j += k
    return j, j + n


def enc(tag, value):
    n = len(value)
    if n < 0x80:
        return bytes([tag, n]) + value
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(b)]) + b + value


def unescape(s):
    return s.encode("utf-8").decode("unicode_escape").encode("latin-1")


def main():
    src, dst, cakey, frm, to = sys.argv[1:6]
    frm, to = unescape(frm), unescape(to)
    if len(frm) != len(to) or not frm:
        sys.exit("resign-cert: FROM and TO must have the same, non-zero, length")
    pem = open(src).read()
    der = base64.b64decode("".join(re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", pem, re.S).group(1).split()))
    body, _ = tlv(der, 0)
    _, tbs_end = tlv(der, body)
    tbs = der[body:tbs_end]
    _, alg_end = tlv(der, tbs_end)
    alg = der[tbs_end:alg_end]
    if frm not in tbs:
        sys.exit("resign-cert: %r not found in the certificate" % frm)
    tbs = tbs.replace(frm, to)
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", cakey, "-binary"],
                         input=tbs, stdout=subprocess.PIPE, check=True).stdout
    cert = enc(0x30, tbs + alg + enc(0x03, b"\x00" + sig))
    b64 = base64.b64encode(cert).decode()
    with open(dst, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\n")
        for i in range(0, len(b64), 64):
            f.write(b64[i:i + 64] + "\n")
        f.write("-----END CERTIFICATE-----\n")


if __name__ == "__main__":
    main()
