/* ISC license. */

/* fuzz-proxy: the PROXY protocol header parser (src/ucspi/proxy.c), as
   ucspitlsd -p reads it: the first input byte chooses how the stream
   arrives (how many bytes each read may return), the rest is what the
   balancer, or anyone, sends. Checked: the reader driven by proxy_need
   never takes a byte past the header's end (for v2, 16 bytes and the
   length; for v1, up to the first LF, within 107 bytes), a complete
   header is exactly that long, and the parser's addresses are of the
   family it says. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "proxy.h"

 /* the header's length as the protocol defines it; 0 if none can end here */
static size_t model (uint8_t const *s, size_t n)
{
  static uint8_t const sig[12] = { 13, 10, 13, 10, 0, 13, 10, 'Q', 'U', 'I', 'T', 10 } ;
  if (n >= 6 && !memcmp(s, "PROXY ", 6))
  {
    uint8_t const *lf = memchr(s, '\n', n < PROXY_V1_MAX ? n : PROXY_V1_MAX) ;
    return lf ? (size_t)(lf - s) + 1 : 0 ;
  }
  if (n >= 16 && !memcmp(s, sig, 12))
  {
    size_t len = (size_t)s[14] << 8 | s[15] ;
    return len <= PROXY_V2_LEN_MAX && 16 + len <= n ? 16 + len : 0 ;
  }
  return 0 ;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  char buf[PROXY_MAX] ;
  size_t len = 0, chunk, end ;
  char const *why = 0 ;
  proxyhdr h ;
  if (!size) return 0 ;
  chunk = 1 + data[0] % 32 ;
  data++ ; size-- ;
  end = model(data, size) ;
  for (;;)
  {
    int line ;
    ssize_t want = proxy_need(buf, len, &line, &why) ;
    size_t take ;
    if (want < 0)
    {
      if (!why) abort() ;
      return 0 ;
    }
    if (!want) break ;
    if (len == size) return 0 ;  /* the stream ended first */
    if (line)
    {
      /* a peek: what has arrived, up to the first LF */
      size_t avail = size - len < chunk ? size - len : chunk ;
      uint8_t const *lf ;
      if (avail > PROXY_V1_MAX - len) avail = PROXY_V1_MAX - len ;
      lf = memchr(data + len, '\n', avail) ;
      take = lf ? (size_t)(lf - (data + len)) + 1 : avail ;
    }
    else
    {
      take = (size_t)want < chunk ? (size_t)want : chunk ;
      if (take > size - len) take = size - len ;
    }
    if (len + take > sizeof(buf)) abort() ;
    memcpy(buf + len, data + len, take) ;
    len += take ;
    if (end && len > end) abort() ;  /* read past the header */
  }
  if (len != end) abort() ;
  if (proxy_parse(&h, buf, len, &why))
  {
    if (h.version != 1 && h.version != 2) abort() ;
    if (h.version == 1 && !h.local && (memcmp(buf + 6, h.ip6 ? "TCP6 " : "TCP4 ", 5))) abort() ;
    if (h.version == 2 && !h.local && (unsigned char)buf[13] != (h.ip6 ? 0x21 : 0x11)) abort() ;
  }
  else if (!why) abort() ;
  return 0 ;
}
