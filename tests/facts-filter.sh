#!/bin/bash
# facts-filter: the parent that execs prog in immediate mode takes each
# documented fact once, the first time the TLS child's block gives it,
# and only with a value that our escaping may have written (valid UTF-8
# of printable characters: no C0, DEL or C1 control, raw or encoded, no
# byte that is not UTF-8, no truncated, overlong or surrogate sequence);
# every string dropped gets a warning that names the fact.  A repeated
# fact is dropped even when its first value was dropped.  As in
# facts-trust, no network peer can make the child send such a block: this
# drives the parent's code itself (tests/apps/block-trust.c).
. "$(dirname "$0")/lib.sh"
cc -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$TOP/src/ucspi" -I"/usr/include/$(cc -print-multiarch)" -o "$T/block-trust" \
  "$APPS/block-trust.c" "$TOP/src/ucspi/facts.c" "$TOP/src/ucspi/ctl.c" "$TOP/src/ucspi/log.c" \
  "$TOP/src/ucspi/ids.c" -lskarnet 2>"$T/cc.err" || fail "cannot build block-trust: $(cat "$T/cc.err")"

block="SSL_PROTOCOL=TLSv1.2|SSL_CIPHER=ECDHE-ECDSA-AES128-GCM-SHA256|SSL_CIPHER=NULL-NULL"
block+="|SSL_TLS_SNI_SERVERNAME=caf"$'\xc3\xa9'".example|SSL_PROTOCOL=SSLv3"
block+="|SSL_CLIENT_S_DN=CN=a"$'\xff'"b|SSL_CLIENT_S_DN=CN=second"
block+="|SSL_CLIENT_S_DN_CN=a"$'\xc2\x85'"b|SSL_PEER_CERT_HASH=SHA256:"$'\xe2\x82'
block+="|SSL_SESSION_ID="$'\xed\xa0\x80'"|SSL_CLIENT_I_DN=O="$'\xc0\xaf'
block+="|SSL_CLIENT_M_SERIAL=1"$'\x7f'"|SSL_PEER_CERT_SUBJECT=CN=gr"$'\xc3\xbc\xc3\x9f\xe2\x82\xac\xf0\x9f\x98\x80'
block+="|SSL_CIPHER_USEKEYSIZE=128|SSL_CIPHER_USEKEYSIZE=256||"
"$T/block-trust" "$block" PATH=/bin HOME=/root >"$T/env" 2>"$T/err" || fail "block-trust failed: $(cat "$T/err")"
say "prog's environment: $(tr '\n' ' ' <"$T/env")"

# what passes, once
for good in SSL_PROTOCOL=TLSv1.2 SSL_CIPHER=ECDHE-ECDSA-AES128-GCM-SHA256 \
    "SSL_TLS_SNI_SERVERNAME=caf"$'\xc3\xa9'".example" SSL_CIPHER_USEKEYSIZE=128 \
    "SSL_PEER_CERT_SUBJECT=CN=gr"$'\xc3\xbc\xc3\x9f\xe2\x82\xac\xf0\x9f\x98\x80' PATH=/bin HOME=/root; do
  assert_eq 1 "$(grep -cxF "$good" "$T/env")" "[$good] in prog's environment"
done
for name in SSL_PROTOCOL SSL_CIPHER SSL_TLS_SNI_SERVERNAME SSL_CIPHER_USEKEYSIZE SSL_PEER_CERT_SUBJECT; do
  assert_eq 1 "$(grep -c "^$name=" "$T/env")" "$name in prog's environment"
done
# what does not
for bad in SSL_CLIENT_S_DN SSL_CLIENT_S_DN_CN SSL_PEER_CERT_HASH SSL_SESSION_ID SSL_CLIENT_I_DN SSL_CLIENT_M_SERIAL; do
  assert_eq 0 "$(grep -c "^$bad=" "$T/env")" "$bad in prog's environment"
done

w="ucspitlsd: warning: dropped"
for name in SSL_CIPHER SSL_PROTOCOL SSL_CLIENT_S_DN SSL_CIPHER_USEKEYSIZE; do
  assert_eq 1 "$(grep -cxF "$w a repeated fact of the TLS child's facts block (the first is kept): $name" "$T/err")" "warnings for the repeated $name"
done
for name in SSL_CLIENT_S_DN SSL_CLIENT_S_DN_CN SSL_PEER_CERT_HASH SSL_SESSION_ID SSL_CLIENT_I_DN SSL_CLIENT_M_SERIAL; do
  assert_eq 1 "$(grep -cxF "$w a fact of the TLS child's facts block whose value is not valid UTF-8 or holds a control byte: $name" "$T/err")" "warnings for the value of $name"
done
assert_eq 10 "$(grep -c '' "$T/err")" "lines on stderr ($(cat "$T/err"))"
pass
