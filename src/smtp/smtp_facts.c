/* ISC license. */

/* smtp_facts.c: the facts block that the UCSPI-TLS server sends after
   'Y', and the real server's environment. A bare NAME, without '=', is
   how s6-ucspitlsd says that a fact is unset: the server then gets no
   NAME at all, whatever the plaintext environment held. */

#include <stdlib.h>
#include <string.h>

#include <skalibs/env.h>
#include <skalibs/strerr.h>

#include "ucspitls.h"
#include "smtp-internal.h"

static size_t namelen (char const *s)
{
  return strcspn(s, "=") ;
}

static int samename (char const *a, char const *b)
{
  size_t n = namelen(a) ;
  return n == namelen(b) && !memcmp(a, b, n) ;
}

static int ctlvar (char const *s)
{
  return !strncmp(s, "SSLCTLFD=", 9) || !strncmp(s, "SSLREADFD=", 10) || !strncmp(s, "SSLWRITEFD=", 11) ;
}

static int named (char const *s, char const *block, size_t len)
{
  for (size_t i = 0 ; i < len ; i += strlen(block + i) + 1)
    if (samename(s, block + i)) return 1 ;
  return 0 ;
}

char const **smtp_env (char const *const *envp, char const *block, size_t len)
{
  size_t n = env_len(envp) + 1, k = 0 ;
  char const **e ;
  for (size_t i = 0 ; i < len ; i++) if (!block[i]) n++ ;
  e = malloc(n * sizeof(char const *)) ;
  if (!e) strerr_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
  for (char const *const *p = envp ; *p ; p++)
    if (!ctlvar(*p) && !named(*p, block, len)) e[k++] = *p ;
  for (size_t i = 0 ; i < len ; i += strlen(block + i) + 1)
    if (block[i + namelen(block + i)] == '=') e[k++] = block + i ;
  e[k] = 0 ;
  return e ;
}
