/* ISC license. */

/* fuzz-dn: dn_format, in its three styles, and dn_attr (src/tls/tls_dn.c)
   on arbitrary DER: the input is a peer's certificate subject or issuer.

   Checked, for each style, with a buffer of the fuzzer's size (allocated
   to that size, for ASan) and with one large enough for any result:
     - a name is accepted exactly when a model of the grammar that
       dn_format reads accepts it (a SEQUENCE of 1 to 64 SETs of
       SEQUENCEs { OID, any TLV, ... }; an empty name is refused);
     - the small buffer gives the large one's result when it fits, and
       0 when it does not;
     - a result is a C string of the length returned, with no control
       byte, no byte of 0x80 and up that is not part of valid UTF-8 of
       U+00A0 and up, and a backslash only where an escape starts (\xNN;
       for RFC 4514 also \ before one of ",+;<>=# and space); an empty
       result (one empty RDN, but in the one-line form) is 0;
     - the separators are where the name's structure says: RFC 4514 has
       as many unescaped ',' as RDNs less one, '+' as attributes beyond
       the first of their RDN, '=' as attributes; the one-line form as
       many '/' as RDNs.
   dn_attr, for CN, emailAddress and the first attribute's OID: a result
   is as clean as dn_format's, it is there exactly when the last such
   attribute has a value that writes something, and "NAME=result" (or
   "OID=result") is in dn_format's plain form of the same name.
   Input: two bytes of buffer size (0 to 2047), then the DER. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls-internal.h"

#define check(c) do { if (!(c)) { fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__) ; abort() ; } } while (0)

 /* the model: a TLV as tls_der_next reads it (one tag byte; a length of
    up to 3 bytes, not necessarily minimal) */
typedef struct tlv_s { unsigned int tag ; unsigned char const *v ; size_t len ; } tlv ;

static int model_tlv (unsigned char const **s, size_t *n, tlv *t)
{
  size_t len, hl = 2 ;
  if (*n < 2) return 0 ;
  t->tag = (*s)[0] ;
  len = (*s)[1] ;
  if (len >= 0x80)
  {
    size_t k = len - 0x80 ;
    if (k < 1 || k > 3 || *n < 2 + k) return 0 ;
    len = 0 ;
    for (size_t i = 0 ; i < k ; i++) len = len * 256 + (*s)[2 + i] ;
    hl = 2 + k ;
  }
  if (hl + len > *n) return 0 ;
  t->v = *s + hl ;
  t->len = len ;
  *s += hl + len ;
  *n -= hl + len ;
  return 1 ;
}

typedef struct shape_s
{
  unsigned int rdns ;
  unsigned int atvs ;
  unsigned int plus ;     /* attributes beyond the first of their RDN */
  tlv firstoid ;
  int hasfirst ;
} shape ;

 /* 1 if dn_format should accept the name; its shape */
static int model_name (unsigned char const *s, size_t n, shape *sh)
{
  tlv name ;
  memset(sh, 0, sizeof(*sh)) ;
  if (!model_tlv(&s, &n, &name) || name.tag != 0x30) return 0 ;
  s = name.v ; n = name.len ;
  while (n)
  {
    tlv set ;
    unsigned char const *r ;
    size_t rn ;
    unsigned int m = 0 ;
    if (!model_tlv(&s, &n, &set) || set.tag != 0x31 || ++sh->rdns > 64) return 0 ;
    r = set.v ; rn = set.len ;
    while (rn)
    {
      tlv atv, oid, val ;
      unsigned char const *a ;
      size_t an ;
      if (!model_tlv(&r, &rn, &atv) || atv.tag != 0x30) return 0 ;
      a = atv.v ; an = atv.len ;
      if (!model_tlv(&a, &an, &oid) || oid.tag != 0x06 || !model_tlv(&a, &an, &val)) return 0 ;
      if (!sh->hasfirst) { sh->firstoid = oid ; sh->hasfirst = 1 ; }
      m++ ;
    }
    sh->atvs += m ;
    if (m) sh->plus += m - 1 ;
  }
  return sh->rdns > 0 ;
}

 /* the value of the last attribute with this OID: whether dn_attr must
    write something for it */
static int model_attr (unsigned char const *s, size_t n, unsigned char const *oid, size_t oidlen, int *found)
{
  tlv name ;
  int nonempty = 0 ;
  *found = 0 ;
  model_tlv(&s, &n, &name) ;
  s = name.v ; n = name.len ;
  while (n)
  {
    tlv set ;
    unsigned char const *r ;
    size_t rn ;
    model_tlv(&s, &n, &set) ;
    r = set.v ; rn = set.len ;
    while (rn)
    {
      tlv atv, o, val ;
      unsigned char const *a ;
      size_t an ;
      model_tlv(&r, &rn, &atv) ;
      a = atv.v ; an = atv.len ;
      model_tlv(&a, &an, &o) ;
      model_tlv(&a, &an, &val) ;
      if (o.len != oidlen || memcmp(o.v, oid, oidlen)) continue ;
      *found = 1 ;
      if (val.tag == 0x1e) nonempty = val.len >= 2 ;
      else if (val.tag == 0x0c || val.tag == 0x13 || val.tag == 0x16 || val.tag == 0x14) nonempty = val.len >= 1 ;
      else nonempty = 1 ;  /* #hex of the whole TLV */
    }
  }
  return nonempty ;
}

 /* valid UTF-8 of a code point U+00A0 and up at s: its length, or 0 */
