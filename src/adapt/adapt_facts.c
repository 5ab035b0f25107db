/* ISC license. */

/* adapt_facts.c: the facts block that the UCSPI-TLS server sends after
   'Y', and the real server's environment. The block comes from another
   process, which may be compromised: only names of the UCSPI-TLS fact
   family, SSL_ and letters, digits or underscores, reach the server, so
   that it cannot set LD_PRELOAD or PATH. A bare NAME, without '=', is how
   s6-ucspitlsd says that a fact is unset: the server then gets no NAME at
   all, whatever the plaintext environment held. */

#include <stdlib.h>
#include <string.h>

#include <skalibs/env.h>
#include <skalibs/strerr.h>

#include "ucspitls.h"
#include "adapt-internal.h"

static size_t namelen (char const *s)
{
  return strcspn(s, "=") ;
}

static int samename (char const *a, char const *b)
{
  size_t n = namelen(a) ;
  return n == namelen(b) && !memcmp(a, b, n) ;
}

static int factname (char const *s, size_t n)
{
  if (n < 5 || memcmp(s, "SSL_", 4)) return 0 ;
  for (size_t i = 4 ; i < n ; i++)
    if (!(s[i] == '_' || (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')))
      return 0 ;
  return 1 ;
}

 /* a name fit for one line of the log: the peer chose its bytes */
static void dropped (char const *s, size_t n)
{
  char name[65] ;
  size_t k = n < 64 ? n : 64 ;
  for (size_t i = 0 ; i < k ; i++) name[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '?' ;
  name[k] = 0 ;
  strerr_warnw("dropped from the facts block: ", name, n > 64 ? "..." : "", " (not an SSL_ name)") ;
}

size_t adapt_facts_filter (char *block, size_t len)
{
  size_t w = 0 ;
  for (size_t i = 0 ; i < len ; )
  {
    char const *s = block + i ;
    size_t n = strlen(s) + 1, j = 0 ;
    i += n ;
    if (!factname(s, namelen(s))) { dropped(s, namelen(s)) ; continue ; }
    /* the first of two strings with one name is the one */
    while (j < w && !samename(block + j, s)) j += strlen(block + j) + 1 ;
    if (j < w) continue ;
    memmove(block + w, s, n) ;
    w += n ;
  }
  return w ;
}

/* the UCSPI-TLS variables are ours: the server behind us must not try
   TLS itself, nor offer STARTTLS because it sees UCSPITLS */
static int ctlvar (char const *s)
{
  return !strncmp(s, "SSLCTLFD=", 9) || !strncmp(s, "SSLREADFD=", 10) || !strncmp(s, "SSLWRITEFD=", 11)
    || !strncmp(s, "UCSPITLS=", 9) || !strcmp(s, "UCSPITLS") ;
}

static int named (char const *s, char const *block, size_t len)
{
  for (size_t i = 0 ; i < len ; i += strlen(block + i) + 1)
    if (samename(s, block + i)) return 1 ;
  return 0 ;
}

char const **adapt_env (char const *const *envp, char const *block, size_t len)
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
