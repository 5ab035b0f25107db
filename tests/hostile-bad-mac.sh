#!/bin/bash
# hostile-bad-mac: after the handshake, an application-data record with
# one ciphertext byte flipped: with ChaCha20-Poly1305 (tests/apps/minitls)
# and with AES-GCM (Python's ssl through a MemoryBIO, whose record is
# corrupted on its way out).  The TLS child exits 98 with one fatal line
# naming BR_ERR_BAD_MAC, at once; not one byte of the forged record
# reaches prog (the good record before it does); no process is left.
. "$(dirname "$0")/lib.sh"
certs

hostile_server chacha -i -K 20000
hostile chacha badmac-app
closed_within chacha 10
expect_end chacha "exit 0" "exit 98" error 'TLS connection failed: .*\(BR_ERR_BAD_MAC\)$'
grep -q ' in=0 out=0 ' "$T/chacha.err" || fail "bytes reached prog: $(cat "$T/chacha.err")"

hostile_server gcm -i -K 20000
hostile gcm badmac-ssl
closed_within gcm 10
expect_end gcm "exit 0" "exit 98" error 'TLS connection failed: .*\(BR_ERR_BAD_MAC\)$'
# "good line\n" (10 bytes) went through, the forged record did not
grep -q ' in=10 out=10 ' "$T/gcm.err" || fail "prog did not get exactly the good record: $(cat "$T/gcm.err")"

# delayed mode, after STARTTLS
starttls_server delayed -K 20000
hostile delayed badmac-app --starttls
closed_within delayed 10
expect_end delayed "exit 0" "exit 98" error 'TLS connection failed: .*\(BR_ERR_BAD_MAC\)$'
pass
