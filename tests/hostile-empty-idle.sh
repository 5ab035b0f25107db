#!/bin/bash
# hostile-empty-idle: -I bounds a connection on which nothing happens.  A
# peer that sends nothing but an empty application-data record every
# 250 ms carries no data at all; it must not keep the connection open
# past -I 2000: the TLS child exits 98 with one fatal line saying the
# connection was idle, end=idle, about 2 s after the handshake (bounds
# kept generous: the client goes on for 10 s, the connection must end
# before 8 s), and no process is left.
. "$(dirname "$0")/lib.sh"
certs

hostile_server idle -i -K 20000 -I 2000
hostile idle empty-idle --timeout 10
total_within idle 1.9 8
expect_end idle "exit 0" "exit 98" idle 'idle.*2000 ms'
pass
