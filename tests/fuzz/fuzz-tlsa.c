/* ISC license. */

/* fuzz-tlsa: the TLSA variable's parser, tls_tlsa_parse
   (src/tls/x509/tls_tlsa.c), and DANE's matching of a record against a
   certificate, tls_dane_match and tls_cert_spki (tls_dane.c). TLSA comes
   from the delivery agent, which took it from DNS: any bytes but NUL.
   The first input byte picks:
     even  the rest, up to a NUL, is TLSA. Checked against a model of
           the grammar written another way (split on ';', then on
           spaces and tabs, fields by strtoul): the same verdict, the
           same records (fields, data), the same count of usable ones,
           the same bad record's number; the error's text lies within
           the value; the parse is the same twice (the identity too).
     odd   the rest is a certificate's DER (maybe not one): if an SPKI
           is found, it lies inside the DER as a whole TLV; a record
           made from the DER (or SPKI) and each matching type matches
           it, and no longer matches once one byte of its data flips;
           an unusable record never matches. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "x509/x509-internal.h"

typedef struct mrec_s { unsigned int u, s, m ; size_t len ; unsigned char data[4096] ; } mrec ;

static int hexv (int c)
{
  if (c >= '0' && c <= '9') return c - '0' ;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10 ;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10 ;
  return -1 ;
}

 /* the model: 1 ok, 0 malformed (*bad: its number, 0 for "no record") */
static int model (char const *s, mrec *r, size_t *n, size_t *usable, size_t *bad)
{
  char *copy = strdup(s), *rec = copy ;
  size_t idx = 0 ;
  int ok = 1 ;
  if (!copy) abort() ;
  *n = 0 ; *usable = 0 ; *bad = 0 ;
  while (rec)
  {
    char *next = strchr(rec, ';'), *tok[4] = { 0, 0, 0, 0 }, *p = rec ;
    unsigned int v[3] ;
    unsigned int k = 0 ;
    if (next) *next++ = 0 ;
    idx++ ;
    if (!rec[strspn(rec, " \t")]) { rec = next ; continue ; }
    /* three numbers, then the rest */
    for (k = 0 ; k < 3 ; k++)
    {
      size_t d ;
      p += strspn(p, " \t") ;
      d = strspn(p, "0123456789") ;
      if (!d || (p[d] && p[d] != ' ' && p[d] != '\t')) goto malformed ;
      if (d > 3) goto malformed ;
      tok[k] = p ;
      v[k] = (unsigned int)strtoul(p, 0, 10) ;
      if (v[k] > 255) goto malformed ;
      p += d ;
    }
    tok[3] = p ;
    if (*n == TLSA_MAX) goto malformed ;
    {
      mrec *m = r + *n ;
      int hi = -1 ;
      m->u = v[0] ; m->s = v[1] ; m->m = v[2] ; m->len = 0 ;
      for (; *p ; p++)
      {
        if (*p == ' ' || *p == '\t') continue ;
        if (hexv(*p) < 0) goto malformed ;
        if (hi < 0) hi = hexv(*p) ;
        else
        {
          if (m->len < sizeof(m->data)) m->data[m->len] = (unsigned char)(hi << 4 | hexv(*p)) ;
          m->len++ ; hi = -1 ;
        }
      }
      if (hi >= 0 || !m->len) goto malformed ;
      if ((m->m == 1 && m->len != 32) || (m->m == 2 && m->len != 64)) goto malformed ;
      if ((m->u == 2 || m->u == 3) && m->s <= 1 && m->m <= 2) (*usable)++ ;
      (*n)++ ;
    }
    rec = next ;
    continue ;
   malformed:
    *bad = idx ; ok = 0 ;
    break ;
  }
  if (ok && !*n) { ok = 0 ; *bad = 0 ; }
  free(copy) ;
  return ok ;
}

static void parse_one (char const *s)
{
  static mrec r[TLSA_MAX] ;
  static tlsa t, t2 ;
  size_t n, usable, bad, max = strlen(s) / 2 + 1 ;
  unsigned char *buf = malloc(max), *buf2 = malloc(max) ;
  tlsaerr e, e2 ;
  int ok, mok ;
  if (!buf || !buf2) abort() ;
  ok = tls_tlsa_parse(s, &t, buf, max, &e) ;
  mok = model(s, r, &n, &usable, &bad) ;
  if (ok != mok) abort() ;
  if (!ok)
  {
    if (e.index != bad || !e.why) abort() ;
    if (e.index && (e.start < s || e.start + e.len > s + strlen(s))) abort() ;
  }
  else
  {
    if (t.n != n || t.usable != usable) abort() ;
    for (size_t i = 0 ; i < n ; i++)
    {
      tlsarec const *a = t.rec + i ;
      if (a->usage != r[i].u || a->selector != r[i].s || a->mtype != r[i].m || a->len != r[i].len) abort() ;
      if (a->data < buf || a->data + a->len > buf + max) abort() ;
      if (a->len <= sizeof(r[i].data) && memcmp(a->data, r[i].data, a->len)) abort() ;
      if (!!tls_tlsa_usable(a) != ((r[i].u == 2 || r[i].u == 3) && r[i].s <= 1 && r[i].m <= 2)) abort() ;
    }
    if (!tls_tlsa_parse(s, &t2, buf2, max, &e2) || t2.n != t.n || memcmp(t.id, t2.id, 32)) abort() ;
  }
  free(buf) ;
  free(buf2) ;
}

static void match_one (unsigned char const *der, size_t len)
{
  static unsigned char data[65536 + 64] ;
  tlsder spki ;
  for (unsigned int sel = 0 ; sel < 2 ; sel++)
  {
    unsigned char const *d = der ;
    size_t n = len ;
    if (sel)
    {
      if (!tls_cert_spki(der, len, &spki)) continue ;
      if (spki.s < der || spki.s + spki.len > der + len || spki.len < 2 || spki.s[0] != 0x30) abort() ;
      d = spki.s ; n = spki.len ;
    }
    for (unsigned int mt = 0 ; mt < 3 ; mt++)
    {
      tlsarec r = { .usage = 3, .selector = (unsigned char)sel, .mtype = (unsigned char)mt, .data = data } ;
      if (mt == 0) { if (!n || n > sizeof(data)) continue ; memcpy(data, d, n) ; r.len = n ; }
      else if (mt == 1) { br_sha256_context c ; br_sha256_init(&c) ; br_sha256_update(&c, d, n) ; br_sha256_out(&c, data) ; r.len = 32 ; }
      else { br_sha512_context c ; br_sha512_init(&c) ; br_sha512_update(&c, d, n) ; br_sha512_out(&c, data) ; r.len = 64 ; }
      if (!tls_dane_match(&r, der, len)) abort() ;
      r.usage = 1 ;
      if (tls_dane_match(&r, der, len)) abort() ;  /* PKIX-EE: unusable */
      r.usage = 3 ;
      data[r.len / 2] ^= 1 ;
      if (tls_dane_match(&r, der, len)) abort() ;
    }
  }
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  if (!size) return 0 ;
  if (data[0] & 1) match_one(data + 1, size - 1) ;
  else
  {
    size_t k = 1 ;
    char *s ;
    while (k < size && data[k]) k++ ;
    s = strndup((char const *)data + 1, k - 1) ;
    if (!s) abort() ;
    parse_one(s) ;
    free(s) ;
  }
  return 0 ;
}
