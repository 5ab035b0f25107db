#!/bin/bash
# hostile-oversized: a record that announces 18433 bytes, one more than
# TLS 1.2 allows any record (2^14 + 2048), in the handshake and after it.
# The TLS child exits 98 with one fatal line naming BearSSL's length
# error, at once, and no process is left.
. "$(dirname "$0")/lib.sh"
certs

hostile_server hello -i -K 20000
hostile hello oversized-hello
closed_within hello 10
only_tls_back hello
expect_end hello "exit 98" - error 'TLS handshake failed: .*\(BR_ERR_(BAD_LENGTH|TOO_LARGE)\)$'

hostile_server app -i -K 20000
hostile app oversized-app
closed_within app 10
expect_end app "exit 0" "exit 98" error 'TLS connection failed: .*\(BR_ERR_(BAD_LENGTH|TOO_LARGE)\)$'

starttls_server delayed -K 20000
hostile delayed oversized-hello --starttls
closed_within delayed 10
expect_end delayed "exit 0" "exit 98" error 'TLS handshake failed: .*\(BR_ERR_(BAD_LENGTH|TOO_LARGE)\)$'
pass
