#!/usr/bin/env python3
"""memscan -- which process holds which private-key secret, at which mapping.

usage: memscan.py secrets KEYFILE...
       memscan.py scan [--key KEYFILE]... [--pid PID[=LABEL]]...
                       [--tree PID[=LABEL]]... [--sock local=PORT|remote=PORT]...
                       [--exclude PID]... [--min N]
       memscan.py hold KEYFILE READYFILE [SECS]

secrets: print what is searched for in a key file (PEM or DER; SEC1 EC,
  PKCS#1 RSA, or PKCS#8 of either), one line per secret:
  "secret NAME LEN HEX" (the big-endian value of each secret integer:
  the EC private scalar "ec-x"; for RSA "rsa-p", "rsa-q", "rsa-d",
  "rsa-dp", "rsa-dq", "rsa-qinv"), then "file der LEN" and "file pem LEN".

scan (as root): read the memory (/proc/PID/mem) of the processes named,
  through every readable mapping of /proc/PID/maps (heap, stack, bss,
  anonymous, file-backed; only [vvar] and [vsyscall] are skipped), and
  search it for the secrets of each --key (anonymous mappings never
  touched, with nothing resident nor swapped, are all zeros and not
  read; those over 1 GiB, which only AddressSanitizer's shadow memory
  is, are not read either and are listed as "skipped": the shadow holds
  the state of the program's bytes, not the bytes), each integer in
  these forms:
    be    big-endian bytes (as in the key file, and as BearSSL's
          br_ec_private_key / br_rsa_private_key hold x, p, q, dp, dq, iq,
          pointing into br_skey_decoder_context's key_data)
    le    little-endian bytes (OpenSSL's BIGNUM on 64-bit; BearSSL's i32
          code, 32-bit limbs low word first, is the same bytes)
    i31   31-bit limbs in uint32_t, low limb first, without the header
          word (BearSSL's i31 code: rsa_i31_private and rsa_i62_private,
          the default on amd64, keep nothing past the call, but decode
          p and q into i31 limbs in a buffer on the stack, and the ECDSA
          signer does the same with x; the stack keeps them after the
          call: q is found so in the stack of a TLS child that signed
          with BearSSL's default RSA code)
    i15   15-bit limbs in uint16_t, low limb first (BearSSL's i15 code)
  each also as its first and last 16 bytes ("head", "tail": a partial
  copy; not reported where the whole is); and the key file's DER bytes, its whole PEM text, and every PEM
  line whose bytes cover a secret integer (a fragment of the file).
  Processes: --pid PID; --tree PID (PID and all its descendants);
  --sock local=PORT / remote=PORT (every process with an fd on an
  established TCP socket of 127.0.0.1 whose local / remote port is
  PORT); --exclude PID: not that one.  LABEL names a process in the
  output.  This process is never scanned (it holds the secrets it looks
  for).
  Output: "proc PID COMM LABELS scanned BYTES bytes in N mappings" per
  process, "skipped PID COMM LABELS MAPPING (SIZE, RESIDENT)" for each
  mapping left out, then "found PID COMM LABELS KEY:SECRET:FORM at ADDR
  in MAPPING" per hit (the first hit of each secret form per mapping).
  Exit 0: nothing found; 1: something found; 2: the scan itself failed
  (a process could not be read, vanished, or fewer than --min processes
  were scanned: a scan that read nothing proves nothing).

hold: a control process that holds a key file's secrets the way a
  careless program would: the file's bytes, its DER, and the integers as
  `openssl pkey -text -noout` prints them (big-endian; obtained apart
  from the DER parser above, so that a wrong parser does not go
  unnoticed).  Creates READYFILE (holding its pid) once it has them, then
  sleeps SECS (default 60) and exits.
"""

import base64
import os
import re
import subprocess
import sys
import time

NAMES_EC = ("ec-x",)
NAMES_RSA = ("rsa-n", "rsa-e", "rsa-d", "rsa-p", "rsa-q", "rsa-dp", "rsa-dq", "rsa-qinv")
PUBLIC = ("rsa-n", "rsa-e")


class ScanError(Exception):
    pass


# --- DER, just enough for private keys

def der_next(b, i):
    """(tag, start of content, end of content) of the element at b[i]."""
    tag = b[i]
    n = b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7f
        if not 1 <= k <= 4:
            raise ValueError("bad DER length")
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    if i + n > len(b):
        raise ValueError("DER element runs past the end")
    return tag, i, i + n


