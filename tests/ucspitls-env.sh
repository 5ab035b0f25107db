#!/bin/bash
# ucspitls-env: UCSPITLS, the variable that UCSPI-TLS applications read
# before they offer STARTTLS (s/qmail, acceptutils, mailfront: unset means
# "no TLS here").  In delayed mode ucspitlsd and ucspitlsc set it to the
# empty string ("offer it") when the operator has not set it, and pass the
# operator's value through untouched, byte for byte: "-" (do not offer),
# "!" (required), "?" and "@" (s/qmail's relaying by client certificate),
# or anything else.  In immediate mode they remove it, whatever its value:
# TLS is on already, nothing may offer STARTTLS inside it.  It is in prog's
# environment exactly once (read from /proc/PID/environ, as execve gave
# it).
. "$(dirname "$0")/lib.sh"
certs
export CAFILE=$CA

# prog: its raw environment, one string a line, to FILE
# shellcheck disable=SC2016  # expanded by that sh
envraw=(sh -c 'tr "\0" "\n" <"/proc/$$/environ" >"$1.tmp" && mv "$1.tmp" "$1"' envraw)

# ucspitls_lines FILE -- the UCSPITLS strings of the environment in FILE
ucspitls_lines() { grep -a '^UCSPITLS=' "$1"; }

# check MODE FILE GIVEN -- FILE, prog's environment, for an operator's
# UCSPITLS of GIVEN ("unset" for none)
check() {
  local mode=$1 file=$2 given=$3 want
  wait_file "$file"
  if [ "$mode" = immediate ]; then
    [ -z "$(ucspitls_lines "$file")" ] || fail "$file: immediate mode, UCSPITLS $given: [$(ucspitls_lines "$file")]"
    return
  fi
  if [ "$given" = unset ]; then want="UCSPITLS="; else want="UCSPITLS=$given"; fi
  assert_eq "$want" "$(ucspitls_lines "$file")" "${file##*/}: delayed mode, UCSPITLS $given"
}

# as GIVEN -- sets `as` to the command prefix that unsets UCSPITLS or
# sets it to GIVEN
as() {
  if [ "$1" = unset ]; then as=(env -u UCSPITLS); else as=(env "UCSPITLS=$1"); fi
}

values=(unset "" - '!' '?' @ ' any value = 1, with \ and "quotes" ')

# a plain TCP server for ucspitlsc's delayed mode, which talks to nobody
# before prog asks; a TLS server for its immediate mode
start_tcpserver plain cat
plain_port=$PORT
CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver tls ucspitlsd -i cat
tls_port=$PORT

n=0
for given in "${values[@]}"; do
  n=$((n + 1))
  as "$given"
  # ucspitlsd, delayed: prog declines (it exits), the client sees the end
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "d$n" "${as[@]}" ucspitlsd "${envraw[@]}" "$T/d$n.env"
  with_timeout 20 tcpclient -RHl0 127.0.0.1 "$PORT" sh -c 'cat <&6 >/dev/null' \
    || fail "ucspitlsd, UCSPITLS $given: the connection failed"
  check delayed "$T/d$n.env" "$given"
  stop "d$n"
  # ucspitlsd -i
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "di$n" "${as[@]}" ucspitlsd -i "${envraw[@]}" "$T/di$n.env"
  with_timeout 20 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost tls readall \
    >"$T/di$n.client" 2>&1 || fail "ucspitlsd -i, UCSPITLS $given: $(tail -n 3 "$T/di$n.client")"
  check immediate "$T/di$n.env" "$given"
  stop "di$n"
  # ucspitlsc, delayed and immediate
  with_timeout 20 tcpclient -RHl0 127.0.0.1 "$plain_port" \
    "${as[@]}" ucspitlsc -k localhost "${envraw[@]}" "$T/c$n.env" 2>"$T/c$n.err" \
    || fail "ucspitlsc, UCSPITLS $given: $(cat "$T/c$n.err")"
  check delayed "$T/c$n.env" "$given"
  with_timeout 20 tcpclient -RHl0 127.0.0.1 "$tls_port" \
    "${as[@]}" ucspitlsc -i -k localhost "${envraw[@]}" "$T/ci$n.env" 2>"$T/ci$n.err" \
    || fail "ucspitlsc -i, UCSPITLS $given: $(cat "$T/ci$n.err")"
  check immediate "$T/ci$n.env" "$given"
done
wait_no_ucspitlsd
pass
