#!/bin/bash
# smtpd-usage: starttls-smtpd's usage errors exit 100 with a usage line:
# no program, an unknown option, a bad -t; an SSLCTLFD that is not an
# open fd is a usage error too.
. "$(dirname "$0")/lib.sh"

check() { # expected-stderr-part args...
  local want=$1; shift
  starttls-smtpd "$@" </dev/null >"$T/out" 2>"$T/err"
  assert_eq 100 "$?" "exit status of starttls-smtpd $*"
  assert_file_contains "$T/err" "$want" "stderr of starttls-smtpd $*"
  [ ! -s "$T/out" ] || fail "starttls-smtpd $* wrote to stdout: $(cat "$T/out")"
}
check "starttls-smtpd: usage: starttls-smtpd [ -r ] [ -t timeout ] prog... | starttls-smtpd -V"
check "starttls-smtpd: usage:" -r
check "starttls-smtpd: usage:" -x true
check "starttls-smtpd: usage:" -t abc true
check "starttls-smtpd: usage:" -t 10s true
SSLCTLFD=9 SSLREADFD=0 SSLWRITEFD=1 check "starttls-smtpd: fatal: invalid SSLCTLFD: 9" true
SSLCTLFD=x SSLREADFD=0 SSLWRITEFD=1 check "starttls-smtpd: fatal: invalid SSLCTLFD: x" true
pass
