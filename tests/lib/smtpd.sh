# tests/lib/smtpd.sh -- starttls-smtpd in front of exim (and of other servers)
#
#   have_exim                   true when Debian's exim4 is installed
#   need_exim                   skip the test when it is not: install-deps
#                               leaves exim4-daemon-light out on a machine
#                               where it would remove a package (another
#                               MTA, such as postfix)
#   exim_conf                   write $T/exim/exim.conf (below); sets EXIM
#                               (an array: the server's command line),
#                               EXIM_SPOOL (where queued messages are),
#                               EXIM_LOG (exim's main log)
#   start_smtpd NAME [opts]     tcpserver, ucspitlsd -v2 with SRV_CERT/SRV_KEY,
#                               starttls-smtpd [opts] in front of "${EXIM[@]}"
#                               (sets PORT); each exit status of
#                               starttls-smtpd goes to $T/NAME.status
#   start_smtpd_qmail NAME [opts]  the same, in front of qmail-smtpd.py
#   start_ucspitls_server NAME STYLE [opts] [-- smtpd opts]
#                               starttls-smtpd and qmail-smtpd.py under
#                               ucspitls-server.py (another UCSPI-TLS
#                               server's ways) instead of ucspitlsd
#
# The server behind starttls-smtpd is Debian's exim4, unpatched, in -bs
# mode (SMTP on stdin and stdout, as under tcpserver), with a
# configuration of our own: spool and logs under $T/exim, mail queued and
# never delivered, every message given "X-TLS: <cipher>" and every MAIL
# command logged as "mail from=<addr> tls=<cipher>", the cipher being
# SSL_CIPHER in exim's environment, or "none"; AUTH PLAIN takes user
# "user", password "pass".  Its own STARTTLS and CHUNKING keywords are
# left at their defaults (advertised).

have_exim() { command -v exim4 >/dev/null 2>&1 || [ -x /usr/sbin/exim4 ]; }
need_exim() {
  have_exim || skip "exim4 is not installed (package/install-deps leaves exim4-daemon-light out where it would remove an installed package, such as another MTA)${1:+; $1}"
}

exim_conf() {
  local d=$T/exim
  need_exim "$@"
  mkdir -p "$d/spool" "$d/log" && : >"$d/log/mainlog" || fail "cannot create $d"
  cat >"$d/exim.conf" <<EOC || fail "cannot write $d/exim.conf"
primary_hostname = mx.test
spool_directory = $d/spool
log_file_path = $d/log/%slog
exim_user = $(id -un)
exim_group = $(id -gn)
never_users =
queue_only = true
smtp_accept_max_nonmail_hosts =
keep_environment = SSL_PROTOCOL : SSL_CIPHER : SSL_TLS_SNI_SERVERNAME
acl_smtp_mail = acl_mail
acl_smtp_rcpt = acl_rcpt
acl_smtp_data = acl_data

begin acl
acl_mail:
  accept logwrite = mail from=<\$sender_address> tls=\${env{SSL_CIPHER}{\$value}{none}}
acl_rcpt:
  accept
acl_data:
  accept add_header = X-TLS: \${env{SSL_CIPHER}{\$value}{none}}

begin routers
begin transports

begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and {{eq{\$auth2}{user}}{eq{\$auth3}{pass}}}}
  server_set_id = \$auth2
EOC
  EXIM=("$(command -v exim4 || echo /usr/sbin/exim4)" -C "$d/exim.conf" -bs)
  EXIM_SPOOL=$d/spool/input
  EXIM_LOG=$d/log/mainlog
}

start_smtpd() {
  local name=$1; shift
  [ -n "${EXIM_LOG:-}" ] || exim_conf
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "$name" ucspitlsd -v2 \
    "$APPS/record-exit" "$T/$name.status" starttls-smtpd "$@" "${EXIM[@]}"
}

# start_smtpd_qmail NAME [opts]  the same in front of tests/apps/qmail-smtpd.py
#                               (a server that reads commands and DATA as
#                               netqmail's qmail-smtpd does; its QMAIL_*
#                               variables, documented there, pass through)
start_smtpd_qmail() {
  local name=$1; shift
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "$name" ucspitlsd -v2 \
    "$APPS/record-exit" "$T/$name.status" starttls-smtpd "$@" "$PY" "$APPS/qmail-smtpd.py"
}

# start_ucspitls_server NAME STYLE [SERVER_OPTS...] [-- SMTPD_OPTS...]
#                               tests/apps/ucspitls-server.py --style STYLE
#                               (another UCSPI-TLS server's ways: sslserver-n,
#                               s6, sslserver; options as that file says;
#                               --cert/--key default to SRV_CERT/SRV_KEY),
#                               its log in $T/NAME.log, in front of
#                               starttls-smtpd [SMTPD_OPTS] qmail-smtpd.py
#                               (sets PORT; exit statuses to $T/NAME.status)
start_ucspitls_server() {
  local name=$1 style=$2 srv=() smtpd=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do srv+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  smtpd=("$@")
  case " ${srv[*]} " in *" --cert "*) ;; *) srv+=(--cert "$SRV_CERT" --key "$SRV_KEY") ;; esac
  start_bg "$name" "$PY" "$APPS/ucspitls-server.py" --style "$style" --log "$T/$name.log" "${srv[@]}" \
    "$APPS/record-exit" "$T/$name.status" starttls-smtpd "${smtpd[@]}" "$PY" "$APPS/qmail-smtpd.py"
  wait_for 10 _nonempty "$T/$name.out" || fail "ucspitls-server $name did not start: $(cat "$T/$name.err")"
  PORT=$(head -n 1 "$T/$name.out")
  wait_port "$PORT"
}