def der_children(b, start, end):
    out = []
    i = start
    while i < end:
        tag, s, e = der_next(b, i)
        out.append((tag, s, e))
        i = e
    return out


def parse_key(der):
    """{name: (value bytes, start, end in der)} and the key type."""
    tag, s, e = der_next(der, 0)
    if tag != 0x30:
        raise ValueError("not a DER SEQUENCE")
    kids = der_children(der, s, e)
    # PKCS#8: version 0, AlgorithmIdentifier, OCTET STRING
    if len(kids) >= 3 and kids[0][0] == 0x02 and kids[1][0] == 0x30 and kids[2][0] == 0x04:
        inner_s, inner_e = kids[2][1], kids[2][2]
        typ, vals = parse_key(der[inner_s:inner_e])
        return typ, {k: (v, a + inner_s, b + inner_s) for k, (v, a, b) in vals.items()}
    # SEC1: version 1, OCTET STRING x, ...
    if len(kids) >= 2 and kids[0][0] == 0x02 and der[kids[0][1]:kids[0][2]] == b"\x01" and kids[1][0] == 0x04:
        t, a, b = kids[1]
        return "ec", {"ec-x": (der[a:b], a, b)}
    # PKCS#1: version, n, e, d, p, q, dp, dq, qinv
    if len(kids) >= 9 and all(k[0] == 0x02 for k in kids[:9]):
        vals = {}
        for name, (t, a, b) in zip(NAMES_RSA, kids[1:9]):
            vals[name] = (der[a:b], a, b)
        return "rsa", vals
    raise ValueError("not a SEC1, PKCS#1 or PKCS#8 private key")


def read_keyfile(path):
    """(raw file bytes, DER, PEM body lines with their DER byte ranges)."""
    with open(path, "rb") as f:
        raw = f.read()
    if b"-----BEGIN " not in raw:
        return raw, raw, []
    m = re.search(rb"-----BEGIN ([A-Z ]*PRIVATE KEY)-----\r?\n(.*?)-----END \1-----", raw, re.S)
    if not m:
        raise ValueError("no PEM private key in %s" % path)
    body = m.group(2)
    if b":" in body:
        raise ValueError("encrypted PEM keys are not handled")
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    der = base64.b64decode(b"".join(lines))
    spans = []
    pos = 0
    for ln in lines:
        n = len(base64.b64decode(ln)) if len(ln) % 4 == 0 else len(ln) * 3 // 4
        spans.append((ln, pos, pos + n))
        pos += n
    return raw, der, spans


def minimal(v):
    v = v.lstrip(b"\0")
    return v or b"\0"


