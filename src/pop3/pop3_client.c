/* ISC license. */

/* pop3_client.c: the client's side of the POP3 relay. A command line is
   read whole and checked: a line that the server might read otherwise
   than we do (a NUL or another control character, a bare LF, a line
   longer than POP3_LINEMAX) ends the session with -ERR, since nothing
   after it can be trusted to be where we think. A command that we do
   not know is answered here, so that no response of unknown shape (one
   line, or a body?) ever comes from the server. STLS is ours; USER,
   PASS, APOP and AUTH are refused before TLS unless -p (RFC 2595
   section 2.2: no cleartext password where TLS could protect it). */

#include <string.h>
#include <strings.h>

#include <skalibs/strerr.h>

#include "pop3-internal.h"

enum verb_e { V_OTHER, V_STLS, V_CAPA, V_USER, V_PASS, V_APOP, V_AUTH, V_LIST, V_UIDL, V_RETR, V_TOP, V_LANG, V_SINGLE, V_QUIT, V_NOOP } ;

static struct { char const *name ; unsigned char v ; } const verbs[] =
{
  { "STLS", V_STLS }, { "CAPA", V_CAPA }, { "USER", V_USER }, { "PASS", V_PASS },
  { "APOP", V_APOP }, { "AUTH", V_AUTH }, { "LIST", V_LIST }, { "UIDL", V_UIDL },
  { "RETR", V_RETR }, { "TOP", V_TOP }, { "LANG", V_LANG }, { "QUIT", V_QUIT },
  { "NOOP", V_NOOP }, { "STAT", V_SINGLE }, { "DELE", V_SINGLE }, { "RSET", V_SINGLE },
  { "LAST", V_SINGLE }, { "UTF8", V_SINGLE },
  { 0, V_OTHER }
} ;

void pop3_answer (pop3 *r, char const *s)
{
  iobuf_put(&r->io.cout, s, strlen(s)) ;
}

 /* the end of the session: our last line, then the server sees the end
    of its input, and nothing it sends is relayed */
void pop3_close (pop3 *r, char const *s)
{
  pop3_answer(r, s) ;
  r->closing = 1 ;
  r->io.endserver = 1 ;
  r->io.cineof = 1 ;
  r->io.stopread = 1 ;
  r->io.cin.pos = r->io.cin.len = 0 ;
}

static int can_answer (pop3 const *r)
{
  return iobuf_room(&r->io.cout) >= POP3_MYREPLY ;
}

static int answer (pop3 *r, size_t len, char const *text)
{
  if (!can_answer(r)) return -1 ;
  pop3_answer(r, text) ;
  r->io.cin.pos += len ;
  return 1 ;
}

 /* RFC 2595 section 4. Bytes after the STLS line came in the clear and
    may have been injected: no TLS, and they are read as the plaintext
    commands that they are. Else we read the plaintext fd no more */
static int stls (pop3 *r, size_t len, int args)
{
  if (r->io.tls) return answer(r, len, "-ERR Command not permitted when TLS active\r\n") ;
  if (args) return answer(r, len, "-ERR Syntax: STLS\r\n") ;
  if (r->authed) return answer(r, len, "-ERR Command not permitted outside the AUTHORIZATION state\r\n") ;
  if (!r->io.tlsavail) return answer(r, len, "-ERR TLS not available\r\n") ;
  if (iobuf_avail(&r->io.cin) > len)
  {
    int e = answer(r, len, "-ERR Pipelined input after STLS\r\n") ;
    if (e == 1) strerr_warnw("STLS refused: the client sent more after it without waiting (command injection?)") ;
    return e ;
  }
  if (!can_answer(r)) return -1 ;
  r->io.stopread = 1 ;
  answer(r, len, "+OK Begin TLS negotiation\r\n") ;
  r->io.phase = ADAPT_PHASE_GOAHEAD ;
  return -1 ;
}

 /* the line is plain: a keyword of letters, then nothing or a space and
    printable arguments, CR LF */
static int plain (char const *s, size_t end, size_t w)
{
  if (!w) return 0 ;
  for (size_t i = 0 ; i < w ; i++)
    if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))) return 0 ;
  if (w < end && s[w] != ' ') return 0 ;
  for (size_t i = w ; i < end ; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0 ;
  return 1 ;
}

static unsigned char kindof (unsigned int v, int args)
{
  switch (v)
  {
    case V_CAPA : return POP3_K_CAPA ;
    case V_PASS : case V_APOP : return POP3_K_LOGIN ;
    case V_AUTH : return args ? POP3_K_AUTH : POP3_K_MULTI ;
    case V_LIST : case V_UIDL : case V_LANG : return args ? POP3_K_SINGLE : POP3_K_MULTI ;
    case V_RETR : case V_TOP : return POP3_K_MULTI ;
    default : return POP3_K_SINGLE ;
  }
}

static int command (pop3 *r)
{
  char const *s = r->io.cin.s + r->io.cin.pos ;
  size_t n = iobuf_avail(&r->io.cin) ;
  char const *nl = memchr(s, '\n', n < POP3_LINEMAX ? n : POP3_LINEMAX) ;
  size_t len, end, w = 0 ;
  unsigned int v = V_OTHER ;
  if (!nl && n < POP3_LINEMAX) return 0 ;
  if (!can_answer(r)) return -1 ;
  if (!nl) { pop3_close(r, "-ERR Line too long, closing connection\r\n") ; return 0 ; }
  len = nl - s + 1 ;
  if (len < 2 || s[len - 2] != '\r') { pop3_close(r, "-ERR Line not ended by CR LF, closing connection\r\n") ; return 0 ; }
  end = len - 2 ;
  while (w < end && s[w] != ' ') w++ ;
  if (!plain(s, end, w)) { pop3_close(r, "-ERR Control character or bad command name, closing connection\r\n") ; return 0 ; }
  for (unsigned int k = 0 ; verbs[k].name ; k++)
    if (strlen(verbs[k].name) == w && !strncasecmp(s, verbs[k].name, w)) { v = verbs[k].v ; break ; }
  if (v == V_OTHER) return answer(r, len, "-ERR Unknown command\r\n") ;
  if (v == V_STLS) return stls(r, len, w < end) ;
  if (!r->io.tls && r->io.required && v != V_CAPA && v != V_QUIT && v != V_NOOP)
    return answer(r, len, "-ERR TLS required: issue STLS first\r\n") ;
  if ((v == V_USER || v == V_PASS || v == V_APOP || v == V_AUTH) && pop3_login_refused(r))
    return answer(r, len, "-ERR Cleartext login refused: issue STLS first\r\n") ;
  if (iobuf_room(&r->io.sout) < len) return -1 ;
  iobuf_put(&r->io.sout, s, len) ;
  r->io.cin.pos += len ;
  r->kind = kindof(v, w < end) ;
  return 1 ;
}

 /* one SASL response line, any length, not a command */
static int authline (pop3 *r)
{
  int ended = 0 ;
  int e = iobuf_passline(&r->io.cin, &r->io.sout, &ended) ;
  if (e <= 0) return e ;
  if (ended) r->authwait = 0 ;
  return 1 ;
}

int pop3_client_parse (pop3 *r)
{
  for (;;)
  {
    int e ;
    if (r->closing) return 1 ;
    if (r->io.phase != ADAPT_PHASE_RELAY || r->swallow) return 0 ;
    if (r->authwait) e = authline(r) ;
    else if (r->kind != POP3_K_NONE) return 0 ;
    else e = command(r) ;
    if (r->closing) return 1 ;
    if (e <= 0) return !e ;
  }
}
