#!/bin/bash
# client-third-party-starttls: ucspitlsc against an SMTP server that no
# one here wrote: Debian's Exim (exim4-daemon-light, on GnuTLS), started
# by this test on 127.0.0.1 from a throwaway configuration, with the test
# certificate for mail.example.org.  The shell UCSPI-TLS client
# (apps/client-smtp) says EHLO, STARTTLS, switches with y and then with Y,
# and hands over a message each time; Exim's log must show the message
# received over TLS 1.2 with our SNI, and its spool must hold the body.
. "$(dirname "$0")/lib.sh"
certs

need_exim
exim=$(command -v exim4 || echo /usr/sbin/exim4)

# Exim drops its privileges to its own user (it is given -C), so its
# directory and its copy of the key must be that user's, on a path that
# user can reach: not under $T, whose parents may be private.  So it is a
# directory of its own in /tmp, which this test removes on its way out
# (after stopping Exim), before lib.sh's cleanup.
E=$(mktemp -d /tmp/ucspitls-exim.XXXXXX) || fail "mktemp"
trap '_rc=$?; stop exim; if [ -n "${UCSPITLS_KEEP:-}" ]; then say "kept $E"; else rm -rf "$E"; fi; (exit $_rc); cleanup' EXIT
chmod 755 "$E"
mkdir -p "$E/spool" "$E/log" || fail "mkdir $E"
cp "$MAIL_CERT" "$E/cert.pem" && cp "$MAIL_KEY" "$E/key.pem" && chmod 600 "$E/key.pem" \
  || fail "cannot copy the certificate"
if [ "$(id -u)" = 0 ]; then
  chown -R Debian-exim:Debian-exim "$E" || fail "chown Debian-exim $E"
fi
cat >"$E/exim.conf" <<EOF
keep_environment =
primary_hostname = mail.example.org
qualify_domain = example.org
spool_directory = $E/spool
log_file_path = $E/log/%slog
pid_file_path = $E/exim.pid
log_selector = +tls_sni +tls_cipher
local_interfaces = <; 127.0.0.1
host_lookup =
rfc1413_hosts =
tls_advertise_hosts = *
tls_certificate = $E/cert.pem
tls_privatekey = $E/key.pem
queue_only = true
acl_smtp_rcpt = acl_rcpt
begin acl
acl_rcpt:
  accept
begin routers
begin transports
EOF
"$exim" -C "$E/exim.conf" -bV >"$T/exim-check.log" 2>&1 || fail "exim rejects the configuration: $(tail -n 3 "$T/exim-check.log")"

port=$(free_port)
start_bg exim "$exim" -C "$E/exim.conf" -bdf -oX "$port"
wait_port "$port"

export CAFILE=$CA

# client N CTL -- one session through tcpclient and ucspitlsc
client() {
  TEST_MARKER="third-party marker $1 $2" TEST_RCPT=someone@example.org with_timeout 40 \
    tcpclient -RHl0 127.0.0.1 "$port" \
    ucspitlsc -k mail.example.org \
    "$PY" "$APPS/client-waitchild.py" "$T/c$1.status" \
    "$APPS/client-smtp" "$2" "$T/c$1.log" "$T/c$1.block" \
    >"$T/c$1.out" 2>"$T/c$1.err"
}

# mainlog_has N -- Exim has logged N messages received
mainlog_has() { [ "$(grep -c ' <= client@client.example ' "$E/log/mainlog" 2>/dev/null)" -ge "$1" ]; }

client 1 y || fail "session with Exim, y, failed (exit $?)"
assert_eq "prog exit 0
tls exit 0" "$(cat "$T/c1.status")" "client statuses with y"
assert_file_contains "$T/c1.log" "tls"
assert_file_contains "$T/c1.log" "S: 250 OK id="
assert_file_contains "$T/c1.log" "S: 221 mail.example.org closing connection"

client 2 Y || fail "session with Exim, Y, failed (exit $?)"
assert_eq "prog exit 0
tls exit 0" "$(cat "$T/c2.status")" "client statuses with Y"
facts=$(head -c -1 "$T/c2.block" | tr '\0' '\n')
assert_contains "$facts" "SSL_PROTOCOL=TLSv1.2" "facts from Exim's session"
assert_contains "$facts" "SSL_TLS_SNI_SERVERNAME=mail.example.org" "facts from Exim's session"
assert_contains "$facts" "SSL_PEER_CERT_HASH=SHA256:$(cert_sha256 "$MAIL_CERT")" "facts from Exim's session"
assert_contains "$facts" "SSL_PEER_CERT_SUBJECT=CN=mail.example.org" "facts from Exim's session"

# Exim's side: two messages, each received over TLS 1.2 with our SNI
wait_for 10 mainlog_has 2 || fail "Exim did not log two messages: $(cat "$E/log/mainlog")"
n=$(grep ' <= client@client.example ' "$E/log/mainlog" | grep -c ' P=esmtps X=TLS1.2:.* SNI=mail.example.org')
assert_eq 2 "$n" "messages Exim logged as received over TLS 1.2 with SNI"
for m in "third-party marker 1 y" "third-party marker 2 Y"; do
  grep -qF "$m" "$E"/spool/input/*-D 2>/dev/null || fail "Exim's spool lacks the body [$m]"
done
pass
