#!/bin/bash
# readme-systemd: README's systemd units (smtps.socket, smtps@.service)
# pass systemd-analyze verify, and run as written under a stand-in for
# systemd: the socket unit's ExecStartPre (the -C check, silent with
# -v0), then the service's ExecStart with its Environment for each
# connection, on fds 0/1 (systemd-socket-activate --accept --inetd).
# The only edits: the installed paths become the source tree's and the
# test certificates, port 465 a free one, qmail-smtpd the demo server.
. "$(dirname "$0")/lib.sh"
command -v systemd-socket-activate >/dev/null 2>&1 && command -v systemd-analyze >/dev/null 2>&1 \
  || skip "systemd-socket-activate or systemd-analyze is not installed (Debian's systemd package has them)"
certs

example() {
  sed -n "/^=== begin example $1 ===\$/,/^=== end example $1 ===\$/{/^=== /d;p;}" "$TOP/README"
}
edit() {
  sed -e "s#/usr/local/bin/ucspitlsd#$TOP/src/ucspitlsd#" \
      -e "s#/etc/ssl/smtpd/cert.pem#$SRV_CERT#" -e "s#/etc/ssl/smtpd/key.pem#$SRV_KEY#" \
      -e "s#qmail-smtpd#$TOP/src/demo/smtpd-demo#"
}
mkdir -p "$T/units"
example smtps.socket | edit >"$T/units/smtps.socket"
example 'smtps@.service' | edit >"$T/units/smtps@.service"
[ -s "$T/units/smtps.socket" ] && [ -s "$T/units/smtps@.service" ] || fail "README has no smtps.socket / smtps@.service"
grep -qx 'Accept=yes' "$T/units/smtps.socket" || fail "the socket unit has no Accept=yes"
grep -qx 'ListenStream=465' "$T/units/smtps.socket" || fail "the socket unit does not listen on 465"
grep -qx 'StandardError=journal' "$T/units/smtps@.service" || fail "the service does not log to the journal"
(cd "$T/units" && with_timeout 60 systemd-analyze verify --man=no smtps.socket smtps@.service) >"$T/verify" 2>&1 \
  || fail "systemd-analyze verify: $(cat "$T/verify")"

# ENV... from a unit's Environment= lines; the argv of its KEY= line
envs() { sed -n 's/^Environment=//p' "$1"; }
cmd() { sed -n "s/^$2=//p" "$1"; }

# the socket's check
mapfile -t senv < <(envs "$T/units/smtps.socket")
read -r -a pre <<<"$(cmd "$T/units/smtps.socket" ExecStartPre)"
with_timeout 30 env -i "${senv[@]}" "${pre[@]}" >"$T/pre.out" 2>&1 || fail "ExecStartPre failed: $(cat "$T/pre.out")"
[ ! -s "$T/pre.out" ] || fail "ExecStartPre printed: $(cat "$T/pre.out")"

# the service, per connection
mapfile -t venv < <(envs "$T/units/smtps@.service")
read -r -a start <<<"$(cmd "$T/units/smtps@.service" ExecStart)"
eargs=()
for e in "${venv[@]}"; do eargs+=(-E "$e"); done
PORT=$(free_port)
start_bg svc systemd-socket-activate -l "127.0.0.1:$PORT" --accept --inetd \
  -E "UCSPITLS_TEST_ID=$UCSPITLS_TEST_ID" "${eargs[@]}" "${start[@]}"
wait_port "$PORT"
out=$(printf 'EHLO me\r\nQUIT\r\n' | with_timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
  -CAfile "$CA" -verify_return_error -quiet -ign_eof 2>&1)
assert_contains "$out" "220 localhost ESMTP" "the greeting, over TLS from the first byte"
assert_contains "$out" "221 2.0.0" "the QUIT reply"
wait_for 10 grep -q ' end=ok$' "$T/svc.err" || fail "no -v2 line: $(cat "$T/svc.err")"
grep -qE '^ucspitlsd: info: peer=127\.0\.0\.1:[0-9]+ sni=localhost protocol=TLSv1\.2 ' "$T/svc.err" \
  || fail "the -v2 line does not name the client: $(grep ucspitlsd "$T/svc.err")"
pass
