/* ISC license. */

/* adapt_options: the command line the adapters share,
   `starttls-X [ -r ] [ -p ] [ -t timeout ] prog...`: -r makes TLS
   required, -p (where the protocol has it) allows logging in before TLS,
   -t is the idle timeout in seconds, -V prints the version. */

#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "ucspitls.h"
#include "adapt-internal.h"

int adapt_options (adapt *c, int argc, char const *const *argv, char const *const *envp, char const *usage, int withp)
{
  int plainlogin = 0 ;
  subgetopt l = SUBGETOPT_ZERO ;
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, withp ? "rpt:V" : "rt:V", &l) ;
    if (opt == -1) break ;
    switch (opt)
    {
      case 'r' : c->r->required = 1 ; break ;
      case 'p' : plainlogin = 1 ; break ;
      case 'V' : ucspitls_version() ;
      case 't' :
      {
        size_t n = uint_scan(l.arg, &c->timeout) ;
        if (!n || l.arg[n] || c->timeout > 86400 * 365) strerr_dieusage(UCSPITLS_EXIT_USAGE, usage) ;
        break ;
      }
      default : strerr_dieusage(UCSPITLS_EXIT_USAGE, usage) ;
    }
  }
  if (l.ind >= argc) strerr_dieusage(UCSPITLS_EXIT_USAGE, usage) ;
  c->argv = argv + l.ind ;
  c->envp = envp ;
  return plainlogin ;
}
