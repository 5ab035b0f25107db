/* ISC license. */

/* smtp_client.c: the client's side of the relay. Command lines are read
   whole, and each is forwarded to the server or answered here (STARTTLS,
   and what -r or the limits refuse). A reply of ours must come after the
   server's replies to the commands before it, so a line that we answer
   waits until the server owes nothing. A DATA body and an AUTH response
   are not commands: the body goes through smtp_data.c, the response
   untouched, and the server's reply to DATA or AUTH says whether one
   follows. */

#include <string.h>
#include <strings.h>

#include <skalibs/strerr.h>

#include "smtp-internal.h"

enum verb_e { V_OTHER, V_EHLO, V_STARTTLS, V_MAIL, V_RCPT, V_DATA, V_AUTH, V_BDAT } ;

static struct { char const *name ; unsigned char v ; } const verbs[] =
{
  { "EHLO", V_EHLO },
  { "STARTTLS", V_STARTTLS },
  { "MAIL", V_MAIL },
  { "RCPT", V_RCPT },
  { "DATA", V_DATA },
  { "AUTH", V_AUTH },
  { "BDAT", V_BDAT },
  { 0, V_OTHER }
} ;

 /* the verb of the line s[0..n), CRLF excluded; *w is the verb's length */
static unsigned int verb (char const *s, size_t n, size_t *w)
{
  size_t i = 0 ;
  while (i < n && s[i] != ' ' && s[i] != '\t') i++ ;
  *w = i ;
  for (unsigned int k = 0 ; verbs[k].name ; k++)
    if (strlen(verbs[k].name) == i && !strncasecmp(s, verbs[k].name, i)) return verbs[k].v ;
  return V_OTHER ;
}

 /* Whether the servers behind us would all read the line s[0..n), CRLF
    excluded, as verb() does: qmail-smtpd takes the verb up to the first
    space and strips one CR; Exim strips every trailing isspace() (so
    "DATA\v" and "DATA\r" are DATA), turns NUL into a bad command, and
    wants the verb followed by a space or the end; Postfix splits words on
    every isspace(), leading ones included, and on quotes, backslashes
    and <[">]:. So a line that starts with a space or a tab, holds a
    control character other than a tab (a CR before the last, VT, FF,
    NUL, ...), or whose verb is not made of letters, digits and '-', is
    one that they may read differently: we refuse it, never forward it. */
