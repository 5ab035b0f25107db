/* ISC license. */

/* smtp_server.c: the server's side of the relay. Each reply line goes to
   the client as it came, with three exceptions: the fresh server's
   greeting after STARTTLS is dropped (RFC 3207: the client speaks
   first); the reply to EHLO loses the STARTTLS, CHUNKING and BINARYMIME
   keywords of the server's own and, while TLS is not on, gets our
   STARTTLS; and a line longer than SMTP_RLINEMAX is cut to that length
   (dropped, in an EHLO reply), so that every client can read the reply
   and see its last line. The end of each reply is counted, so that the
   client's side knows when the server owes nothing. */

#include <string.h>
#include <strings.h>

#include "smtp-internal.h"

enum rtype_e { R_NORMAL, R_SWALLOW, R_EHLO } ;

static int isfinal (char const *s, size_t n)
{
  return !(n >= 4 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'
    && s[2] >= '0' && s[2] <= '9' && s[3] == '-') ;
}

 /* a keyword that we take away from the EHLO reply */
static int dropped (char const *s, size_t n)
{
  static char const *const kw[] = { "STARTTLS", "CHUNKING", "BINARYMIME", 0 } ;
  size_t w = 4 ;
  if (n < 4) return 0 ;
  while (w < n && s[w] != ' ' && s[w] != '=' && s[w] != '\r' && s[w] != '\n') w++ ;
  for (char const *const *p = kw ; *p ; p++)
    if (strlen(*p) == w - 4 && !strncasecmp(s + 4, *p, w - 4)) return 1 ;
  return 0 ;
}

static int hassep (char const *s, size_t n)  /* "250-" or "250 " */
{
  return n > 3 && (s[3] == ' ' || s[3] == '-') ;
}

 /* a reply line again, with sep after its code */
static void putline (smtp *r, char const *s, size_t n, char sep)
{
  size_t k = hassep(s, n) ? 4 : 3 ;
  if (n < 4) { iobuf_put(&r->io.cout, s, n) ; return ; }
  iobuf_put(&r->io.cout, s, 3) ;
  iobuf_put(&r->io.cout, &sep, 1) ;
  iobuf_put(&r->io.cout, s + k, n - k) ;
}

static int addtls (smtp const *r)
{
  return !r->io.tls && r->io.tlsavail ;
}

 /* the EHLO reply is one line late: a line is sent when the next kept
    one shows that it is not the last. A keyword line that was cut is
    dropped: cut short, it would name another extension. A line at the
    limit with no separator after its code ("250XYZ") is one byte over
    it once putline gives it one: it counts as cut, and the first line
    is cut once more */
static void ehlo (smtp *r, char const *s, size_t n, int final, int cut)
{
  int over = n == SMTP_RLINEMAX && !hassep(s, n) ;
  if (!r->ehlolines++ || !(cut || over || dropped(s, n)))
  {
    if (r->pendlen) putline(r, r->pend, r->pendlen, '-') ;
    memcpy(r->pend, s, n) ;
    r->pendlen = n ;
    if (over) { r->pendlen-- ; memcpy(r->pend + r->pendlen - 2, "\r\n", 2) ; }
    r->ehlokept++ ;
  }
  if (!final) return ;
  if (addtls(r) && r->ehlokept > 1) smtp_answer(r, "250-STARTTLS\r\n") ;
  putline(r, r->pend, r->pendlen, addtls(r) && r->ehlokept == 1 ? '-' : ' ') ;
  if (addtls(r) && r->ehlokept == 1) smtp_answer(r, "250 STARTTLS\r\n") ;
  r->pendlen = 0 ;
}

static void begin (smtp *r, char const *s, size_t n)
{
  if (r->swallow) r->rtype = R_SWALLOW ;
  else if (r->hold == SMTP_HOLD_EHLO && r->outstanding == 1 && n >= 3 && !memcmp(s, "250", 3))
  {
    r->rtype = R_EHLO ;
    r->ehlolines = r->ehlokept = 0 ;
    r->pendlen = 0 ;
  }
  else r->rtype = R_NORMAL ;
}

 /* a reply has ended: one less owed; the reply to a held command says
    how the client's next bytes are read */
static void done (smtp *r, char const *code)
{
  r->inreply = 0 ;
  if (r->rtype == R_SWALLOW) r->swallow = 0 ;
  if (r->outstanding) r->outstanding-- ;
  if (r->outstanding || r->hold == SMTP_HOLD_NONE) return ;
  if (r->hold == SMTP_HOLD_DATA && !memcmp(code, "354", 3))
  {
    r->mode = SMTP_MODE_DATA ;
    r->dstate = SMTP_DATA_BOL ;
    r->dbare = 0 ;
  }
  else if (r->hold == SMTP_HOLD_AUTH && !memcmp(code, "334", 3)) r->mode = SMTP_MODE_AUTH ;
  r->hold = SMTP_HOLD_NONE ;
}

static int line (smtp *r, char const *s, size_t n, int cut)
{
  int final = isfinal(s, n) ;
  if (!r->inreply) begin(r, s, n) ;
  if (iobuf_room(&r->io.cout) < r->pendlen + n + SMTP_MYREPLY) return 0 ;
  if (r->rtype == R_EHLO) ehlo(r, s, n, final, cut) ;
  else if (r->rtype == R_NORMAL) iobuf_put(&r->io.cout, s, n) ;
  r->io.sin.pos += n ;
  if (final) done(r, n >= 3 ? s : "000") ;
  else r->inreply = 1 ;
  return 1 ;
}

void smtp_server_parse (smtp *r)
{
  for (;;)
  {
    char *s = r->io.sin.s + r->io.sin.pos ;
    size_t n = iobuf_avail(&r->io.sin) ;
    char const *nl = memchr(s, '\n', n) ;
    if (!n) break ;
    if (r->cutting)
    {
      /* the rest of a line that was cut */
      r->io.sin.pos += nl ? (size_t)(nl - s) + 1 : n ;
      if (nl) r->cutting = 0 ;
      continue ;
    }
    if (nl && (size_t)(nl - s) < SMTP_RLINEMAX)
    {
      if (!line(r, s, nl - s + 1, 0)) break ;
      continue ;
    }
    /* too long to hold: its head stands for it, the tail is skipped;
       the head is made once there is room for it, so line() takes it */
    if (n < SMTP_RLINEMAX || iobuf_room(&r->io.cout) < r->pendlen + SMTP_RLINEMAX + SMTP_MYREPLY) break ;
    s[SMTP_RLINEMAX - 2] = '\r' ;
    s[SMTP_RLINEMAX - 1] = '\n' ;
    line(r, s, SMTP_RLINEMAX, 1) ;
    r->cutting = 1 ;
  }
}
