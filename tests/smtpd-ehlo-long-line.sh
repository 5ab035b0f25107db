#!/bin/bash
# smtpd-ehlo-long-line: a server whose EHLO reply holds a line of 20000
# bytes (its first line, one in the middle, or its last) still gives the
# client a well-formed reply through starttls-smtpd, before and after
# TLS: no line longer than 4096 bytes with its CRLF (a first line is cut
# there, another keyword line is dropped), the last line final, STARTTLS
# offered once before TLS and never after.  openssl s_client -starttls
# smtp, whose line buffer is 16 KiB, gets through STARTTLS and gets the
# reply inside TLS.  A line at the limit with no separator after its
# code ("250XLONG ...", 4096 bytes; "250mx.test ...", over 4096 and the
# whole reply) is no longer for the separator that the relay gives it:
# the keyword line is dropped, the first line cut one byte shorter.
# Behind tests/apps/qmail-smtpd.py (chat.py ends its lines in CR LF
# already: no -crlf, or qmail would see "QUIT\r").
. "$(dirname "$0")/lib.sh"
certs

for at in first middle last; do
  QMAIL_EHLO_LONG=20000 QMAIL_EHLO_LONG_AT=$at start_smtpd_qmail "srv_$at"
  log=$T/py-$at.log
  with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
    'reply 220' 'send EHLO c.example' 'reply 250 ^250.8BITMIME$' \
    'send STARTTLS' 'reply 220' tls \
    'send EHLO c.example' 'reply 250 ^250.8BITMIME$' \
    'send QUIT' 'reply 221' eof \
    >"$log" 2>&1 || fail "$at: session failed: $(tail -n 3 "$log" | cut -c1-200)"
  long=$(awk 'length($0) > 4096 + 1 { print NR ": " length($0) }' "$log")  # "S: " less the CRLF
  [ -z "$long" ] || fail "$at: reply lines over 4096 bytes reached the client: $long"
  plain=$(sed '/^tls /,$d' "$log" | grep '^S: 250')
  tls=$(sed -n '/^tls /,$p' "$log" | grep '^S: 250')
  assert_eq 1 "$(printf '%s\n' "$plain" | grep -c '^S: 250.STARTTLS$')" "$at: STARTTLS lines before TLS"
  assert_eq 0 "$(printf '%s\n' "$tls" | grep -c 'STARTTLS')" "$at: STARTTLS lines inside TLS"
  for r in "$plain" "$tls"; do
    assert_eq 1 "$(printf '%s\n' "$r" | grep -c '^S: 250 ')" "$at: final lines in an EHLO reply"
    printf '%s\n' "$r" | tail -n 1 | grep -q '^S: 250 ' || fail "$at: the reply's last line is not final: [$r]"
    case $at in
      first) printf '%s\n' "$r" | head -n 1 | grep -q '^S: 250-mx.test xxx' \
               || fail "$at: the first line was not kept, cut: $(printf '%s\n' "$r" | head -n 1 | cut -c1-40)" ;;
      *) assert_not_contains "$r" "XLONG" "$at: EHLO reply" ;;
    esac
  done

  # a real client with a line buffer of its own
  with_timeout 40 "$PY" "$APPS/chat.py" -t 30 \
    'expect ^Verification: OK' \
    'send EHLO c.example' 'expect ^250 8BITMIME' \
    'send QUIT' 'expect ^221 ' 'exit any' \
    -- openssl s_client -starttls smtp -connect "127.0.0.1:$PORT" -CAfile "$CA" \
         -verify_return_error -servername localhost -ign_eof \
         >"$T/sc-$at.log" 2>&1 || fail "$at: s_client session failed: $(tail -n 3 "$T/sc-$at.log" | cut -c1-200)"
  assert_file_not_contains "$T/sc-$at.log" "Didn't find STARTTLS" "$at: s_client's log"
  stop "srv_$at"
done

# no separator after the code: the relay gives the line one
for c in "first 20000 ^250.mx.test.x" "last 4094 ^250.8BITMIME$"; do
  set -- $c
  at=$1 re=$3
  QMAIL_EHLO_LONG=$2 QMAIL_EHLO_LONG_AT=$at QMAIL_EHLO_NOSEP=1 start_smtpd_qmail "nosep_$at"
  log=$T/nosep-$at.log
  with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
    'reply 220' 'send EHLO c.example' "reply 250 $re" \
    'send STARTTLS' 'reply 220' tls \
    'send EHLO c.example' "reply 250 $re" \
    'send QUIT' 'reply 221' eof \
    >"$log" 2>&1 || fail "nosep $at: session failed: $(tail -n 3 "$log" | cut -c1-200)"
  long=$(awk 'length($0) > 4096 + 1 { print NR ": " length($0) }' "$log")
  [ -z "$long" ] || fail "nosep $at: reply lines over 4096 bytes reached the client: $long"
  plain=$(sed '/^tls /,$d' "$log" | grep '^S: 250')
  tls=$(sed -n '/^tls /,$p' "$log" | grep '^S: 250')
  assert_eq 1 "$(printf '%s\n' "$plain" | grep -c '^S: 250.STARTTLS$')" "nosep $at: STARTTLS lines before TLS"
  assert_eq 0 "$(printf '%s\n' "$tls" | grep -c 'STARTTLS')" "nosep $at: STARTTLS lines inside TLS"
  for r in "$plain" "$tls"; do
    assert_eq 1 "$(printf '%s\n' "$r" | grep -c '^S: 250 ')" "nosep $at: final lines in an EHLO reply"
    printf '%s\n' "$r" | tail -n 1 | grep -q '^S: 250 ' || fail "nosep $at: the reply's last line is not final: [$r]"
    case $at in
      first) printf '%s\n' "$r" | head -n 1 | grep -q '^S: 250[- ]mx.test xxx' \
               || fail "nosep $at: the first line was not kept, cut: $(printf '%s\n' "$r" | head -n 1 | cut -c1-40)" ;;
      *) assert_not_contains "$r" "XLONG" "nosep $at: EHLO reply" ;;
    esac
  done
  stop "nosep_$at"
done
pass
