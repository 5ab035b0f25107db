/* ISC license. */

/* adapt_iobuf.c: the relay's linear buffers. Bytes are taken from the
   front and added at the back; the front is reclaimed by moving what is
   left down, which is cheap at these sizes and keeps every line in one
   piece for the parsers. */

#include <string.h>

#include "adapt-internal.h"

void iobuf_compact (iobuf *b)
{
  if (!b->pos) return ;
  if (b->pos < b->len) memmove(b->s, b->s + b->pos, b->len - b->pos) ;
  b->len -= b->pos ;
  b->pos = 0 ;
}

void iobuf_put (iobuf *b, char const *s, size_t n)
{
  if (b->cap - b->len < n) iobuf_compact(b) ;
  memcpy(b->s + b->len, s, n) ;
  b->len += n ;
}
