#!/bin/bash
# env-z: unless -Z is given, the configuration variables CERTFILE KEYFILE
# CERTFILE:name KEYFILE:name CAFILE CADIR TLS_UID TLS_GID TLS_SESSION_CACHE
# TLS_SESSION_LIFETIME TLS_SESSION_FILE never reach
# prog's environment (-z is the default); with -Z they all do, unchanged.
# The rest of the environment passes through.  Both modes.
. "$(dirname "$0")/lib.sh"
certs
export TEST_STATUS_FILE=$T/status

config=("CERTFILE=$SRV_CERT" "KEYFILE=$SRV_KEY"
  "CERTFILE:mail.example.org=$MAIL_CERT" "KEYFILE:mail.example.org=$MAIL_KEY"
  "CAFILE=$CA" "CADIR=$CA_DIR" TLS_UID=65534 TLS_GID=65534
  "TLS_SESSION_CACHE=$T/sessions/store" TLS_SESSION_LIFETIME=60 "TLS_SESSION_FILE=$T/sessions/file")
names="CERTFILE KEYFILE CERTFILE:mail.example.org KEYFILE:mail.example.org CAFILE CADIR TLS_UID TLS_GID
  TLS_SESSION_CACHE TLS_SESSION_LIFETIME TLS_SESSION_FILE"
# the store's directory, writable by the TLS child's uid
mkdir "$T/sessions" && chown 65534 "$T/sessions" 2>/dev/null

n=0
# dump MODE FLAGS... -- one connection to a server running dumpenv; the
# dump is left in $T/dump.$n
dump() {
  local mode=$1; shift
  n=$((n + 1))
  local opts=("$@")
  [ "$mode" = immediate ] && opts=(-i "${opts[@]}")
  start_tcpserver "srv$n" env "${config[@]}" TEST_PASSTHROUGH=kept \
    ucspitlsd "${opts[@]}" "$PY" "$APPS/dumpenv.py" "$T/dump.$n"
  if [ "$mode" = immediate ]; then
    with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" tls readall >"$T/client.$n" 2>&1
  else
    with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" readall >"$T/client.$n" 2>&1
  fi || fail "client $n failed: $(cat "$T/client.$n")"
  wait_file "$T/dump.$n"
  wait_lines "$T/status" "$n"
  assert_eq "exit 0" "$(sed -n "${n}p" "$T/status")" "TLS child status ($mode $*)"
  stop "srv$n"
  assert_file_contains "$T/dump.$n" "env TEST_PASSTHROUGH=kept" "environment ($mode $*)"
  assert_file_contains "$T/dump.$n" "env UCSPITLS_TEST_ID=$UCSPITLS_TEST_ID" "environment ($mode $*)"
  assert_file_contains "$T/dump.$n" "env TCPREMOTEIP=127.0.0.1" "environment ($mode $*)"
  if [ "$mode" = immediate ]; then
    assert_file_contains "$T/dump.$n" "env SSL_PROTOCOL=TLSv1.2" "environment ($mode $*)"
  else
    assert_file_contains "$T/dump.$n" "env SSLCTLFD=" "environment ($mode $*)"
  fi
}

stripped() {
  local v
  for v in $names; do
    if grep -q "^env $v=" "$T/dump.$n"; then
      fail "$v reached prog ($*): $(grep "^env $v=" "$T/dump.$n")"
    fi
  done
}

kept() {
  local a
  for a in "${config[@]}"; do
    assert_file_contains "$T/dump.$n" "env $a" "environment with -Z ($*)"
  done
}

for mode in delayed immediate; do
  dump $mode;          stripped "$mode, default"
  dump $mode -z;       stripped "$mode, -z"
  dump $mode -Z;       kept "$mode, -Z"
  dump $mode -Z -z;    stripped "$mode, -Z -z"
  dump $mode -z -Z;    kept "$mode, -z -Z"
done
pass
