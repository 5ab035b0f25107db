/* ISC license. */

/* tls_x509.c: a thin X.509 engine around br_x509_minimal (or, on the
   client, around the policy engine of x509/tls_verify.c) that also
   keeps what the session facts say of the peer's certificate: the
   SHA-256 of its DER, and its DER itself, from which the subject,
   issuer, serial number and validity are read once the chain is
   accepted (only then: a fact of a certificate that failed never
   reaches prog). */

#include <string.h>

#include "tls-internal.h"

#define SELF(ctx) ((tlsx509 *)(void *)(ctx))

static void w_start_chain (br_x509_class const **ctx, char const *server_name)
{
  tlsx509 *x = SELF(ctx) ;
  x->idx = 0 ; x->err = 0 ; x->have = 0 ; x->derlen = 0 ; x->derover = 0 ;
  (*x->inner)->start_chain(x->inner, server_name) ;
}

static void w_start_cert (br_x509_class const **ctx, uint32_t length)
{
  tlsx509 *x = SELF(ctx) ;
  if (!x->idx) br_sha256_init(&x->sha) ;
  (*x->inner)->start_cert(x->inner, length) ;
}

static void w_append (br_x509_class const **ctx, unsigned char const *buf, size_t len)
{
  tlsx509 *x = SELF(ctx) ;
  if (!x->idx)
  {
    br_sha256_update(&x->sha, buf, len) ;
    if (len > sizeof(x->der) - x->derlen) x->derover = 1 ;
    else { memcpy(x->der + x->derlen, buf, len) ; x->derlen += len ; }
  }
  (*x->inner)->append(x->inner, buf, len) ;
}

static void w_end_cert (br_x509_class const **ctx)
{
  tlsx509 *x = SELF(ctx) ;
  if (!x->idx++) br_sha256_out(&x->sha, x->hash) ;
  (*x->inner)->end_cert(x->inner) ;
}

static unsigned w_end_chain (br_x509_class const **ctx)
{
  tlsx509 *x = SELF(ctx) ;
  unsigned r = (*x->inner)->end_chain(x->inner) ;
  if (!x->idx) return r ;
  if (r) x->err = (int)r ;
  else x->have = 1 ;
  return r ;
}

static br_x509_pkey const *w_get_pkey (br_x509_class const *const *ctx, unsigned *usages)
{
  tlsx509 const *x = (tlsx509 const *)(void const *)ctx ;
  return (*x->inner)->get_pkey((br_x509_class const *const *)x->inner, usages) ;
}

static br_x509_class const w_vtable =
{
  .context_size = sizeof(tlsx509),
  .start_chain = &w_start_chain,
  .start_cert = &w_start_cert,
  .append = &w_append,
  .end_cert = &w_end_cert,
  .end_chain = &w_end_chain,
  .get_pkey = &w_get_pkey,
} ;

void tlsx509_init (tlsx509 *x, tlsanchors const *a)
{
  x->vtable = &w_vtable ;
  x->idx = 0 ; x->err = 0 ; x->have = 0 ; x->derlen = 0 ; x->derover = 0 ;
  x->inner = &x->minimal.vtable ;
  x->outcome = 0 ; x->octx = 0 ; x->errexit = 0 ;
  tlsx509_minimal_init(&x->minimal, a->ta, a->n) ;
}

void tlsx509_minimal_init (br_x509_minimal_context *m, br_x509_trust_anchor const *ta, size_t n)
{
  br_x509_minimal_init(m, &br_sha256_vtable, ta, n) ;
  br_x509_minimal_set_hash(m, br_sha1_ID, &br_sha1_vtable) ;
  br_x509_minimal_set_hash(m, br_sha224_ID, &br_sha224_vtable) ;
  br_x509_minimal_set_hash(m, br_sha256_ID, &br_sha256_vtable) ;
  br_x509_minimal_set_hash(m, br_sha384_ID, &br_sha384_vtable) ;
  br_x509_minimal_set_hash(m, br_sha512_ID, &br_sha512_vtable) ;
  br_x509_minimal_set_rsa(m, br_rsa_pkcs1_vrfy_get_default()) ;
  br_x509_minimal_set_ecdsa(m, br_ec_get_default(), br_ecdsa_vrfy_asn1_get_default()) ;
}

static unsigned char const oid_cn[] = { 0x55, 0x04, 0x03 } ;
static unsigned char const oid_email[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01 } ;

void tlsx509_facts (tlsx509 const *x, facts *f)
{
  static char const hex[] = "0123456789abcdef" ;
  tlscertinfo ci ;
  if (x->outcome) (*x->outcome)(x->octx, f) ;
  if (!x->have) return ;
  memcpy(f->hash, "SHA256:", 7) ;
  for (size_t i = 0 ; i < 32 ; i++)
  {
    f->hash[7 + 2*i] = hex[x->hash[i] >> 4] ;
    f->hash[8 + 2*i] = hex[x->hash[i] & 15] ;
  }
  f->hash[71] = 0 ;
  if (x->derover || !tls_cert_info(x->der, x->derlen, &ci))
  {
    memcpy(f->subject, "(unparsable)", 13) ;
    return ;
  }
  /* an empty subject (a certificate that names itself in its
     subjectAltName only) gives no subject fact at all */
  if (ci.subject.len > 2 && !dn_format(ci.subject.s, ci.subject.len, f->subject, sizeof(f->subject), DN_RFC4514))
    memcpy(f->subject, "(unparsable)", 13) ;
  /* left unset when empty or unparsable: the mere presence of
     SSL_CLIENT_S_DN makes s/qmail relay for the client */
  dn_format(ci.subject.s, ci.subject.len, f->dn, sizeof(f->dn), DN_ONELINE) ;
  dn_format(ci.issuer.s, ci.issuer.len, f->issuer, sizeof(f->issuer), DN_ONELINE) ;
  dn_attr(ci.subject.s, ci.subject.len, oid_cn, sizeof(oid_cn), f->cn, sizeof(f->cn)) ;
  dn_attr(ci.subject.s, ci.subject.len, oid_email, sizeof(oid_email), f->email, sizeof(f->email)) ;
  tls_serial_fmt(&ci.serial, f->serial, sizeof(f->serial)) ;
  tls_time_fmt(ci.notbefore, f->vstart) ;
  tls_time_fmt(ci.notafter, f->vend) ;
}
