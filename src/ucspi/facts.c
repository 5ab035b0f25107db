/* ISC license. */

/* facts.c: the session facts as a block of NAME=VALUE strings, each
   ended by a NUL, the block ended by one more NUL (spec section 4). A
   value that a peer chose is escaped (\xNN for control bytes), so that
   a peer can never end a string early or start a variable of its own. */

#include <string.h>

#include "ucspitls.h"

static char const *const names[] =
{
  "SSL_PROTOCOL", "SSL_CIPHER", "SSL_TLS_SNI_SERVERNAME", "SSL_PEER_CERT_HASH", "SSL_PEER_CERT_SUBJECT", 0
} ;

int facts_is_var (char const *s)
{
  for (char const *const *p = names ; *p ; p++)
  {
    size_t n = strlen(*p) ;
    if (!strncmp(s, *p, n) && (!s[n] || s[n] == '=')) return 1 ;
  }
  return 0 ;
}

 /* a byte that a value shows as \xNN */
static int escaped (unsigned char c, int forlog)
{
  return c < 0x20 || c == 0x7f || c == '\\' || (forlog && c == ' ') ;
}

 /* escapes src into dst (at most max bytes, NUL included, whole escapes
    only); returns the length written, without the NUL. Backslash is
    escaped too, so that \xNN always means an escape; for the log line,
    space as well, so that a value can never look like a field. */
size_t facts_escape (char *dst, size_t max, char const *src, int forlog)
{
  static char const hex[] = "0123456789abcdef" ;
  size_t n = 0 ;
  if (!max) return 0 ;
  for (; *src ; src++)
  {
    unsigned char c = *src ;
    if (escaped(c, forlog))
    {
      if (n + 4 >= max) break ;
      dst[n++] = '\\' ; dst[n++] = 'x' ;
      dst[n++] = hex[c >> 4] ; dst[n++] = hex[c & 15] ;
    }
    else
    {
      if (n + 1 >= max) break ;
      dst[n++] = c ;
    }
  }
  dst[n] = 0 ;
  return n ;
}

 /* NAME=VALUE\0 into s, within max bytes; a value that does not fit whole
    is left out. The subject comes escaped already (dn_format). The
    length is counted first: no copy of the value on the stack, which
    the TLS child keeps for its whole life. */
static size_t add (char *s, size_t max, char const *name, char const *value, int isescaped)
{
  size_t n = strlen(name), m = 0 ;
  if (!value || !*value) return 0 ;
  if (isescaped) m = strlen(value) ;
  else for (char const *p = value ; *p ; p++) m += escaped(*p, 0) ? 4 : 1 ;
  if (n + 1 + m + 1 > max) return 0 ;
  memcpy(s, name, n) ;
  s[n] = '=' ;
  if (isescaped) memcpy(s + n + 1, value, m + 1) ;
  else facts_escape(s + n + 1, m + 1, value, 0) ;
  return n + m + 2 ;
}

size_t facts_block (facts const *f, char *s)
{
  char const *values[5] = { f->protocol, f->cipher, f->sni, f->hash, f->subject } ;
  size_t len = 0 ;
  for (unsigned int i = 0 ; i < 5 ; i++)
    len += add(s + len, FACTS_BLOCK_MAX - 1 - len, names[i], values[i], i == 4) ;
  s[len++] = 0 ;
  return len ;
}
