/* ISC license. */

/* proxy_rules.c: a tcprules cdb (ucspi-tcp's format) applied to
   TCPREMOTEIP, the client's address once the PROXY header is read, as
   tcpserver -x applies it to the address it sees. The keys, in
   tcpserver's order: the address, then shorter and shorter prefixes of
   it that end with a dot (or, for IPv6, a colon), then the empty key;
   the first found wins. Its data: strings ended by NUL, "D" denies,
   "+VAR=value" sets VAR. There is no host name (=host rules, and
   info@ rules, never match): nothing is looked up. */

#include <stdlib.h>
#include <string.h>

#include <skalibs/cdb.h>
#include <skalibs/env.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "ucspitls.h"
#include "proxy.h"

 /* 1 found, 0 not; the rules file's data in *d */
static int find (cdb const *c, cdb_data *d, char const *key, size_t len, char const *file)
{
  int r = cdb_find(c, d, key, (uint32_t)len) ;
  if (r == -1 || (r && d->len > c->size - (uint32_t)(d->s - c->map)))
    strerr_dief(UCSPITLS_EXIT_CONF, "rules file ", file, " is not a valid cdb") ;
  return r ;
}

static int lookup (cdb const *c, cdb_data *d, char const *ip, char const *file)
{
  size_t n = strlen(ip) ;
  if (n && find(c, d, ip, n, file)) return 1 ;
  while (n--)
    if (n && (ip[n - 1] == '.' || ip[n - 1] == ':') && find(c, d, ip, n, file)) return 1 ;
  return find(c, d, "", 0, file) ;
}

static int overridden (char const *s, char const *data, size_t len)
{
  size_t n = strcspn(s, "=") ;
  for (size_t i = 0 ; i < len ; )
  {
    char const *x = data + i ;
    size_t m = strnlen(x, len - i) ;
    if (m == len - i) break ;
    if (x[0] == '+' && !strncmp(x + 1, s, n) && x[1 + n] == '=') return 1 ;
    i += m + 1 ;
  }
  return 0 ;
}

char const *const *proxy_rules (char const *file, char const *const *envp, char const *via)
{
  cdb c = CDB_ZERO ;
  cdb_data d ;
  char const *ip = env_get2(envp, "TCPREMOTEIP") ;
  char const **e ;
  size_t k = 0, n = 0 ;
  if (!cdb_init(&c, file)) strerr_diefu2sys(UCSPITLS_EXIT_CONF, "open rules file ", file) ;
  if (!lookup(&c, &d, ip ? ip : "", file)) return envp ;  /* no rule: allowed, as tcpserver does */
  for (uint32_t i = 0 ; i < d.len ; )
  {
    size_t m = strnlen(d.s + i, d.len - i) ;
    if (m == d.len - i) break ;  /* a last string with no NUL: tcpserver ignores it too */
    if (d.s[i] == 'D')
    {
      char const *port = env_get2(envp, "TCPREMOTEPORT") ;
      strerr_dief(UCSPITLS_EXIT_USAGE, "client ", ip ? ip : "unknown", ":", port ? port : "-", " (through ", via, ") denied by rules file ", file) ;
    }
    if (d.s[i] == '+' && memchr(d.s + i, '=', m)) n++ ;
    i += (uint32_t)m + 1 ;
  }
  e = malloc((env_len(envp) + n + 1) * sizeof(char const *)) ;
  if (!e) strerr_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
  for (char const *const *p = envp ; *p ; p++)
    if (!overridden(*p, d.s, d.len)) e[k++] = *p ;
  for (uint32_t i = 0 ; i < d.len ; )
  {
    size_t m = strnlen(d.s + i, d.len - i) ;
    if (m == d.len - i) break ;
    if (d.s[i] == '+' && memchr(d.s + i, '=', m)) e[k++] = d.s + i + 1 ;
    i += (uint32_t)m + 1 ;
  }
  e[k] = 0 ;
  return e ;  /* the strings are in the map, which lives until exec */
}

 /* ucspitlsd -C -x: every record within the file and found by its key,
    so that no connection meets a broken rules file */
void proxy_rules_check (char const *file)
{
  cdb c = CDB_ZERO ;
  cdb_data k, d ;
  uint32_t pos = CDB_TRAVERSE_INIT() ;
  unsigned int n = 0 ;
  char fmt[UINT_FMT] ;
  int r ;
  if (!cdb_init(&c, file)) strerr_diefu2sys(UCSPITLS_EXIT_CONF, "open rules file ", file) ;
  while ((r = cdb_traverse_next(&c, &k, &d, &pos)) == 1)
  {
    cdb_data f ;
    uint32_t left = c.size - (uint32_t)(k.s - c.map) ;  /* traverse checked the 8 bytes before k.s */
    if (k.len > left || d.len > left - k.len || !find(&c, &f, k.s, k.len, file))
      strerr_dief(UCSPITLS_EXIT_CONF, "rules file ", file, " is not a valid cdb") ;
    n++ ;
  }
  if (r == -1) strerr_dief(UCSPITLS_EXIT_CONF, "rules file ", file, " is not a valid cdb") ;
  fmt[uint_fmt(fmt, n)] = 0 ;
  strerr_warni("rules file ", file, ": ok, ", fmt, n == 1 ? " rule" : " rules") ;
  cdb_free(&c) ;
}
