#!/bin/bash
# hostile-truncated: a record cut short, then end-of-file.  In the
# handshake (half a ClientHello record) and after it (half an
# application-data record, where a plain EOF would be accepted under the
# default -j): the TLS child exits 98 with one fatal line saying that the
# peer closed the connection, at once (no waiting for -K), and no process
# is left.  Delayed mode too.
. "$(dirname "$0")/lib.sh"
certs

hostile_server hello -i -K 20000
hostile hello truncated-hello
closed_within hello 10
expect_end hello "exit 98" - error 'TLS handshake failed: the peer closed the connection'

hostile_server app -i -K 20000
hostile app truncated-app
closed_within app 10
expect_end app "exit 0" "exit 98" error 'TLS connection failed: the peer closed the connection in the middle of a record'

starttls_server delayed -K 20000
hostile delayed truncated-hello --starttls
closed_within delayed 10
expect_end delayed "exit 0" "exit 98" error 'TLS handshake failed: the peer closed the connection'
pass
