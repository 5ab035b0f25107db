#!/bin/bash
# readme-examples: the server-side examples of README run as written:
# make-cert, then the one-liner (the demo server) with try-it as its
# client, and the SMTPS run script (smtps-run) with an s6-envdir ./env.
# The only edits: the fixed ports become free ones on 127.0.0.1, and
# qmail-smtpd is the demo server.
. "$(dirname "$0")/lib.sh"

example() {
  sed -n "/^=== begin example $1 ===\$/,/^=== end example $1 ===\$/{/^=== /d;p;}" "$TOP/README"
}

# a tree that looks like the source tree, with the certificate in it
mkdir -p "$T/tree"
ln -s "$TOP/src" "$T/tree/src"
cd "$T/tree" || fail "no tree"
example make-cert > make-cert.sh
[ -s make-cert.sh ] || fail "README has no make-cert example"
with_timeout 30 sh make-cert.sh >/dev/null 2>&1 || fail "make-cert failed"
[ -s cert.pem ] && [ -s key.pem ] || fail "make-cert made no cert.pem/key.pem"

# the one-liner, on a free port
port=$(free_port)
example one-liner | sed "s/127\.0\.0\.1 2525/127.0.0.1 $port/" > one-liner.sh
grep -q "127.0.0.1 $port" one-liner.sh || fail "the one-liner does not listen on 127.0.0.1 2525"
start_bg oneliner sh "$T/tree/one-liner.sh"
wait_port "$port" 10 || fail "the one-liner's server did not start"

# try-it, against it
example try-it | sed "s/127\.0\.0\.1:2525/127.0.0.1:$port/" > try-it.sh
grep -q "127.0.0.1:$port" try-it.sh || fail "try-it does not connect to 127.0.0.1:2525"
out=$(with_timeout 30 sh try-it.sh 2>&1)
assert_contains "$out" "TLSv1.2" "try-it's session"
assert_contains "$out" "250-localhost TLS on, ECDHE-" "the demo's EHLO reply over TLS"
assert_contains "$out" "221 2.0.0" "the demo's QUIT reply"
assert_not_contains "$out" "unexpected eof" "try-it's end (the demo exited: close_notify, then the TCP end)"
wait_for 5 grep -q ' end=ok' "$T/oneliner.err" || fail "no -v2 line with end=ok: $(cat "$T/oneliner.err")"
stop oneliner

# smtps-run, as a service directory's ./run with ./env
mkdir -p "$T/svc/env" "$T/bin"
echo "$T/tree/cert.pem" > "$T/svc/env/CERTFILE"
echo "$T/tree/key.pem" > "$T/svc/env/KEYFILE"
ln -s "$TOP/src/demo/smtpd-demo" "$T/bin/qmail-smtpd"
port=$(free_port)
example smtps-run | sed "s/ 0 465 / 127.0.0.1 $port /" > "$T/svc/run"
grep -q "127.0.0.1 $port" "$T/svc/run" || fail "smtps-run does not listen on 0 465"
chmod +x "$T/svc/run"
cd "$T/svc" || fail "no service dir"
PATH=$T/bin:$PATH start_bg smtps ./run
wait_port "$port" 10 || fail "smtps-run did not start: $(cat "$T/smtps.out")"
out=$(printf 'EHLO me\r\nQUIT\r\n' | with_timeout 30 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
  -CAfile "$T/tree/cert.pem" -quiet -ign_eof 2>&1)
assert_contains "$out" "220 localhost ESMTP" "the greeting, over TLS from the first byte"
assert_contains "$out" "221 2.0.0" "the QUIT reply"
assert_not_contains "$out" "STARTTLS" "STARTTLS offered inside TLS"
wait_for 5 grep -q ' end=ok' "$T/smtps.out" || fail "no -v2 line with end=ok in the run script's output: $(cat "$T/smtps.out")"
stop smtps
pass
