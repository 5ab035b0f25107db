#!/bin/bash
# empty-records-handshake: the limit of 32 consecutive empty records holds
# before the handshake has ended too.  A raw client (hostile.py) sends
# five-byte plaintext handshake records of length 0:
#   32 before its ClientHello, or 32 between the two halves of it (two
#     handshake records): allowed; the handshake completes and a line is
#     echoed, the TLS child exits 0
#   33 before its ClientHello, or 33 amid it: the connection ends; exit
#     98 with one line naming "too many empty records", end=error, no
#     process left (all in immediate mode, under -K 20000 so that no
#     time-out can be what ends it)
#   as many as the server takes, as fast as it takes them, for 3 s
#     (delayed mode, whose prog reaps the TLS child): the same end, and
#     the child's CPU time, from wait4, stays under 0.5 s: it must stop at
#     the 33rd record, not read millions of them
. "$(dirname "$0")/lib.sh"
certs

for where in flood amid; do
  hostile_server "ok_$where" -i -K 20000
  hostile "ok_$where" "empty-hs-$where" --count 32 --timeout 10
  assert_file_contains "$T/ok_$where.client" "echo after the empty records" "ok_$where: client output"
  expect_ok "ok_$where"

  hostile_server "bad_$where" -i -K 20000
  hostile "bad_$where" "empty-hs-$where" --count 33 --timeout 10
  expect_end "bad_$where" "exit 98" - error 'too many empty records'
done

TEST_CHILD_CPU=$T/stream.cpu hostile_server stream -K 20000
hostile stream empty-hs-stream --starttls --timeout 3
expect_end stream "exit 0" "exit 98" error 'too many empty records'
wait_file "$T/stream.cpu"
awk '$1 == "cpu" { exit !($2 < 0.5) }' "$T/stream.cpu" \
  || fail "the TLS child used $(cat "$T/stream.cpu") s of CPU on empty records"
pass
