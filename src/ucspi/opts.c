/* ISC license. */

/* opts.c: the options that both programs share (spec section 5). */

#include <limits.h>

#include <skalibs/types.h>

#include "ucspitls.h"

 /* milliseconds, as the clock's arithmetic takes them: at most INT_MAX */
static int ms (char const *s, unsigned int *u)
{
  size_t n = uint_scan(s, u) ;
  return n && !s[n] && *u <= INT_MAX ;
}

 /* -a: names of 1 to 255 bytes (RFC 7301), comma-separated */
static int alpn_valid (char const *list)
{
  size_t n = 0, len = 0 ;
  for (char const *s = list ; ; s++)
  {
    if (*s && *s != ',') { len++ ; continue ; }
    if (!len || len > 255 || ++n > UCSPITLS_ALPN_MAX) return 0 ;
    if (!*s) return 1 ;
    len = 0 ;
  }
}

 /* 1: taken; 0: not a shared option; -1: bad argument */
int tlsopts_common (tlsopts *o, int opt, char const *arg)
{
  unsigned int u ;
  switch (opt)
  {
    case 'i' : o->immediate = 1 ; return 1 ;
    case 'K' : if (!ms(arg, &u)) return -1 ; o->kto = u ; return 1 ;
    case 'I' : if (!ms(arg, &u)) return -1 ; o->ito = u ; return 1 ;
    case 'S' : o->closenotify = 1 ; return 1 ;
    case 's' : o->closenotify = 0 ; return 1 ;
    case 'J' : o->strict_eof = 1 ; return 1 ;
    case 'j' : o->strict_eof = 0 ; return 1 ;
    case 'Z' : o->keepenv = 1 ; return 1 ;
    case 'z' : o->keepenv = 0 ; return 1 ;
    case 'C' : o->check = 1 ; return 1 ;
    case 'a' : if (!alpn_valid(arg)) return -1 ; o->alpn = arg ; return 1 ;
    case 'v' : if (!ms(arg, &u) || u > 2) return -1 ; o->verbosity = u ; return 1 ;
    default : return 0 ;
  }
}
