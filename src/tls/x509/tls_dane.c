/* ISC license. */

/* tls_dane.c: DANE for SMTP (RFC 7672 section 3, RFC 7671): the TLSA
   records against the chain that the server sent. DANE-EE(3) matches
   the leaf, its whole DER or its SubjectPublicKeyInfo, and then names
   and dates do not matter: the key is the server's by the records'
   word. DANE-TA(2) matches a certificate of the chain (or its key),
   which is then the chain's one trust anchor for an ordinary check with
   br_x509_minimal: the certificates below it, their dates, and the name
   given with -k. The chain is the policy's copy (tls_verify.c). */

#include <string.h>

#include "x509-internal.h"

 /* the SubjectPublicKeyInfo of a DER certificate, tag and length
    included; 0 if the certificate is malformed */
int tls_cert_spki (unsigned char const *der, size_t len, tlsder *spki)
{
  tlsder in = { .s = der, .len = len }, cert, tbs, v ;
  unsigned int tag ;
  if (!tls_der_expect(&in, 0x30, &cert) || !tls_der_expect(&cert, 0x30, &tbs)) return 0 ;
  if (!tls_der_next(&tbs, &tag, &v, 0)) return 0 ;
  if (tag == 0xa0 && !tls_der_next(&tbs, &tag, &v, 0)) return 0 ;  /* [0] version */
  if (tag != 0x02) return 0 ;  /* serial */
  for (unsigned int i = 0 ; i < 4 ; i++)  /* signature algorithm, issuer, validity, subject */
    if (!tls_der_expect(&tbs, 0x30, &v)) return 0 ;
  return tls_der_next(&tbs, &tag, &v, spki) && tag == 0x30 ;
}

int tls_dane_match (tlsarec const *r, unsigned char const *der, size_t len)
{
  unsigned char h[64] ;
  if (!tls_tlsa_usable(r)) return 0 ;
  if (r->selector == 1)
  {
    tlsder spki ;
    if (!tls_cert_spki(der, len, &spki)) return 0 ;
    der = spki.s ; len = spki.len ;
  }
  switch (r->mtype)
  {
    case 0 : return len == r->len && !memcmp(der, r->data, len) ;
    case 1 :
    {
      br_sha256_context c ;
      br_sha256_init(&c) ; br_sha256_update(&c, der, len) ; br_sha256_out(&c, h) ;
      return r->len == 32 && !memcmp(h, r->data, 32) ;
    }
    case 2 :
    {
      br_sha512_context c ;
      br_sha512_init(&c) ; br_sha512_update(&c, der, len) ; br_sha512_out(&c, h) ;
      return r->len == 64 && !memcmp(h, r->data, 64) ;
    }
    default : return 0 ;
  }
}

typedef struct dnbuf_s dnbuf, *dnbuf_ref ;
struct dnbuf_s
{
  unsigned char s[2048] ;
  size_t len ;
  unsigned int over : 1 ;
} ;

static void dn_append (void *ctx, void const *s, size_t n)
{
  dnbuf *d = ctx ;
  if (n > sizeof(d->s) - d->len) { d->over = 1 ; return ; }
  memcpy(d->s + d->len, s, n) ;
  d->len += n ;
}

 /* certificate i of the chain as the one trust anchor: the ones below
    it checked by br_x509_minimal, with the name. The leaf itself as the
    anchor is trusted directly (an anchor that is not a CA: its key must
    be the leaf's), and its name and dates still checked. */
static int anchored (tlspolicy *p, unsigned int i)
{
  tlschain const *c = p->chain ;
  br_x509_decoder_context dec ;
  br_x509_trust_anchor ta ;
  br_x509_pkey const *pk ;
  br_x509_class const **m = &p->pkix.vtable ;
  dnbuf dn = { .len = 0, .over = 0 } ;
  unsigned int r ;
  br_x509_decoder_init(&dec, &dn_append, &dn) ;
  br_x509_decoder_push(&dec, c->buf + c->off[i], c->len[i]) ;
  pk = br_x509_decoder_get_pkey(&dec) ;
  if (!pk || dn.over) return BR_ERR_X509_UNSUPPORTED ;
  ta.dn.data = dn.s ; ta.dn.len = dn.len ;
  ta.flags = i ? BR_X509_TA_CA : 0 ;
  ta.pkey = *pk ;
  tlsx509_minimal_init(&p->pkix, &ta, 1) ;
  (*m)->start_chain(m, p->name) ;
  for (unsigned int j = 0 ; j < (i ? i : 1) ; j++)
  {
    (*m)->start_cert(m, (uint32_t)c->len[j]) ;
    (*m)->append(m, c->buf + c->off[j], c->len[j]) ;
    (*m)->end_cert(m) ;
  }
  r = (*m)->end_chain(m) ;
  if (r) return (int)r ;
  p->pkey = (*m)->get_pkey((br_x509_class const *const *)m, &p->usages) ;
  return p->pkey ? 0 : BR_ERR_X509_UNSUPPORTED ;
}

 /* 0 and p->match set, or the error of the failure: EE records first
    (they need nothing more), then TA records, the leaf upwards. With no
    match at all, BR_ERR_X509_NOT_TRUSTED; a TA match whose chain fails
    (a leaf for another name, an expired one) gives that chain's error. */
int tls_dane_check (tlspolicy *p)
{
  tlschain const *c = p->chain ;
  tlsa const *t = p->tlsa ;
  int err = BR_ERR_X509_NOT_TRUSTED ;
  if (!c->seen) return BR_ERR_X509_EMPTY_CHAIN ;
  if (!c->n) return BR_ERR_X509_NOT_TRUSTED ;  /* the leaf did not fit: nothing can match */
  for (size_t k = 0 ; k < t->n ; k++)
    if (t->rec[k].usage == 3 && tls_dane_match(t->rec + k, c->buf + c->off[0], c->len[0]))
    {
      p->match = t->rec + k ;
      return 0 ;
    }
  for (unsigned int i = 0 ; i < c->n ; i++)
    for (size_t k = 0 ; k < t->n ; k++)
      if (t->rec[k].usage == 2 && tls_dane_match(t->rec + k, c->buf + c->off[i], c->len[i]))
      {
        int r = anchored(p, i) ;
        if (!r) { p->match = t->rec + k ; return 0 ; }
        err = r ;
      }
  return err ;
}
