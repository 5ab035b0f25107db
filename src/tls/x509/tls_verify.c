/* ISC license. */

/* tls_verify.c: the client's verification policy, as an X.509 engine
   (BearSSL's br_x509_class) that wraps the check that decides:
     pkix     br_x509_minimal on CAFILE/CADIR, with the -k name;
     dane     the TLSA records against the chain (tls_dane.c);
     nothing  no anchors and no records: nothing to check against.
   With -n the outcome is told in the facts and never fails the
   handshake; else a failure ends it with exit 99, distinct from the
   other ways that a handshake fails (98), since a delivery agent acts
   on it differently. The leaf is always decoded for its key, which is
   the handshake's key when no check has given it. */

#include <string.h>

#include <skalibs/types.h>

#include "x509-internal.h"

#define SELF(ctx) ((tlspolicy *)(void *)(ctx))

static void p_start_chain (br_x509_class const **ctx, char const *server_name)
{
  tlspolicy *p = SELF(ctx) ;
  p->err = 0 ; p->verdict = TLSV_NONE ; p->match = 0 ; p->pkey = 0 ; p->usages = 0 ; p->reason[0] = 0 ; p->idx = 0 ;
  if (p->chain) { p->chain->n = 0 ; p->chain->seen = 0 ; p->chain->over = 0 ; }
  br_x509_decoder_init(&p->dec, 0, 0) ;
  if (p->kind == TLSP_PKIX) p->pkix.vtable->start_chain(&p->pkix.vtable, server_name) ;
}

static void p_start_cert (br_x509_class const **ctx, uint32_t length)
{
  tlspolicy *p = SELF(ctx) ;
  tlschain *c = p->chain ;
  if (c)
  {
    size_t at = c->n ? c->off[c->n - 1] + c->len[c->n - 1] : 0 ;
    c->over = c->n != c->seen || c->n == TLSCHAIN_CERTS || length > TLSCHAIN_MAX - at ;
    if (!c->over) { c->off[c->n] = at ; c->len[c->n] = 0 ; }
  }
  if (p->kind == TLSP_PKIX) p->pkix.vtable->start_cert(&p->pkix.vtable, length) ;
}

static void p_append (br_x509_class const **ctx, unsigned char const *buf, size_t len)
{
  tlspolicy *p = SELF(ctx) ;
  tlschain *c = p->chain ;
  if (c && !c->over)
  {
    size_t at = c->off[c->n] + c->len[c->n] ;
    if (len > TLSCHAIN_MAX - at) c->over = 1 ;
    else { memcpy(c->buf + at, buf, len) ; c->len[c->n] += len ; }
  }
  if (!p->idx) br_x509_decoder_push(&p->dec, buf, len) ;
  if (p->kind == TLSP_PKIX) p->pkix.vtable->append(&p->pkix.vtable, buf, len) ;
}

static void p_end_cert (br_x509_class const **ctx)
{
  tlspolicy *p = SELF(ctx) ;
  tlschain *c = p->chain ;
  if (c)
  {
    if (!c->over) c->n++ ;
    c->seen++ ;
  }
  p->idx++ ;
  if (p->kind == TLSP_PKIX) p->pkix.vtable->end_cert(&p->pkix.vtable) ;
}

 /* one word, for an agent to match on and a log to keep whole */
static char const *short_reason (int err)
{
  switch (err)
  {
    case BR_ERR_X509_EXPIRED : return "expired" ;  /* or not yet valid */
    case BR_ERR_X509_NOT_TRUSTED : return "untrusted" ;
    case BR_ERR_X509_BAD_SERVER_NAME : return "name-mismatch" ;
    case BR_ERR_X509_EMPTY_CHAIN : return "no-certificate" ;
    default : return tls_error_name(err) ;
  }
}

static unsigned p_end_chain (br_x509_class const **ctx)
{
  tlspolicy *p = SELF(ctx) ;
  int err = 0 ;
  switch (p->kind)
  {
    case TLSP_PKIX :
      err = (int)p->pkix.vtable->end_chain(&p->pkix.vtable) ;
      if (!err) p->pkey = p->pkix.vtable->get_pkey((br_x509_class const *const *)&p->pkix.vtable, &p->usages) ;
      break ;
    case TLSP_DANE :
      /* no usable record: encrypted, not authenticated (RFC 7672 2.2) */
      if (p->tlsa->usable) err = tls_dane_check(p) ;
      break ;
    default : break ;
  }
  p->err = err ;
  p->verdict = err ? TLSV_FAILED : p->kind == TLSP_PKIX || (p->kind == TLSP_DANE && p->match) ? TLSV_SUCCESS : TLSV_NONE ;
  if (err && p->enforce)
  {
    char const *what = p->kind == TLSP_DANE && err == BR_ERR_X509_NOT_TRUSTED ? "no TLSA record matches the server's certificate" : tls_error_text(err) ;
    size_t n = strlen(what) ;
    char const *pre = p->kind == TLSP_DANE ? "policy dane: " : "policy pkix: " ;
    if (n > sizeof(p->reason) - 14) n = sizeof(p->reason) - 14 ;
    memcpy(p->reason, pre, 13) ;
    memcpy(p->reason + 13, what, n) ;
    p->reason[13 + n] = 0 ;
    tls_fail_reason = p->reason ;
    return (unsigned)err ;
  }
  if (!p->pkey)
  {
    /* the leaf's key, as sent: DANE-EE, -n, nothing checked */
    p->pkey = br_x509_decoder_get_pkey(&p->dec) ;
    p->usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN ;
    if (!p->pkey)
    {
      int e = br_x509_decoder_last_error(&p->dec) ;
      if (!e) e = BR_ERR_X509_EMPTY_CHAIN ;
      p->err = e ; p->verdict = TLSV_FAILED ;
      return (unsigned)e ;
    }
  }
  return 0 ;
}

