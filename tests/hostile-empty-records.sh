#!/bin/bash
# hostile-empty-records: empty records.
#   1. a few empty application-data records (legal in TLS 1.2, a traffic
#      analysis countermeasure) change nothing: the line after them is
#      echoed, the session ends ok
#   2. empty plaintext handshake records before the ClientHello, one every
#      10 ms: they cannot stretch the handshake past -K 2000 (the TLS child
#      exits 98, whether it refuses them or times out)
#   3. a flood of 1000 empty application-data records: nothing that prog
#      could see, only work for the server; it must end the connection like
#      any other abuse: exit 98, one fatal line, end=error, no process left
#      (OpenSSL, for one, stops after 32 in a row)
. "$(dirname "$0")/lib.sh"
certs

hostile_server few -i -K 20000
hostile few empty-app --count 3
assert_file_contains "$T/few.client" "echo after the empty records" "client output"
wait_lines "$T/few.child" 1 30
assert_eq "exit 0" "$(status_line "$T/few.child")" "TLS child status after a few empty records"
assert_file_contains "$T/few.err" " end=ok" "the -v2 line"

hostile_server hs -i -K 2000
hostile hs empty-hs --timeout 15
total_within hs 0 12
expect_end hs "exit 98" - '(error|timeout)' 'TLS handshake (failed|timed out)'

hostile_server flood -i -K 20000
hostile flood empty-flood --count 1000 --timeout 5
closed_within flood 10
expect_end flood "exit 0" "exit 98" error 'empty'
pass
