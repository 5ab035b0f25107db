#!/bin/bash
# hostile-vanish: a peer that goes away in the middle of a record, without
# a word (no FIN, no RST: it just stops) or with a reset.
#   in the handshake, silent: -K 2000 ends it (end=timeout)
#   after the handshake, silent: -I 2000 ends it (end=idle)
#   after the handshake, RST: ended at once (network error)
# Each time the TLS child exits 98 with one fatal line naming the reason,
# within the bound (generous: 2 s to 12 s for the timeouts), and no
# process is left.  (Without -I an idle peer may stay forever: that is
# what -I 0, the default, means.)
. "$(dirname "$0")/lib.sh"
certs

hostile_server hello -i -K 2000
hostile hello vanish-hello
total_within hello 2.0 12
expect_end hello "exit 98" - timeout 'TLS handshake timed out after 2000 ms'

hostile_server app -i -K 20000 -I 2000
hostile app vanish-app
closed_within app 12 1.9
expect_end app "exit 0" "exit 98" idle 'idle.*2000 ms'

hostile_server reset -i -K 20000
hostile reset reset-app
expect_end reset "exit 0" "exit 98" error 'network error: Connection reset by peer'

starttls_server delayed -K 2000
hostile delayed vanish-hello --starttls
total_within delayed 1.5 12
expect_end delayed "exit 0" "exit 98" timeout 'TLS handshake timed out after 2000 ms'
pass
