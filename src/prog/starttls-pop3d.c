/* ISC license. */

/* starttls-pop3d: STLS for a POP3 server that has none (RFC 2595). A
   UCSPI-TLS application, as starttls-smtpd is: under ucspitlsd it spawns
   the real server on pipes and relays the dialogue, offers STLS in CAPA,
   and at the switch ends the plaintext server and starts a fresh one on
   the TLS stream, with the session facts in its environment.

     tcpserver 0 110 ucspitlsd starttls-pop3d [ -r ] [ -p ] [ -t secs ] qmail-popup ...

   The adapter core (src/adapt) runs the loop and the switch; the POP3
   module (src/pop3) reads the dialogue. */

#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "ucspitls.h"
#include "../pop3/pop3-internal.h"

#define USAGE "starttls-pop3d [ -r ] [ -p ] [ -t timeout ] prog... | starttls-pop3d -V"
#define dieusage() strerr_dieusage(UCSPITLS_EXIT_USAGE, USAGE)

int main (int argc, char const *const *argv, char const *const *envp)
{
  static pop3 r = { .kind = POP3_K_GREETING } ;
  static adapt c = ADAPT_ZERO(&r.io, &pop3_proto) ;
  subgetopt l = SUBGETOPT_ZERO ;
  PROG = "starttls-pop3d" ;
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "rpt:V", &l) ;
    if (opt == -1) break ;
    switch (opt)
    {
      case 'r' : r.io.required = 1 ; break ;
      case 'p' : r.plainlogin = 1 ; break ;
      case 'V' : ucspitls_version() ;
      case 't' :
      {
        size_t n = uint_scan(l.arg, &c.timeout) ;
        if (!n || l.arg[n] || c.timeout > 86400 * 365) dieusage() ;
        break ;
      }
      default : dieusage() ;
    }
  }
  argc -= l.ind ; argv += l.ind ;
  if (!argc) dieusage() ;
  c.argv = argv ;
  c.envp = envp ;
  adapt_main(&c) ;
}
