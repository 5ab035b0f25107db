/* ISC license. */

/* fuzz-cert: the certificate fields that BearSSL does not give, read from
   the peer's certificate (src/tls/tls_cert.c: tls_cert_info on arbitrary
   DER, tls_serial_fmt, tls_time_fmt), and the facts that tls_x509.c's
   tlsx509_facts makes of them.

   Checked against models of our own:
     - tls_cert_info (the input allocated to its exact size, for ASan)
       accepts exactly what a model of the fields it reads accepts
       (Certificate { TBSCertificate { [0] version?, serial INTEGER,
       signature SEQUENCE, issuer SEQUENCE, validity { time, time },
       subject SEQUENCE ... } ... }, UTCTime YYMMDDHHMMSSZ or
       GeneralizedTime YYYYMMDDHHMMSSZ, fields in range), with the same
       serial, issuer and subject, and times equal to timegm()'s;
     - tls_serial_fmt, on the certificate's serial and on the input's
       bytes with any max: the decimal of the two's complement integer,
       computed another way (the unsigned value by doubling, less 2^8n
       when negative), or 0 when it does not fit in max (NUL included)
       or is longer than 64 bytes or empty;
     - tls_time_fmt, over the whole int64 range and near the ends of the
       years it writes: what gmtime_r and strftime write
       ("Dec  1 07:44:45 2026 GMT", the year in four digits) for every
       time of the years 0 to 9999, "(out of range)" for any other;
       never more than 24 bytes and a NUL;
     - tlsx509_facts: the serial fact is the model's decimal (or unset
       when longer than the fact's room), the dates are tls_time_fmt of
       the model's times, the names what dn_format and dn_attr make of
       the same DER; "(unparsable)" exactly when the model refuses it.
   Input: a byte of max for tls_serial_fmt, 8 bytes of time (big-endian),
   then the DER. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls-internal.h"

#define check(c) do { if (!(c)) { fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__) ; abort() ; } } while (0)

 /* TLVs as tls_der_next reads them (one tag byte, up to 3 length bytes) */
typedef struct tlv_s { unsigned int tag ; unsigned char const *v ; size_t len ; unsigned char const *whole ; size_t wlen ; } tlv ;

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
  t->whole = *s ; t->wlen = hl + len ;
  t->v = *s + hl ; t->len = len ;
  *s += hl + len ; *n -= hl + len ;
  return 1 ;
}

static int num (unsigned char const *s, unsigned int n, int *v)
{
  *v = 0 ;
  for (unsigned int i = 0 ; i < n ; i++)
  {
    if (s[i] < '0' || s[i] > '9') return 0 ;
    *v = *v * 10 + (s[i] - '0') ;
  }
  return 1 ;
}

static int model_time (tlv const *t, int64_t *out)
{
  struct tm tm ;
  int y, mo, d, h, mi, s ;
  unsigned int yl ;
  time_t r ;
  if (t->tag == 0x17) yl = 2 ;
  else if (t->tag == 0x18) yl = 4 ;
  else return 0 ;
  if (t->len != yl + 11 || t->v[yl + 10] != 'Z') return 0 ;
  if (!num(t->v, yl, &y) || !num(t->v + yl, 2, &mo) || !num(t->v + yl + 2, 2, &d) || !num(t->v + yl + 4, 2, &h)
   || !num(t->v + yl + 6, 2, &mi) || !num(t->v + yl + 8, 2, &s)) return 0 ;
  if (yl == 2) y += y >= 50 ? 1900 : 2000 ;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return 0 ;
  memset(&tm, 0, sizeof(tm)) ;
  tm.tm_year = y - 1900 ; tm.tm_mon = mo - 1 ; tm.tm_mday = d ;
  tm.tm_hour = h ; tm.tm_min = mi ; tm.tm_sec = s ;
  r = timegm(&tm) ;   /* Feb 31 is Mar 3 (or 2), second 60 the next minute: as days() */
  *out = (int64_t)r ;
  return 1 ;
}

typedef struct minfo_s { tlv serial, issuer, subject ; int64_t nb, na ; } minfo ;

