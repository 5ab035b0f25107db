#!/bin/bash
# smtpd-readme-example: README's starttls-smtpd run script, run as it is
# written, on loopback, with only the outside world swapped: port 25 on
# all addresses becomes 127.0.0.1 and a free port, the qmaild user
# nobody, and qmail-smtpd a small plain SMTP server in sh that knows
# nothing of TLS.  swaks --tls sends a message: the server saw it inside
# TLS (SSL_CIPHER in its environment), running as nobody.
. "$(dirname "$0")/lib.sh"
certs

cmd=$(sed -n '/^=== begin example starttls-smtpd-run ===$/,/^=== end example starttls-smtpd-run ===$/{/^=== /d;p;}' \
  "${SMTPD_README:-$TOP/README}")
[ -n "$cmd" ] || fail "README has no example starttls-smtpd-run"

swap() { # VAR FROM TO -- replace every FROM in $VAR; FROM must be there
  local v=${!1}
  case $v in *"$2"*) ;; *) fail "README example lacks [$2]: [$v]" ;; esac
  printf -v "$1" '%s' "${v//"$2"/"$3"}"
}

# the server, and the files it touches, must be open to nobody
chmod 755 "$T" || fail "chmod $T"
cat >"$T/mini-smtpd" <<'SHEOF'
#!/bin/sh
# a stock SMTP server, of sorts: no TLS, no UCSPI-TLS; logs what it gets
log=$1
CR=$(printf '\r')
printf '220 mini.example ESMTP\r\n'
while IFS= read -r line; do
  line=${line%"$CR"}
  echo "$(id -un) tls=${SSL_CIPHER:-none} $line" >>"$log"
  case $line in
    [Ee][Hh][Ll][Oo]*) printf '250-mini.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n' ;;
    [Dd][Aa][Tt][Aa])
      printf '354 go ahead\r\n'
      while IFS= read -r l; do
        l=${l%"$CR"}
        [ "$l" = . ] && break
        echo "body $l" >>"$log"
      done
      printf '250 queued\r\n' ;;
    [Qq][Uu][Ii][Tt]) printf '221 bye\r\n'; exit 0 ;;
    *) printf '250 ok\r\n' ;;
  esac
done
SHEOF
: >"$T/mini.log" && chmod 666 "$T/mini.log" && chmod 755 "$T/mini-smtpd" || fail "cannot set up mini-smtpd"
# starttls-smtpd runs as nobody too: a copy in $T/bin, first in the run
# script's PATH, as if installed (the source tree may be closed to nobody,
# as under /root)
mkdir "$T/bin" && cp "$BIN/starttls-smtpd" "$T/bin/" && chmod 755 "$T/bin" "$T/bin/starttls-smtpd" \
  || fail "cannot copy starttls-smtpd"

svc=$T/svc
mkdir -p "$svc/env" || fail "mkdir $svc"
printf '%s\n' "$SRV_CERT" >"$svc/env/CERTFILE"
printf '%s\n' "$SRV_KEY" >"$svc/env/KEYFILE"
id -u nobody >"$svc/env/TLS_UID"
id -g nobody >"$svc/env/TLS_GID"
port=$(free_port)
swap cmd "tcpserver -HRl0 0 25" "tcpserver -HRl0 127.0.0.1 $port"
swap cmd "s6-setuidgid qmaild" "s6-setuidgid nobody"
swap cmd " qmail-smtpd" " $T/mini-smtpd $T/mini.log"
printf '%s\n' "$cmd" >"$svc/run"
say "running: $(grep tcpserver "$svc/run")"
PATH=$T/bin:$PATH start_bg run sh -c 'cd "$1" && exec sh ./run' run "$svc"
wait_port "$port"

with_timeout 30 swaks --tls --server "127.0.0.1:$port" --from a@example.org --to b@mini.example \
  --header "Subject: readme example" --body "hello from the README" \
  >"$T/swaks.log" 2>&1 || fail "swaks --tls failed: $(tail -n 5 "$T/swaks.log")"
assert_file_contains "$T/swaks.log" "<-  250-STARTTLS"
assert_file_contains "$T/mini.log" "nobody tls=ECDHE-"
grep -q '^nobody tls=ECDHE-[^ ]* MAIL FROM:<a@example.org>' "$T/mini.log" \
  || fail "MAIL did not reach the server inside TLS: $(cat "$T/mini.log")"
assert_file_contains "$T/mini.log" "body hello from the README"
wait_for 10 grep -q 'ucspitlsd: info: .* end=ok' "$T/run.out" || fail "no ucspitlsd log line: $(cat "$T/run.out")"
pass
