/* ISC license. */

/* tls_der.c: one DER TLV at a time, for the parsers of ours that read
   what a peer or a file gives (distinguished names, certificate fields,
   private key files). Every length is checked against what is left. */

#include "tls-internal.h"

 /* reads one TLV from *in: its tag, its value, and (if whole) the whole
    TLV; 0 on malformed input. Lengths up to 2^24 - 1, which is more than
    any certificate or key that we read. */
int tls_der_next (tlsder *in, unsigned int *tag, tlsder *val, tlsder *whole)
{
  size_t len, hl = 2 ;
  if (in->len < 2) return 0 ;
  *tag = in->s[0] ;
  len = in->s[1] ;
  if (len & 0x80)
  {
    size_t k = len & 0x7f ;
    if (!k || k > 3 || in->len < 2 + k) return 0 ;
    len = 0 ;
    for (size_t i = 0 ; i < k ; i++) len = (len << 8) | in->s[2 + i] ;
    hl += k ;
  }
  if (len > in->len - hl) return 0 ;
  if (whole) { whole->s = in->s ; whole->len = hl + len ; }
  val->s = in->s + hl ;
  val->len = len ;
  in->s += hl + len ;
  in->len -= hl + len ;
  return 1 ;
}

 /* the next TLV must have this tag */
int tls_der_expect (tlsder *in, unsigned int tag, tlsder *val)
{
  unsigned int t ;
  return tls_der_next(in, &t, val, 0) && t == tag ;
}
