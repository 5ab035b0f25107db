#!/bin/bash
# proxy-rules: ucspitlsd -p -x rules.cdb applies a tcprules cdb (built
# here by ucspi-tcp's tcprules) to the client's address from the PROXY
# header, as tcpserver -x applies it to the address it sees: the exact
# address first, then shorter and shorter prefixes ending with a dot (or
# a colon, IPv6), then the empty key (Debian's tcprules, ucspi-tcp 0.88,
# cuts a rule at its first colon: it cannot write an IPv6 key, and an
# IPv6 client meets the empty key). An allow rule's variables are set
# for prog (an existing one replaced, never doubled); a deny ends the
# connection with one line and exit 100, before prog and with not one
# byte sent. LOCAL keeps the balancer's address, and the rules apply to
# it. A rules file that cannot be opened or is no cdb: exit 96.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
command -v tcprules >/dev/null 2>&1 || fail "tcprules (ucspi-tcp) is not installed"

cat >"$T/rules" <<'RULES'
# relaying for one client, not for its neighbour
127.0.0.2:allow,RELAYCLIENT="",TAG="two"
127.0.0.3:deny
127.0.0.1:allow,TAG="balancer"
192.0.2.:allow,TAG="net"
:allow,TAG="default"
RULES
tcprules "$T/rules.cdb" "$T/rules.tmp" <"$T/rules" || fail "tcprules failed"

# shellcheck disable=SC2016  # expanded by that sh
prog=(sh -c 'e=$0/env.$PROXYREMOTEPORT; env | sort >"$e.tmp" && mv "$e.tmp" "$e"; exec cat' "$T")
start_tcpserver srv "$APPS/record-exit" "$T/srv.status" env TAG=outer ucspitlsd -p -x "$T/rules.cdb" "${prog[@]}"

n=0
# conn NAME proxyclient-args... -- one connection; sets cport
conn() {
  local name=$1; shift
  n=$((n + 1))
  with_timeout 40 "$PY" "$APPS/proxyclient.py" -p "$PORT" "$@" plain 'QUIT\r\n' >"$T/$name.out" 2>&1 \
    || fail "$name: the client failed: $(tail -n 3 "$T/$name.out")"
  cport=$(sed -n 's/^port //p' "$T/$name.out")
  wait_lines "$T/srv.status" "$n" 30
}

# allowed NAME TAG RELAYCLIENT-or-unset proxyclient-args...
allowed() {
  local name=$1 tag=$2 relay=$3 e; shift 3
  conn "$name" "$@"
  assert_eq "exit 0" "$(sed -n "${n}p" "$T/srv.status")" "$name: exit status"
  e=$T/env.$cport
  wait_file "$e"
  assert_eq "TAG=$tag" "$(grep '^TAG=' "$e")" "$name: TAG"
  if [ "$relay" = unset ]; then
    assert_eq "" "$(grep '^RELAYCLIENT' "$e")" "$name: RELAYCLIENT"
  else
    assert_eq "RELAYCLIENT=$relay" "$(grep '^RELAYCLIENT' "$e")" "$name: RELAYCLIENT"
  fi
}

allowed relay-two two "" --v1 "TCP4 127.0.0.2 192.0.2.1 4000 25"
allowed neighbour default unset --v2 proxy 0x11 127.0.0.9 192.0.2.1 4001 25
allowed prefix net unset --v1 "TCP4 192.0.2.55 192.0.2.1 4002 25"
allowed v6 default unset --v2 proxy 0x21 2001:db8::7 2001:db8::1 4003 25
allowed v6-v1 default unset --v1 "TCP6 2001:db8::8 2001:db8::1 4004 25"
allowed local balancer unset --v2 local 0x00 - - 0 0
allowed unknown balancer unset --v1 UNKNOWN

# a denied client: one line, exit 100, prog never runs, nothing sent
conn denied --v1 "TCP4 127.0.0.3 192.0.2.1 4006 25"
assert_eq "exit 100" "$(sed -n "${n}p" "$T/srv.status")" "denied: exit status"
assert_eq "received " "$(grep '^received' "$T/denied.out")" "denied: bytes sent"
[ ! -e "$T/env.$cport" ] || fail "denied: prog ran"
assert_eq "ucspitlsd: fatal: client 127.0.0.3:4006 (through 127.0.0.1:$cport) denied by rules file $T/rules.cdb" \
  "$(cat "$T/srv.err")" "denied: the line"

# a rules file that cannot be used: exit 96, prog never runs
printf 'not a cdb' >"$T/bad.cdb"
for f in missing bad; do
  start_tcpserver "$f" "$APPS/record-exit" "$T/$f.status" ucspitlsd -p -x "$T/$f.cdb" "${prog[@]}"
  with_timeout 40 "$PY" "$APPS/proxyclient.py" -p "$PORT" --v1 "TCP4 127.0.0.2 192.0.2.1 4007 25" plain 'QUIT\r\n' >"$T/$f.out" 2>&1 \
    || fail "$f: the client failed"
  wait_lines "$T/$f.status" 1 30
  assert_eq "exit 96" "$(cat "$T/$f.status")" "$f rules file: exit status"
  assert_eq "received " "$(grep '^received' "$T/$f.out")" "$f rules file: bytes sent"
