/* ISC license. */

/* tls_tlsa.c: the TLSA variable, the server's TLSA records as the
   delivery agent found them in DNS: records separated by ';', each in
   presentation form, "usage selector mtype hexdata" (RFC 6698 2.2: the
   hex may hold spaces). Empty records are skipped. A value that is not
   one of these is the agent's mistake, and fails before prog runs; a
   record well formed but of a usage, selector or type that we do not
   know is unusable, and ignored (RFC 7672 2.2). */

#include <stdlib.h>
#include <string.h>

#include <skalibs/env.h>
#include <skalibs/types.h>

#include "x509-internal.h"

static int isspc (char c)
{
  return c == ' ' || c == '\t' ;
}

static int hexval (char c)
{
  if (c >= '0' && c <= '9') return c - '0' ;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10 ;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10 ;
  return -1 ;
}

 /* a decimal field of 0..255, then a space */
static char const *field (char const *s, char const *end, unsigned char *v, char const *what, tlsaerr *e)
{
  unsigned int u = 0, n = 0 ;
  while (s < end && isspc(*s)) s++ ;
  for (; s < end && *s >= '0' && *s <= '9' ; s++, n++) if (n < 4) u = u * 10 + (unsigned int)(*s - '0') ;
  if (!n || (s < end && !isspc(*s)))
  {
    e->why = what ;
    return 0 ;
  }
  if (n > 3 || u > 255)
  {
    e->why = "a field is larger than 255" ;
    return 0 ;
  }
  *v = (unsigned char)u ;
  return s ;
}

int tls_tlsa_usable (tlsarec const *r)
{
  return (r->usage == 2 || r->usage == 3) && r->selector <= 1 && r->mtype <= 2 ;
}

static int record (char const *s, char const *end, tlsarec *r, unsigned char *out, size_t *used, tlsaerr *e)
{
  size_t n = 0 ;
  int hi = -1 ;
  s = field(s, end, &r->usage, "the usage is not a number", e) ;
  if (s) s = field(s, end, &r->selector, "the selector is not a number", e) ;
  if (s) s = field(s, end, &r->mtype, "the matching type is not a number", e) ;
  if (!s) return 0 ;
  for (; s < end ; s++)
  {
    int v ;
    if (isspc(*s)) continue ;
    v = hexval(*s) ;
    if (v < 0) { e->why = "the data is not hexadecimal" ; return 0 ; }
    if (hi < 0) hi = v ;
    else { out[n++] = (unsigned char)(hi << 4 | v) ; hi = -1 ; }
  }
  if (hi >= 0) { e->why = "the data has an odd number of hex digits" ; return 0 ; }
  if (!n) { e->why = "the record has no data" ; return 0 ; }
  if (r->mtype == 1 && n != 32) { e->why = "a SHA-256 (matching type 1) is 32 bytes, 64 hex digits" ; return 0 ; }
  if (r->mtype == 2 && n != 64) { e->why = "a SHA-512 (matching type 2) is 64 bytes, 128 hex digits" ; return 0 ; }
  r->data = out ;
  r->len = n ;
  *used += n ;
  return 1 ;
}

 /* 1 and *t filled, or 0 and *e says which record is wrong and why.
    buf must hold strlen(s) / 2 bytes: the data of every record. */
int tls_tlsa_parse (char const *s, tlsa *t, unsigned char *buf, size_t max, tlsaerr *e)
{
  br_sha256_context h ;
  size_t used = 0, idx = 0 ;
  t->n = 0 ; t->usable = 0 ;
  e->index = 0 ; e->start = s ; e->len = 0 ; e->why = 0 ;
  if (max < strlen(s) / 2) { e->why = "no room for the data" ; return 0 ; }
  br_sha256_init(&h) ;
  for (;;)
  {
    char const *end = strchr(s, ';') ;
    char const *p = s ;
    if (!end) end = s + strlen(s) ;
    idx++ ;
    while (p < end && isspc(*p)) p++ ;
    if (p < end)
    {
      tlsarec *r = t->rec + t->n ;
      unsigned char hdr[7] ;
      e->index = idx ; e->start = s ; e->len = (size_t)(end - s) ;
      if (t->n == TLSA_MAX) { e->why = "more records than 64" ; return 0 ; }
      if (!record(s, end, r, buf + used, &used, e)) return 0 ;
      hdr[0] = r->usage ; hdr[1] = r->selector ; hdr[2] = r->mtype ;
      hdr[3] = (unsigned char)(r->len >> 24) ; hdr[4] = (unsigned char)(r->len >> 16) ;
      hdr[5] = (unsigned char)(r->len >> 8) ; hdr[6] = (unsigned char)r->len ;
      br_sha256_update(&h, hdr, sizeof(hdr)) ;
      br_sha256_update(&h, r->data, r->len) ;
      if (tls_tlsa_usable(r)) t->usable++ ;
      t->n++ ;
    }
    if (!*end) break ;
    s = end + 1 ;
  }
  if (!t->n)
  {
    e->index = 0 ; e->why = "no record in it" ;
    return 0 ;
  }
  br_sha256_out(&h, t->id) ;
  return 1 ;
}

 /* TLSA from the environment: 0 when unset or empty; 1 and *t filled;
    a malformed value is a usage error, with the record named */
int tls_tlsa_load (char const *const *envp, tlsa *t)
{
  char const *s = env_get2(envp, "TLSA") ;
  unsigned char *buf ;
  tlsaerr e ;
  if (!s || !*s) return 0 ;
  buf = malloc(strlen(s) / 2 + 1) ;
  if (!buf) strerr_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
  if (!tls_tlsa_parse(s, t, buf, strlen(s) / 2 + 1, &e))
  {
    char idx[SIZE_FMT] ;
    char text[81] ;
    size_t n = e.len < 80 ? e.len : 80 ;
    if (!e.index) strerr_dief(UCSPITLS_EXIT_USAGE, "invalid TLSA: ", e.why) ;
    for (size_t i = 0 ; i < n ; i++)
      text[i] = (unsigned char)e.start[i] < 0x20 || e.start[i] == 0x7f ? '?' : e.start[i] ;
    text[n] = 0 ;
    idx[size_fmt(idx, e.index)] = 0 ;
    strerr_dief(UCSPITLS_EXIT_USAGE, "invalid TLSA: record ", idx, " (\"", text, e.len > 80 ? "...\"): " : "\"): ", e.why) ;
  }
  return 1 ;
}
