/* ISC license. */

/* imap_client.c: the client's side of the IMAP relay. A command line is
   read up to its end or to a literal marker, and checked: a tag of
   ASTRING characters but '+', a space, a command name of letters; no
   NUL or other control character outside literals, CR LF at the end. A
   line that the server might read otherwise ends the session with
   "* BYE". STARTTLS is answered here; LOGIN and AUTHENTICATE are refused
   before TLS unless -p (LOGINDISABLED says so), and with -r everything
   but CAPABILITY, NOOP, LOGOUT and STARTTLS. A command refused here
   never reaches the server: the rest of it, its literals included, is
   dropped as far as the client sends it. A synchronizing literal goes
   on only after the server's "+"; a non-synchronizing one only to a
   server that has LITERAL+ (or LITERAL-, up to 4096 bytes). */

#include <string.h>
#include <strings.h>

#include <skalibs/strerr.h>

#include "imap-internal.h"

void imap_answer (imap *r, char const *tag, char const *text)
{
  iobuf_put(&r->io.cout, tag, strlen(tag)) ;
  iobuf_put(&r->io.cout, " ", 1) ;
  iobuf_put(&r->io.cout, text, strlen(text)) ;
}

void imap_close (imap *r, char const *s)
{
  iobuf_put(&r->io.cout, s, strlen(s)) ;
  r->closing = 1 ;
  r->io.endserver = 1 ;
  r->io.cineof = 1 ;
  r->io.stopread = 1 ;
  r->io.cin.pos = r->io.cin.len = 0 ;
}

static int tagchar (unsigned char c)
{
  return c > 0x20 && c < 0x7f && !strchr("(){%*\"\\+]", c) ;
}

 /* a segment with no control character but its CR LF */
