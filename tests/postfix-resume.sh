#!/bin/bash
# postfix-resume: a real MTA comes back.  Postfix's SMTP client, with
# its TLS session cache on as Debian's main.cf has it, relays three
# messages, one after the other, to ucspitlsd (TLS_SESSION_CACHE set) +
# starttls-smtpd in front of exim (qmail-smtpd.py where exim is not
# installed); the first handshake is a full one, the second and the
# third resume it: Postfix logs "Reusing old session", ucspitlsd's -v2
# lines say resumed=yes under the first one's session id, and the three
# messages arrive.
#
# Postfix conflicts with exim4 and must never be installed here: the
# test takes Debian's postfix package (apt-get download, kept in
# $UCSPITLS_POSTFIX_CACHE, default /var/cache/ucspitls/postfix),
# unpacks it in $T, and runs a private instance from there (master -d
# as root, its config, queue and data in $T, no inet service, mail_owner
# nobody, setgid_group mail: users and groups that every Debian has).
# Its libraries are those of postfix's Depends (package/deps-test).
# test-timeout: 400
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "Postfix's master must run as root"
certs

# --- Debian's postfix package, unpacked
cache=${UCSPITLS_POSTFIX_CACHE:-/var/cache/ucspitls/postfix}
# the candidate's file name (apt's index), else the newest one cached
deb=$(with_timeout 60 apt-get download --print-uris postfix 2>/dev/null | awk '$2 ~ /^postfix_.*\.deb$/ { print $2 }')
if [ -z "$deb" ] || [ ! -f "$cache/$deb" ]; then
  if (cd "$T" && with_timeout 120 apt-get -q download postfix) >"$T/download.log" 2>&1; then
    got=$(cd "$T" && ls postfix_*.deb) || fail "apt-get download postfix made no .deb"
    # kept for the next runs (a rename: runs at once see a whole file)
    mkdir -p "$cache" && cp "$T/$got" "$cache/.$got.$$" && mv "$cache/.$got.$$" "$cache/$got" ||
      say "cannot keep $got in $cache"
    deb=$T/$got
  else
    deb=$(ls "$cache"/postfix_*.deb 2>/dev/null | sort -V | tail -n 1)
    [ -n "$deb" ] || skip "apt-get download postfix failed, and none is cached in $cache: $(tail -n 1 "$T/download.log")"
  fi
else
  deb=$cache/$deb
