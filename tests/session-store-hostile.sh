#!/bin/bash
# session-store-hostile: a session store that is garbage or not ours is
# never trusted, never crashes a connection, and never resumes a session
# that was not stored. Random bytes of the right size with our header,
# and slots torn or altered: read as empty (a full handshake, then
# resumption again). A file of the wrong size, another header, a mode
# open to others, another owner, a directory, a symlink: not used, with
# one warning line, and the connection goes on with a full handshake.
# ucspitlsd -C refuses each of those with exit 96 and one line.
. "$(dirname "$0")/lib.sh"
certs

export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TLS_SESSION_CACHE=$T/store
start_tcpserver srv ucspitlsd -i "$APPS/facts-say"
rc() { with_timeout 60 "$PY" "$APPS/resume-client.py" -p "$PORT" --ca "$CA" --sni localhost "$@" >"$T/rc.log" 2>&1 \
  || fail "client ($*): $(cat "$T/rc.log")"; }
size=1049088

# a good store first: made 0600, of its size
rc -n 2 --expect nr
assert_eq "$size -rw-------" "$(stat -c '%s %A' "$T/store")" "the store"
head -c 25 "$T/store" | grep -q '^ucspitls session store 1$' || fail "no header"

# 1. every slot flipped one bit at a time, or garbage: empty, then usable
sc() { echo | with_timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -servername localhost "$@" 2>&1; }
for how in flip garbage zero-slots; do
  sc -sess_out "$T/s0.pem" >"$T/s0.log"
  sc -sess_in "$T/s0.pem" >"$T/s1.log"
  assert_file_contains "$T/s1.log" "Reused, TLSv1.2" "$how: before"
  "$PY" - "$T/store" "$how" <<'PYEOF'
import os, sys
p, how = sys.argv[1], sys.argv[2]
b = bytearray(open(p, "rb").read())
for off in range(512, len(b), 512):
    if how == "flip":
        i = off + (off // 512 * 37) % 512
        b[i] ^= 0x01
    elif how == "garbage":
        b[off:off + 512] = os.urandom(512)
    elif how == "zero-slots":
        b[off + 4:off + 20] = bytes(16)
open(p, "r+b").write(bytes(b))
PYEOF
  sc -sess_in "$T/s0.pem" >"$T/s2.log"
  assert_file_contains "$T/s2.log" "New, TLSv1.2" "$how: a session whose slot was changed"
  rc -n 2 --expect nr
done
: >"$T/srv.err"

# 2. a session offered by a client, altered in the store: not resumed
sc -sess_out "$T/s.pem" >/dev/null
"$PY" - "$T/store" <<'PYEOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
for off in range(512, len(b), 512):
    if b[off:off + 4] == b"USE1":
        b[off + 66] ^= 0x80      # the master secret
open(p, "r+b").write(bytes(b))
PYEOF
sc -sess_in "$T/s.pem" >"$T/alt.log"
assert_file_contains "$T/alt.log" "New, TLSv1.2" "a slot with a changed secret"

# 3. expired sessions are wiped when their set is written: a store of
# 2048 whole but long expired slots, each with a marked secret; a full
# handshake writes one set of 4 slots: all 4 marks of it are gone (one
# slot holds the new session, the 3 others are zero)
"$PY" - "$T/store" <<'PYEOF'
import hashlib, struct, sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
for off in range(512, len(b), 512):
    body = bytearray(492)
    struct.pack_into(">QHHBB", body, 0, 1, 0x0303, 0xC02B, 32, 9)
    body[14:46] = hashlib.sha256(b"%d" % off).digest()
    body[46:94] = b"MARKEDSECRET" * 4
    body[94:103] = b"localhost"
    b[off:off + 512] = b"USE1" + hashlib.sha256(bytes(body)).digest()[:16] + bytes(body)
open(p, "r+b").write(bytes(b))
PYEOF
marks() { grep -aoc MARKEDSECRETMARKEDSECRETMARKEDSECRETMARKEDSECRET <(tr '\n' ' ' <"$T/store" | sed 's/USE1/\n/g'); }
assert_eq 2048 "$(marks)" "marked slots before"
rc -n 1 --expect n
assert_eq 2044 "$(marks)" "marked slots after a full handshake"

# 4. stores that are not used: a warning, a full handshake; -C: 96
refused() {
  local what=$1 expect=$2
  : >"$T/srv.err"
  rc -n 2 --expect nn
  wait_for 10 grep -q "$expect" "$T/srv.err" || fail "$what: no warning [$expect]: $(cat "$T/srv.err")"
  grep -v '^ucspitlsd: warning: session store .*: resuming no session$' "$T/srv.err" \
    | grep -v '^ucspitlsd: warning: unable to use session store .*: resuming no session$' | grep -q . \
    && fail "$what: other lines: $(cat "$T/srv.err")"
  env TLS_SESSION_CACHE="$T/store" ucspitlsd -C >"$T/check.out" 2>"$T/check.err"
  assert_eq 96 "$?" "$what: ucspitlsd -C"
  assert_eq 1 "$(grep -c 'fatal' "$T/check.err")" "$what: -C's fatal lines"
  grep -q "$expect" "$T/check.err" || fail "$what: -C: $(cat "$T/check.err")"
}
rm -f "$T/store"; head -c 1000 /dev/urandom >"$T/store"; chmod 600 "$T/store"
refused "truncated" "has the wrong size (1000 bytes)"
head -c $((size + 512)) /dev/zero >"$T/store"
refused "too long" "has the wrong size"
head -c $size /dev/urandom >"$T/store"
refused "random bytes" "is not a session store of ucspitlsd"
head -c $size /dev/zero >"$T/store"; rc -n 2 --expect nr
chmod 640 "$T/store"
refused "mode 0640" "is open to group or others"
chmod 600 "$T/store"; chown 65534 "$T/store"
refused "another owner" "is not owned by the uid of the TLS child"
rm -f "$T/store"; mkdir "$T/store"
refused "a directory" "session store"
rmdir "$T/store"; head -c $size /dev/zero >"$T/other"; chmod 600 "$T/other"; ln -s "$T/other" "$T/store"
refused "a symlink" "unable to use session store"
rm -f "$T/store"

# 5. a store made anew by -C: usable
env TLS_SESSION_CACHE="$T/store" ucspitlsd -C >"$T/check.out" 2>"$T/check.err" || fail "-C: $(cat "$T/check.err")"
assert_file_contains "$T/check.err" "ucspitlsd: info: TLS_SESSION_CACHE $T/store: ok"
rc -n 2 --expect nr
pass