static br_x509_pkey const *p_get_pkey (br_x509_class const *const *ctx, unsigned *usages)
{
  tlspolicy const *p = (tlspolicy const *)(void const *)ctx ;
  if (usages) *usages = p->usages ;
  return p->pkey ;
}

static br_x509_class const p_vtable =
{
  .context_size = sizeof(tlspolicy),
  .start_chain = &p_start_chain,
  .start_cert = &p_start_cert,
  .append = &p_append,
  .end_cert = &p_end_cert,
  .end_chain = &p_end_chain,
  .get_pkey = &p_get_pkey,
} ;

void tls_policy_init (tlspolicy *p, unsigned int kind, int enforce, char const *name, tlsanchors const *a, tlsa const *t, tlschain *c)
{
  p->vtable = &p_vtable ;
  p->kind = kind ;
  p->enforce = !!enforce ;
  p->name = name ;
  p->anchors = a ;
  p->tlsa = t ;
  p->chain = kind == TLSP_DANE ? c : 0 ;
  p->err = 0 ; p->verdict = TLSV_NONE ; p->match = 0 ; p->pkey = 0 ; p->usages = 0 ; p->reason[0] = 0 ; p->idx = 0 ;
  if (kind == TLSP_PKIX) tlsx509_minimal_init(&p->pkix, a->ta, a->n) ;
}

char const *tls_policy_kind_name (tlspolicy const *p)
{
  return p->kind == TLSP_PKIX ? "pkix" : p->kind == TLSP_DANE ? "dane" : "none" ;
}

 /* what the policy is, as a key for anything that depends on it (a
    session resumed must have been verified the same way): "pkix:NAME",
    "dane:HEX:NAME" (HEX the SHA-256 of the records), with "*" for -N;
    "none" for -n alone, "none+pkix:NAME" or "none+dane:..." for -n with
    something checked. Returns the length; 0 if it does not fit. */
size_t tls_policy_id (tlspolicy const *p, char *s, size_t max)
{
  static char const hex[] = "0123456789abcdef" ;
  char const *name = p->name ? p->name : "*" ;
  size_t n = 0, k = strlen(name) ;
  if (max < 11 + 1 + 64 + 1 + k + 1) return 0 ;
  if (!p->enforce) { memcpy(s, "none", 4) ; n = 4 ; if (p->kind != TLSP_NOTHING) s[n++] = '+' ; }
  if (p->kind == TLSP_PKIX) { memcpy(s + n, "pkix:", 5) ; n += 5 ; }
  else if (p->kind == TLSP_DANE)
  {
    memcpy(s + n, "dane:", 5) ; n += 5 ;
    for (size_t i = 0 ; i < 32 ; i++) { s[n++] = hex[p->tlsa->id[i] >> 4] ; s[n++] = hex[p->tlsa->id[i] & 15] ; }
    s[n++] = ':' ;
  }
  if (p->kind != TLSP_NOTHING) { memcpy(s + n, name, k) ; n += k ; }
  s[n] = 0 ;
  return n ;
}

 /* SSL_SERVER_VERIFY, SSL_SERVER_DANE, and the policy for the -v2 line */
void tls_policy_outcome (void const *ctx, facts *f)
{
  tlspolicy const *p = ctx ;
  f->policy = tls_policy_kind_name(p) ;
  if (p->verdict == TLSV_SUCCESS) memcpy(f->verify, "SUCCESS", 8) ;
  else if (p->verdict == TLSV_NONE) memcpy(f->verify, "NONE", 5) ;
  else
  {
    char const *r = p->kind == TLSP_DANE && p->err == BR_ERR_X509_NOT_TRUSTED ? "no-tlsa-match" : short_reason(p->err) ;
    size_t n = strlen(r) ;
    if (n > sizeof(f->verify) - 8) n = sizeof(f->verify) - 8 ;
    memcpy(f->verify, "FAILED:", 7) ;
    memcpy(f->verify + 7, r, n) ;
    f->verify[7 + n] = 0 ;
  }
  if (p->match)
  {
    char *d = f->dane ;
    d += uint_fmt(d, p->match->usage) ; *d++ = ' ' ;
    d += uint_fmt(d, p->match->selector) ; *d++ = ' ' ;
    d += uint_fmt(d, p->match->mtype) ; *d = 0 ;
  }
}