def limbs(v, bits):
    """v (big-endian) as limbs of BITS bits, low limb first, each in a
    little-endian word of 32 bits (bits 31) or 16 bits (bits 15)."""
    n = int.from_bytes(v, "big")
    width = 4 if bits > 16 else 2
    nlimbs = max(1, (n.bit_length() + bits - 1) // bits)
    mask = (1 << bits) - 1
    return b"".join(((n >> (bits * i)) & mask).to_bytes(width, "little") for i in range(nlimbs))


def needles(path, tag):
    """[(label, bytes)] to search for in memory, for key file PATH."""
    raw, der, spans = read_keyfile(path)
    typ, vals = parse_key(der)
    out = []
    for name, (v, a, b) in vals.items():
        if name in PUBLIC:
            continue
        be = minimal(v)
        forms = {"be": be, "le": be[::-1], "i31": limbs(be, 31), "i15": limbs(be, 15)}
        for form, pat in forms.items():
            out.append(("%s:%s:%s" % (tag, name, form), pat))
            if len(pat) > 32:
                out.append(("%s:%s:%s-head" % (tag, name, form), pat[:16]))
                out.append(("%s:%s:%s-tail" % (tag, name, form), pat[-16:]))
    out.append(("%s:file:der" % tag, der))
    if spans:
        out.append(("%s:file:pem" % tag, raw))
        secret_ranges = [(a, b) for name, (v, a, b) in vals.items() if name not in PUBLIC]
        for i, (ln, a, b) in enumerate(spans):
            if len(ln) >= 16 and any(a < se and ss < b for ss, se in secret_ranges):
                out.append(("%s:file:pem-line%d" % (tag, i + 1), ln))
    return typ, vals, der, raw, out


# --- processes

def proc_comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return "?"


def all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def ppid_of(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def tree(root):
    kids = {}
    for p in all_pids():
        pp = ppid_of(p)
        if pp is not None:
            kids.setdefault(pp, []).append(p)
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def socket_inodes(which, port):
    """inodes of the established TCP sockets on 127.0.0.1 whose local
    (which == "local") or remote port is PORT."""
    inodes = set()
    for tab in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(tab) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            c = row.split()
            if c[3] != "01":
                continue
            addr = c[1] if which == "local" else c[2]
            if int(addr.rsplit(":", 1)[1], 16) == port:
                inodes.add(c[9])
    return inodes


def socket_holders(inodes):
    links = {"socket:[%s]" % i for i in inodes}
    out = []
    for p in all_pids():
        try:
            fds = os.listdir("/proc/%d/fd" % p)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink("/proc/%d/fd/%s" % (p, fd)) in links:
                    out.append(p)
                    break
            except OSError:
                pass
    return out


CHUNK = 4 << 20
HUGE = 1 << 30


def mappings(pid):
    """(start, end, perms, path, resident kB) of each readable mapping."""
    out = []
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            c = line.split(None, 5)
            if "-" in c[0] and len(c) >= 5 and len(c[1]) == 4:
                start, end = (int(x, 16) for x in c[0].split("-"))
                path = c[5].strip() if len(c) > 5 else ""
                out.append([start, end, c[1], path, 0])
            elif c[0] in ("Rss:", "Swap:") and out:
                out[-1][4] += int(c[1])
    return [m for m in out if m[2][0] == "r" and m[3] not in ("[vvar]", "[vsyscall]", "[vvar_vclock]")]


def search(data, base, pats, where, hits, whole):
    for label, pat in pats:
        part = label.endswith(("-head", "-tail"))
        if label in whole or (part and label[:-5] in whole):
            continue  # found already; the parts of a whole say no more
        i = data.find(pat)
        if i >= 0:
            hits.append((label, base + i, where))
            whole.add(label)


def scan_pid(pid, pats):
    """(bytes read, mappings read, [(label, addr, mapping)], [skipped])."""
    total = nmaps = 0
    hits, skipped = [], []
    overlap = max(len(p) for _, p in pats) - 1
    try:
        maps = mappings(pid)
        mem = open("/proc/%d/mem" % pid, "rb", buffering=0)
    except OSError as e:
        raise ScanError("cannot read process %d: %s" % (pid, e))
    with mem:
        for start, end, perms, path, kb in maps:
            where = "%x-%x %s %s" % (start, end, perms, path or "[anon]")
            anon = not path or path.startswith("[")
            if anon and not kb:
                continue  # never touched: zeros
            if anon and end - start > HUGE:
                # AddressSanitizer's shadow (terabytes, a few pages used)
                # holds the state of the program's bytes, not the bytes
                skipped.append("%s (%d MiB, %d kB resident)" % (where, (end - start) >> 20, kb))
                continue
            whole = set()
            prev = b""
            pos = start
            try:
                mem.seek(start)
                while pos < end:
                    chunk = mem.read(min(CHUNK, end - pos))
                    if not chunk:
                        break
                    data = prev + chunk
                    search(data, pos - len(prev), pats, where, hits, whole)
                    prev = data[-overlap:] if overlap else b""
                    pos += len(chunk)
                    total += len(chunk)
            except OSError as e:
                # a file mapping past the file's end reads EIO; memory of
                # the process's own (anonymous, writable) may not fail
                if anon or "w" in perms:
                    raise ScanError("cannot read %s of process %d at %x: %s" % (path or "anon", pid, pos, e))
                continue
            nmaps += 1
    if not os.path.exists("/proc/%d" % pid):
        raise ScanError("process %d ended during the scan" % pid)
    return total, nmaps, hits, skipped


def cmd_scan(args):
    keys, pids, excluded = [], {}, set()
    minimum = 1
    i = 0

    def add(pid, label):
        pids.setdefault(pid, [])
        if label and label not in pids[pid]:
            pids[pid].append(label)

    while i < len(args):
        a = args[i]
        v = args[i + 1] if i + 1 < len(args) else None
        if v is None:
            raise SystemExit("memscan: %s needs an argument" % a)
        i += 2
        pid, _, label = v.partition("=")
        if a == "--key":
            keys.append(v)
        elif a == "--pid":
            add(int(pid), label or "pid")
        elif a == "--tree":
            root = int(pid)
            if not os.path.exists("/proc/%d" % root):
                raise ScanError("process %d does not exist" % root)
            for p in tree(root):
                add(p, (label or "tree") + ("" if p == root else "-desc"))
        elif a == "--sock":
            which, _, port = v.partition("=")
            if which not in ("local", "remote"):
                raise SystemExit("memscan: --sock local=PORT or remote=PORT")
            for p in socket_holders(socket_inodes(which, int(port))):
                add(p, "sock")
        elif a == "--exclude":
            excluded.add(int(v))
        elif a == "--min":
            minimum = int(v)
        else:
            raise SystemExit("memscan: unknown option %s" % a)
    if not keys:
        raise SystemExit("memscan: no --key")
    pats = []
    for k in keys:
        pats += needles(k, os.path.basename(k))[4]
    for p in excluded | {os.getpid()}:
        pids.pop(p, None)
    if len(pids) < minimum:
        raise ScanError("%d processes to scan, expected at least %d" % (len(pids), minimum))
    found = 0
    for pid in sorted(pids):
        comm = proc_comm(pid)
        labels = ",".join(pids[pid]) or "-"
        total, nmaps, hits, skipped = scan_pid(pid, pats)
        if not total:
            raise ScanError("read nothing from process %d" % pid)
        print("proc %d %s %s scanned %d bytes in %d mappings" % (pid, comm, labels, total, nmaps), flush=True)
        for where in skipped:
            print("skipped %d %s %s %s" % (pid, comm, labels, where), flush=True)
        for label, addr, where in hits:
            print("found %d %s %s %s at %x in %s" % (pid, comm, labels, label, addr, where), flush=True)
            found += 1
    return 1 if found else 0


def cmd_secrets(args):
    for k in args:
        typ, vals, der, raw, pats = needles(k, os.path.basename(k))
        for name, (v, a, b) in vals.items():
            if name not in PUBLIC:
                be = minimal(v)
                print("secret %s %d %s" % (name, len(be), be.hex()))
        print("file der %d" % len(der))
        if raw != der:
            print("file pem %d" % len(raw))
    return 0


def openssl_values(path):
    """The private integers as `openssl pkey -text -noout` prints them."""
    txt = subprocess.run(["openssl", "pkey", "-in", path, "-text", "-noout"] +
                         ([] if open(path, "rb").read(11) == b"-----BEGIN " else ["-inform", "DER"]),
                         check=True, capture_output=True, text=True).stdout
    out, cur = {}, None
    for line in txt.splitlines():
        m = re.match(r"^([A-Za-z0-9]+):\s*$", line)
        if m:
            cur = m.group(1)
            out[cur] = ""
        elif cur and re.match(r"^\s+[0-9a-f:]+$", line):
            out[cur] += line.strip().replace(":", "")
        else:
            cur = None
    names = {"priv": "ec-x", "privateExponent": "rsa-d", "prime1": "rsa-p", "prime2": "rsa-q",
             "exponent1": "rsa-dp", "exponent2": "rsa-dq", "coefficient": "rsa-qinv"}
    return {names[k]: minimal(bytes.fromhex(v)) for k, v in out.items() if k in names and v}


def cmd_hold(args):
    path, ready = args[0], args[1]
    secs = float(args[2]) if len(args) > 2 else 60.0
    with open(path, "rb") as f:
        held_file = f.read()
    held_der = read_keyfile(path)[1]
    held_ints = openssl_values(path)
    if not held_ints:
        raise SystemExit("memscan hold: openssl printed no private values for %s" % path)
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
        for k in sorted(held_ints):
            f.write("openssl %s %s\n" % (k, held_ints[k].hex()))
    os.rename(ready + ".tmp", ready)
    held = (held_file, held_der, held_ints)  # alive through the sleep
    time.sleep(secs)
    return 0 if held else 1


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        if cmd == "secrets":
            return cmd_secrets(args)
        if cmd == "scan":
            return cmd_scan(args)
        if cmd == "hold":
            return cmd_hold(args)
    except ScanError as e:
        print("memscan: error: %s" % e, flush=True)
        return 2
    except (OSError, ValueError) as e:
        print("memscan: error: %s" % e, flush=True)
        return 2
    raise SystemExit("memscan: unknown command %s" % cmd)


if __name__ == "__main__":
    sys.exit(main())
