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

 /* as much of one line as from holds and to has room for, moved whatever
    it says (a SASL response, a line that is not a command): 1 when bytes
    moved, *ended set when the line's LF came with them; 0 when from is
    empty; -1 when to has no room */
int iobuf_passline (iobuf *from, iobuf *to, int *ended)
{
  char const *s = from->s + from->pos ;
  size_t n = iobuf_avail(from), room = iobuf_room(to) ;
  size_t m = n < room ? n : room ;
  char const *nl = memchr(s, '\n', m) ;
  if (!n) return 0 ;
  if (!m) return -1 ;
  if (nl) m = nl - s + 1 ;
  iobuf_put(to, s, m) ;
  from->pos += m ;
  *ended = !!nl ;
  return 1 ;
}
