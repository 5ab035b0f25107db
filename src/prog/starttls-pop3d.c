/* ISC license. */

/* starttls-pop3d: STLS for a POP3 server that has none (RFC 2595). A
   UCSPI-TLS application, as starttls-smtpd is: under ucspitlsd it spawns
   the real server on pipes and relays the dialogue, offers STLS in CAPA,
   and at the switch ends the plaintext server and starts a fresh one on
   the TLS stream, with the session facts in its environment.

     tcpserver 0 110 ucspitlsd starttls-pop3d [ -r ] [ -p ] [ -t secs ] qmail-popup ...

   The adapter core (src/adapt) runs the loop and the switch; the POP3
   module (src/pop3) reads the dialogue. */

#include <skalibs/strerr.h>

#include "ucspitls.h"
#include "../pop3/pop3-internal.h"

#define USAGE "starttls-pop3d [ -r ] [ -p ] [ -t timeout ] prog... | starttls-pop3d -V"

int main (int argc, char const *const *argv, char const *const *envp)
{
  static pop3 r = { .kind = POP3_K_GREETING } ;
  static adapt c = ADAPT_ZERO(&r.io, &pop3_proto) ;
  PROG = "starttls-pop3d" ;
  if (adapt_options(&c, argc, argv, envp, USAGE, 1)) r.plainlogin = 1 ;
  adapt_main(&c) ;
}
