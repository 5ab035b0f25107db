#!/bin/bash
# hostile-stall: a client that sends its ClientHello one byte every 500 ms
# never gets past -K 2000: -K bounds the whole handshake, not each read.
# The TLS child exits 98 with one fatal line saying that the handshake
# timed out, the -v2 line says end=timeout, the connection ends 2 s after
# it began (bounds kept generous: between 2 s and 12 s), and no process
# is left.  In delayed mode the clock starts with the control byte.
. "$(dirname "$0")/lib.sh"
certs

hostile_server imm -i -K 2000
hostile imm stall --interval 0.5
total_within imm 2.0 12
expect_end imm "exit 98" - timeout 'TLS handshake timed out after 2000 ms'

starttls_server delayed -K 2000
hostile delayed stall --starttls --interval 0.5
total_within delayed 1.5 12
expect_end delayed "exit 0" "exit 98" timeout 'TLS handshake timed out after 2000 ms'
pass
