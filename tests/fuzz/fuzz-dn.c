/* ISC license. */

/* fuzz-dn: dn_format (src/tls/tls_dn.c) on arbitrary DER.  The input is a peer's
   certificate subject, so whatever the bytes: no read or write out of
   bounds (the output buffer is allocated to its exact size, for ASan),
   and a result that dn_format accepts is a proper C string of the length
   it says, within the buffer, with no control byte in it (those must come
   out as \xNN). */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls-internal.h"

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  size_t max, n ;
  char *dst ;
  unsigned char *in ;
  if (size < 2) return 0 ;
  max = ((size_t)data[0] << 8 | data[1]) % 2048 ;  /* 0 to 2047 bytes of output */
  data += 2 ; size -= 2 ;
  in = malloc(size ? size : 1) ;   /* exact size: reads past the end trap */
  dst = malloc(max ? max : 1) ;
  if (!in || !dst) abort() ;
  memcpy(in, data, size) ;
  n = dn_format(in, size, dst, max) ;
  if (n)
  {
    if (n >= max) abort() ;
    if (dst[n] || strlen(dst) != n) abort() ;
    for (size_t i = 0 ; i < n ; i++)
    {
      unsigned char c = dst[i] ;
      if (c < 0x20 || c == 0x7f) abort() ;
    }
  }
  free(in) ;
  free(dst) ;
  return 0 ;
}
