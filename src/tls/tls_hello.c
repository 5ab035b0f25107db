/* ISC license. */

/* tls_hello.c: what the client's ClientHello offered, for the message of
   a failed handshake. A TLS 1.3-only client (openssl s_client -tls1_3)
   says "TLS 1.2" in the hello's legacy version field and its real offer
   in the supported_versions extension (RFC 8446, 4.2.1), which BearSSL
   does not read: BearSSL finds no suite in common and sends
   handshake_failure, and an operator would read "we sent fatal alert
   40". So the server's TLS child keeps a copy of the first bytes of
   plaintext handshake data it receives (the ClientHello comes first),
   and looks at them only when the handshake fails. The client keeps the
   ServerHello's the same way, with -a (see tls_alpn.c). */

#include <stdlib.h>
#include <string.h>

#include "tls-internal.h"

 /* OpenSSL's and GnuTLS's hellos are a few hundred bytes; one past this
    is not looked into */
#define HELLO_MAX 2048

 /* on the heap, of the size taken: a static buffer of HELLO_MAX put the
    variables of every connection that sit around it on one page more */
static unsigned char *hello = 0 ;
static size_t hellolen = 0 ;
int tls_hello_want = 0 ;

void tls_hello_take (unsigned char const *s, size_t n)
{
  if (!tls_hello_want || !n || hellolen >= HELLO_MAX) return ;
  if (n > HELLO_MAX - hellolen) n = HELLO_MAX - hellolen ;
  {
    unsigned char *p = realloc(hello, hellolen + n) ;
    if (!p) { tls_hello_want = 0 ; return ; }  /* the message will say less */
    hello = p ;
  }
  memcpy(hello + hellolen, s, n) ;
  hellolen += n ;
}

static unsigned int get (unsigned char const *s, unsigned int n)
{
  unsigned int v = 0 ;
  while (n--) v = (v << 8) | *s++ ;
  return v ;
}

 /* 1 when the ClientHello has a supported_versions extension without
    TLS 1.2 in it; 0 otherwise, or when we have too little of it */
int tls_hello_no_tls12 (void)
{
  unsigned char const *s ;
  size_t len, i = 0 ;
  if (hellolen < 4 || hello[0] != 1) return 0 ;  /* not a ClientHello */
  s = hello + 4 ;
  len = get(hello + 1, 3) ;
  if (len > hellolen - 4) len = hellolen - 4 ;
  i = 2 + 32 ;  /* legacy_version, random */
  if (i + 1 > len) return 0 ;
  i += 1 + s[i] ;  /* session id */
  if (i + 2 > len) return 0 ;
  i += 2 + get(s + i, 2) ;  /* cipher suites */
  if (i + 1 > len) return 0 ;
  i += 1 + s[i] ;  /* compression methods */
  if (i + 2 > len) return 0 ;
  i += 2 ;  /* the extensions' total length: each one is bounded below */
  while (i + 4 <= len)
  {
    unsigned int type = get(s + i, 2), elen = get(s + i + 2, 2) ;
    i += 4 ;
    if (i + elen > len) return 0 ;
    if (type == 43)  /* supported_versions */
    {
      unsigned int n = elen ? s[i] : 0 ;
      if (!n || n + 1 > elen) return 0 ;
      for (unsigned int j = 0 ; j + 1 < n ; j += 2) if (get(s + i + 1 + j, 2) == 0x0303) return 0 ;
      return 1 ;
    }
    i += elen ;
  }
  return 0 ;
}

 /* On the client, the same copy holds the ServerHello: the name that its
    ALPN extension selects (RFC 7301: exactly one), for the message of a
    handshake that BearSSL failed on it. Its length, the name in name (not
    NUL-terminated, 255 bytes at most); 0 when the ServerHello has no ALPN
    extension, or when we have too little of it. */
size_t tls_hello_server_alpn (unsigned char *name)
{
  unsigned char const *s ;
  size_t len, i ;
  if (hellolen < 4 || hello[0] != 2) return 0 ;  /* not a ServerHello */
  s = hello + 4 ;
  len = get(hello + 1, 3) ;
  if (len > hellolen - 4) len = hellolen - 4 ;
  i = 2 + 32 ;  /* version, random */
  if (i + 1 > len) return 0 ;
  i += 1 + s[i] + 2 + 1 ;  /* session id, cipher suite, compression */
  if (i + 2 > len) return 0 ;
  i += 2 ;
  while (i + 4 <= len)
  {
    unsigned int type = get(s + i, 2), elen = get(s + i + 2, 2) ;
    i += 4 ;
    if (i + elen > len) return 0 ;
    if (type == 16)  /* application_layer_protocol_negotiation */
    {
      size_t n = elen >= 3 ? s[i + 2] : 0 ;
      if (!n || n + 3 > elen) return 0 ;
      memcpy(name, s + i + 3, n) ;
      return n ;
    }
    i += elen ;
  }
  return 0 ;
}
