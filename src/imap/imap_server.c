/* ISC license. */

/* imap_server.c: the server's side of the IMAP relay. A response is read
   from its start: the greeting (dropped after the switch: RFC 3501 has
   the client go on with no new greeting), a continuation request "+"
   (relayed only when the client has a command in progress, which it
   then lets go on), the tagged response of the command in progress,
   untagged data; a tagged response with another tag, or a "+" when no
   command waits for one, cannot be an answer and is dropped. Capability
   lists are rewritten (imap_capa.c), so their lines must fit in the
   buffer; other lines are streamed, their last bytes held back until
   it is known whether they end with a literal marker, whose bytes are
   then passed on as they are. */

#include <string.h>
#include <strings.h>

#include "imap-internal.h"

int imap_login_refused (imap const *r)
{
  return !r->io.tls && !r->plainlogin ;
}

static int tagged (imap const *r, char const *s, size_t n)
{
  return r->taglen && r->cstate != IMAP_C_READY && n > r->taglen
    && !memcmp(s, r->tag, r->taglen) && s[r->taglen] == ' ' ;
}

 /* a capability list may be in this line */
static int capaline (imap const *r, char const *s, size_t n)
{
  return r->greeting || (n > 1 && s[0] == '*' && s[1] == ' ') || tagged(r, s, n) ;
}

 /* "CAPABILITY" in the first 64 bytes of a line at least that long */
static int hascapa (char const *s)
{
  for (size_t i = 0 ; i + 10 <= 64 ; i++)
    if (!strncasecmp(s + i, "CAPABILITY", 10)) return 1 ;
  return 0 ;
}

 /* the response in progress has ended at an LF with no literal. A
    tagged response before the command was whole (in a literal, or after
    one) means that the server reads the rest otherwise than we would */
static void ended (imap *r)
{
  r->sstate = IMAP_S_BOL ;
  if (r->sdone && (r->cstate == IMAP_C_LIT || r->cstate == IMAP_C_CONT))
  {
    imap_close(r, "* BYE Server ended a command before its end\r\n") ;
    return ;
  }
  if (r->sdone)
  {
    r->sdone = 0 ;
    r->cstate = IMAP_C_READY ;
    r->taglen = 0 ;
  }
  r->sdrop = 0 ;
}

 /* a line's segment s[0..n), LF included: the literal that follows it */
static void segment_end (imap *r, char const *s, size_t n)
{
  uint64_t size ;
  int plus ;
  int e = imap_literal(s, n, &size, &plus) ;
  if (e < 0) { imap_close(r, "") ; return ; }
  if (e && size) { r->slit = size ; r->sstate = IMAP_S_LIT ; }
  else if (e) r->sstate = IMAP_S_MID ;
  else ended(r) ;
}

 /* the start of a response: what it is, and whether it goes out */
static void begin (imap *r, char const *s, size_t n)
{
  r->sdrop = 0 ;
  r->sdone = 0 ;
  if (r->greeting)
  {
    r->greeting = 0 ;
    r->sdrop = r->swallow ;
    r->swallow = 0 ;
  }
  else if (n && s[0] == '+')
  {
    if (r->cstate == IMAP_C_WAITLIT) r->cstate = r->clit ? IMAP_C_LIT : IMAP_C_CONT ;
    else if (r->cstate == IMAP_C_PENDING) r->cstate = IMAP_C_RAW ;
    else r->sdrop = 1 ;
  }
  else if (tagged(r, s, n)) r->sdone = 1 ;
  else if (!(n > 1 && s[0] == '*' && s[1] == ' ')) r->sdrop = 1 ;
}

static void put (imap *r, char const *s, size_t n)
{
  if (!r->sdrop) iobuf_put(&r->io.cout, s, n) ;
  r->io.sin.pos += n ;
}

static int bol (imap *r, char const *s, size_t n)
{
  char const *nl = memchr(s, '\n', n) ;
  size_t m ;
  if (!nl)
  {
    if (n < r->io.sin.cap) return 0 ;
    /* longer than the buffer: streamed, unless it may hold capabilities */
    if (r->greeting || tagged(r, s, n) || hascapa(s))
    {
      imap_close(r, "* BYE Server response too long\r\n") ;
      return 0 ;
    }
    if (iobuf_room(&r->io.cout) < n - IMAP_HOLD) return 0 ;
    begin(r, s, n) ;
    put(r, s, n - IMAP_HOLD) ;
    r->sstate = IMAP_S_MID ;
    return 1 ;
  }
  m = nl - s + 1 ;
  if (iobuf_room(&r->io.cout) < 2 * m + IMAP_MYREPLY) return 0 ;
  begin(r, s, m) ;
  if (!r->sdrop && capaline(r, s, m)) { imap_capa_put(r, s, m) ; r->io.sin.pos += m ; }
  else put(r, s, m) ;
  segment_end(r, s, m) ;
  return 1 ;
}

static int mid (imap *r, char const *s, size_t n)
{
  char const *nl = memchr(s, '\n', n) ;
  size_t m = nl ? (size_t)(nl - s) + 1 : n > IMAP_HOLD ? n - IMAP_HOLD : 0 ;
  if (!m) return 0 ;
  if (m > iobuf_room(&r->io.cout)) { if (nl) return 0 ; m = iobuf_room(&r->io.cout) ; if (!m) return 0 ; }
  put(r, s, m) ;
  if (nl) segment_end(r, s, m) ;
  return 1 ;
}

static int lit (imap *r, size_t n)
{
  size_t m = n < r->slit ? n : (size_t)r->slit ;
  if (m > iobuf_room(&r->io.cout)) m = iobuf_room(&r->io.cout) ;
  if (!m) return 0 ;
  put(r, r->io.sin.s + r->io.sin.pos, m) ;
  r->slit -= m ;
  if (!r->slit) r->sstate = IMAP_S_MID ;
  return 1 ;
}

void imap_server_parse (imap *r)
{
  for (;;)
  {
    char const *s = r->io.sin.s + r->io.sin.pos ;
    size_t n = iobuf_avail(&r->io.sin) ;
    int e ;
    if (!n) break ;
    if (r->closing) { r->io.sin.pos = r->io.sin.len = 0 ; break ; }
    switch (r->sstate)
    {
      case IMAP_S_LIT : e = lit(r, n) ; break ;
      case IMAP_S_MID : e = mid(r, s, n) ; break ;
      default : e = bol(r, s, n) ; break ;
    }
    if (!e) break ;
  }
}