fi
R=$T/pkg
dpkg-deb -x "$deb" "$R" || fail "cannot unpack $deb"
export LD_LIBRARY_PATH=$R/usr/lib/postfix
missing=$(ldd "$R"/usr/lib/postfix/sbin/{master,smtp,tlsmgr,qmgr,pickup,cleanup} "$R"/usr/sbin/{sendmail,postdrop} |
  sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p' | sort -u | tr '\n' ' ')
[ -z "$missing" ] || fail "postfix's libraries are missing: $missing(sh package/install-deps test)"

# --- the server: ucspitlsd with a session store, starttls-smtpd, exim
export TLS_SESSION_CACHE=$T/store
if have_exim; then
  start_smtpd srv
  mta=exim
else
  export QMAIL_LOG=$T/qmail.log
  start_smtpd_qmail srv
  mta=qmail-smtpd.py
fi

# --- the private Postfix: the TLS lines of Debian's main.cf, a
# relayhost, and what a private instance needs
P=$T/pf
mkdir -p "$P/etc" "$P/data" "$P/queue" && : >"$P/maillog" || fail "cannot make $P"
chmod 711 "$T" "$P"   # mail_owner reaches its queue and data
setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$P" ||
  fail "user nobody cannot reach $P (TMPDIR=${TMPDIR:-}): postfix's mail_owner must"
cat >"$P/etc/main.cf" <<EOF
# Debian's main.cf (main.cf.debian, main.cf.tls), TLS client side
compatibility_level = 3.6
smtp_tls_CApath = /etc/ssl/certs
smtp_tls_security_level = may
smtp_tls_session_cache_database = btree:\${data_directory}/smtp_scache
# logs what it resumes ("Reusing old session"); Debian's is 0
smtp_tls_loglevel = 2
# a new connection for every message, never one kept open
smtp_connection_cache_on_demand = no
relayhost = [127.0.0.1]:$PORT
# the private instance
queue_directory = $P/queue
data_directory = $P/data
meta_directory = $P/etc
daemon_directory = $R/usr/lib/postfix/sbin
command_directory = $P/bin
shlib_directory = $R/usr/lib/postfix
mail_owner = nobody
setgid_group = mail
# must differ from mail_owner; local delivery, which runs as it, is off
default_privs = daemon
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME LD_LIBRARY_PATH UCSPITLS_TEST_ID
maillog_file = $P/maillog
maillog_file_prefixes = $P
myhostname = client.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
alias_maps =
alias_database =
EOF
# no chroot, no inet service: nothing of the machine's is used
cat >"$P/etc/master.cf" <<'EOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
showq     unix  n       -       n       -       -       showq
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
: >"$P/etc/dynamicmaps.cf"
# sendmail runs postdrop with an environment of its own making: the
# library path must be given again
mkdir "$P/bin" && printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$LD_LIBRARY_PATH" "$R/usr/sbin/postdrop" \
  >"$P/bin/postdrop" && chmod 755 "$P/bin/postdrop" || fail "cannot make $P/bin/postdrop"
# the queue as post-install makes it
for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
  mkdir -m 700 "$P/queue/$d" || fail "cannot make $P/queue/$d"
done
mkdir -m 1730 "$P/queue/maildrop" && mkdir -m 2710 "$P/queue/public" && mkdir -m 755 "$P/queue/pid" &&
  chown nobody "$P"/queue/* "$P/data" && chgrp mail "$P/queue/maildrop" "$P/queue/public" &&
  chown root "$P/queue/pid" || fail "cannot set up $P/queue"

# (before its log is up, master logs to syslog only; postqueue tells its
# fatal errors on a terminal)
start_bg master "$R/usr/lib/postfix/sbin/master" -d -c "$P/etc"
wait_for 20 [ -S "$P/queue/public/pickup" ] ||
  fail "postfix's master did not start: $(cat "$T/master.err" "$P/maillog"; with_timeout 10 script -qec "$R/usr/sbin/postqueue -c $P/etc -p" /dev/null </dev/null)"

# --- three messages, each relayed before the next is posted
sent() { [ "$(grep -c ' status=sent ' "$P/maillog")" -ge "$1" ]; }
for i in 1 2 3; do
  printf 'From: a@client.test\nTo: b@example.test\nSubject: message %s\n\nbody %s\n' "$i" "$i" |
    with_timeout 30 "$R/usr/sbin/sendmail" -C "$P/etc" -f a@client.test b@example.test ||
    fail "sendmail $i: exit $?"
  wait_for 90 sent "$i" || fail "message $i not relayed: $(grep -E 'status=|warning|fatal|error' "$P/maillog" | tail -n 5)"
done

# --- Postfix: one full handshake, then the cached session twice, from
# its tlsmgr's btree cache
[ -s "$P/data/smtp_scache.db" ] || fail "no session cache made in $P/data"
got=$(grep -oE 'Reusing old session|TLS connection established|status=sent' "$P/maillog" |
  sed 's/^R.*/R/; s/^T.*/E/; s/^s.*/S/' | tr -d '\n')
assert_eq ESRESRES "$got" "postfix's TLS lines (E established, R reusing, S sent)"
assert_eq 3 "$(grep -c 'TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:[0-9]*: TLSv1\.2 with cipher' "$P/maillog")" \
  "postfix's TLSv1.2 connections"
if grep -E 'warning|fatal|panic' "$P/maillog" >&2; then fail "postfix logged trouble"; fi

# --- ucspitlsd: the same session, made once and resumed twice
wait_lines "$T/srv.err" 3 30
id=$(sed -n 's/.* session=\([0-9a-f]\{64\}\) resumed=no .* end=ok$/\1/p' "$T/srv.err")
[ -n "$id" ] && [ "$(printf '%s\n' "$id" | wc -l)" = 1 ] || fail "not one full handshake: $(cat "$T/srv.err")"
assert_eq 2 "$(grep -c " sni=- protocol=TLSv1\.2 .* session=$id resumed=yes .* end=ok$" "$T/srv.err")" \
  "ucspitlsd's -v2 lines of the resumed sessions"
assert_eq 3 "$(wc -l <"$T/srv.err")" "ucspitlsd's stderr lines"

# --- the three messages arrived, over TLS
if [ "$mta" = exim ]; then
  assert_eq 3 "$(grep -c '^[^ ]* [^ ]* mail from=<a@client\.test> tls=ECDHE-' "$EXIM_LOG")" "exim's MAIL commands over TLS"
  assert_eq 3 "$(ls "$EXIM_SPOOL" | grep -c -- '-H$')" "messages in exim's queue"
else
  assert_eq 3 "$(grep -c '^message ' "$QMAIL_LOG")" "messages qmail-smtpd.py took"
fi
wait_lines "$T/srv.status" 3 30
assert_eq "exit 0/exit 0/exit 0/" "$(tr '\n' / <"$T/srv.status")" "ucspitlsd's exit statuses"

# --- Postfix stops, with every process of it
kids=$(_children "$PID_master")
[ -n "$kids" ] || fail "postfix's master has no children"
assert_eq "$PID_master" "$(tr -d ' \n' <"$P/queue/pid/master.pid")" "master's pid file"
stop master
for k in $kids; do
  wait_gone "$k" 10 || fail "postfix process $k outlived its master: $(tr '\0' ' ' <"/proc/$k/cmdline")"
done
pass
