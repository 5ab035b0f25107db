# tests/lib/mailutils.sh -- starttls-pop3d and starttls-imapd in front of
# GNU mailutils' pop3d and imap4d (packages mailutils-pop3d,
# mailutils-imap4d) in inetd mode, with one test mailbox.
#
#   need_mu_pop3d      skip unless /usr/sbin/pop3d is there
#   mu_pop3d_conf      writes $T/mu: a virtual domain example.org whose user
#                      alice (password "secret") owns $T/mu/mail/INBOX, one
#                      message from bob with the subject "hello" and a line
#                      that starts with a dot; sets POP3D (the command) and
#                      MU_INBOX
#   start_pop3d NAME [starttls-pop3d options]
#                      tcpserver ucspitlsd starttls-pop3d pop3d on $PORT;
#                      its exit status goes to $T/NAME.status
#   start_pop3d_prog NAME OPTS... -- PROG...
#                      the same in front of any PROG
#   start_imapd NAME [starttls-imapd options]
#                      tcpserver ucspitlsd starttls-imapd imap4d on $PORT
#                      (the same mailbox; IMAP4D is the command)

need_mu_pop3d() {
  [ -x /usr/sbin/pop3d ] || skip "mailutils' pop3d is not installed (package mailutils-pop3d)"
}

mu_pop3d_conf() {
  local d=$T/mu h
  need_mu_pop3d
  mkdir -p "$d/pw" "$d/mail" || fail "cannot create $d"
  h=$(openssl passwd -6 -salt testsalt secret) || fail "openssl passwd failed"
  echo "alice:$h:$(id -u):$(id -g)::$d/mail:/bin/sh" >"$d/pw/example.org"
  printf '%s\n' 'From bob@example.org Sun Dec  6 10:00:00 2026' 'From: bob@example.org' \
    'To: alice@example.org' 'Subject: hello' '' 'body line one' '.a line with a leading dot' '' >"$d/mail/INBOX"
  cat >"$d/pop3d.conf" <<EOC
auth { authorization virtdomain; authentication generic; };
virtdomain { passwd-dir "$d/pw"; };
EOC
  POP3D=(/usr/sbin/pop3d --config-file="$d/pop3d.conf" --inetd --set logging.syslog=false)
  IMAP4D=(/usr/sbin/imap4d --config-file="$d/pop3d.conf" --inetd --set logging.syslog=false)
  MU_INBOX=$d/mail/INBOX
}

start_pop3d() {
  local name=$1; shift
  [ -n "${MU_INBOX:-}" ] || mu_pop3d_conf
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "$name" ucspitlsd -v2 \
    "$APPS/record-exit" "$T/$name.status" starttls-pop3d "$@" "${POP3D[@]}"
}

start_pop3d_prog() {
  local name=$1 opts=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "$name" ucspitlsd -v2 \
    "$APPS/record-exit" "$T/$name.status" starttls-pop3d "${opts[@]}" "$@"
}

start_imapd() {
  local name=$1; shift
  [ -x /usr/sbin/imap4d ] || skip "mailutils' imap4d is not installed (package mailutils-imap4d)"
  [ -n "${MU_INBOX:-}" ] || mu_pop3d_conf
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "$name" ucspitlsd -v2 \
    "$APPS/record-exit" "$T/$name.status" starttls-imapd "$@" "${IMAP4D[@]}"
}
