/* ISC license. */

/* tls_x509.c: a thin X.509 engine around br_x509_minimal that also
   records what the session facts say of the peer's certificate: the
   SHA-256 of its DER, and its subject DN, formatted as in RFC 4514. */

#include <string.h>

#include "tls-internal.h"

#define SELF(ctx) ((tlsx509 *)(void *)(ctx))

static void append_dn (void *ctx, void const *s, size_t n)
{
  tlsx509 *x = ctx ;
  if (n > sizeof(x->dn) - x->dnlen) { x->dnover = 1 ; return ; }
  memcpy(x->dn + x->dnlen, s, n) ;
  x->dnlen += n ;
}

static void w_start_chain (br_x509_class const **ctx, char const *server_name)
{
  tlsx509 *x = SELF(ctx) ;
  x->idx = 0 ; x->err = 0 ; x->have = 0 ; x->dnlen = 0 ; x->dnover = 0 ;
  x->minimal.vtable->start_chain(&x->minimal.vtable, server_name) ;
}

static void w_start_cert (br_x509_class const **ctx, uint32_t length)
{
  tlsx509 *x = SELF(ctx) ;
  if (!x->idx)
  {
    br_sha256_init(&x->sha) ;
    br_x509_decoder_init(&x->dec, &append_dn, x) ;
  }
  x->minimal.vtable->start_cert(&x->minimal.vtable, length) ;
}

static void w_append (br_x509_class const **ctx, unsigned char const *buf, size_t len)
{
  tlsx509 *x = SELF(ctx) ;
  if (!x->idx)
  {
    br_sha256_update(&x->sha, buf, len) ;
    br_x509_decoder_push(&x->dec, buf, len) ;
  }
  x->minimal.vtable->append(&x->minimal.vtable, buf, len) ;
}

static void w_end_cert (br_x509_class const **ctx)
{
  tlsx509 *x = SELF(ctx) ;
  if (!x->idx++) br_sha256_out(&x->sha, x->hash) ;
  x->minimal.vtable->end_cert(&x->minimal.vtable) ;
}

static unsigned w_end_chain (br_x509_class const **ctx)
{
  tlsx509 *x = SELF(ctx) ;
  unsigned r = x->minimal.vtable->end_chain(&x->minimal.vtable) ;
  if (!x->idx) return r ;
  if (r) x->err = (int)r ;
  else x->have = 1 ;
  return r ;
}

static br_x509_pkey const *w_get_pkey (br_x509_class const *const *ctx, unsigned *usages)
{
  tlsx509 const *x = (tlsx509 const *)(void const *)ctx ;
  return x->minimal.vtable->get_pkey(&x->minimal.vtable, usages) ;
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
  br_x509_minimal_context *m = &x->minimal ;
  x->vtable = &w_vtable ;
  x->idx = 0 ; x->err = 0 ; x->have = 0 ; x->dnlen = 0 ; x->dnover = 0 ;
  br_x509_minimal_init(m, &br_sha256_vtable, a->ta, a->n) ;
  br_x509_minimal_set_hash(m, br_sha1_ID, &br_sha1_vtable) ;
  br_x509_minimal_set_hash(m, br_sha224_ID, &br_sha224_vtable) ;
  br_x509_minimal_set_hash(m, br_sha256_ID, &br_sha256_vtable) ;
  br_x509_minimal_set_hash(m, br_sha384_ID, &br_sha384_vtable) ;
  br_x509_minimal_set_hash(m, br_sha512_ID, &br_sha512_vtable) ;
  br_x509_minimal_set_rsa(m, br_rsa_pkcs1_vrfy_get_default()) ;
  br_x509_minimal_set_ecdsa(m, br_ec_get_default(), br_ecdsa_vrfy_asn1_get_default()) ;
}

void tlsx509_facts (tlsx509 const *x, facts *f)
{
  static char const hex[] = "0123456789abcdef" ;
  if (!x->have) return ;
  memcpy(f->hash, "SHA256:", 7) ;
  for (size_t i = 0 ; i < 32 ; i++)
  {
    f->hash[7 + 2*i] = hex[x->hash[i] >> 4] ;
    f->hash[8 + 2*i] = hex[x->hash[i] & 15] ;
  }
  f->hash[71] = 0 ;
  if (x->dnover || !dn_format(x->dn, x->dnlen, f->subject, sizeof(f->subject)))
    memcpy(f->subject, "(unparsable)", 13) ;
}