done
# ucspitlsd -C -x checks the file: every record in it and found by its key
out=$(ucspitlsd -C -x "$T/rules.cdb" 2>&1) || fail "ucspitlsd -C -x with a good rules file: $out"
assert_contains "$out" "ucspitlsd: info: rules file $T/rules.cdb: ok, 5 rules"
for f in missing bad; do
  ucspitlsd -C -x "$T/$f.cdb" >"$T/$f.check" 2>&1
  assert_eq 96 "$?" "ucspitlsd -C -x with the $f rules file"
done
assert_file_contains "$T/missing.check" "ucspitlsd: fatal: unable to open rules file $T/missing.cdb: No such file or directory"
assert_file_contains "$T/bad.check" "ucspitlsd: fatal: rules file $T/bad.cdb is not a valid cdb"
# cut short; a first record whose key length runs past the end of the file
head -c 2100 "$T/rules.cdb" >"$T/cut.cdb"
cp "$T/rules.cdb" "$T/hugekey.cdb"
printf '\377\377\377\000' | dd of="$T/hugekey.cdb" bs=1 seek=2048 conv=notrunc 2>/dev/null
for f in cut hugekey; do
  ucspitlsd -C -x "$T/$f.cdb" >"$T/$f.check" 2>&1
  assert_eq 96 "$?" "ucspitlsd -C -x with the $f rules file"
  assert_file_contains "$T/$f.check" "ucspitlsd: fatal: rules file $T/$f.cdb is not a valid cdb"
done

assert_file_contains "$T/missing.err" "ucspitlsd: fatal: unable to open rules file $T/missing.cdb: No such file or directory"
assert_file_contains "$T/bad.err" "ucspitlsd: fatal: rules file $T/bad.cdb is not a valid cdb"
[ "$(ls "$T" | grep -c '^env\.[0-9]*$')" = 7 ] || fail "prog ran for a connection it should not have"

# IPv6 keys, which Debian's tcprules cannot write: a cdb written here,
# in the same format (an exact address, a prefix that ends with a colon,
# the empty key)
"$PY" - "$T/rules6.cdb" <<'PYEOF'
import struct, sys
recs = [(b"2001:db8::7", b"+RELAYCLIENT=v6\0+TAG=seven\0"), (b"2001:db8:", b"+TAG=v6net\0"),
        (b"2001:db8:1::", b"D\0"), (b"", b"+TAG=default\0")]
def h(k):
    x = 5381
    for c in k:
        x = ((x << 5) + x ^ c) & 0xffffffff
    return x
body, slots = b"", [[] for _ in range(256)]
for k, v in recs:
    slots[h(k) & 255].append((h(k), 2048 + len(body)))
    body += struct.pack("<II", len(k), len(v)) + k + v
head, tables, pos = b"", b"", 2048 + len(body)
for s in slots:
    n = 2 * len(s)
    t = [(0, 0)] * n
    for hh, p in s:
        i = (hh >> 8) % n
        while t[i][1]:
            i = (i + 1) % n
        t[i] = (hh, p)
    head += struct.pack("<II", pos + len(tables), n)
    tables += b"".join(struct.pack("<II", a, b) for a, b in t)
open(sys.argv[1], "wb").write(head + body + tables)
PYEOF
start_tcpserver six "$APPS/record-exit" "$T/six.status" ucspitlsd -p -x "$T/rules6.cdb" "${prog[@]}"
n6=0
# six NAME TAG RELAYCLIENT-or-unset SRC
six() {
  local e
  n6=$((n6 + 1))
  with_timeout 40 "$PY" "$APPS/proxyclient.py" -p "$PORT" --v2 proxy 0x21 "$4" 2001:db8::1 5000 25 plain 'QUIT\r\n' >"$T/$1.out" 2>&1 \
    || fail "$1: the client failed"
  wait_lines "$T/six.status" "$n6" 30
  e=$T/env.$(sed -n 's/^port //p' "$T/$1.out")
  if [ "$2" = denied ]; then
    assert_eq "exit 100" "$(sed -n "${n6}p" "$T/six.status")" "$1: exit status"
    [ ! -e "$e" ] || fail "$1: prog ran"
    return
  fi
  wait_file "$e"
  assert_eq "TAG=$2" "$(grep '^TAG=' "$e")" "$1: TAG"
  if [ "$3" = unset ]; then assert_eq "" "$(grep '^RELAYCLIENT' "$e")" "$1: RELAYCLIENT"
  else assert_eq "RELAYCLIENT=$3" "$(grep '^RELAYCLIENT' "$e")" "$1: RELAYCLIENT"; fi
}
six six-exact seven v6 2001:db8::7
six six-prefix v6net unset 2001:db8::8
six six-longer denied - 2001:db8:1::5
six six-other default unset 2001:db9::8
six six-v4 default unset ::ffff:192.0.2.1
wait_no_ucspitlsd
pass