static int model_cert (unsigned char const *s, size_t n, minfo *m)
{
  tlv cert, tbs, t, val ;
  unsigned char const *p, *q ;
  size_t pn, qn ;
  if (!model_tlv(&s, &n, &cert) || cert.tag != 0x30) return 0 ;
  p = cert.v ; pn = cert.len ;
  if (!model_tlv(&p, &pn, &tbs) || tbs.tag != 0x30) return 0 ;
  p = tbs.v ; pn = tbs.len ;
  if (!model_tlv(&p, &pn, &t)) return 0 ;
  if (t.tag == 0xa0 && !model_tlv(&p, &pn, &t)) return 0 ;
  if (t.tag != 0x02) return 0 ;
  m->serial = t ;
  if (!model_tlv(&p, &pn, &t) || t.tag != 0x30) return 0 ;
  if (!model_tlv(&p, &pn, &m->issuer) || m->issuer.tag != 0x30) return 0 ;
  if (!model_tlv(&p, &pn, &val) || val.tag != 0x30) return 0 ;
  q = val.v ; qn = val.len ;
  if (!model_tlv(&q, &qn, &t) || !model_time(&t, &m->nb)) return 0 ;
  if (!model_tlv(&q, &qn, &t) || !model_time(&t, &m->na)) return 0 ;
  if (!model_tlv(&p, &pn, &m->subject) || m->subject.tag != 0x30) return 0 ;
  return 1 ;
}

 /* decimal digits, least significant first */
typedef struct dec_s { unsigned char d[200] ; size_t n ; } dec ;

static void dec_double_add (dec *x, unsigned int bit)
{
  unsigned int carry = bit ;
  for (size_t i = 0 ; i < x->n ; i++)
  {
    unsigned int v = x->d[i] * 2 + carry ;
    x->d[i] = v % 10 ; carry = v / 10 ;
  }
  if (carry) x->d[x->n++] = (unsigned char)carry ;
}

 /* the decimal of a two's complement integer of n bytes */
static size_t model_serial (unsigned char const *s, size_t n, char *out)
{
  dec u = { .n = 0 }, p = { .n = 0 } ;
  size_t o = 0 ;
  int neg = n && s[0] >= 0x80 ;
  for (size_t i = 0 ; i < 8 * n ; i++) dec_double_add(&u, s[i / 8] >> (7 - i % 8) & 1) ;
  if (neg)
  {
     /* 2^(8n) - u */
    int borrow = 0 ;
    dec_double_add(&p, 1) ;
    for (size_t i = 0 ; i < 8 * n ; i++) dec_double_add(&p, 0) ;
    for (size_t i = 0 ; i < p.n ; i++)
    {
      int v = (int)p.d[i] - (i < u.n ? u.d[i] : 0) - borrow ;
      borrow = v < 0 ;
      p.d[i] = (unsigned char)(v < 0 ? v + 10 : v) ;
    }
    while (p.n && !p.d[p.n - 1]) p.n-- ;
    u = p ;
    out[o++] = '-' ;
  }
  if (!u.n) out[o++] = '0' ;
  while (u.n) out[o++] = '0' + u.d[--u.n] ;
  out[o] = 0 ;
  return o ;
}

static void check_serial (unsigned char const *s, size_t n, size_t max)
{
  char want[200] ;
  char *dst = malloc(max ? max : 1) ;
  unsigned char *in = malloc(n ? n : 1) ;
  tlsder d ;
  size_t r, wl ;
  check(dst && in) ;
  memcpy(in, s, n) ;
  d.s = in ; d.len = n ;
  r = tls_serial_fmt(&d, dst, max) ;
  if (!n || n > 64) check(!r) ;
  else
  {
    wl = model_serial(in, n, want) ;
    if (wl + 1 > max) check(!r) ;
    else check(r == wl && !memcmp(dst, want, wl + 1)) ;
  }
  free(in) ;
  free(dst) ;
}

