/* ISC license. */

/* fuzz-opts: tlsopts_common (src/ucspi/opts.c), the options that both programs
   share, with any option letter and any argument.  Checked against a
   model: -K and -I take a decimal number of milliseconds of at most
   INT_MAX (what the clock's arithmetic takes), -v 0, 1 or 2, nothing
   else (no sign, no space, no trailing junk, no overflow); the flag
   letters (-C among them) set exactly their flag; -a takes a list of
   1 to UCSPITLS_ALPN_MAX names of 1 to 255 bytes, separated by commas;
   any other letter is not taken and changes nothing. */

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ucspitls.h"

 /* 1 and *u set when s is a decimal number of at most INT_MAX, 0 if not */
static int number (char const *s, unsigned int *u)
{
  unsigned long long v = 0 ;
  if (!*s) return 0 ;
  for (; *s ; s++)
  {
    if (*s < '0' || *s > '9') return 0 ;
    v = v * 10 + (unsigned int)(*s - '0') ;
    if (v > INT_MAX) return 0 ;
  }
  *u = (unsigned int)v ;
  return 1 ;
}

 /* -a's list, split another way: every comma-separated piece */
static int alpnlist (char const *s)
{
  size_t count = 0 ;
  for (;;)
  {
    char const *c = strchr(s, ',') ;
    size_t len = c ? (size_t)(c - s) : strlen(s) ;
    if (!len || len > 255 || ++count > UCSPITLS_ALPN_MAX) return 0 ;
    if (!c) return 1 ;
    s = c + 1 ;
  }
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  tlsopts o = TLSOPTS_ZERO, want = TLSOPTS_ZERO ;
  int opt, r, expect ;
  unsigned int u = 0 ;
  char *arg ;
  if (!size) return 0 ;
  opt = data[0] ;
  arg = strndup((char const *)data + 1, size - 1) ;  /* argv strings end at a NUL */
  if (!arg) abort() ;
  switch (opt)
  {
    case 'i' : want.immediate = 1 ; expect = 1 ; break ;
    case 'S' : want.closenotify = 1 ; expect = 1 ; break ;
    case 's' : want.closenotify = 0 ; expect = 1 ; break ;
    case 'J' : want.strict_eof = 1 ; expect = 1 ; break ;
    case 'j' : want.strict_eof = 0 ; expect = 1 ; break ;
    case 'Z' : want.keepenv = 1 ; expect = 1 ; break ;
    case 'z' : want.keepenv = 0 ; expect = 1 ; break ;
    case 'C' : want.check = 1 ; expect = 1 ; break ;
    case 'K' : expect = number(arg, &u) ? 1 : -1 ; if (expect == 1) want.kto = u ; break ;
    case 'I' : expect = number(arg, &u) ? 1 : -1 ; if (expect == 1) want.ito = u ; break ;
    case 'v' : expect = number(arg, &u) && u <= 2 ? 1 : -1 ; if (expect == 1) want.verbosity = u ; break ;
    case 'a' : expect = alpnlist(arg) ? 1 : -1 ; if (expect == 1) want.alpn = arg ; break ;
    default : expect = 0 ; break ;
  }
  r = tlsopts_common(&o, opt, arg) ;
  if (r != expect) abort() ;
  if ((o.kto != want.kto || o.ito != want.ito || o.verbosity != want.verbosity
   || o.closenotify != want.closenotify || o.strict_eof != want.strict_eof
   || o.immediate != want.immediate || o.keepenv != want.keepenv
   || o.clientcert != want.clientcert || o.snilevel != want.snilevel
   || o.check != want.check || o.setids != want.setids || o.alpn != want.alpn)) abort() ;
  free(arg) ;
  return 0 ;
}
