#!/bin/bash
# hostile-garbage: a peer that sends something other than a ClientHello
# (a line of SMTP, pseudo-random binary) gets no plaintext and no
# handshake: the TLS child exits 98 with one fatal line naming BearSSL's
# error, the -v2 line says end=error, prog never runs (immediate mode),
# the connection is closed at once, and no process is left.  The same
# after STARTTLS in delayed mode, where the garbage is never taken for an
# SMTP command.
. "$(dirname "$0")/lib.sh"
certs

hostile_server text -i -K 20000
hostile text garbage-text
closed_within text 10
only_tls_back text
expect_end text "exit 98" - error 'TLS handshake failed: .*\(BR_ERR_[A-Z_]+\)$'

hostile_server binary -i -K 20000
hostile binary garbage-binary
closed_within binary 10
only_tls_back binary
expect_end binary "exit 98" - error 'TLS handshake failed: .*\(BR_ERR_[A-Z_]+\)$'

# delayed mode: the same garbage right after the STARTTLS reply
starttls_server delayed -K 20000
hostile delayed garbage-text --starttls
closed_within delayed 10
only_tls_back delayed
expect_end delayed "exit 0" "exit 98" error 'TLS handshake failed: .*\(BR_ERR_[A-Z_]+\)$'
assert_file_not_contains "$T/delayed.log" "cmd EHLO" "smtpish's log"
assert_file_not_contains "$T/delayed.log" "cmd MAIL" "smtpish's log"
pass
