/* ISC license. */

/* tls_dn.c: a distinguished name, as DER from a peer's certificate, turned
   into an RFC 4514 string ("CN=client,O=Example") or ucspi-ssl's form
   ("/O=Example/CN=client"). The input comes from
   the peer: every length is checked, and control bytes (and backslash)
   come out as \xNN, so that the result can never end a line or a
   NAME=VALUE string, and a backslash always starts an escape. */

#include <string.h>

#include "tls-internal.h"

typedef struct out_s out, *out_ref ;
struct out_s
{
  char *s ;
  size_t len ;
  size_t max ;  /* room for the string, without its NUL */
  int full ;
} ;

static void put (out *o, char const *s, size_t n)
{
  if (o->full || n > o->max - o->len) { o->full = 1 ; return ; }
  memcpy(o->s + o->len, s, n) ;
  o->len += n ;
}

static void put_hexbyte (out *o, char const *prefix, unsigned char c)
{
  static char const hex[] = "0123456789abcdef" ;
  char b[2] = { hex[c >> 4], hex[c & 15] } ;
  put(o, prefix, strlen(prefix)) ;
  put(o, b, 2) ;
}

typedef struct oidname_s oidname, *oidname_ref ;
struct oidname_s
{
  unsigned char len ;
  unsigned char oid[10] ;
  char const *name ;
} ;

static oidname const names[] =
{
  { 3, { 0x55, 0x04, 0x03 }, "CN" },
  { 3, { 0x55, 0x04, 0x04 }, "SN" },
  { 3, { 0x55, 0x04, 0x05 }, "serialNumber" },
  { 3, { 0x55, 0x04, 0x06 }, "C" },
  { 3, { 0x55, 0x04, 0x07 }, "L" },
  { 3, { 0x55, 0x04, 0x08 }, "ST" },
  { 3, { 0x55, 0x04, 0x09 }, "street" },
  { 3, { 0x55, 0x04, 0x0a }, "O" },
  { 3, { 0x55, 0x04, 0x0b }, "OU" },
  { 3, { 0x55, 0x04, 0x0c }, "title" },
  { 3, { 0x55, 0x04, 0x2a }, "GN" },
  { 10, { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19 }, "DC" },
  { 10, { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01 }, "UID" },
  { 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01 }, "emailAddress" },
} ;

static void put_oid (out *o, tlsder const *oid)
{
  unsigned long v = 0 ;
  int first = 1 ;
  for (size_t i = 0 ; i < sizeof(names) / sizeof(oidname) ; i++)
    if (oid->len == names[i].len && !memcmp(oid->s, names[i].oid, oid->len))
    {
      put(o, names[i].name, strlen(names[i].name)) ;
      return ;
    }
  for (size_t i = 0 ; i < oid->len ; i++)
  {
    v = (v << 7) | (oid->s[i] & 0x7f) ;
    if (v > 0xffffffffUL) { put(o, "?", 1) ; return ; }
    if (oid->s[i] & 0x80) continue ;
    {
      char b[24] ;
      size_t n = 0 ;
      unsigned long a = v, w ;
      if (first)
      {
        unsigned long x = v < 80 ? v / 40 : 2 ;
        a = v - 40 * x ;
        b[n++] = '0' + (char)x ;
        b[n++] = '.' ;
        first = 0 ;
      }
      else b[n++] = '.' ;
      w = 1 ; while (w * 10 <= a) w *= 10 ;
      for (; w ; w /= 10) b[n++] = '0' + (char)((a / w) % 10) ;
      put(o, b, n) ;
    }
    v = 0 ;
  }
}

static void put_value (out *o, unsigned int tag, tlsder const *v, tlsder const *whole, int style)
{
  int bmp = tag == 0x1e ;
  size_t step = bmp ? 2 : 1 ;
  if (tag != 0x0c && tag != 0x13 && tag != 0x16 && tag != 0x14 && !bmp)
  {
    put(o, "#", 1) ;  /* RFC 4514: an unknown string type as hex DER */
    for (size_t i = 0 ; i < whole->len ; i++) put_hexbyte(o, "", whole->s[i]) ;
    return ;
  }
  for (size_t i = 0 ; i + step <= v->len ; i += step)
  {
    unsigned char c = bmp ? (v->s[i] ? '?' : v->s[i + 1]) : v->s[i] ;
    size_t k = !bmp && c >= 0x80 ? facts_utf8(v->s + i, v->len - i) : 0 ;
    if (k) { put(o, (char const *)v->s + i, k) ; i += k - 1 ; continue ; }
    if (c < 0x20 || c >= 0x7f || c == '\\' || (style == DN_ONELINE && c == '/')) put_hexbyte(o, "\\x", c) ;
    else if (style == DN_RFC4514 && (strchr("\",+;<>=", c) || ((c == '#' || c == ' ') && !i) || (c == ' ' && i + step == v->len)))
    {
      char b[2] = { '\\', (char)c } ;
      put(o, b, 2) ;
    }
    else put(o, (char const *)&c, 1) ;
  }
}

