/* ISC license. */

/* fuzz-pop3: starttls-pop3d's relay (src/pop3 on src/adapt), driven as
   the core's loop drives it, with buffers of its sizes, allocated to
   them, for ASan. The first byte: flags (1 -r, 2 TLS available, 4 TLS
   on, 8 -p); then steps of two bytes, op and length: client bytes,
   server bytes (with bit 2, 32 times over, for long lines), the server
   reads, the client reads. Checked: every buffer stays within itself;
   when the relay goes ahead with STLS it holds no client byte past the
   STLS line, reads no more, and the server owes nothing; a command goes
   to the server only when it owes nothing (what it sends next is one
   response); nothing is read from the client once the session closes;
   before TLS without -p, no USER, PASS, APOP or AUTH line reaches the
   server. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ucspitls.h"
#include "../../src/pop3/pop3-internal.h"

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
static void server_reads (pop3 *r, size_t n, size_t *linestart)
{
  if (n > iobuf_avail(&r->io.sout)) n = iobuf_avail(&r->io.sout) ;
  drain(&r->io.sout, n) ;
  (void)linestart ;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  static pop3 r ;
  size_t ls = 0 ;
  if (size < 1) return 0 ;
  memset(&r, 0, sizeof(r)) ;
  r.kind = POP3_K_GREETING ;
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
    unsigned char kind ;
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
    pop3_server_parse(&r) ;
    before = iobuf_avail(&r.io.sout) ;
    kind = r.kind ;
    pop3_client_parse(&r) ;
    iobuf_ok(&r.io.cin) ; iobuf_ok(&r.io.sout) ; iobuf_ok(&r.io.sin) ; iobuf_ok(&r.io.cout) ;
    if (closing) check(r.closing && !iobuf_avail(&r.io.cin)) ;
    if (iobuf_avail(&r.io.sout) > before && kind != POP3_K_AUTH)
    {
      /* one command line went on, and only when nothing was owed */
      char const *s = r.io.sout.s + r.io.sout.pos + before ;
      size_t k = iobuf_avail(&r.io.sout) - before ;
      check(kind == POP3_K_NONE && r.kind != POP3_K_NONE) ;
      check(s[k - 1] == '\n' && memchr(s, '\n', k) == s + k - 1) ;
      if (!r.io.tls && !r.plainlogin)
        check(strncasecmp(s, "USER", 4) && strncasecmp(s, "PASS", 4) && strncasecmp(s, "APOP", 4) && strncasecmp(s, "AUTH", 4)) ;
      check(strncasecmp(s, "STLS", 4)) ;
    }
    if (r.io.phase == ADAPT_PHASE_GOAHEAD)
      check(r.io.stopread && !iobuf_avail(&r.io.cin) && r.io.tlsavail && !r.io.tls && r.kind == POP3_K_NONE) ;
  }
  free(r.io.cin.s) ; free(r.io.sout.s) ; free(r.io.sin.s) ; free(r.io.cout.s) ;
  return 0 ;
}
