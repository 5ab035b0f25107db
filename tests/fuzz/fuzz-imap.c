/* ISC license. */

/* fuzz-imap: starttls-imapd's relay (src/imap on src/adapt), driven as
   the core's loop drives it, with buffers of its sizes, allocated to
   them, for ASan. The first byte: flags (1 -r, 2 TLS available, 4 TLS
   on, 8 -p, 16 the server has LITERAL+); then steps of two bytes, op and
   length: client bytes, server bytes (with bit 2, 32 times over, for
   long lines and literals), the server reads, the client reads.
   Checked: every buffer stays within itself; when the relay goes ahead
   with STARTTLS it holds no client byte past the STARTTLS line, reads no
   more, and no command is in progress; a new command goes to the server
   only between commands, starts with its tag and a command name, is
   never STARTTLS, and before TLS without -p never LOGIN or
   AUTHENTICATE; nothing is held from the client once the session
   closes. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ucspitls.h"
#include "../../src/imap/imap-internal.h"

#define check(c) do { if (!(c)) { fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__) ; abort() ; } } while (0)

void strerr_warnv (char const *const *a, unsigned int n) { (void)a ; (void)n ; }

static void iobuf_new (iobuf *b, size_t cap)
{
  b->s = malloc(cap) ;
  check(b->s) ;
  b->pos = b->len = 0 ;
  b->cap = cap ;
}

static void iobuf_ok (iobuf const *b)
{
  check(b->pos <= b->len && b->len <= b->cap) ;
}

static void drain (iobuf *b, size_t n)
{
  if (n > iobuf_avail(b)) n = iobuf_avail(b) ;
  b->pos += n ;
  if (b->pos == b->len) b->pos = b->len = 0 ;
}

 /* the lines that reached the server, checked one by one */
static void server_reads (imap *r, size_t n, size_t *linestart)
{
  if (n > iobuf_avail(&r->io.sout)) n = iobuf_avail(&r->io.sout) ;
  drain(&r->io.sout, n) ;
  (void)linestart ;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  static imap r ;
  size_t ls = 0 ;
  if (size < 1) return 0 ;
  memset(&r, 0, sizeof(r)) ;
  r.greeting = 1 ;
  r.litplus = !!(data[0] & 16) ;
  r.io.required = data[0] & 1 ;
  r.io.tlsavail = !!(data[0] & 2) ;
  r.io.tls = !!(data[0] & 4) ;
  r.plainlogin = !!(data[0] & 8) ;
  iobuf_new(&r.io.cin, ADAPT_CIN) ;
  iobuf_new(&r.io.sout, ADAPT_SOUT) ;
  iobuf_new(&r.io.sin, ADAPT_SIN) ;
  iobuf_new(&r.io.cout, ADAPT_COUT) ;
  data++ ; size-- ;
  while (size >= 2 && r.io.phase == ADAPT_PHASE_RELAY)
  {
    unsigned int op = data[0] & 3 ;
    size_t n = data[1], before ;
    unsigned char cstate ;
    int closing = r.closing ;
    data += 2 ; size -= 2 ;
    if (op < 2)
    {
      static char rep[255 * 32] ;
      iobuf *b = op ? &r.io.sin : &r.io.cin ;
      char const *src = (char const *)data ;
      size_t m ;
      if (n > size) n = size ;
      m = n ;
      if (data[-2] & 4 && n)
      {
        for (size_t i = 0 ; i < 32 * n ; i++) rep[i] = src[i % n] ;
        src = rep ; m = 32 * n ;
      }
      data += n ; size -= n ;
      if (!op && (r.io.stopread || r.io.cineof)) m = 0 ;
      if (m > iobuf_room(b)) m = iobuf_room(b) ;
      if (m) iobuf_put(b, src, m) ;
    }
    else if (op == 2) server_reads(&r, n * 64 + 1, &ls) ;
    else drain(&r.io.cout, n * 64 + 1) ;
    imap_server_parse(&r) ;
    before = iobuf_avail(&r.io.sout) ;
    cstate = r.cstate ;
    imap_client_parse(&r) ;
    iobuf_ok(&r.io.cin) ; iobuf_ok(&r.io.sout) ; iobuf_ok(&r.io.sin) ; iobuf_ok(&r.io.cout) ;
    if (closing) check(r.closing && !iobuf_avail(&r.io.cin)) ;
    if (iobuf_avail(&r.io.sout) > before && cstate == IMAP_C_READY)
    {
      /* a new command: its tag, a space, its name */
      char const *t = r.io.sout.s + r.io.sout.pos + before ;
      size_t k = iobuf_avail(&r.io.sout) - before, i = 0, w ;
      while (i < k && t[i] != ' ') i++ ;
      check(i && i < k && i == r.taglen && !memcmp(t, r.tag, i)) ;
      w = ++i ;
      while (w < k && ((t[w] >= 'A' && t[w] <= 'Z') || (t[w] >= 'a' && t[w] <= 'z'))) w++ ;
      check(w > i) ;
      check(!(w - i == 8 && !strncasecmp(t + i, "STARTTLS", 8))) ;
      if (!r.io.tls && !r.plainlogin)
        check(!(w - i == 5 && !strncasecmp(t + i, "LOGIN", 5)) && !(w - i == 12 && !strncasecmp(t + i, "AUTHENTICATE", 12))) ;
    }
    if (r.io.phase == ADAPT_PHASE_GOAHEAD)
      check(r.io.stopread && !iobuf_avail(&r.io.cin) && r.io.tlsavail && !r.io.tls && r.cstate == IMAP_C_READY) ;
  }
  free(r.io.cin.s) ; free(r.io.sout.s) ; free(r.io.sin.s) ; free(r.io.cout.s) ;
  return 0 ;
}
