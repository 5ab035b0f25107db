#!/usr/bin/env python3
"""facts-check -- check the session facts that ucspitlsd or ucspitlsc gave
prog: which facts, in which order, with which values, escaped, and laid
out for the reader of s/qmail and acceptutils that stops halfway
(halfreader.py).  Exit 0 if all holds; else 1, with a line per fault and
the facts found.

usage: facts-check.py [options] FILE [EXPECT...]
  FILE          the bytes that came on SSLCTLFD after Y (the facts block),
                or, with --env, a dump written by dumpenv.py (prog's
                environment in immediate mode)
  EXPECT        NAME=VALUE  the fact NAME is there, with exactly VALUE
                NAME~REGEX  the fact NAME is there, REGEX matches its
                            whole value (Python re)
                Several for one NAME must all hold.
options
  --side d|c    the block comes from ucspitlsd (d, the default: the peer's
                certificate as SSL_CLIENT_*) or from ucspitlsc (c:
                SSL_SERVER_*)
  --env         FILE is a dumpenv.py dump; the facts are its variables
                named as below, for either side (others, such as the
                caller's SSL_CERT_FILE, are not facts), and the block they
                came from is rebuilt in the order below, for the layout
                checks
  --tls CIPHER  expect a TLS 1.2 session with CIPHER: SSL_PROTOCOL=TLSv1.2,
                SSL_CIPHER=CIPHER, SSL_CIPHER_USEKEYSIZE and
                SSL_CIPHER_ALGKEYSIZE the cipher's key size (128 for
                AES128, 256 for AES256 and CHACHA20), SSL_SESSION_ID~
                64 lowercase hex digits (BearSSL's server always makes a
                32-byte id), SSL_VERSION_LIBRARY=BearSSL 0.6
  --cert PEM    expect the facts of the peer's certificate PEM, with the
                values that `openssl x509` gives for it: S_DN and I_DN
                as -nameopt compat (X509_NAME_oneline), S_DN_CN and
                S_DN_Email the last CN and emailAddress there, M_SERIAL
                -serial in decimal, V_START/V_END -startdate/-enddate,
                SSL_PEER_CERT_HASH SHA256: and the DER's SHA-256,
                SSL_PEER_CERT_SUBJECT -nameopt RFC2253.  Only for a
                subject (issuer) whose values are letters, digits, spaces
                and . @ - _ (openssl escapes other bytes otherwise than
                ucspitls): else the subject's (issuer's) facts are left
                to EXPECT
  --print       print the facts found, "NAME=VALUE" a line, even when all
                holds

The facts, in the order the block must have them (R is CLIENT for
ucspitlsd, SERVER for ucspitlsc):
  SSL_PROTOCOL SSL_CIPHER SSL_R_S_DN SSL_R_S_DN_CN SSL_R_S_DN_Email
  [SSL_SERVER_VERIFY SSL_SERVER_DANE] SSL_CIPHER_USEKEYSIZE
  SSL_CIPHER_ALGKEYSIZE SSL_TLS_SNI_SERVERNAME SSL_ALPN_PROTOCOL
  SSL_PEER_CERT_HASH SSL_PEER_CERT_SUBJECT SSL_R_I_DN SSL_R_M_SERIAL
  SSL_R_V_START SSL_R_V_END SSL_SESSION_ID SSL_VERSION_LIBRARY SSL_PADDING
(the two in brackets from ucspitlsc only; with --tls,
SSL_SERVER_VERIFY=SUCCESS is expected of ucspitlsc unless an EXPECT
names it)

What is checked
  - the block: NAME=VALUE strings each ended by a NUL, then one more NUL
    and nothing after it; at most 4096 bytes; each name one of the above,
    once, in that order;
  - the facts are exactly those expected (an EXPECT, --tls or --cert
    names each), plus SSL_PADDING where the layout needs it;
  - every value: valid UTF-8, no control character (C0, DEL, C1), and a
    backslash only as \\xNN (lowercase hex) -- or, in
    SSL_PEER_CERT_SUBJECT, before one of  " + , ; < > = #  or a space
    (RFC 4514);
  - the halfway reader gets SSL_PROTOCOL, SSL_CIPHER and, where they are
    in the block, SSL_R_S_DN, SSL_R_S_DN_CN and SSL_R_S_DN_Email, with the
    values a correct reader gets; and no fact it gets has another value;
  - SSL_PADDING, if there: last, its value dots only, and needed: without
    it, the halfway reader would miss one of the facts above; with one
    dot less too (it is no longer than it must be).
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import halfreader  # noqa: E402

BLOCK_MAX = 4096
LIBRARY = "BearSSL 0.6"


def order(role):
    r = "SSL_" + role + "_"
    return ["SSL_PROTOCOL", "SSL_CIPHER", r + "S_DN", r + "S_DN_CN", r + "S_DN_Email"] \
        + (["SSL_SERVER_VERIFY", "SSL_SERVER_DANE"] if role == "SERVER" else []) \
        + ["SSL_CIPHER_USEKEYSIZE", "SSL_CIPHER_ALGKEYSIZE", "SSL_TLS_SNI_SERVERNAME",
           "SSL_ALPN_PROTOCOL", "SSL_PEER_CERT_HASH", "SSL_PEER_CERT_SUBJECT", r + "I_DN",
           r + "M_SERIAL", r + "V_START", r + "V_END", "SSL_SESSION_ID",
           "SSL_VERSION_LIBRARY", "SSL_PADDING"]


def essential(role):
    r = "SSL_" + role + "_"
    return ["SSL_PROTOCOL", "SSL_CIPHER", r + "S_DN", r + "S_DN_CN", r + "S_DN_Email"]


def keysize(cipher):
    if "AES128" in cipher:
        return "128"
    if "AES256" in cipher or "CHACHA20" in cipher:
        return "256"
    raise SystemExit("facts-check: --tls: no key size known for %s" % cipher)


def openssl(pem, *args):
    r = subprocess.run(["openssl", "x509", "-in", pem, "-noout"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if r.returncode:
        raise SystemExit("facts-check: openssl x509 %s: %s" % (" ".join(args), r.stderr.decode()))
    return r.stdout.decode("utf-8")


def field(text, name):
    for ln in text.splitlines():
        if ln.startswith(name + "="):
            return ln[len(name) + 1:]
    raise SystemExit("facts-check: openssl gave no %s: %r" % (name, text))


def plain(name):
    """a name that openssl writes as ucspitls does: not empty, each RDN
    one attribute, each value letters, digits, spaces and . @ - _ only"""
    return bool(name) and all(re.fullmatch(r"[A-Za-z0-9.]+=[A-Za-z0-9 .@_-]+", a)
                              for a in name.split("/")[1:]) and name.startswith("/")


def cert_facts(pem, role):
    """The certificate's facts as openssl reads them: [(NAME, VALUE)]"""
    r = "SSL_" + role + "_"
    compat = openssl(pem, "-subject", "-issuer", "-nameopt", "compat")
    subject, issuer = field(compat, "subject"), field(compat, "issuer")
    dates = openssl(pem, "-serial", "-startdate", "-enddate")
    der = subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER"],
                         stdout=subprocess.PIPE, check=True).stdout
    out = []
    if plain(subject):
        out.append((r + "S_DN", subject))
        attrs = [a.split("=", 1) for a in subject.split("/")[1:]]
        for key, name in (("CN", "S_DN_CN"), ("emailAddress", "S_DN_Email")):
            vals = [a[1] for a in attrs if a[0] == key]
            if vals:
                out.append((r + name, vals[-1]))
        out.append(("SSL_PEER_CERT_SUBJECT",
                    field(openssl(pem, "-subject", "-nameopt", "RFC2253"), "subject")))
    if plain(issuer):
        out.append((r + "I_DN", issuer))
    out.append((r + "M_SERIAL", str(int(field(dates, "serial"), 16))))
    out.append((r + "V_START", field(dates, "notBefore")))
    out.append((r + "V_END", field(dates, "notAfter")))
    out.append(("SSL_PEER_CERT_HASH", "SHA256:" + hashlib.sha256(der).hexdigest()))
    return out


