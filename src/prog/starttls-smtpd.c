/* ISC license. */

/* starttls-smtpd: STARTTLS for an SMTP server that has none. A UCSPI-TLS
   application: under ucspitlsd (or any UCSPI-TLS server) it spawns the
   real server on pipes and relays the dialogue, offers STARTTLS, and at
   the switch ends the plaintext server and starts a fresh one on the
   TLS stream, with the session facts in its environment.

     tcpserver 0 25 ucspitlsd starttls-smtpd [ -r ] [ -t secs ] qmail-smtpd

   The adapter core (src/adapt) runs the loop and the switch; the SMTP
   module (src/smtp) reads the dialogue. */

#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "ucspitls.h"
#include "../smtp/smtp-internal.h"

#define USAGE "starttls-smtpd [ -r ] [ -t timeout ] prog... | starttls-smtpd -V"
#define dieusage() strerr_dieusage(UCSPITLS_EXIT_USAGE, USAGE)

int main (int argc, char const *const *argv, char const *const *envp)
{
  static smtp r ;
  static adapt c = ADAPT_ZERO(&r.io, &smtp_proto) ;
  subgetopt l = SUBGETOPT_ZERO ;
  PROG = "starttls-smtpd" ;
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "rt:V", &l) ;
    if (opt == -1) break ;
    switch (opt)
    {
      case 'r' : r.io.required = 1 ; break ;
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
  r.outstanding = 1 ;  /* the greeting */
  adapt_main(&c) ;
}
