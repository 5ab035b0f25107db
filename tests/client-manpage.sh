#!/bin/bash
# client-manpage: doc/ucspitlsc.1 is lint-clean under `mandoc -T lint`
# (notes about this machine's out-of-date mandoc.db aside), and documents
# every option that ucspitlsc's usage line names, and every exit code.
. "$(dirname "$0")/lib.sh"

page=$TOP/doc/ucspitlsc.1
[ -f "$page" ] || fail "no $page"
command -v mandoc >/dev/null || fail "mandoc is not installed (package/deps-test)"
mandoc -T lint "$page" >"$T/lint" 2>&1
rc=$?
grep -v 'outdated mandoc.db lacks' "$T/lint" >"$T/lint.real"
[ ! -s "$T/lint.real" ] || fail "mandoc -T lint: $(cat "$T/lint.real")"
[ "$rc" = 0 ] || fail "mandoc -T lint exited $rc"

# the options of the usage line, each with its own .It in OPTIONS
ucspitlsc 2>"$T/usage"
usage=$(cat "$T/usage")
assert_contains "$usage" "ucspitlsc: usage: ucspitlsc " "usage message"
opts=$(grep -o -- '-[A-Za-z0-9]' <<<"${usage#*usage: ucspitlsc }" | sort -u)
[ -n "$opts" ] || fail "no options found in [$usage]"
for o in $opts; do
  grep -qx "\\.It Fl ${o#-}\\( .*\\)\\{0,1\\}" "$page" || fail "option $o is not described in OPTIONS"
done
for code in 0 96 97 98 100 111; do
  grep -qx "\\.It $code" "$page" || fail "exit code $code is not in EXIT STATUS"
done
for sec in NAME SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT "THE CONTROL PROTOCOL" "EXIT STATUS" EXAMPLES "SEE ALSO"; do
  grep -qx "\\.Sh $sec" "$page" || fail "no section $sec"
done
for v in CAFILE CADIR CERTFILE KEYFILE SSLCTLFD SSLREADFD SSLWRITEFD SSL_PROTOCOL SSL_CIPHER \
         SSL_TLS_SNI_SERVERNAME SSL_PEER_CERT_HASH SSL_PEER_CERT_SUBJECT; do
  grep -q "^\\.It Ev \\(.*Ev \\)\\{0,1\\}$v\\b" "$page" || fail "$v is not described in ENVIRONMENT"
done
pass
