/* ISC license. */

/* starttls-imapd: STARTTLS for an IMAP server that has none (RFC 3501,
   RFC 9051). A UCSPI-TLS application, as starttls-smtpd is: under
   ucspitlsd it spawns the real server on pipes and relays the dialogue,
   adds STARTTLS to its capability lists, and at the switch ends the
   plaintext server and starts a fresh one on the TLS stream, with the
   session facts in its environment.

     tcpserver 0 143 ucspitlsd starttls-imapd [ -r ] [ -p ] [ -t secs ] imap4d --inetd

   The adapter core (src/adapt) runs the loop and the switch; the IMAP
   module (src/imap) reads the dialogue. */

#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "ucspitls.h"
#include "../imap/imap-internal.h"

#define USAGE "starttls-imapd [ -r ] [ -p ] [ -t timeout ] prog... | starttls-imapd -V"
#define dieusage() strerr_dieusage(UCSPITLS_EXIT_USAGE, USAGE)

int main (int argc, char const *const *argv, char const *const *envp)
{
  static imap r = { .greeting = 1 } ;
  static adapt c = ADAPT_ZERO(&r.io, &imap_proto) ;
  subgetopt l = SUBGETOPT_ZERO ;
  PROG = "starttls-imapd" ;
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