static int put_rdn (out *o, tlsder rdn, int style)
{
  int first = 1 ;
  while (rdn.len)
  {
    tlsder atv, oid, val, whole ;
    unsigned int tag ;
    if (!tls_der_next(&rdn, &tag, &atv, 0) || tag != 0x30) return 0 ;
    if (!tls_der_next(&atv, &tag, &oid, 0) || tag != 0x06) return 0 ;
    if (!tls_der_next(&atv, &tag, &val, &whole)) return 0 ;
    if (!first) put(o, "+", 1) ;
    first = 0 ;
    put_oid(o, &oid) ;
    put(o, "=", 1) ;
    put_value(o, tag, &val, &whole, style) ;
  }
  return 1 ;
}

static unsigned int rdns_of (unsigned char const *s, size_t len, tlsder *rdns)
{
  tlsder in = { .s = s, .len = len }, name ;
  unsigned int tag, n = 0 ;
  if (!tls_der_next(&in, &tag, &name, 0) || tag != 0x30) return 0 ;
  while (name.len)
  {
    if (n >= 64 || !tls_der_next(&name, &tag, &rdns[n], 0) || tag != 0x31) return 0 ;
    n++ ;
  }
  return n ? n : 64 + 1 ;  /* an empty name: no RDN, but not an error */
}

 /* RFC 4514 (most specific RDN first, comma-separated), or as
    ucspi-ssl's X509_NAME_oneline (most general first, each after a
    slash, a slash in a value written \x2f); 0 on malformed input, on an
    empty name, or when the result does not fit */
size_t dn_format (unsigned char const *s, size_t len, char *dst, size_t max, int style)
{
  tlsder rdns[64] ;
  out o = { .s = dst, .len = 0, .max = max ? max - 1 : 0, .full = 0 } ;
  unsigned int n ;
  if (!max) return 0 ;
  dst[0] = 0 ;
  n = rdns_of(s, len, rdns) ;
  if (!n || n > 64) return 0 ;
  for (unsigned int i = 0 ; i < n ; i++)
  {
    unsigned int k = style == DN_RFC4514 ? n - 1 - i : i ;
    if (style == DN_ONELINE) put(&o, "/", 1) ;
    else if (i) put(&o, ",", 1) ;
    if (!put_rdn(&o, rdns[k], style)) { dst[0] = 0 ; return 0 ; }
  }
  if (o.full) { dst[0] = 0 ; return 0 ; }
  dst[o.len] = 0 ;
  return o.len ;
}

 /* the value of the last attribute of the name with this OID (CN,
    emailAddress), escaped; 0 when there is none */
size_t dn_attr (unsigned char const *s, size_t len, unsigned char const *oid, size_t oidlen, char *dst, size_t max)
{
  tlsder rdns[64] ;
  unsigned int n = rdns_of(s, len, rdns) ;
  size_t r = 0 ;
  if (!max || !n || n > 64) return 0 ;
  dst[0] = 0 ;
  for (unsigned int i = 0 ; i < n ; i++)
  {
    tlsder rdn = rdns[i] ;
    while (rdn.len)
    {
      tlsder atv, o2, val, whole ;
      unsigned int tag ;
      if (!tls_der_next(&rdn, &tag, &atv, 0) || tag != 0x30) { dst[0] = 0 ; return 0 ; }
      if (!tls_der_next(&atv, &tag, &o2, 0) || tag != 0x06) { dst[0] = 0 ; return 0 ; }
      if (!tls_der_next(&atv, &tag, &val, &whole)) { dst[0] = 0 ; return 0 ; }
      if (o2.len == oidlen && !memcmp(o2.s, oid, oidlen))
      {
        out o = { .s = dst, .len = 0, .max = max - 1, .full = 0 } ;
        put_value(&o, tag, &val, &whole, DN_PLAIN) ;
        r = o.full ? 0 : o.len ;
        dst[r] = 0 ;
      }
    }
  }
  return r ;
}
