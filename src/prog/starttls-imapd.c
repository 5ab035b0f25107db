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

#include <skalibs/strerr.h>

#include "ucspitls.h"
#include "../imap/imap-internal.h"

#define USAGE "starttls-imapd [ -r ] [ -p ] [ -t timeout ] prog... | starttls-imapd -V"

int main (int argc, char const *const *argv, char const *const *envp)
{
  static imap r = { .greeting = 1 } ;
  static adapt c = ADAPT_ZERO(&r.io, &imap_proto) ;
  PROG = "starttls-imapd" ;
  if (adapt_options(&c, argc, argv, envp, USAGE, 1)) r.plainlogin = 1 ;
  adapt_main(&c) ;
}