static int smtp_line_plain (char const *s, size_t n, size_t w)
{
  if (n && (s[0] == ' ' || s[0] == '\t')) return 0 ;
  for (size_t i = 0 ; i < n ; i++)
  {
    unsigned char c = s[i] ;
    if ((c < 0x20 && c != '\t') || c == 0x7f) return 0 ;
    if (i < w && !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return 0 ;
  }
  return 1 ;
}

static int smtp_can_answer (smtp const *r)
{
  return r->io.phase == ADAPT_PHASE_RELAY && !r->outstanding && !r->inreply
    && iobuf_room(&r->io.cout) >= SMTP_MYREPLY ;
}

void smtp_answer (smtp *r, char const *s)
{
  iobuf_put(&r->io.cout, s, strlen(s)) ;
}

 /* answer the line of len bytes ourselves, when our turn comes */
static int answer (smtp *r, size_t len, char const *text)
{
  if (!smtp_can_answer(r)) return -1 ;
  smtp_answer(r, text) ;
  r->io.cin.pos += len ;
  return 1 ;
}

 /* RFC 3207. Whatever the client sent after its STARTTLS line came in the
    clear and may have been injected: then there is no TLS, and those
    bytes are read as the plaintext commands that they are. Else we stop
    reading the plaintext fd now, so that nothing more can be read past
    the line; what the client sends next is the TLS layer's. */
static int starttls (smtp *r, char const *s, size_t len, size_t end, size_t w)
{
  while (w < end && (s[w] == ' ' || s[w] == '\t')) w++ ;
  if (r->io.tls) return answer(r, len, "503 5.5.1 TLS already active\r\n") ;
  if (w < end) return answer(r, len, "501 5.5.4 Syntax: STARTTLS\r\n") ;
  if (!r->io.tlsavail) return answer(r, len, "454 4.7.0 TLS not available\r\n") ;
  if (iobuf_avail(&r->io.cin) > len)
  {
    int e = answer(r, len, "554 5.5.1 Error: pipelined input after STARTTLS\r\n") ;
    if (e == 1) strerr_warnw("STARTTLS refused: the client sent more after it without waiting (command injection?)") ;
    return e ;
  }
  r->io.stopread = 1 ;
  if (answer(r, len, "220 2.0.0 Ready to start TLS\r\n") < 0) return -1 ;
  r->io.phase = ADAPT_PHASE_GOAHEAD ;
  return -1 ;
}

static int command (smtp *r)
{
  char const *s = r->io.cin.s + r->io.cin.pos ;
  size_t n = iobuf_avail(&r->io.cin) ;
  char const *nl = memchr(s, '\n', n < SMTP_LINEMAX ? n : SMTP_LINEMAX) ;
  size_t len, end, w ;
  unsigned int v ;
  if (!nl)
  {
    if (n < SMTP_LINEMAX) return 0 ;
    if (!smtp_can_answer(r)) return -1 ;
    smtp_answer(r, "500 5.5.2 Line too long\r\n") ;
    r->io.cin.pos += SMTP_LINEMAX ;
    r->mode = SMTP_MODE_SKIP ;
    return 1 ;
  }
  len = nl - s + 1 ;
  end = len - 1 ;
  if (end && s[end - 1] == '\r') end-- ;
  v = verb(s, end, &w) ;
  if (!smtp_line_plain(s, end, w))
    return answer(r, len, "500 5.5.2 Syntax error: a control character, a leading space or a character outside the command name\r\n") ;
  if (v == V_STARTTLS) return starttls(r, s, len, end, w) ;
  if (r->io.required && !r->io.tls && (v == V_MAIL || v == V_RCPT || v == V_DATA || v == V_AUTH || v == V_BDAT))
    return answer(r, len, "530 5.7.0 Must issue a STARTTLS command first\r\n") ;
  /* CHUNKING is not offered: its chunks would have to be counted, not parsed */
  if (v == V_BDAT) return answer(r, len, "502 5.5.1 BDAT not implemented, use DATA\r\n") ;
  if (iobuf_room(&r->io.sout) < len) return -1 ;
  iobuf_put(&r->io.sout, s, len) ;
  r->io.cin.pos += len ;
  r->outstanding++ ;
  r->hold = v == V_EHLO ? SMTP_HOLD_EHLO : v == V_DATA ? SMTP_HOLD_DATA : v == V_AUTH ? SMTP_HOLD_AUTH : SMTP_HOLD_NONE ;
  return 1 ;
}

 /* the body goes through smtp_data_scan, which says where it ends */
static int data (smtp *r)
{
  int done = 0 ;
  if (!iobuf_avail(&r->io.cin)) return 0 ;
  r->io.cin.pos += smtp_data_scan(r, r->io.cin.s + r->io.cin.pos, iobuf_avail(&r->io.cin), &done) ;
  if (done)
  {
    r->outstanding++ ;
    r->mode = SMTP_MODE_CMD ;
    return 1 ;
  }
  return iobuf_avail(&r->io.cin) ? -1 : 0 ;
}

 /* one AUTH response line, any length: its reply may ask for another */
static int authline (smtp *r)
{
  int ended = 0 ;
  int e = iobuf_passline(&r->io.cin, &r->io.sout, &ended) ;
  if (e <= 0) return e ;
  if (ended)
  {
    r->outstanding++ ;
    r->hold = SMTP_HOLD_AUTH ;
    r->mode = SMTP_MODE_CMD ;
  }
  return 1 ;
}

static int skip (smtp *r)
{
  char const *s = r->io.cin.s + r->io.cin.pos ;
  size_t n = iobuf_avail(&r->io.cin) ;
  char const *nl = memchr(s, '\n', n) ;
  if (!n) return 0 ;
  if (!nl) { r->io.cin.pos += n ; return 0 ; }
  r->io.cin.pos += nl - s + 1 ;
  r->mode = SMTP_MODE_CMD ;
  return 1 ;
}

int smtp_client_parse (smtp *r)
{
  for (;;)
  {
    int e ;
    /* the fresh server gets nothing before its greeting: some servers
       take early talkers for spammers */
    if (r->io.phase != ADAPT_PHASE_RELAY || r->hold || r->swallow) return 0 ;
    switch (r->mode)
    {
      case SMTP_MODE_DATA : e = data(r) ; break ;
      case SMTP_MODE_AUTH : e = authline(r) ; break ;
      case SMTP_MODE_SKIP : e = skip(r) ; break ;
      default : e = command(r) ; break ;
    }
    if (e <= 0) return !e ;
  }
}
