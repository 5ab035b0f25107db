/* ISC license. */

/* block-trust: the environment that ucspitlsd's parent gives prog in
   immediate mode, from a facts block that a compromised TLS child
   wrote. The wrapper (src/ucspi/wrapper.c) is included for its static
   make_env(); the block comes from argv[1] with "|" for NUL, the
   environment from the other arguments. Prints prog's environment, one
   variable a line, with control bytes as \xNN. */

#include <stdio.h>
#include <string.h>

#include "../../src/ucspi/wrapper.c"

int main (int argc, char const *const *argv)
{
  static char block[8192] ;
  tlsopts o = TLSOPTS_ZERO ;
  size_t n ;
  char const **e ;
  PROG = "ucspitlsd" ;
  if (argc < 2) return 100 ;
  n = strlen(argv[1]) ;
  if (n >= sizeof(block)) return 100 ;
  for (size_t i = 0 ; i < n ; i++)
  {
    char c = argv[1][i] ;
    block[i] = c == '|' ? 0 : c == '^' ? 1 : c ;  /* ^: a control byte */
  }
  o.immediate = 1 ;
  e = make_env(&o, argv + 2, block, n, 0) ;
  for (; *e ; e++)
  {
    for (unsigned char const *p = (unsigned char const *)*e ; *p ; p++)
      if (*p < 0x20) printf("\\x%02x", *p) ; else putchar(*p) ;
    putchar('\n') ;
  }
  return 0 ;
}
