/* ISC license. */

/* sni.c: does a configured name match the name that a client asked for?
   Case does not matter; "*.example.org" stands for exactly one label. */

#include <strings.h>
#include <string.h>

#include "ucspitls.h"

int sni_match (char const *pattern, char const *name)
{
  if (pattern[0] == '*' && pattern[1] == '.')
  {
    char const *dot = strchr(name, '.') ;
    if (!dot || dot == name) return 0 ;
    return !strcasecmp(pattern + 1, dot) ;
  }
  return !strcasecmp(pattern, name) ;
}
