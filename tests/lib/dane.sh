# tests/lib/dane.sh -- TLSA records of test certificates, as a DNS zone
# would publish them, computed with openssl (for the DANE tests)
#
#   tlsa USAGE SELECTOR MTYPE PEM   prints "USAGE SELECTOR MTYPE HEX" for
#                                   the certificate in PEM: selector 0 its
#                                   DER, 1 its SubjectPublicKeyInfo;
#                                   matching type 0 the bytes, 1 SHA-256,
#                                   2 SHA-512
#   tls_run_prog                    a prog for ucspitlsc -i: writes its
#                                   environment to $1.env, sends an HTTP
#                                   request, keeps the answer's first line
#                                   in $1.page

tlsa() {
  local sel mt data
  case $2 in
    0) sel=(openssl x509 -in "$4" -outform DER) ;;
    1) sel=(sh -c 'openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER' spki "$4") ;;
  esac
  case $3 in
    0) data=$("${sel[@]}" | od -An -v -tx1 | tr -d ' \n') ;;
    1) data=$("${sel[@]}" | sha256sum | cut -d' ' -f1) ;;
    2) data=$("${sel[@]}" | sha512sum | cut -d' ' -f1) ;;
  esac
  [ -n "$data" ] || fail "tlsa $*: no data"
  printf '%s %s %s %s\n' "$1" "$2" "$3" "$data"
}

# shellcheck disable=SC2016
tls_run_prog='env >"$1.env"; printf "GET / HTTP/1.0\r\n\r\n" >&7; exec 7>&-; head -n 1 <&6 | tr -d "\r" >"$1.page"; cat <&6 >/dev/null'
