#!/bin/bash
# manpages: each program's page in doc/ is lint-clean under
# `mandoc -T lint` (notes about this machine's out-of-date mandoc.db,
# or its manual pages that the page references, aside), has the sections of the house style, and documents every
# option that the program's usage line names, every exit code, and the
# environment variables that it reads or gives.  Every run script in the
# EXAMPLES of ucspitlsd and starttls-smtpd (a literal block that starts
# with #!/bin/sh and runs tcpserver) checks the configuration first with
# a "ucspitlsd -C || exit" line before its exec, as README's do.
. "$(dirname "$0")/lib.sh"
command -v mandoc >/dev/null || fail "mandoc is not installed (package/deps-test)"

# check PROG CODES SECTIONS VARS
check() {
  local prog=$1 codes=$2 sections=$3 vars=$4 page=$TOP/doc/$1.1 usage opts o code sec v rc
  [ -f "$page" ] || fail "no $page"
  mandoc -T lint "$page" >"$T/lint" 2>&1
  rc=$?
  # about this machine's manual pages, not the page: a stale mandoc.db,
  # a page it references that is not installed here (exim4's, on a
  # machine where install-deps left exim out)
  grep -v 'outdated mandoc.db lacks\|referenced manual not found' "$T/lint" >"$T/lint.real"
  [ ! -s "$T/lint.real" ] || fail "$prog: mandoc -T lint: $(cat "$T/lint.real")"
  # 1: style notes only, each of them one of those set aside above
  [ "$rc" -le 1 ] || fail "$prog: mandoc -T lint exited $rc"
  # the options of the usage line, each with its own .It in OPTIONS
  "$prog" 2>"$T/usage"
  usage=$(cat "$T/usage")
  assert_contains "$usage" "$prog: usage: $prog " "$prog's usage message"
  opts=$(grep -o -- ' -[A-Za-z0-9]' <<<"${usage#*usage: $prog }" | sort -u)
  [ -n "$opts" ] || fail "$prog: no options found in [$usage]"
  for o in $opts; do
    grep -qx "\\.It Fl ${o#-}\\( .*\\)\\{0,1\\}" "$page" || fail "$prog: option $o is not described in OPTIONS"
  done
  for code in $codes; do
    grep -qx "\\.It $code" "$page" || fail "$prog: exit code $code is not in EXIT STATUS"
  done
  while read -r sec; do
    [ -n "$sec" ] || continue
    grep -qx "\\.Sh $sec" "$page" || fail "$prog: no section $sec"
  done <<<"$sections"
  for v in $vars; do
    grep -q "^\\.It Ev \\(.*Ev \\)\\{0,1\\}$v\\b" "$page" || fail "$prog: $v is not described in ENVIRONMENT"
  done
}

common_sections='NAME
SYNOPSIS
DESCRIPTION
OPTIONS
ENVIRONMENT
THE CONTROL PROTOCOL
EXIT STATUS
EXAMPLES
SEE ALSO'
facts="SSL_PROTOCOL SSL_CIPHER SSL_TLS_SNI_SERVERNAME SSL_PEER_CERT_HASH SSL_PEER_CERT_SUBJECT
  SSL_CIPHER_USEKEYSIZE SSL_CIPHER_ALGKEYSIZE SSL_SESSION_ID SSL_VERSION_LIBRARY"
check ucspitlsd "0 96 97 98 100 111" "$common_sections
THE CHECK MODE" "CERTFILE KEYFILE CAFILE CADIR TLS_UID TLS_GID SSLCTLFD SSLREADFD SSLWRITEFD $facts
  SSL_CLIENT_S_DN SSL_CLIENT_S_DN_CN SSL_CLIENT_S_DN_Email SSL_CLIENT_I_DN SSL_CLIENT_M_SERIAL
  SSL_CLIENT_V_START SSL_CLIENT_V_END"
check ucspitlsc "0 96 97 98 100 111" "$common_sections" \
  "CAFILE CADIR CERTFILE KEYFILE TLS_UID TLS_GID SSLCTLFD SSLREADFD SSLWRITEFD $facts
  SSL_SERVER_S_DN SSL_SERVER_S_DN_CN SSL_SERVER_S_DN_Email SSL_SERVER_I_DN SSL_SERVER_M_SERIAL
  SSL_SERVER_V_START SSL_SERVER_V_END"
# runscripts PAGE -- each run script of PAGE's EXAMPLES, as "ok" or
# "missing", one line each
runscripts() {
  sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$1" | awk '
    /^\.Bd -literal/ { inb = 1; s = ""; next }
    /^\.Ed/ { if (inb && s ~ /^#!\/bin\/sh/ && s ~ /tcpserver/) print (s ~ /\nucspitlsd -C \|\| exit\n/ || s ~ /\ns6-envdir \.\/env ucspitlsd -C \|\| exit\n/) ? "ok" : "missing"; inb = 0; next }
    inb { s = s $0 "\n" }'
}
for p in ucspitlsd starttls-smtpd; do
  r=$(runscripts "$TOP/doc/$p.1")
  [ -n "$r" ] || fail "$p.1: no run script in EXAMPLES"
  assert_not_contains "$r" missing "$p.1's run scripts (a run script without its ucspitlsd -C line)"
done

check starttls-smtpd "98 99 100 111" "$common_sections
DIAGNOSTICS
NOTES" "SSLCTLFD SSLREADFD SSLWRITEFD"
pass
