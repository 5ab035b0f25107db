#!/bin/bash
# client-smtp-exim: src/demo/smtp-client, the project's own UCSPI-TLS SMTP
# client, under tcpclient and ucspitlsc (delayed mode), against Exim with
# its own STARTTLS (GnuTLS, Debian's exim4 unpatched, in -bs mode under
# tcpserver), with each verification policy:
#   - PKIX, a certificate of the test CA for mx.test: delivered,
#     SSL_SERVER_VERIFY=SUCCESS; the message is in exim's spool with
#     exim's own record of the TLS session, and dot-stuffing kept a line
#     that begins with a dot;
#   - PKIX, a self-signed certificate: smtp-client reports the TLS
#     child's status 99, in one line, and nothing is delivered;
#   - -n, the same self-signed certificate: delivered, FAILED:untrusted
#     (with anchors) or NONE (without);
#   - DANE 3 1 1 on the self-signed certificate: delivered, SUCCESS,
#     SSL_SERVER_DANE=3 1 1; a record that does not match: 99;
#   - the expired certificate, the one for another name: 99, and with
#     -n delivered with FAILED:expired, FAILED:name-mismatch; DANE-EE on
#     the other name's certificate: delivered; a chain of the test CA:
#     delivered with PKIX, and with DANE-TA on its intermediate (99 with
#     another -k name);
#   - -r (TLS required) against an exim that offers no STARTTLS: 111 and
#     one line, no message; without -r, delivered in clear.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib/dane.sh"
need_exim
certs
CLIENT=$TOP/src/demo/smtp-client

mk() { # NAME -- a self-signed EC certificate for mx.test in $T/NAME.pem/.key
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" \
    -subj /CN=mx.test -addext subjectAltName=DNS:mx.test -days 30 -out "$T/$1.pem" 2>"$T/$1.gen.log" \
    || fail "cannot make $1: $(cat "$T/$1.gen.log")"
}

# exim_tls NAME CERT KEY [notls] -- exim -bs under tcpserver, STARTTLS
# with CERT and KEY (or none at all); sets PORT, SPOOL_NAME
exim_tls() {
  local d=$T/exim-$1
  mkdir -p "$d/spool" "$d/log" || fail mkdir
  {
    printf 'primary_hostname = mx.test\nspool_directory = %s/spool\nlog_file_path = %s/log/%%slog\n' "$d" "$d"
    printf 'exim_user = %s\nexim_group = %s\nnever_users =\nqueue_only = true\n' "$(id -un)" "$(id -gn)"
    if [ "${4:-}" = notls ]; then
      printf 'tls_advertise_hosts =\n'
    else
      printf 'tls_advertise_hosts = *\ntls_certificate = %s\ntls_privatekey = %s\n' "$2" "$3"
    fi
    printf 'acl_smtp_rcpt = acl_rcpt\nbegin acl\nacl_rcpt:\n  accept\nbegin routers\nbegin transports\n'
  } >"$d/exim.conf"
  start_tcpserver "exim-$1" exim4 -C "$d/exim.conf" -bs
}

# send NAME UCSPITLSC-OPTS... -- -- CLIENT-OPTS...: one message through
# tcpclient, ucspitlsc and smtp-client; $T/NAME.out, .err, and $rc
send() {
  local name=$1 u=() c=()
  shift
  while [ "$1" != -- ]; do u+=("$1"); shift; done
  shift
  c=("$@")
  printf 'Subject: %s\n\nline one\n.a line that begins with a dot\n' "$name" >"$T/$name.msg"
  with_timeout 60 tcpclient -RHl0 127.0.0.1 "$PORT" ucspitlsc "${u[@]}" \
    "$CLIENT" -f sender@example.org -t rcpt@mx.test -h client.test "${c[@]}" \
    <"$T/$name.msg" >"$T/$name.out" 2>"$T/$name.err"
  rc=$?
}

delivered() { # NAME VERIFY [DANE]
  assert_eq 0 "$rc" "$1: exit status ($(cat "$T/$1.err"))"
  assert_file_contains "$T/$1.out" "smtp-client: delivered: 250 OK" "$1"
  assert_file_contains "$T/$1.out" "SSL_SERVER_VERIFY=$2" "$1"
  if [ -n "${3:-}" ]; then assert_file_contains "$T/$1.out" "SSL_SERVER_DANE=$3" "$1"
  else assert_file_not_contains "$T/$1.out" "SSL_SERVER_DANE=" "$1"; fi
  assert_file_contains "$T/$1.out" "SSL_PEER_CERT_HASH=SHA256:" "$1"
  id=$(sed -n 's/^smtp-client: delivered: 250 OK id=//p' "$T/$1.out")
  f=$(find "$SPOOL" -name "$id-D")
  [ -n "$id" ] && [ -f "$f" ] || fail "$1: message $id is not in exim's spool"
  grep -q "Subject: $1\$" "${f%-D}-H" || fail "$1: not our message: $(cat "${f%-D}-H")"
  # the line went out as "..a line", and exim took one dot away
  grep -qx '\.a line that begins with a dot' "$f" || fail "$1: the dotted line, as spooled: $(cat "$f")"
  wait_for 10 grep -qs "<= sender@example.org .* X=TLS1.2:.*S=" "$EXIMLOG" || fail "$1: exim logged no TLS delivery: $(cat "$EXIMLOG")"
}

