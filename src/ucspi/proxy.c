/* ISC license. */

/* proxy.c: the PROXY protocol header, versions 1 and 2, parsed with no
   I/O (haproxy's proxy-protocol.txt). proxy_need tells a reader how far
   it may read without going past the header: what follows belongs to
   prog (in delayed mode) or to the TLS handshake, never to us. */

#include <string.h>
#include <sys/types.h>

#include <skalibs/fmtscan.h>

#include "proxy.h"

static char const v2sig[PROXY_V2_SIG] = "\r\n\r\n\0\r\nQUIT\n" ;
static char const v1sig[6] = "PROXY " ;

ssize_t proxy_need (char const *s, size_t len, int *line, char const **why)
{
  size_t n ;
  *line = 0 ;
  n = len < sizeof(v1sig) ? len : sizeof(v1sig) ;
  if (!memcmp(s, v1sig, n))
  {
    if (len < sizeof(v1sig)) return sizeof(v1sig) - len ;
    if (s[len - 1] == '\n') return 0 ;
    if (len >= PROXY_V1_MAX) return (*why = "v1 line longer than 107 bytes", -1) ;
    *line = 1 ;
    return 1 ;
  }
  n = len < PROXY_V2_SIG ? len : PROXY_V2_SIG ;
  if (memcmp(s, v2sig, n)) return (*why = "no PROXY protocol signature", -1) ;
  if (len < PROXY_V2_HEAD) return PROXY_V2_HEAD - len ;
  n = (size_t)(unsigned char)s[14] << 8 | (unsigned char)s[15] ;
  if (n > PROXY_V2_LEN_MAX) return (*why = "v2 length over 4096 bytes", -1) ;
  return PROXY_V2_HEAD + n - len ;
}

 /* v1 fields: a port, 0 to 65535, 1 to 5 digits */
static int port_scan (char const *s, size_t len, uint16_t *port)
{
  unsigned int u = 0 ;
  if (!len || len > 5) return 0 ;
  for (size_t i = 0 ; i < len ; i++)
  {
    if (s[i] < '0' || s[i] > '9') return 0 ;
    u = u * 10 + (unsigned int)(s[i] - '0') ;
  }
  if (u > 65535) return 0 ;
  *port = (uint16_t)u ;
  return 1 ;
}

 /* dotted quad, each part 0 to 255 with no leading zero: skalibs'
    ip4_scan takes shorter forms too */
static int ip4_strict (char const *s, size_t len, char *ip)
{
  size_t i = 0 ;
  for (unsigned int k = 0 ; k < 4 ; k++)
  {
    unsigned int u = 0 ;
    size_t start ;
    if (k && (i >= len || s[i++] != '.')) return 0 ;
    start = i ;
    while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3) u = u * 10 + (unsigned int)(s[i++] - '0') ;
    if (i == start || u > 255 || (s[start] == '0' && i - start > 1)) return 0 ;
    ip[k] = (char)u ;
  }
  return i == len ;
}

static int ip6_strict (char const *s, size_t len, char *ip)
{
  char buf[IP6_FMT + 1] ;
  if (!len || len > IP6_FMT) return 0 ;
  memcpy(buf, s, len) ;
  buf[len] = 0 ;
  return ip6_scan(buf, ip) == len ;
}

 /* "PROXY TCP4 src dst sport dport\r\n", or "PROXY UNKNOWN...\r\n" */
