/* ISC license. */

/* tls_cert.c: the fields of a certificate that BearSSL's decoder does
   not give -- serial number, issuer, validity -- read from its DER, and
   written as ucspi-ssl writes them (the serial in decimal, the dates as
   "Dec  1 07:44:45 2026 GMT"). The input may come from the peer: every
   length is checked (tls_der.c). */

#include <string.h>

#include "tls-internal.h"

 /* days since 1970-01-01 of a date of the proleptic Gregorian calendar */
static int64_t days (int64_t y, unsigned int m, unsigned int d)
{
  int64_t era ;
  unsigned int yoe, doy, doe ;
  y -= m <= 2 ;
  era = (y >= 0 ? y : y - 399) / 400 ;
  yoe = (unsigned int)(y - era * 400) ;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1 ;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy ;
  return era * 146097 + (int64_t)doe - 719468 ;
}

static int digits (unsigned char const *s, unsigned int n, unsigned int *v)
{
  *v = 0 ;
  for (unsigned int i = 0 ; i < n ; i++)
  {
    if (s[i] < '0' || s[i] > '9') return 0 ;
    *v = *v * 10 + (s[i] - '0') ;
  }
  return 1 ;
}

 /* UTCTime YYMMDDHHMMSSZ, GeneralizedTime YYYYMMDDHHMMSSZ */
static int asn1_time (unsigned int tag, tlsder const *t, int64_t *out)
{
  unsigned char const *s = t->s ;
  unsigned int y, mo, d, h, mi, sec, yl = tag == 0x18 ? 4 : 2 ;
  if ((tag != 0x17 && tag != 0x18) || t->len != yl + 11 || s[t->len - 1] != 'Z') return 0 ;
  if (!digits(s, yl, &y) || !digits(s + yl, 2, &mo) || !digits(s + yl + 2, 2, &d)
   || !digits(s + yl + 4, 2, &h) || !digits(s + yl + 6, 2, &mi) || !digits(s + yl + 8, 2, &sec)) return 0 ;
  if (tag == 0x17) y += y < 50 ? 2000 : 1900 ;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return 0 ;
  *out = days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec ;
  return 1 ;
}

int tls_cert_info (unsigned char const *der, size_t len, tlscertinfo *ci)
{
  tlsder in = { .s = der, .len = len }, cert, tbs, v, val ;
  unsigned int tag, t2 ;
  if (!tls_der_expect(&in, 0x30, &cert) || !tls_der_expect(&cert, 0x30, &tbs)) return 0 ;
  if (!tls_der_next(&tbs, &tag, &v, 0)) return 0 ;
  if (tag == 0xa0 && !tls_der_next(&tbs, &tag, &v, 0)) return 0 ;  /* [0] version */
  if (tag != 0x02) return 0 ;
  ci->serial = v ;
  if (!tls_der_expect(&tbs, 0x30, &v)) return 0 ;  /* signature algorithm */
  if (!tls_der_next(&tbs, &tag, &v, &ci->issuer) || tag != 0x30) return 0 ;
  if (!tls_der_expect(&tbs, 0x30, &val)) return 0 ;
  if (!tls_der_next(&val, &tag, &v, 0) || !asn1_time(tag, &v, &ci->notbefore)) return 0 ;
  if (!tls_der_next(&val, &t2, &v, 0) || !asn1_time(t2, &v, &ci->notafter)) return 0 ;
  if (!tls_der_next(&tbs, &tag, &v, &ci->subject) || tag != 0x30) return 0 ;
  return 1 ;
}

size_t tls_time_fmt (int64_t t, char *s)
{
  static char const mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec" ;
  int64_t z = t / 86400 - (t % 86400 < 0) + 719468, era ;
  unsigned int doe, yoe, doy, mp, d, m, secs = (unsigned int)(t % 86400 + (t % 86400 < 0 ? 86400 : 0)) ;
  int64_t y ;
  era = (z >= 0 ? z : z - 146096) / 146097 ;
  doe = (unsigned int)(z - era * 146097) ;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365 ;
  y = (int64_t)yoe + era * 400 ;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100) ;
  mp = (5 * doy + 2) / 153 ;
  d = doy - (153 * mp + 2) / 5 + 1 ;
  m = mp < 10 ? mp + 3 : mp - 9 ;
  y += m <= 2 ;
  if (y < 0 || y > 9999) { memcpy(s, "(out of range)", 15) ; return 14 ; }
  memcpy(s, mon + 3 * (m - 1), 3) ;
  s[3] = ' ' ;
  s[4] = d >= 10 ? '0' + d / 10 : ' ' ;
  s[5] = '0' + d % 10 ;
  s[6] = ' ' ;
  s[7] = '0' + secs / 36000 ; s[8] = '0' + secs / 3600 % 10 ; s[9] = ':' ;
  s[10] = '0' + secs % 3600 / 600 ; s[11] = '0' + secs % 600 / 60 ; s[12] = ':' ;
  s[13] = '0' + secs % 60 / 10 ; s[14] = '0' + secs % 10 ; s[15] = ' ' ;
  s[16] = '0' + (char)(y / 1000) ; s[17] = '0' + (char)(y / 100 % 10) ;
  s[18] = '0' + (char)(y / 10 % 10) ; s[19] = '0' + (char)(y % 10) ;
  memcpy(s + 20, " GMT", 5) ;
  return 24 ;
}

 /* a serial number in decimal, as ucspi-ssl gives it; a negative one
    (two's complement, which RFC 5280 forbids but some issuers wrote) with
    a minus sign. 0 when it does not fit. */
size_t tls_serial_fmt (tlsder const *serial, char *s, size_t max)
{
  unsigned char mag[64] ;
  char rev[160] ;
  size_t n = serial->len, k = 0, o = 0 ;
  int neg ;
  if (!n || n > sizeof(mag) || max < 2) return 0 ;
  memcpy(mag, serial->s, n) ;
  neg = mag[0] >> 7 ;
  if (neg)  /* the magnitude: invert and add one */
  {
    unsigned int carry = 1 ;
    for (size_t i = n ; i-- ; )
    {
      unsigned int b = (unsigned int)(unsigned char)~mag[i] + carry ;
      mag[i] = (unsigned char)b ;
      carry = b >> 8 ;
    }
  }
  for (;;)
  {
    unsigned int rem = 0 ;
    int zero = 1 ;
    for (size_t i = 0 ; i < n ; i++)
    {
      unsigned int cur = (rem << 8) | mag[i] ;
      mag[i] = (unsigned char)(cur / 10) ;
      rem = cur % 10 ;
      if (mag[i]) zero = 0 ;
    }
    rev[k++] = '0' + (char)rem ;
    if (zero) break ;
  }
  if (k + neg + 1 > max) return 0 ;
  if (neg) s[o++] = '-' ;
  while (k) s[o++] = rev[--k] ;
  s[o] = 0 ;
  return o ;
}
