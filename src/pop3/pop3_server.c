/* ISC license. */

/* pop3_server.c: the server's side of the POP3 relay. A status line must
   fit in the buffer (ADAPT_SIN), else the session ends; the lines of a
   multi-line body go through as they are, of any length, and the body
   ends at a line that is a lone dot. What the server sends when it owes
   nothing is dropped: it cannot be a response, and after STLS it would
   reach the client in plaintext as if it came from inside TLS. CAPA's
   body loses the server's STLS (and, while logins are refused, USER and
   SASL) and gets ours; a server with no CAPA gets one. */

#include <string.h>
#include <strings.h>

#include "pop3-internal.h"

int pop3_login_refused (pop3 const *r)
{
  return !r->io.tls && !r->plainlogin ;
}

static int addtls (pop3 const *r)
{
  return !r->io.tls && r->io.tlsavail ;
}

 /* The greeting's APOP timestamp (RFC 1939 section 7) is the plaintext
    server's: after STLS a fresh server checks APOP against its own, which
    the client never saw, so a client that took the timestamp (curl does)
    would fail to log in. The greeting goes out without it, and clients
    use USER/PASS or AUTH inside TLS */
static void greeting (pop3 *r, char const *s, size_t n)
{
  char const *lt = memchr(s, '<', n) ;
  char const *gt = lt ? memchr(lt, '>', n - (lt - s)) : 0 ;
  if (!gt || !addtls(r)) { iobuf_put(&r->io.cout, s, n) ; return ; }
  if (lt > s && lt[-1] == ' ') lt-- ;
  iobuf_put(&r->io.cout, s, lt - s) ;
  iobuf_put(&r->io.cout, gt + 1, n - (gt + 1 - s)) ;
}

static void done (pop3 *r)
{
  r->kind = POP3_K_NONE ;
  r->inbody = 0 ;
}

 /* a CAPA line that we take away */
static int dropped (pop3 const *r, char const *s, size_t n)
{
  size_t w = 0 ;
  while (w < n && s[w] != ' ' && s[w] != '\r' && s[w] != '\n') w++ ;
  if (w == 4 && !strncasecmp(s, "STLS", 4)) return 1 ;
  if (pop3_login_refused(r) && w == 4 && (!strncasecmp(s, "USER", 4) || !strncasecmp(s, "SASL", 4))) return 1 ;
  return 0 ;
}

 /* the first line of a response */
static int status (pop3 *r, char const *s, size_t n)
{
  int ok = n >= 3 && !memcmp(s, "+OK", 3) ;
  int cont = !ok && n >= 2 && s[0] == '+' && (s[1] == ' ' || s[1] == '\r' || s[1] == '\n') ;
  if (iobuf_room(&r->io.cout) < n + POP3_MYREPLY) return 0 ;
  r->io.sin.pos += n ;
  switch (r->kind)
  {
    case POP3_K_GREETING :
      if (!r->swallow) greeting(r, s, n) ;
      r->swallow = 0 ;
      done(r) ;
      break ;
    case POP3_K_CAPA :
      if (!ok && addtls(r))
      {
        pop3_answer(r, "+OK Capability list follows\r\n") ;
        if (!pop3_login_refused(r)) pop3_answer(r, "USER\r\n") ;
        pop3_answer(r, "STLS\r\n.\r\n") ;
        done(r) ;
        break ;
      }
      /* fall through */
    case POP3_K_MULTI :
      iobuf_put(&r->io.cout, s, n) ;
      if (ok) { r->inbody = 1 ; r->bol = 1 ; }
      else done(r) ;
      break ;
    case POP3_K_AUTH :
      iobuf_put(&r->io.cout, s, n) ;
      if (cont) { r->authwait = 1 ; break ; }
      if (ok) r->authed = 1 ;
      done(r) ;
      break ;
    case POP3_K_LOGIN :
      if (ok) r->authed = 1 ;
      /* fall through */
    default :
      iobuf_put(&r->io.cout, s, n) ;
      done(r) ;
      break ;
  }
  return 1 ;
}

 /* a body line, or as much of one as there is */
static int body (pop3 *r, char const *s, size_t n)
{
  char const *nl = memchr(s, '\n', n) ;
  size_t m = nl ? (size_t)(nl - s) + 1 : n ;
  if (r->bol && s[0] == '.')
  {
    if (n < 2 || (s[1] == '\r' && n < 3)) return 0 ;   /* not yet known */
    if (s[1] == '\n' || (s[1] == '\r' && s[2] == '\n'))
    {
      if (iobuf_room(&r->io.cout) < m + POP3_MYREPLY) return 0 ;
      if (r->kind == POP3_K_CAPA && addtls(r)) pop3_answer(r, "STLS\r\n") ;
      iobuf_put(&r->io.cout, s, m) ;
      r->io.sin.pos += m ;
      done(r) ;
      return 1 ;
    }
  }
  if (r->kind == POP3_K_CAPA)
  {
    /* a capability line is whole, or the session ends */
    if (!nl)
    {
      if (n < r->io.sin.cap) return 0 ;
      pop3_close(r, "") ;
      return 0 ;
    }
    if (iobuf_room(&r->io.cout) < m + POP3_MYREPLY) return 0 ;
    if (!(r->bol && dropped(r, s, m))) iobuf_put(&r->io.cout, s, m) ;
    r->io.sin.pos += m ;
    r->bol = 1 ;
    return 1 ;
  }
  if (m > iobuf_room(&r->io.cout)) m = iobuf_room(&r->io.cout) ;
  if (!m) return 0 ;
  iobuf_put(&r->io.cout, s, m) ;
  r->io.sin.pos += m ;
  r->bol = s[m - 1] == '\n' ;
  return 1 ;
}

void pop3_server_parse (pop3 *r)
{
  for (;;)
  {
    char const *s = r->io.sin.s + r->io.sin.pos ;
    size_t n = iobuf_avail(&r->io.sin) ;
    char const *nl ;
    if (!n) break ;
    if (r->closing || r->kind == POP3_K_NONE || r->authwait)
    {
      /* nothing is owed: not a response */
      r->io.sin.pos = r->io.sin.len = 0 ;
      break ;
    }
    if (r->inbody)
    {
      if (!body(r, s, n)) break ;
      continue ;
    }
    nl = memchr(s, '\n', n) ;
    if (!nl)
    {
      if (n < r->io.sin.cap) break ;
      /* a status line too long to hold: the client cannot be told */
      pop3_close(r, "") ;
      break ;
    }
    if (!status(r, s, nl - s + 1)) break ;
  }
}
