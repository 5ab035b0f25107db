#!/bin/bash
# sni-c1-escape: C1 control bytes (0x80-0x9f) in the SNI name, raw or
# UTF-8-encoded (C2 80..C2 9F), never reach the -v2 line nor
# SSL_TLS_SNI_SERVERNAME as they are: a terminal that shows the log could
# be driven by them (0x9b is CSI).  The rule: the value is read as UTF-8;
# printable ASCII and valid UTF-8 sequences of code points U+00A0 and up
# pass; every other byte -- C0, DEL, C1 whether raw or UTF-8-encoded, and
# every byte of invalid UTF-8 (a lone continuation byte, 0xff, an overlong
# form, a surrogate, a code point past U+10FFFF, a sequence cut short) --
# is written \xNN, lowercase hex; a backslash is \x5c.  The name, sent raw
# by tests/apps/minitls (miniclient.py), and what must come out, piece by
# piece:
#   a<85>b          raw C1 (NEL)          a\x85b
#   <c2 9b>c        UTF-8 C1 (CSI)        \xc2\x9bc
#   <c3 a9>         U+00E9, e acute       passes
#   <e2 82 ac>      U+20AC, euro sign     passes
#   <c2 a0>         U+00A0, the first     passes
#   <f0 9f 94 92>   U+1F512 (4 bytes)     passes
#   <ff>            never UTF-8           \xff
#   <c0 af>         overlong "/"          \xc0\xaf
#   <ed a0 80>      surrogate U+D800      \xed\xa0\x80
#   <f4 90 80 80>   past U+10FFFF         \xf4\x90\x80\x80
#   <c3>d           cut short             \xc3d
#   <a9>            lone continuation     \xa9
#   <7f><1b>\       DEL, ESC, backslash   \x7f\x1b\x5c
#   .e              ASCII                 passes
# In the environment (immediate mode, dumpenv.py), in the Y block
# (delayed mode, smtpish.py) and in the -v2 line, which stays one line.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

# the name as miniclient's step takes it (Python escapes)
sni_step='tls a\x85b\xc2\x9bc\xc3\xa9\xe2\x82\xac\xc2\xa0\xf0\x9f\x94\x92\xff\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xc3d\xa9\x7f\x1b\\.e'
# what must come out: literal \xNN text around the raw bytes that pass
printf '%s\303\251\342\202\254\302\240\360\237\224\222%s' 'a\x85b\xc2\x9bc' \
  '\xff\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xc3d\xa9\x7f\x1b\x5c.e' >"$T/want"

# 1. immediate mode: the environment, the -v2 line
start_tcpserver env ucspitlsd -i -v2 "$PY" "$APPS/dumpenv.py" "$T/dump"
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" "$sni_step" readall >"$T/env.client" 2>&1 \
  || fail "env: client: $(tail -n 3 "$T/env.client")"
wait_file "$T/dump"
# dumpenv doubles a backslash: undone
sed -n 's/^env SSL_TLS_SNI_SERVERNAME=//p' "$T/dump" | sed 's/\\\\/\\/g' | head -c -1 >"$T/got.env"
cmp -s "$T/want" "$T/got.env" \
  || fail "SSL_TLS_SNI_SERVERNAME: expected [$(cat -v "$T/want")], got [$(cat -v "$T/got.env")]"
wait_lines "$T/env.err" 1
sleep 0.2
assert_eq 1 "$(wc -l <"$T/env.err")" "lines on stderr (the -v2 line must stay one line)"
sed -n 's/^ucspitlsd: info: peer=[^ ]* sni=\(.*\) protocol=.*/\1/p' "$T/env.err" | head -c -1 >"$T/got.log"
cmp -s "$T/want" "$T/got.log" \
  || fail "the -v2 line's sni=: expected [$(cat -v "$T/want")], got [$(cat -v "$T/got.log")]"

# 2. delayed mode: the Y block
TEST_YBLOCK_FILE=$T/block TEST_STATUS_FILE=$T/y.child \
  start_tcpserver y ucspitlsd -v2 "$PY" "$APPS/smtpish.py" Y
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" \
  'reply 220' 'send STARTTLS' 'reply 220' "$sni_step" 'send QUIT' 'reply 221' eof \
  >"$T/y.client" 2>&1 || fail "y: client: $(tail -n 3 "$T/y.client")"
wait_lines "$T/y.child" 1
# (the block's other facts are starttls-Y-block's business; no value
# can hold a newline, escaped as they are)
tr '\0' '\n' <"$T/block" | sed -n 's/^SSL_TLS_SNI_SERVERNAME=//p' | head -c -1 >"$T/got.block"
cmp -s "$T/want" "$T/got.block" || fail "the Y block's SSL_TLS_SNI_SERVERNAME: [$(cat -v "$T/block")]"
[ "$(tail -c 2 "$T/block" | od -An -tx1 | tr -d ' \n')" = 0000 ] || fail "the Y block does not end with an empty string"

wait_no_ucspitlsd
pass
