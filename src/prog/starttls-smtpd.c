/* ISC license. */

/* starttls-smtpd: STARTTLS for an SMTP server that has none. A UCSPI-TLS
   application: under ucspitlsd (or any UCSPI-TLS server) it spawns the
   real server on pipes and relays the dialogue, offers STARTTLS, and at
   the switch ends the plaintext server and starts a fresh one on the
   TLS stream, with the session facts in its environment.

     tcpserver 0 25 ucspitlsd starttls-smtpd [ -r ] [ -t secs ] qmail-smtpd

   The adapter core (src/adapt) runs the loop and the switch; the SMTP
   module (src/smtp) reads the dialogue. */

#include <skalibs/strerr.h>

#include "ucspitls.h"
#include "../smtp/smtp-internal.h"

#define USAGE "starttls-smtpd [ -r ] [ -t timeout ] prog... | starttls-smtpd -V"

int main (int argc, char const *const *argv, char const *const *envp)
{
  static smtp r ;
  static adapt c = ADAPT_ZERO(&r.io, &smtp_proto) ;
  PROG = "starttls-smtpd" ;
  adapt_options(&c, argc, argv, envp, USAGE, 0) ;
  r.outstanding = 1 ;  /* the greeting */
  adapt_main(&c) ;
}
