#!/bin/bash
# hostile-old-version: a client that offers only SSL 3.0, TLS 1.0 or
# TLS 1.1 (hand-crafted hellos with the old suites, and openssl s_client
# -tls1 / -tls1_1) is refused: the server answers with a protocol_version
# alert (70) and nothing else, the TLS child exits 98 with one fatal line
# naming it, prog never runs, no process is left.
. "$(dirname "$0")/lib.sh"
certs

for v in sslv3 tls10 tls11; do
  hostile_server "$v" -i -K 20000
  hostile "$v" "hello-$v"
  closed_within "$v" 10
  only_tls_back "$v"
  assert_file_contains "$T/$v.client" "alert 2 70" "$v: the alert sent back"
  expect_end "$v" "exit 98" - error 'TLS handshake failed: .*protocol_version'
done

# a real stack, told to allow what it still can
for v in tls1 tls1_1; do
  hostile_server "s$v" -i -K 20000
  eval "port=\$PORT_s$v"
  with_timeout 30 openssl s_client -connect "127.0.0.1:$port" "-$v" -cipher 'DEFAULT@SECLEVEL=0' \
    -servername localhost </dev/null >"$T/s$v.client" 2>&1
  assert_file_not_contains "$T/s$v.client" "BEGIN CERTIFICATE" "s_client -$v output"
  expect_end "s$v" "exit 98" - error 'TLS handshake failed: .*protocol_version'
done
pass