static size_t model_utf8 (unsigned char const *s, size_t n)
{
  unsigned long cp ;
  size_t k ;
  if (s[0] >= 0xc0 && s[0] < 0xe0) { k = 2 ; cp = s[0] & 0x1f ; }
  else if (s[0] >= 0xe0 && s[0] < 0xf0) { k = 3 ; cp = s[0] & 0x0f ; }
  else if (s[0] >= 0xf0 && s[0] < 0xf8) { k = 4 ; cp = s[0] & 0x07 ; }
  else return 0 ;
  if (n < k) return 0 ;
  for (size_t i = 1 ; i < k ; i++)
  {
    if (s[i] < 0x80 || s[i] > 0xbf) return 0 ;
    cp = cp << 6 | (s[i] & 0x3f) ;
  }
  if (cp < 0xa0 || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0 ;
  return k ;
}

static int ishex (char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ; }

 /* the separators of a result, outside escapes; aborts on a bad byte or
    a bad escape */
static void scan (char const *d, size_t n, int style, unsigned int *comma, unsigned int *plus, unsigned int *eq, unsigned int *slash)
{
  *comma = *plus = *eq = *slash = 0 ;
  check(strlen(d) == n) ;
  for (size_t i = 0 ; i < n ; )
  {
    unsigned char c = d[i] ;
    if (c == '\\')
    {
      if (i + 3 < n && d[i + 1] == 'x' && ishex(d[i + 2]) && ishex(d[i + 3])) { i += 4 ; continue ; }
      check(style == DN_RFC4514 && i + 1 < n && strchr("\",+;<>=# ", d[i + 1]) && d[i + 1]) ;
      i += 2 ;
      continue ;
    }
    if (c >= 0x80) { size_t k = model_utf8((unsigned char const *)d + i, n - i) ; check(k) ; i += k ; continue ; }
    check(c >= 0x20 && c != 0x7f) ;
    if (style == DN_RFC4514) check(!strchr("\";<>", c)) ;
    *comma += c == ',' ; *plus += c == '+' ; *eq += c == '=' ; *slash += c == '/' ;
    i++ ;
  }
}

static unsigned char const oid_cn[] = { 0x55, 0x04, 0x03 } ;
static unsigned char const oid_email[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01 } ;

static void attr (unsigned char const *in, size_t size, unsigned char const *oid, size_t oidlen, char const *name, char const *plain, size_t plainlen, int ok)
{
  size_t max = 4 * size + 8, r ;
  char *dst = malloc(max) ;
  int found, nonempty ;
  unsigned int c, p, e, s ;
  check(dst) ;
  r = dn_attr(in, size, oid, oidlen, dst, max) ;
  if (!ok) { check(!r) ; free(dst) ; return ; }
  nonempty = model_attr(in, size, oid, oidlen, &found) ;
  check(!!r == nonempty) ;
  if (r)
  {
    char *want = malloc(strlen(name) + r + 2) ;
    check(want) ;
    scan(dst, r, DN_PLAIN, &c, &p, &e, &s) ;
    memcpy(want, name, strlen(name)) ;
    want[strlen(name)] = '=' ;
    memcpy(want + strlen(name) + 1, dst, r + 1) ;
    check(plainlen && strstr(plain, want)) ;
    free(want) ;
  }
  free(dst) ;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  static int const styles[3] = { DN_RFC4514, DN_ONELINE, DN_PLAIN } ;
  size_t max, bigmax ;
  unsigned char *in ;
  char *big[3] ;
  size_t bign[3] ;
  shape sh ;
  int ok ;
  if (size < 2) return 0 ;
  max = ((size_t)data[0] << 8 | data[1]) % 2048 ;  /* 0 to 2047 bytes of output */
  data += 2 ; size -= 2 ;
  in = malloc(size ? size : 1) ;   /* exact size: reads past the end trap */
  check(in) ;
  memcpy(in, data, size) ;
  ok = model_name(in, size, &sh) ;
  bigmax = 6 * size + 16 ;
  for (int i = 0 ; i < 3 ; i++)
  {
    int st = styles[i] ;
    char *dst = malloc(max ? max : 1) ;
    size_t n ;
    unsigned int c, p, e, s ;
    big[i] = malloc(bigmax) ;
    check(dst && big[i]) ;
    bign[i] = dn_format(in, size, big[i], bigmax, st) ;
     /* a name of one empty RDN writes nothing, and 0 is "nothing" */
    check(!!bign[i] == (ok && (st == DN_ONELINE || sh.rdns > 1 || sh.atvs))) ;
    if (bign[i])
    {
      check(bign[i] < bigmax) ;
      scan(big[i], bign[i], st, &c, &p, &e, &s) ;
      if (st == DN_RFC4514) check(c == sh.rdns - 1 && p == sh.plus && e == sh.atvs) ;
      if (st == DN_ONELINE) check(s == sh.rdns && big[i][0] == '/') ;
    }
    n = dn_format(in, size, dst, max, st) ;
    if (bign[i] && bign[i] < max) check(n == bign[i] && !memcmp(dst, big[i], n + 1)) ;
    else check(!n) ;
    free(dst) ;
  }
  attr(in, size, oid_cn, sizeof(oid_cn), "CN", big[2], bign[2], ok) ;
  attr(in, size, oid_email, sizeof(oid_email), "emailAddress", big[2], bign[2], ok) ;
  if (ok && sh.hasfirst)
  {
     /* the name dn_format gives that OID: what precedes the first '=' of
        the plain form (the first RDN may be empty: skip its commas) */
    char *nm = strndup(big[2] + strspn(big[2], ","), strcspn(big[2] + strspn(big[2], ","), "=")) ;
    check(nm) ;
    attr(in, size, sh.firstoid.v, sh.firstoid.len, nm, big[2], bign[2], ok) ;
    free(nm) ;
  }
  for (int i = 0 ; i < 3 ; i++) free(big[i]) ;
  free(in) ;
  return 0 ;
}