def read_dump(path):
    """dumpenv.py's "env NAME=VALUE" lines, its escaping undone, for the
    variables named SSL_*: [(NAME, VALUE)]"""
    facts = []
    with open(path, "rb") as f:
        for ln in f.read().split(b"\n"):
            if not ln.startswith(b"env SSL_"):
                continue
            name, value = ln[4:].split(b"=", 1)
            value = re.sub(rb"\\(\\|n)", lambda m: b"\\" if m.group(1) == b"\\" else b"\n", value)
            facts.append((name, value))
    return facts


def block_of(facts):
    return b"".join(n + b"=" + v + b"\0" for n, v in facts) + b"\0"


def escaping_faults(name, raw):
    try:
        v = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ["%s: not valid UTF-8: %r" % (name, raw)]
    faults = []
    for c in v:
        if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0:
            faults.append("%s: an unescaped control character U+%04X: %r" % (name, ord(c), v))
    special = ' "+,;<>=#' if name == "SSL_PEER_CERT_SUBJECT" else ""
    i = 0
    while True:
        i = v.find("\\", i)
        if i < 0:
            break
        if re.match(r"\\x[0-9a-f]{2}", v[i:]):
            i += 4
        elif special and v[i + 1:i + 2] and v[i + 1] in special:
            i += 2
        else:
            faults.append("%s: a backslash that starts no escape at %d: %r" % (name, i, v))
            i += 1
    return faults


