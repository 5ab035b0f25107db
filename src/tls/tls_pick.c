/* ISC license. */

/* tls_pick.c: which certificate and key a server name selects, as the
   environment names them (CERTFILE/KEYFILE, CERTFILE:name/KEYFILE:name).
   Only the names are looked at here: the files are read by whoever
   needs the pair, the key process at the handshake, so that what a
   connection costs does not grow with the number of pairs. */

#include <stdlib.h>
#include <string.h>

#include <skalibs/env.h>

#include "tls-internal.h"

#define dieconf(...) log_dief(UCSPITLS_EXIT_CONF, __VA_ARGS__)

 /* "CERTFILE:pattern=value" or "KEYFILE:...": the pattern, up to its '=' */
static int named (char const *s, char const *var, char const **pat, size_t *patlen, char const **value)
{
  size_t n ;
  char const *eq ;
  if (*s != *var) return 0 ;  /* most of an environment, at its first byte */
  n = strlen(var) ;
  if (strncmp(s, var, n) || s[n] != ':') return 0 ;
  s += n + 1 ;
  eq = strchr(s, '=') ;
  if (!eq || eq == s) return 0 ;
  *pat = s ; *patlen = eq - s ; *value = eq + 1 ;
  return 1 ;
}

static char const *keyfor (char const *const *envp, char const *pat, size_t patlen)
{
  for (; *envp ; envp++)
  {
    char const *p, *v ;
    size_t n ;
    if (named(*envp, "KEYFILE", &p, &n, &v) && n == patlen && !memcmp(p, pat, n)) return v ;
  }
  return 0 ;
}

static int fill (char const *const *envp, char const *pat, size_t patlen, char const *cert, tlspair *pr)
{
  if (patlen >= sizeof(pr->pattern)) return 0 ;
  memcpy(pr->pattern, pat, patlen) ;
  pr->pattern[patlen] = 0 ;
  pr->cert = cert ;
  pr->key = keyfor(envp, pat, patlen) ;
  if (!pr->key) dieconf("KEYFILE:", pr->pattern, " not set") ;
  return 1 ;
}

 /* an exact name first, then a wildcard, then the default pair (unless
    -k 2); case does not matter */
int tls_pick (char const *const *envp, unsigned int snilevel, char const *name, tlspair *pr)
{
  char const *wpat = 0, *wcert = 0 ;
  size_t wlen = 0 ;
  if (name && *name && snilevel)
    for (char const *const *e = envp ; *e ; e++)
    {
      char pat[256] ;
      char const *p, *v ;
      size_t n ;
      if (!named(*e, "CERTFILE", &p, &n, &v) || n >= sizeof(pat)) continue ;
      memcpy(pat, p, n) ; pat[n] = 0 ;
      if (!sni_match(pat, name)) continue ;
      if (pat[0] != '*') return fill(envp, p, n, v, pr) ;
      if (!wpat) { wpat = p ; wlen = n ; wcert = v ; }
    }
  if (wpat) return fill(envp, wpat, wlen, wcert, pr) ;
  if (snilevel >= 2) return 0 ;
  pr->pattern[0] = 0 ;
  pr->cert = env_get2(envp, "CERTFILE") ;
  pr->key = env_get2(envp, "KEYFILE") ;
  if (!pr->cert) dieconf("CERTFILE not set") ;
  if (!pr->key) dieconf("KEYFILE not set") ;
  return 1 ;
}

 /* the named pairs one after the other, for the check mode: *i is
    where the walk is in envp */
int tls_pair_next (char const *const *envp, size_t *i, tlspair *pr)
{
  for (; envp[*i] ; (*i)++)
  {
    char const *p, *v ;
    size_t n ;
    if (!named(envp[*i], "CERTFILE", &p, &n, &v)) continue ;
    (*i)++ ;
    if (fill(envp, p, n, v, pr)) return 1 ;
    dieconf("CERTFILE:", p, " has a name that is too long") ;
  }
  return 0 ;
}

 /* every CERTFILE:name has its KEYFILE:name and the other way round:
    both lists sorted by name, then walked side by side, so that a few
    hundred pairs cost a few thousand comparisons, not their square */

typedef struct entry_s entry, *entry_ref ;
struct entry_s
{
  char const *pat ;
  size_t len ;
} ;

static int cmp (void const *a, void const *b)
{
  entry const *x = a, *y = b ;
  size_t n = x->len < y->len ? x->len : y->len ;
  int r = memcmp(x->pat, y->pat, n) ;
  return r ? r : x->len < y->len ? -1 : x->len > y->len ;
}

static size_t collect (char const *const *envp, char const *var, entry *v)
{
  size_t k = 0 ;
  for (; *envp ; envp++)
  {
    char const *val ;
    if (named(*envp, var, &v[k].pat, &v[k].len, &val)) k++ ;
  }
  qsort(v, k, sizeof(entry), &cmp) ;
  return k ;
}

static void missing (char const *var, entry const *e) __attribute__((noreturn)) ;
static void missing (char const *var, entry const *e)
{
  char pat[256] ;
  size_t n = e->len < sizeof(pat) - 1 ? e->len : sizeof(pat) - 1 ;
  memcpy(pat, e->pat, n) ; pat[n] = 0 ;
  dieconf(var, ":", pat, " not set") ;
}

void tls_pairs_check (char const *const *envp, unsigned int snilevel)
{
  size_t n = env_len(envp), nc, nk, i = 0, j = 0 ;
  entry *c, *k ;
  if (snilevel < 2)
  {
    if (!env_get2(envp, "CERTFILE")) dieconf("CERTFILE not set") ;
    if (!env_get2(envp, "KEYFILE")) dieconf("KEYFILE not set") ;
  }
  if (!snilevel) return ;
  c = malloc((2 * n + 2) * sizeof(entry)) ;
  if (!c) log_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
  k = c + n + 1 ;
  nc = collect(envp, "CERTFILE", c) ;
  nk = collect(envp, "KEYFILE", k) ;
  while (i < nc || j < nk)
  {
    int r = i == nc ? 1 : j == nk ? -1 : cmp(c + i, k + j) ;
    if (r < 0) missing("KEYFILE", c + i) ;
    if (r > 0) missing("CERTFILE", k + j) ;
    i++ ; j++ ;
  }
  if (snilevel >= 2 && !nc)
    dieconf("no CERTFILE:name pair set, and -k 2 forbids the default pair") ;
  free(c) ;
}
