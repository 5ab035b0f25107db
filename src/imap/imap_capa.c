/* ISC license. */

/* imap_capa.c: literal markers, and the capability lists that the
   server sends: the CAPABILITY response, and the [CAPABILITY ...] code of
   the greeting and of a tagged OK (RFC 3501 section 7.1). Each loses the
   server's STARTTLS (and, while logins are refused, its AUTH=
   mechanisms) and gets ours, with LOGINDISABLED while logins are
   refused. The server's LITERAL+ and LITERAL- are noted: a client's
   non-synchronizing literal is forwarded only to a server that said it
   reads them, else the server would take its bytes for commands. */

#include <string.h>
#include <strings.h>

#include "imap-internal.h"

int imap_literal (char const *s, size_t n, uint64_t *size, int *plus)
{
  size_t e = n ;
  uint64_t v = 0, m = 1 ;
  if (e && s[e - 1] == '\n') e-- ;
  if (e && s[e - 1] == '\r') e-- ;
  if (!e || s[e - 1] != '}') return 0 ;
  e-- ;
  *plus = e && (s[e - 1] == '+' || s[e - 1] == '-') ;
  if (*plus) e-- ;
  if (!e || s[e - 1] < '0' || s[e - 1] > '9') return 0 ;
  while (e && s[e - 1] >= '0' && s[e - 1] <= '9')
  {
    if (m > 1000000000000ULL) return -1 ;
    v += m * (uint64_t)(s[e - 1] - '0') ;
    m *= 10 ;
    e-- ;
  }
  if (!e || s[e - 1] != '{') return 0 ;
  if (v > 0xffffffffULL) return -1 ;
  *size = v ;
  return 1 ;
}

static int tokis (char const *s, size_t n, char const *t)
{
  return strlen(t) == n && !strncasecmp(s, t, n) ;
}

 /* one word of the list, after a space unless it is the first */
static void word (imap *r, char const *s, size_t n, int *first)
{
  if (!*first) iobuf_put(&r->io.cout, " ", 1) ;
  iobuf_put(&r->io.cout, s, n) ;
  *first = 0 ;
}

 /* the tokens of s[0..n) */
static void capalist (imap *r, char const *s, size_t n)
{
  int refused = imap_login_refused(r), had = 0 ;
  int addtls = !r->io.tls && r->io.tlsavail ;
  size_t i = 0 ;
  int first = 1 ;
  while (i < n)
  {
    size_t j = i ;
    while (j < n && s[j] != ' ') j++ ;
    if (j > i)
    {
      char const *t = s + i ;
      size_t k = j - i ;
      if (tokis(t, k, "LITERAL+")) r->litplus = 1 ;
      if (tokis(t, k, "LITERAL-")) r->litminus = 1 ;
      if (tokis(t, k, "LOGINDISABLED")) had = 1 ;
      if (!(tokis(t, k, "STARTTLS") || (refused && k > 5 && !strncasecmp(t, "AUTH=", 5))))
        word(r, t, k, &first) ;
    }
    i = j + 1 ;
  }
  if (addtls) word(r, "STARTTLS", 8, &first) ;
  if (refused && !had) word(r, "LOGINDISABLED", 13, &first) ;
}

 /* "* CAPABILITY list", or "x OK [CAPABILITY list] text" */
void imap_capa_put (imap *r, char const *s, size_t n)
{
  size_t sp = 0, e = n, a, b ;
  while (sp < n && s[sp] != ' ') sp++ ;
  if (e && s[e - 1] == '\n') e-- ;
  if (e && s[e - 1] == '\r') e-- ;
  if (sp == 1 && s[0] == '*' && e >= 13 && !strncasecmp(s + 1, " CAPABILITY ", 12))
  {
    a = 13 ; b = e ;
  }
  else
  {
    char const *p = sp < e ? memchr(s + sp, '[', e - sp) : 0 ;
    char const *q ;
    /* the code comes right after the status word: "OK [" */
    if (!p || p - s > (ptrdiff_t)(sp + 10) || e - (p - s) < 12 || strncasecmp(p, "[CAPABILITY ", 12)
     || !(q = memchr(p, ']', e - (p - s))))
    {
      iobuf_put(&r->io.cout, s, n) ;
      return ;
    }
    a = p - s + 12 ; b = q - s ;
  }
  iobuf_put(&r->io.cout, s, a) ;
  capalist(r, s + a, b - a) ;
  iobuf_put(&r->io.cout, s + b, n - b) ;
}