refused() { # NAME STATUS WHY
  assert_eq "$2" "$rc" "$1: exit status ($(cat "$T/$1.err"))"
  # one line of its own (ucspitlsc's TLS child may have said why, before)
  assert_eq 1 "$(grep -c '^smtp-client: ' "$T/$1.err")" "$1: smtp-client's lines: $(cat "$T/$1.err")"
  assert_eq 0 "$(grep -vc -e '^smtp-client: fatal: ' -e '^ucspitlsc: fatal: ' "$T/$1.err")" "$1: other lines: $(cat "$T/$1.err")"
  assert_file_contains "$T/$1.err" "smtp-client: fatal: $3" "$1"
  ! grep -rqs "Subject: $1\$" "$SPOOL" || fail "$1: a message was delivered"
}

# 1. a certificate of the test CA, for mx.test
openssl ecparam -name prime256v1 -genkey -noout -out "$T/good.key" 2>/dev/null
openssl req -new -key "$T/good.key" -subj /CN=mx.test -out "$T/good.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:mx.test\n' >"$T/good.ext"
openssl x509 -req -in "$T/good.csr" -CA "$CA" -CAkey "$CA_KEY" -set_serial 0x$(openssl rand -hex 8) \
  -days 30 -sha256 -extfile "$T/good.ext" -out "$T/good.pem" 2>/dev/null || fail "cannot make good.pem"
exim_tls good "$T/good.pem" "$T/good.key"
SPOOL=$T/exim-good/spool EXIMLOG=$T/exim-good/log/mainlog
CAFILE=$CA send pkix -k mx.test -- ; delivered pkix SUCCESS

# 2. a self-signed certificate
mk self
exim_tls self "$T/self.pem" "$T/self.key"
SPOOL=$T/exim-self/spool EXIMLOG=$T/exim-self/log/mainlog
CAFILE=$CA send pkixbad -k mx.test -- ; refused pkixbad 99 "TLS handshake failed: ucspitlsc exited 99"
assert_file_contains "$T/pkixbad.err" "ucspitlsc: fatal: TLS handshake failed: policy pkix: chain could not be linked to a trust anchor (BR_ERR_X509_NOT_TRUSTED)"
CAFILE=$CA send none1 -n -k mx.test -- ; delivered none1 FAILED:untrusted
send none2 -n -- ; delivered none2 NONE
spki=$(openssl x509 -in "$T/self.pem" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
TLSA="3 1 1 $spki" send dane -k mx.test -- ; delivered dane SUCCESS "3 1 1"
TLSA="3 1 1 $(printf '%064d' 0)" send danebad -k mx.test -- ; refused danebad 99 "TLS handshake failed: ucspitlsc exited 99"
assert_file_contains "$T/danebad.err" "ucspitlsc: fatal: TLS handshake failed: policy dane: no TLSA record matches the server's certificate (BR_ERR_X509_NOT_TRUSTED)"

# 3. the shared test certificates: expired, for another name
# (mail.example.org, asked for as mx.test), a chain through an
# intermediate (localhost)
for c in expired:EXPIRED other:MAIL chain:CHAIN; do
  n=${c%%:*} v=${c#*:}
  cert=${v}_CERT key=${v}_KEY
  exim_tls "$n" "${!cert}" "${!key}"
  SPOOL=$T/exim-$n/spool EXIMLOG=$T/exim-$n/log/mainlog
  case $n in
    expired) CAFILE=$CA send "$n" -k mx.test -- ; refused "$n" 99 "TLS handshake failed: ucspitlsc exited 99"
             CAFILE=$CA send "$n-n" -n -k localhost -- ; delivered "$n-n" FAILED:expired ;;
    other) CAFILE=$CA send "$n" -k mx.test -- ; refused "$n" 99 "TLS handshake failed: ucspitlsc exited 99"
           CAFILE=$CA send "$n-n" -n -k mx.test -- ; delivered "$n-n" FAILED:name-mismatch
           TLSA=$(tlsa 3 1 1 "$MAIL_CERT") send "$n-dane" -k mx.test -- ; delivered "$n-dane" SUCCESS "3 1 1" ;;
    chain) CAFILE=$CA send "$n" -k localhost -- ; delivered "$n" SUCCESS
           TLSA=$(tlsa 2 0 1 "$INTER_CERT") send "$n-dane" -k localhost -- ; delivered "$n-dane" SUCCESS "2 0 1"
           TLSA=$(tlsa 2 0 1 "$INTER_CERT") send "$n-dane-other" -k mx.test -- ; refused "$n-dane-other" 99 "TLS handshake failed: ucspitlsc exited 99" ;;
  esac
done

# 4. no STARTTLS offered: -r refuses, without it the mail goes in clear
exim_tls plain x x notls
SPOOL=$T/exim-plain/spool EXIMLOG=$T/exim-plain/log/mainlog
CAFILE=$CA send req -k mx.test -- -r ; refused req 111 "TLS is required and the server did not offer STARTTLS"
CAFILE=$CA send clear -k mx.test -- ; assert_eq 0 "$rc" "clear: $(cat "$T/clear.err")"
assert_file_contains "$T/clear.out" "smtp-client: delivered: 250 OK"
assert_file_not_contains "$T/clear.out" "SSL_" "clear"
pass