static void want_time (int64_t t, char *out)
{
  static char const mon[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" } ;
  struct tm tm ;
  time_t tt = (time_t)t ;
  if (!gmtime_r(&tt, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
  {
    strcpy(out, "(out of range)") ;
    return ;
  }
  check(strftime(out, 32, "%b %e %H:%M:%S ", &tm) == 16) ;
  check(!memcmp(out, mon[tm.tm_mon], 3)) ;   /* the C locale's names */
  snprintf(out + 16, 16, "%04d GMT", tm.tm_year + 1900) ;
}

static void check_time (int64_t t)
{
  char got[32], want[40] ;
  size_t n ;
  memset(got, 'Z', sizeof(got)) ;
  n = tls_time_fmt(t, got) ;
  want_time(t, want) ;
  check(n <= 24 && n == strlen(want) && !memcmp(got, want, n + 1)) ;
  for (size_t i = n + 1 ; i < sizeof(got) ; i++) check(got[i] == 'Z') ;
}

 /* year 0, Jan 1, and year 9999, Dec 31, 23:59:59 */
#define T_MIN (-62167219200LL)
#define T_MAX 253402300799LL

static unsigned char const oid_cn[] = { 0x55, 0x04, 0x03 } ;
static unsigned char const oid_email[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01 } ;

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  static tlsx509 x ;
  static facts f ;
  static char buf[FACTS_DN_MAX] ;
  tlscertinfo ci ;
  minfo m ;
  unsigned char *in ;
  uint64_t u = 0 ;
  int ok, r ;
  size_t max ;
  if (size < 9) return 0 ;
  max = data[0] ;
  for (int i = 0 ; i < 8 ; i++) u = u << 8 | data[1 + i] ;
  data += 9 ; size -= 9 ;

   /* the time formats: the whole range, then near its ends */
  check_time((int64_t)u) ;
  check_time(T_MIN - 2 * 86400 + (int64_t)(u % (4 * 86400))) ;
  check_time(T_MAX - 2 * 86400 + (int64_t)(u % (4 * 86400))) ;
  check_time(T_MIN + (int64_t)(u % (uint64_t)(T_MAX - T_MIN + 1))) ;

   /* serials of any bytes, any room */
  check_serial(data, size < 80 ? size : 80, max) ;

  in = malloc(size ? size : 1) ;
  check(in) ;
  memcpy(in, data, size) ;
  memset(&ci, 0, sizeof(ci)) ;
  r = tls_cert_info(in, size, &ci) ;
  ok = model_cert(in, size, &m) ;
  check(r == ok) ;
  if (ok)
  {
    check(ci.serial.s == m.serial.v && ci.serial.len == m.serial.len) ;
    check(ci.issuer.s == m.issuer.whole && ci.issuer.len == m.issuer.wlen) ;
    check(ci.subject.s == m.subject.whole && ci.subject.len == m.subject.wlen) ;
    check(ci.notbefore == m.nb && ci.notafter == m.na) ;
    check_serial(ci.serial.s, ci.serial.len, sizeof(f.serial)) ;
  }

   /* the facts of a peer that sent this certificate */
  memset(&f, 0, sizeof(f)) ;
  x.have = 1 ;
  x.derover = size > sizeof(x.der) ;
  x.derlen = x.derover ? sizeof(x.der) : size ;
  memcpy(x.der, in, x.derlen) ;
  memset(x.hash, 0xab, sizeof(x.hash)) ;
  tlsx509_facts(&x, &f) ;
  check(!strncmp(f.hash, "SHA256:abab", 11) && strlen(f.hash) == 71) ;
  if (!ok || x.derover)
  {
    check(!strcmp(f.subject, "(unparsable)")) ;
    check(!*f.dn && !*f.issuer && !*f.cn && !*f.email && !*f.serial && !*f.vstart && !*f.vend) ;
  }
  else
  {
    char want[200] ;
    size_t wl = m.serial.len && m.serial.len <= 64 ? model_serial(m.serial.v, m.serial.len, want) : 0 ;
    if (wl && wl < sizeof(f.serial)) check(!strcmp(f.serial, want)) ;
    else check(!*f.serial) ;
    want_time(m.nb, want) ; check(!strcmp(f.vstart, want)) ;
    want_time(m.na, want) ; check(!strcmp(f.vend, want)) ;
    if (m.subject.wlen <= 2) check(!*f.subject) ;  /* an empty name: no subject fact */
    else if (dn_format(m.subject.whole, m.subject.wlen, buf, sizeof(buf), DN_RFC4514)) check(!strcmp(f.subject, buf)) ;
    else check(!strcmp(f.subject, "(unparsable)")) ;
    if (!dn_format(m.subject.whole, m.subject.wlen, buf, sizeof(buf), DN_ONELINE)) *buf = 0 ;
    check(!strcmp(f.dn, buf)) ;
    if (!dn_format(m.issuer.whole, m.issuer.wlen, buf, sizeof(buf), DN_ONELINE)) *buf = 0 ;
    check(!strcmp(f.issuer, buf)) ;
    if (!dn_attr(m.subject.whole, m.subject.wlen, oid_cn, sizeof(oid_cn), buf, FACTS_ATTR_MAX)) *buf = 0 ;
    check(!strcmp(f.cn, buf)) ;
    if (!dn_attr(m.subject.whole, m.subject.wlen, oid_email, sizeof(oid_email), buf, FACTS_ATTR_MAX)) *buf = 0 ;
    check(!strcmp(f.email, buf)) ;
  }
  free(in) ;
  return 0 ;
}
