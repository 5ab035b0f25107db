/* ISC license. */

/* fuzz-sni: sni_match (src/ucspi/sni.c), a configured pattern against the name
   a client asked for (the client chooses it: any bytes but NUL).  Checked
   against a plain model of the rule: case does not matter, and
   "*.suffix" stands for exactly one non-empty label without a dot. */

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ucspitls.h"

static int eq (char const *a, char const *b)
{
  for (; *a && *b ; a++, b++) if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0 ;
  return !*a && !*b ;
}

static int model (char const *pattern, char const *name)
{
  if (pattern[0] == '*' && pattern[1] == '.')
  {
    size_t k = 0 ;
    while (name[k] && name[k] != '.') k++ ;
    if (!k || !name[k]) return 0 ;          /* no label, or no dot at all */
    return eq(pattern + 1, name + k) ;      /* ".suffix" against the rest */
  }
  return eq(pattern, name) ;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  size_t k = 0 ;
  char *pattern, *name ;
  while (k < size && data[k]) k++ ;
  pattern = strndup((char const *)data, k) ;
  name = k < size ? strndup((char const *)data + k + 1, size - k - 1) : strdup("") ;
  if (!pattern || !name) abort() ;
  if (!!sni_match(pattern, name) != model(pattern, name)) abort() ;
  free(pattern) ;
  free(name) ;
  return 0 ;
}
