#!/bin/bash
# exim-client-close: Exim as the sending client ends its deliveries
# without a TLS error.  After the 221, prog (starttls-smtpd in front of
# exim -bs) exits; the TLS child then can receive nothing more, so by
# default (-s) it sends close_notify before its TCP half-close: a sender
# that reads to close_notify (Exim, with GnuTLS) no longer logs "TLS error
# on connection (recv): The TLS connection was non-properly terminated".
# The sending exim has a configuration and a spool of its own under $T,
# delivers in the foreground (-odf) to the test's server, STARTTLS
# required; the message must be in the receiving exim's spool.  The same
# with -S, and through ucspitlsd -i (SMTP over TLS from the first byte).
. "$(dirname "$0")/lib.sh"
certs
command -v exim4 >/dev/null || skip "exim4 is not installed"

# Exim delivers as no user of fixed_never_users (root among them): run
# as root, the sending exim runs as nobody (-C makes it give up exim's
# privileges), in a directory of its own under $T
if [ "$(id -u)" = 0 ]; then
  AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  chmod 711 "$T"
else
  AS=()
fi

# cli_conf NAME PORT [PROTOCOL]: the sending exim's configuration
cli_conf() {
  local d=$T/$1
  mkdir -p "$d/spool" "$d/log" && : >"$d/log/mainlog" || fail "cannot create $d"
  [ "$(id -u)" = 0 ] && chown -R 65534:65534 "$d"
  cat >"$d/exim.conf" <<EOC || fail "cannot write $d/exim.conf"
primary_hostname = client.test
spool_directory = $d/spool
log_file_path = $d/log/%slog
exim_user = $("${AS[@]}" id -un)
exim_group = $("${AS[@]}" id -gn)
never_users =
keep_environment =
log_selector = +tls_cipher +smtp_connection

begin routers
out:
  driver = manualroute
  route_list = * 127.0.0.1
  self = send
  transport = out
  no_more

begin transports
out:
  driver = smtp
  port = $2
  allow_localhost
  hosts_require_tls = *
  tls_sni = localhost
  ${3:+protocol = $3}

begin retry
* * F,1h,1h
EOC
}

# send NAME SUBJECT: one message through the sending exim of NAME, in
# the foreground; fails unless exim says that it was delivered over TLS
# and said no TLS error.  (Having given up its privileges, exim may log
# to stderr rather than to its log files: both are read.)
send() {
  local d=$T/$1
  printf 'Subject: %s\n\nhello through ucspitlsd\n' "$2" \
    | with_timeout 60 "${AS[@]}" exim4 -C "$d/exim.conf" -odf -oi -f a@client.test b@mx.test >"$d/out" 2>&1 \
    || fail "$1: the sending exim failed: $(cat "$d/out" "$d"/log/* | tr '\n' '|')"
  cat "$d/out" "$d"/log/* >"$d/all"
  grep -q ' => b@mx.test .* X=TLS' "$d/all" || fail "$1: no TLS delivery in the sender's log: $(tr '\n' '|' <"$d/all")"
  grep -q ' Completed' "$d/all" || fail "$1: not completed: $(tr '\n' '|' <"$d/all")"
  grep -q 'TLS error' "$d/all" && fail "$1: the sender logged a TLS error: $(grep 'TLS error' "$d/all" | head -n 3 | tr '\n' '|')"
  wait_for 10 grep -qs "Subject: $2" "$EXIM_SPOOL"/*-H || fail "$1: the message is not in the receiving exim's spool"
}

exim_conf
start_smtpd dflt
cli_conf dflt "$PORT"
send dflt "exim-client-close default"
wait_for 10 grep -q 'ucspitlsd: info: .* end=ok$' "$T/dflt.err" || fail "dflt: no end=ok line: $(cat "$T/dflt.err")"

CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver notify ucspitlsd -v2 -S starttls-smtpd "${EXIM[@]}"
cli_conf notify "$PORT"
send notify "exim-client-close -S"

CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver smtps ucspitlsd -v2 -i "${EXIM[@]}"
cli_conf smtps "$PORT" smtps
send smtps "exim-client-close smtps"
wait_for 10 grep -q 'ucspitlsd: info: .* end=ok$' "$T/smtps.err" || fail "smtps: no end=ok line: $(cat "$T/smtps.err")"
pass
