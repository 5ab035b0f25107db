#!/bin/bash
# facts-trust: the parent that ucspitlsd leaves behind in immediate mode
# (maybe root) builds prog's environment from the facts block that the
# TLS child -- the process that reads the network -- sends it.  A
# compromised child must not set LD_PRELOAD, PATH or any other variable
# that is not a documented fact, nor a fact whose value holds a control
# byte (our escaping never leaves one): each such string is dropped with
# a warning, and the documented facts pass.  No network peer can make
# the child send such a block, so this drives the parent's code itself:
# tests/apps/block-trust.c, built against src/ucspi/wrapper.c.
. "$(dirname "$0")/lib.sh"
cc -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$TOP/src/ucspi" -I"/usr/include/$(cc -print-multiarch)" -o "$T/block-trust" \
  "$APPS/block-trust.c" "$TOP/src/ucspi/facts.c" "$TOP/src/ucspi/ctl.c" "$TOP/src/ucspi/log.c" \
  "$TOP/src/ucspi/ids.c" -lskarnet 2>"$T/cc.err" || fail "cannot build block-trust: $(cat "$T/cc.err")"

block='SSL_PROTOCOL=TLSv1.2|LD_PRELOAD=/tmp/evil.so|PATH=/tmp/evil|SSL_CIPHER=ECDHE-ECDSA-AES128-GCM-SHA256|SSL_TLS_SNI_SERVERNAME=a^b|SSL_CLIENT_S_DN=/CN=client|IFS=x|NOEQUALS|SSL_EVIL=1||'
"$T/block-trust" "$block" PATH=/bin HOME=/root UCSPITLS= >"$T/env" 2>"$T/err" || fail "block-trust failed: $(cat "$T/err")"
assert_file_contains "$T/env" "SSL_PROTOCOL=TLSv1.2"
assert_file_contains "$T/env" "SSL_CIPHER=ECDHE-ECDSA-AES128-GCM-SHA256"
assert_file_contains "$T/env" "SSL_CLIENT_S_DN=/CN=client"
assert_file_contains "$T/env" "PATH=/bin"
assert_file_contains "$T/env" "HOME=/root"
for bad in LD_PRELOAD= PATH=/tmp/evil SSL_TLS_SNI_SERVERNAME= IFS= NOEQUALS SSL_EVIL UCSPITLS; do
  assert_file_not_contains "$T/env" "$bad" "prog's environment"
done
assert_eq 6 "$(grep -c '^ucspitlsd: warning: ' "$T/err")" "warnings for the dropped strings"
[ "$(grep -vc '^ucspitlsd: warning: ' "$T/err")" = 0 ] || fail "other lines on stderr: $(cat "$T/err")"
pass