static int plain (char const *s, size_t len)
{
  if (len < 2 || s[len - 2] != '\r') return 0 ;
  for (size_t i = 0 ; i < len - 2 ; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0 ;
  return 1 ;
}

static int isname (char const *s, size_t n, char const *name)
{
  return strlen(name) == n && !strncasecmp(s, name, n) ;
}

 /* where a segment of len bytes leads: its literal, or the end */
static void next (imap *r, char const *s, size_t len)
{
  uint64_t size ;
  int plus ;
  int e = imap_literal(s, len, &size, &plus) ;
  if (e && !plus && r->cdiscard) { r->cstate = IMAP_C_READY ; r->cdiscard = 0 ; }
  else if (e && !plus) { r->clit = size ; r->cstate = IMAP_C_WAITLIT ; }
  else if (e) { r->clit = size ; r->cstate = size ? IMAP_C_LIT : IMAP_C_CONT ; }
  else if (r->cdiscard) { r->cstate = IMAP_C_READY ; r->cdiscard = 0 ; }
  else r->cstate = IMAP_C_PENDING ;
}

 /* the segment s[0..len) goes to the server, or is dropped */
static int pass (imap *r, char const *s, size_t len)
{
  if (!r->cdiscard)
  {
    if (iobuf_room(&r->io.sout) < len) return -1 ;
    iobuf_put(&r->io.sout, s, len) ;
  }
  r->io.cin.pos += len ;
  next(r, s, len) ;
  return 1 ;
}

 /* refused: the tagged answer now, the rest of the command dropped */
static int refuse (imap *r, char const *s, size_t len, char const *text)
{
  imap_answer(r, r->tag, text) ;
  r->cdiscard = 1 ;
  r->io.cin.pos += len ;
  next(r, s, len) ;
  if (r->cstate == IMAP_C_PENDING) r->cstate = IMAP_C_READY ;
  return 1 ;
}

 /* RFC 3501 section 6.2.1; bytes after the STARTTLS line came in the
    clear and may have been injected: no TLS, and they are read as the
    plaintext commands that they are */
static int starttls (imap *r, size_t len, int args)
{
  r->io.cin.pos += len ;
  r->cstate = IMAP_C_READY ;
  if (args) { imap_answer(r, r->tag, "BAD Syntax: STARTTLS\r\n") ; return 1 ; }
  if (r->io.tls) { imap_answer(r, r->tag, "BAD TLS already active\r\n") ; return 1 ; }
  if (!r->io.tlsavail) { imap_answer(r, r->tag, "NO TLS not available\r\n") ; return 1 ; }
  if (iobuf_avail(&r->io.cin))
  {
    imap_answer(r, r->tag, "BAD Pipelined input after STARTTLS\r\n") ;
    strerr_warnw("STARTTLS refused: the client sent more after it without waiting (command injection?)") ;
    return 1 ;
  }
  r->io.stopread = 1 ;
  imap_answer(r, r->tag, "OK Begin TLS negotiation now\r\n") ;
  r->io.phase = ADAPT_PHASE_GOAHEAD ;
  return -1 ;
}

static char const *const open_before_tls[] = { "CAPABILITY", "NOOP", "LOGOUT", 0 } ;

static int command (imap *r)
{
  char const *s = r->io.cin.s + r->io.cin.pos ;
  size_t n = iobuf_avail(&r->io.cin) ;
  char const *nl = memchr(s, '\n', n < IMAP_LINEMAX ? n : IMAP_LINEMAX) ;
  size_t len, t = 0, w, c ;
  uint64_t size ;
  int plus, lit ;
  if (!nl && n < IMAP_LINEMAX) return 0 ;
  if (iobuf_room(&r->io.cout) < IMAP_MYREPLY + IMAP_TAGMAX) return -1 ;
  if (!nl) { imap_close(r, "* BYE Line too long, closing connection\r\n") ; return 0 ; }
  len = nl - s + 1 ;
  while (t < len && tagchar(s[t])) t++ ;
  c = t + 1 ;
  w = c ;
  while (w < len && ((s[w] >= 'A' && s[w] <= 'Z') || (s[w] >= 'a' && s[w] <= 'z'))) w++ ;
  if (!plain(s, len) || !t || t >= IMAP_TAGMAX || s[t] != ' ' || w == c || (s[w] != ' ' && s[w] != '\r'))
  {
    imap_close(r, "* BYE Syntax error: a control character, a bare LF, or a bad tag or command name, closing connection\r\n") ;
    return 0 ;
  }
  memcpy(r->tag, s, t) ;
  r->taglen = t ;
  r->tag[t] = 0 ;
  lit = imap_literal(s, len, &size, &plus) ;
  if (lit < 0) return refuse(r, s, len, "BAD Literal too large\r\n") ;
  if (isname(s + c, w - c, "STARTTLS")) return starttls(r, len, s[w] != '\r') ;
  if (!r->io.tls && r->io.required)
  {
    int open = 0 ;
    for (char const *const *p = open_before_tls ; *p ; p++) if (isname(s + c, w - c, *p)) open = 1 ;
    if (!open) return refuse(r, s, len, "NO [PRIVACYREQUIRED] TLS required: issue STARTTLS first\r\n") ;
  }
  if (imap_login_refused(r) && (isname(s + c, w - c, "LOGIN") || isname(s + c, w - c, "AUTHENTICATE")))
    return refuse(r, s, len, "NO [PRIVACYREQUIRED] Cleartext login refused: issue STARTTLS first\r\n") ;
  if (lit && plus && !(r->litplus || (r->litminus && size <= 4096)))
    return refuse(r, s, len, "BAD Non-synchronizing literal: the server has no LITERAL+\r\n") ;
  return pass(r, s, len) ;
}

 /* the command's line after a literal */
static int cont (imap *r)
{
  char const *s = r->io.cin.s + r->io.cin.pos ;
  size_t n = iobuf_avail(&r->io.cin) ;
  char const *nl = memchr(s, '\n', n < IMAP_LINEMAX ? n : IMAP_LINEMAX) ;
  size_t len ;
  uint64_t size ;
  int plus, lit ;
  if (!nl && n < IMAP_LINEMAX) return 0 ;
  if (iobuf_room(&r->io.cout) < IMAP_MYREPLY) return -1 ;
  if (!nl || !plain(s, nl - s + 1))
  {
    imap_close(r, "* BYE Syntax error: a control character, a bare LF, or a line too long, closing connection\r\n") ;
    return 0 ;
  }
  len = nl - s + 1 ;
  lit = imap_literal(s, len, &size, &plus) ;
  if (lit < 0 || (lit && plus && !r->cdiscard && !(r->litplus || (r->litminus && size <= 4096))))
  {
    imap_close(r, "* BYE Bad literal, closing connection\r\n") ;
    return 0 ;
  }
  return pass(r, s, len) ;
}

 /* the bytes of a literal, as they are */
static int literal (imap *r)
{
  size_t n = iobuf_avail(&r->io.cin), m = n < r->clit ? n : (size_t)r->clit ;
  if (!n) return 0 ;
  if (!r->cdiscard)
  {
    if (m > iobuf_room(&r->io.sout)) m = iobuf_room(&r->io.sout) ;
    if (!m) return -1 ;
    iobuf_put(&r->io.sout, r->io.cin.s + r->io.cin.pos, m) ;
  }
  r->io.cin.pos += m ;
  r->clit -= m ;
  if (!r->clit) r->cstate = IMAP_C_CONT ;
  return 1 ;
}

 /* one line, any length, not a command */
static int rawline (imap *r)
{
  int ended = 0 ;
  int e = iobuf_passline(&r->io.cin, &r->io.sout, &ended) ;
  if (e <= 0) return e ;
  if (ended) r->cstate = IMAP_C_PENDING ;
  return 1 ;
}

int imap_client_parse (imap *r)
{
  for (;;)
  {
    int e ;
    if (r->closing) return 1 ;
    if (r->io.phase != ADAPT_PHASE_RELAY || r->greeting) return 0 ;
    /* the client has ended between commands: nothing more can come */
    if (r->io.cineof && r->cstate == IMAP_C_READY && !iobuf_avail(&r->io.cin)) r->io.endserver = 1 ;
    switch (r->cstate)
    {
      case IMAP_C_READY : e = command(r) ; break ;
      case IMAP_C_CONT : e = cont(r) ; break ;
      case IMAP_C_LIT : e = literal(r) ; break ;
      case IMAP_C_RAW : e = rawline(r) ; break ;
      default : return 0 ;
    }
    if (r->closing) return 1 ;
    if (e <= 0) return !e ;
  }
}
