# tests/lib/certs.sh -- the test certificates, made once per run.
#
# Certificates (after `certs`; all PEM unless said; CA-signed unless said)
#   CERTDIR            where they are ($UCSPITLS_CERTDIR if set, else $T/certs)
#   CA CA_KEY          test root CA, EC P-256 (key PKCS#8)
#   CA_DIR             a directory holding the CA certificate, one per file
#   SRV_CERT SRV_KEY   EC P-256 server cert for localhost + test.example.org;
#                      key in SEC1 form ("EC PRIVATE KEY")
#   SRV_KEY_PKCS8      the same key, PKCS#8 ("PRIVATE KEY")
#   RSA_CERT RSA_KEY   RSA-2048 server cert, same names; key PKCS#8
#   RSA_KEY_PKCS1      the same RSA key, PKCS#1 ("RSA PRIVATE KEY")
#   MAIL_CERT MAIL_KEY EC, mail.example.org (key PKCS#8)
#   WILD_CERT WILD_KEY EC, *.example.net (key SEC1)
#   CLIENT_CERT CLIENT_KEY  client cert, subject CN=client,O=Test,
#                      clientAuth (key PKCS#8)
#   EXPIRED_CERT EXPIRED_KEY  EC, localhost, valid 2020-01-01..2020-04-01
#   SELF_CERT SELF_KEY self-signed EC, localhost + test.example.org (untrusted)
#   DER_CERT DER_KEY   the SRV pair in DER (key: SEC1 DER)
#   INTER_CERT         an intermediate CA signed by CA
#   CHAIN_CERT CHAIN_KEY  EC leaf for localhost signed by INTER_CERT; the
#                      file holds leaf then intermediate
#
#   certs                       make (once) and export the certificates above
#   cert_sha256 FILE            lowercase hex SHA-256 of a PEM cert's DER
#   leaf_cert NAME SUBJ EKU ... a certificate of the test CA in $T (see there)

cert_sha256() {
  openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1
}

