#!/bin/bash
# smtpd-swaks: starttls-smtpd gives STARTTLS to an SMTP server that has
# none of its own (Debian's exim4 -bs, unpatched), and swaks --tls sends a
# message through it.  In plaintext the EHLO reply offers STARTTLS once,
# just before its last line (exim's own STARTTLS and CHUNKING keywords are
# taken out); after the switch a fresh exim answers, its greeting unseen by
# the client, its EHLO reply offering no STARTTLS; that exim has the
# session facts in its environment (the X-TLS header names the cipher that
# ucspitlsd logged).  Without --tls the same relay carries a plaintext
# transaction unchanged.
. "$(dirname "$0")/lib.sh"
certs
start_smtpd srv

with_timeout 30 swaks --tls --server "127.0.0.1:$PORT" --from a@example.org --to b@mx.test \
  --header "Subject: smtpd-swaks tls" --body "hello through starttls-smtpd" \
  >"$T/swaks.log" 2>&1 || fail "swaks --tls failed: $(tail -n 5 "$T/swaks.log")"

# the plaintext EHLO reply: ours added once, before the last line
plain=$(sed -n 's/^<-  \(250[- ].*\)/\1/p' "$T/swaks.log" | tr -d '\r')
assert_eq 1 "$(printf '%s\n' "$plain" | grep -c 'STARTTLS$')" "STARTTLS lines in the plaintext EHLO reply"
assert_not_contains "$plain" "CHUNKING" "plaintext EHLO reply"
assert_eq "250-STARTTLS" "$(printf '%s\n' "$plain" | grep '^250' | tail -n 2 | head -n 1)" "line before the last of the EHLO reply"
assert_file_contains "$T/swaks.log" "<-  220 2.0.0 Ready to start TLS"

# inside TLS: no greeting, no STARTTLS, no CHUNKING; the transaction works
grep -q '^<~  220' "$T/swaks.log" && fail "the TLS-side greeting reached the client: $(grep '^<~  220' "$T/swaks.log")"
grep -q '^<~  250.mx.test Hello' "$T/swaks.log" || fail "no EHLO reply inside TLS"
grep -q '^<~  250.\(STARTTLS\|CHUNKING\)' "$T/swaks.log" && fail "STARTTLS or CHUNKING offered inside TLS"
grep -q '^<~  250 OK id=' "$T/swaks.log" || fail "message not accepted inside TLS"
grep -q '^<~  221 ' "$T/swaks.log" || fail "no 221 inside TLS"

wait_lines "$T/srv.status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/srv.status")" "starttls-smtpd's exit status"
wait_for 10 grep -q 'ucspitlsd: info: .* end=' "$T/srv.err" || fail "no ucspitlsd log line"
cipher=$(sed -n 's/^ucspitlsd: info: .* cipher=\([^ ]*\) .*/\1/p' "$T/srv.err" | head -n 1)
case $cipher in ECDHE-*) ;; *) fail "no cipher in ucspitlsd's log line: [$cipher]" ;; esac
h=$(grep -l 'Subject: smtpd-swaks tls' "$EXIM_SPOOL"/*-H 2>/dev/null)
[ -n "$h" ] || fail "message not in exim's spool"
assert_file_contains "$h" "X-TLS: $cipher" "queued message header"
assert_file_contains "${h%-H}-D" "hello through starttls-smtpd" "queued message body"
assert_file_contains "$EXIM_LOG" "mail from=<a@example.org> tls=$cipher" "exim's log"

# plaintext, no STARTTLS from the client: relayed as it is
with_timeout 30 swaks --server "127.0.0.1:$PORT" --from c@example.org --to d@mx.test \
  --header "Subject: smtpd-swaks plain" --body "hello in plaintext" \
  >"$T/swaks-plain.log" 2>&1 || fail "plaintext swaks failed: $(tail -n 5 "$T/swaks-plain.log")"
h=$(grep -l 'Subject: smtpd-swaks plain' "$EXIM_SPOOL"/*-H 2>/dev/null)
[ -n "$h" ] || fail "plaintext message not in exim's spool"
assert_file_contains "$h" "X-TLS: none" "plaintext message header"
wait_lines "$T/srv.status" 2
assert_eq "exit 0" "$(sed -n 2p "$T/srv.status")" "starttls-smtpd's exit status, plaintext"
pass
