/* ISC license. */

/* ids.c: TLS_UID and TLS_GID, the ids that the TLS child and the key
   process take when run as root. They come as a pair: a uid without a
   gid would leave the process in group 0, a gid without a uid as root. */

#include <unistd.h>
#include <grp.h>

#include <skalibs/env.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "ucspitls.h"

 /* ids, never names: a static binary reads no user database (glibc's
    NSS would load shared objects) */
static unsigned int getid (char const *const *envp, char const *var, char const *what, int *set)
{
  char const *s = env_get2(envp, var) ;
  unsigned int id = 0 ;
  size_t n ;
  *set = !!s ;
  if (!s) return 0 ;
  n = uint_scan(s, &id) ;
  if (!n || s[n]) log_dief(UCSPITLS_EXIT_CONF, var, " must be a numeric ", what, what[0] == 'u' ? " (id -u USER gives it), not: " : " (id -g USER gives USER's), not: ", s) ;
  return id ;
}

void tlsopts_ids (tlsopts *o, char const *const *envp)
{
  int u, g ;
  o->uid = getid(envp, "TLS_UID", "uid", &u) ;
  o->gid = getid(envp, "TLS_GID", "gid", &g) ;
  if (u != g)
    log_dief(UCSPITLS_EXIT_CONF, u ? "TLS_UID is set but TLS_GID is not" : "TLS_GID is set but TLS_UID is not", ": set both TLS_UID and TLS_GID, or neither") ;
  o->setids = u ;
}

 /* quiet: the warning has been given by another process of the connection */
void ids_drop (tlsopts const *o, int quiet)
{
  if (!o->setids) return ;
  if (geteuid())
  {
    if (!quiet && o->verbosity) log_warnw("TLS_UID/TLS_GID ignored: not running as root") ;
    return ;
  }
  if (setgroups(0, 0) == -1) log_diefusys(UCSPITLS_EXIT_SYS, "clear supplementary groups") ;
  if (setgid(o->gid) == -1) log_diefusys(UCSPITLS_EXIT_SYS, "setgid") ;
  if (setuid(o->uid) == -1) log_diefusys(UCSPITLS_EXIT_SYS, "setuid") ;
}
