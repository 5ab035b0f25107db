"""halfreader -- the facts-block reader that s/qmail (tls_start.c,
starttls_info) and acceptutils (acceptutils_ucspitls.c, tls_info) share,
transliterated (research notes, /work/notes/apps-research.md section 2),
and a correct reader to hold it against.  A module, not an app: imported
by sqmail-smtpd.py, authup.py and facts-check.py, so that all three read
the block the same way.

read_block(fd): read() in 8192-byte chunks until the bytes so far end in
  two NULs, checked after each read (any size; never waits for EOF).
  End-of-file or an error first: EOFError (s/qmail then answers "421 out
  of memory (#4.3.0)", authup "451 authup out of memory (#4.3.0)").

parse(block): {name: value} as the C code's env_put2 calls set them.  Its
  loop runs j over the block but stops copying a value once
  j < len - j - 1 fails, about halfway through; x, the byte pointer,
  runs ahead of j by one for each '=' passed.  So the k-th NAME=VALUE
  string, its NUL at offset q, is set iff 2(q - k) < len - 1, and nothing
  after the first one lost.  The C walks past len into the stralloc's
  slack: padded here with bytes that are never used.  A bare NAME (no
  '=') is not skipped: the next value is set under it.  Later names
  replace earlier ones (qmail's env_put2).

correct(block): what a correct reader gets: the NAME=VALUE strings up to
  the first empty string (None if there is none); a string without '='
  is an error (ValueError).  Bytes, both.
"""

import os


def read_block(fd):
    env = b""
    while True:
        try:
            chunk = os.read(fd, 8192)
        except OSError:
            chunk = b""
        if not chunk:
            raise EOFError("end of SSLCTLFD after %d bytes, before two NULs" % len(env))
        env += chunk
        if len(env) >= 2 and env[-2] == 0 and env[-1] == 0:
            return env


def parse(ssl_env):
    n = len(ssl_env)
    buf = ssl_env + b"?" * (n + 2)   # the slack the C reads past len
    out = {}
    parm, value = bytearray(), bytearray()
    x = j = 0
    while j < n - 1:
        if buf[x] != 0x3d:                 # not '='
            parm.append(buf[x])
            x += 1
        else:
            parm.append(0)                 # stralloc_0(&ssl_parm)
            x += 1
            while j < n - j - 1:
                if buf[x] != 0:
                    value.append(buf[x])
                    x += 1
                else:
                    x += 1
                    out[bytes(parm).split(b"\0")[0]] = bytes(value)   # env_put2
                    parm, value = bytearray(), bytearray()
                    break
                j += 1
        j += 1
    return out


def correct(block):
    facts = []
    rest = block
    while True:
        if b"\0" not in rest:
            return None
        s, rest = rest.split(b"\0", 1)
        if not s:
            return facts
        if b"=" not in s:
            raise ValueError("a string without '=': %r" % s)
        name, value = s.split(b"=", 1)
        facts.append((name, value))