_gen_certs() (
  set -e
  cd "$1"
  exec 2>>gen.log >&2
  ossl() { openssl "$@"; }
  ecsec1() { ossl ecparam -name prime256v1 -genkey -noout -out "$1"; }
  ecpk8() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
  serial() { echo "0x$(ossl rand -hex 8)"; }
  ext_leaf() { # eku san...
    local eku=$1; shift
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n'
    printf 'extendedKeyUsage=%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' "$eku"
    if [ $# -gt 0 ]; then
      local san="" n
      for n in "$@"; do san="$san${san:+,}DNS:$n"; done
      printf 'subjectAltName=%s\n' "$san"
    fi
  }
  sign() { # name key subject cacert cakey eku san...
    local name=$1 key=$2 subj=$3 cacert=$4 cakey=$5; shift 5
    ext_leaf "$@" >"$name.ext"
    ossl req -new -key "$key" -subj "$subj" -out "$name.csr"
    ossl x509 -req -in "$name.csr" -CA "$cacert" -CAkey "$cakey" -set_serial "$(serial)" \
      -days 3650 -sha256 -extfile "$name.ext" -out "$name.pem"
  }

  # the CA
  ecpk8 ca.key
  ossl req -new -x509 -key ca.key -sha256 -days 3650 -set_serial "$(serial)" \
    -subj "/O=ucspitls tests/CN=ucspitls test CA" -out ca.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
  mkdir -p cadir && cp ca.pem cadir/ca.pem

  # EC server: SEC1 key, plus its PKCS#8 and DER forms
  ecsec1 srv-ec.key
  ossl pkcs8 -topk8 -nocrypt -in srv-ec.key -out srv-ec.p8.key
  sign srv-ec srv-ec.key /CN=localhost ca.pem ca.key serverAuth localhost test.example.org
  ossl x509 -in srv-ec.pem -outform DER -out srv-ec.der
  ossl ec -in srv-ec.key -outform DER -out srv-ec.key.der

  # RSA server: PKCS#8 key, plus PKCS#1
  ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out srv-rsa.key
  ossl rsa -in srv-rsa.key -traditional -out srv-rsa.pkcs1.key
  sign srv-rsa srv-rsa.key /CN=localhost ca.pem ca.key serverAuth localhost test.example.org

  ecpk8 mail.key
  sign mail mail.key /CN=mail.example.org ca.pem ca.key serverAuth mail.example.org
  ecsec1 wild.key
  sign wild wild.key "/CN=*.example.net" ca.pem ca.key serverAuth "*.example.net"
  ecpk8 client.key
  sign client client.key /CN=client/O=Test ca.pem ca.key clientAuth

  # expired: `openssl x509` cannot back-date, `openssl ca` can
  ecsec1 expired.key
  ossl req -new -key expired.key -subj /CN=localhost -out expired.csr
  ext_leaf serverAuth localhost test.example.org >expired.ext
  mkdir -p cadb && : >cadb/index.txt && echo 1000 >cadb/serial
  cat >ca.cnf <<'EOF'
[ ca ]
default_ca = testca
[ testca ]
database = cadb/index.txt
new_certs_dir = cadb
serial = cadb/serial
default_md = sha256
policy = anything
unique_subject = no
[ anything ]
commonName = supplied
EOF
  ossl ca -batch -notext -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr \
    -out expired.pem -startdate 20200101000000Z -enddate 20200401000000Z \
    -extfile expired.ext

  # self-signed, trusted by nobody
  ecsec1 self.key
  ossl req -new -x509 -key self.key -sha256 -days 3650 -subj /CN=localhost -out self.pem \
    -addext subjectAltName=DNS:localhost,DNS:test.example.org

  # a chain: CA -> intermediate -> leaf
  ecpk8 inter.key
  ossl req -new -key inter.key -subj "/O=ucspitls tests/CN=ucspitls test intermediate" -out inter.csr
  printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >inter.ext
  ossl x509 -req -in inter.csr -CA ca.pem -CAkey ca.key -set_serial "$(serial)" -days 3650 \
    -sha256 -extfile inter.ext -out inter.pem
  ecsec1 chain.key
  sign chain-leaf chain.key /CN=localhost inter.pem inter.key serverAuth localhost test.example.org
  cat chain-leaf.pem inter.pem >chain.pem

  rm -f ./*.csr
  touch .done
)

certs() {
  CERTDIR=${UCSPITLS_CERTDIR:-$T/certs}
  mkdir -p "$CERTDIR" || fail "cannot create $CERTDIR"
  if [ ! -e "$CERTDIR/.done" ]; then
    (
      flock 9 && { [ -e "$CERTDIR/.done" ] || _gen_certs "$CERTDIR"; }
    ) 9>"$CERTDIR/.lock" || fail "certificate generation failed: $(tail -n 5 "$CERTDIR/gen.log" 2>/dev/null)"
  fi
  export CERTDIR
  export CA=$CERTDIR/ca.pem CA_KEY=$CERTDIR/ca.key CA_DIR=$CERTDIR/cadir
  export SRV_CERT=$CERTDIR/srv-ec.pem SRV_KEY=$CERTDIR/srv-ec.key SRV_KEY_PKCS8=$CERTDIR/srv-ec.p8.key
  export RSA_CERT=$CERTDIR/srv-rsa.pem RSA_KEY=$CERTDIR/srv-rsa.key RSA_KEY_PKCS1=$CERTDIR/srv-rsa.pkcs1.key
  export MAIL_CERT=$CERTDIR/mail.pem MAIL_KEY=$CERTDIR/mail.key
  export WILD_CERT=$CERTDIR/wild.pem WILD_KEY=$CERTDIR/wild.key
  export CLIENT_CERT=$CERTDIR/client.pem CLIENT_KEY=$CERTDIR/client.key
  export EXPIRED_CERT=$CERTDIR/expired.pem EXPIRED_KEY=$CERTDIR/expired.key
  export SELF_CERT=$CERTDIR/self.pem SELF_KEY=$CERTDIR/self.key
  export DER_CERT=$CERTDIR/srv-ec.der DER_KEY=$CERTDIR/srv-ec.key.der
  export INTER_CERT=$CERTDIR/inter.pem CHAIN_CERT=$CERTDIR/chain.pem CHAIN_KEY=$CERTDIR/chain.key
}

# leaf_cert NAME SUBJECT clientAuth|serverAuth [ec|rsa] [DAYS] [SERIAL]
# -- a certificate of the test CA for SUBJECT (openssl -subj form, the
# RDNs in that order) in $T/NAME.pem, its key in $T/NAME.key (PKCS#8),
# valid for DAYS (default 365; 10000 and more reach past 2049, where X.509
# dates are GeneralizedTime), serial number SERIAL (default 8 random
# bytes); a server certificate names localhost
leaf_cert() {
  local name=$1 subj=$2 eku=$3 alg=${4:-ec} days=${5:-365} serial=${6:-0x$(openssl rand -hex 8)}
  {
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
    printf 'extendedKeyUsage=%s\n' "$eku"
    [ "$eku" = clientAuth ] || printf 'subjectAltName=DNS:localhost\n'
  } >"$T/$name.ext"
  case $alg in
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/$name.key" ;;
    *) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/$name.key" ;;
  esac 2>"$T/$name.gen.log" \
    && openssl req -new -utf8 -key "$T/$name.key" -subj "$subj" -out "$T/$name.csr" 2>>"$T/$name.gen.log" \
    && openssl x509 -req -in "$T/$name.csr" -CA "$CA" -CAkey "$CA_KEY" -set_serial "$serial" \
         -days "$days" -sha256 -extfile "$T/$name.ext" -out "$T/$name.pem" 2>>"$T/$name.gen.log" \
    || fail "cannot make the certificate $name: $(cat "$T/$name.gen.log")"
}