static int parse_v1 (proxyhdr *h, char const *s, size_t len, char const **why)
{
  char const *f[6] ;
  size_t flen[6] ;
  size_t i = 0, k = 0 ;
  if (len < 8 || s[len - 2] != '\r' || s[len - 1] != '\n') return (*why = "v1 line does not end with CRLF", 0) ;
  len -= 2 ;
  for (size_t j = 0 ; j < len ; j++)
    if (s[j] < 0x20 || s[j] > 0x7e) return (*why = "v1 line has a control or non-ASCII byte", 0) ;
  h->version = 1 ;
  if (len >= 13 && !memcmp(s + 6, "UNKNOWN", 7) && (len == 13 || s[13] == ' '))
  {
    h->local = 1 ;  /* the rest of the line is ignored, as the protocol says */
    return 1 ;
  }
  for (;;)
  {
    size_t start = i ;
    while (i < len && s[i] != ' ') i++ ;
    if (k == 6) return (*why = "v1 line does not have six fields", 0) ;
    f[k] = s + start ; flen[k++] = i - start ;
    if (i++ == len) break ;
  }
  if (k != 6) return (*why = "v1 line does not have six fields", 0) ;
  if (flen[1] == 4 && !memcmp(f[1], "TCP4", 4)) h->ip6 = 0 ;
  else if (flen[1] == 4 && !memcmp(f[1], "TCP6", 4)) h->ip6 = 1 ;
  else return (*why = "v1 protocol is not TCP4, TCP6 or UNKNOWN", 0) ;
  if (h->ip6 ? !ip6_strict(f[2], flen[2], h->src) || !ip6_strict(f[3], flen[3], h->dst)
             : !ip4_strict(f[2], flen[2], h->src) || !ip4_strict(f[3], flen[3], h->dst))
    return (*why = "v1 address is not valid for its protocol", 0) ;
  if (!port_scan(f[4], flen[4], &h->sport) || !port_scan(f[5], flen[5], &h->dport))
    return (*why = "v1 port is not a number from 0 to 65535", 0) ;
  return 1 ;
}

 /* the TLVs after the addresses: each one must fit, none is used */
static int tlvs_ok (unsigned char const *p, size_t len)
{
  while (len)
  {
    size_t n ;
    if (len < 3) return 0 ;
    n = (size_t)p[1] << 8 | p[2] ;
    if (n > len - 3) return 0 ;
    p += 3 + n ; len -= 3 + n ;
  }
  return 1 ;
}

static int parse_v2 (proxyhdr *h, char const *s, size_t len, char const **why)
{
  unsigned char const *p = (unsigned char const *)s ;
  size_t n = (size_t)p[14] << 8 | p[15], alen ;
  if (len != PROXY_V2_HEAD + n) return (*why = "v2 header is truncated", 0) ;
  h->version = 2 ;
  if (p[12] >> 4 != 2) return (*why = "v2 version is not 2", 0) ;
  switch (p[12] & 15)
  {
    case 0 : h->local = 1 ; return 1 ;  /* LOCAL: family and addresses are ignored */
    case 1 : break ;
    default : return (*why = "v2 command is neither LOCAL nor PROXY", 0) ;
  }
  switch (p[13])
  {
    case 0x00 : h->local = 1 ; return 1 ;  /* UNSPEC: the sender does not know */
    case 0x11 : h->ip6 = 0 ; alen = 12 ; break ;
    case 0x21 : h->ip6 = 1 ; alen = 36 ; break ;
    default : return (*why = "v2 family is not TCP over IPv4 or IPv6", 0) ;
  }
  if (n < alen) return (*why = "v2 length is too short for the addresses", 0) ;
  p += PROXY_V2_HEAD ;
  if (h->ip6)
  {
    memcpy(h->src, p, 16) ; memcpy(h->dst, p + 16, 16) ;
    p += 32 ;
  }
  else
  {
    memcpy(h->src, p, 4) ; memcpy(h->dst, p + 4, 4) ;
    p += 8 ;
  }
  h->sport = (uint16_t)(p[0] << 8 | p[1]) ;
  h->dport = (uint16_t)(p[2] << 8 | p[3]) ;
  if (!tlvs_ok(p + 4, n - alen)) return (*why = "v2 TLVs do not fit the length", 0) ;
  return 1 ;
}

 /* s: a complete header, as proxy_need delimited it */
int proxy_parse (proxyhdr *h, char const *s, size_t len, char const **why)
{
  memset(h, 0, sizeof(*h)) ;
  if (len >= sizeof(v1sig) && !memcmp(s, v1sig, sizeof(v1sig))) return parse_v1(h, s, len, why) ;
  if (len >= PROXY_V2_HEAD && !memcmp(s, v2sig, PROXY_V2_SIG)) return parse_v2(h, s, len, why) ;
  return (*why = "no PROXY protocol signature", 0) ;
}