def text(b):
    return b.decode("utf-8", "backslashreplace")


def halfway_faults(block, facts, role):
    """What the halfway reader misses or gets wrong"""
    got = halfreader.parse(block)
    right = dict(facts)
    faults = []
    for n in essential(role):
        b = n.encode()
        if b in right and b not in got:
            faults.append("the halfway reader does not get %s" % n)
        elif b in right and got[b] != right[b]:
            faults.append("the halfway reader gets %s=[%s], not [%s]" % (n, text(got[b]), text(right[b])))
    for n, v in got.items():
        if right.get(n) != v:
            faults.append("the halfway reader gets %s=[%s], which the block does not say" % (text(n), text(v)))
    return faults


def main():
    ap = argparse.ArgumentParser(add_help=True)
    ap.add_argument("--side", choices=("d", "c"), default="d")
    ap.add_argument("--env", action="store_true")
    ap.add_argument("--tls")
    ap.add_argument("--cert")
    ap.add_argument("--print", action="store_true", dest="show")
    ap.add_argument("file")
    ap.add_argument("expect", nargs="*")
    a = ap.parse_intermixed_args()
    role = "CLIENT" if a.side == "d" else "SERVER"
    names = order(role)

    expect = []   # (name, kind, value)
    if a.tls:
        ks = keysize(a.tls)
        expect += [("SSL_PROTOCOL", "=", "TLSv1.2"), ("SSL_CIPHER", "=", a.tls),
                   ("SSL_CIPHER_USEKEYSIZE", "=", ks), ("SSL_CIPHER_ALGKEYSIZE", "=", ks),
                   ("SSL_SESSION_ID", "~", "[0-9a-f]{64}"), ("SSL_VERSION_LIBRARY", "=", LIBRARY)]
    if a.cert:
        expect += [(n, "=", v) for n, v in cert_facts(a.cert, role)]
    for e in a.expect:
        m = re.match(r"([A-Za-z0-9_]+)([=~])(.*)$", e, re.S)
        if not m:
            raise SystemExit("facts-check: not NAME=VALUE or NAME~REGEX: %r" % e)
        expect.append(m.groups())
    # ucspitlsc always tells how the certificate was verified
    if role == "SERVER" and a.tls and not any(e[0] == "SSL_SERVER_VERIFY" for e in expect):
        expect.append(("SSL_SERVER_VERIFY", "=", "SUCCESS"))

    faults = []
    if a.env:
        facts = [f for f in read_dump(a.file) if f[0].decode() in order("CLIENT") + order("SERVER")]
        faults += ["%s: a fact of the other side" % f[0].decode() for f in facts if f[0].decode() not in names]
        facts = sorted([f for f in facts if f[0].decode() in names], key=lambda f: names.index(f[0].decode()))
        block = block_of(facts)
    else:
        with open(a.file, "rb") as f:
            block = f.read()
        try:
            facts = halfreader.correct(block)
        except ValueError as e:
            facts, block = None, b""
            faults.append("not a facts block: %s" % e)
        if facts is None:
            faults.append("not a facts block: no final empty string in %r" % block)
            facts = []
        elif block_of(facts) != block:
            faults.append("bytes after the final empty string: %r" % block[len(block_of(facts)):])
        last = -1
        for n, _ in facts:
            s = n.decode("utf-8", "replace")
            if s not in names:
                faults.append("%s: not a fact of ucspitls%s" % (s, a.side))
                continue
            if names.index(s) <= last:
                faults.append("%s: out of order (or twice)" % s)
            last = names.index(s)
    if len(block) > BLOCK_MAX:
        faults.append("the block is %d bytes long, more than %d" % (len(block), BLOCK_MAX))

    have = {n.decode("utf-8", "replace"): v for n, v in facts}
    wanted = set(n for n, _, _ in expect)
    for n in have:
        if n not in wanted and n != "SSL_PADDING":
            faults.append("%s=%r: not expected" % (n, have[n]))
    for n, kind, v in expect:
        if n not in have:
            if not any(f.startswith(n + ": missing") for f in faults):
                faults.append("%s: missing (expected %s%s)" % (n, kind, v))
            continue
        got = text(have[n])
        if kind == "=" and have[n] != v.encode("utf-8", "surrogateescape"):
            faults.append("%s: expected [%s], got [%s]" % (n, v, got))
        if kind == "~" and not re.fullmatch(v, got, re.S):
            faults.append("%s: [%s] does not match %s" % (n, got, v))
    for n, v in facts:
        faults += escaping_faults(n.decode("utf-8", "replace"), v)

    # in immediate mode there is no block to read halfway: prog's
    # environment is set by ucspitlsd itself, and SSL_PADDING is no fact
    if a.env:
        if "SSL_PADDING" in have:
            faults.append("SSL_PADDING in prog's environment: it only pads a block")
    else:
        faults += halfway_faults(block, facts, role)
    if "SSL_PADDING" in have and not a.env:
        pad = have["SSL_PADDING"]
        if facts[-1][0] != b"SSL_PADDING":
            faults.append("SSL_PADDING is not the last fact")
        if pad.strip(b"."):
            faults.append("SSL_PADDING=%r: not dots only" % pad)
        rest = [f for f in facts if f[0] != b"SSL_PADDING"]
        if not halfway_faults(block_of(rest), rest, role):
            faults.append("SSL_PADDING is not needed: the halfway reader gets it all without")
        elif pad and not halfway_faults(block_of(rest + [(b"SSL_PADDING", pad[1:])]),
                                        rest + [(b"SSL_PADDING", pad[1:])], role):
            faults.append("SSL_PADDING is longer than it needs to be")

    if faults or a.show:
        for n, v in facts:
            print("  %s=%s" % (n.decode("utf-8", "replace"), v.decode("utf-8", "backslashreplace")))
        print("  (%d bytes; the halfway reader gets %s)" % (
            len(block), " ".join(sorted(k.decode("utf-8", "replace") for k in halfreader.parse(block)))))
    for f in faults:
        print("facts-check: " + f)
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
