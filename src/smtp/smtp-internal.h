/* ISC license. */

/* smtp-internal.h: the SMTP module of the adapter core (src/adapt), for
   starttls-smtpd. It reads just enough of each direction to keep count:
   the client's command lines and the end of its DATA body, the server's
   reply lines. The core's loop moves the bytes; smtp_client.c,
   smtp_data.c and smtp_server.c decide what happens to them. */

#ifndef SMTP_INTERNAL_H
#define SMTP_INTERNAL_H

#include <stddef.h>

#include "../adapt/adapt-internal.h"

#define SMTP_LINEMAX 4096    /* a client command line, CRLF included (RFC 5321: 512) */
#define SMTP_RLINEMAX 4096   /* a server reply line, CRLF included; longer ones are cut */
#define SMTP_CIN ADAPT_CIN   /* the core's buffers */
#define SMTP_SOUT ADAPT_SOUT
#define SMTP_SIN ADAPT_SIN   /* one reply line: SMTP_RLINEMAX */
#define SMTP_COUT ADAPT_COUT
#define SMTP_MYREPLY 128     /* room kept for a reply of our own */

 /* how the client's bytes are read */
enum smtp_mode_e
{
  SMTP_MODE_CMD,   /* command lines */
  SMTP_MODE_DATA,  /* a DATA body, until the lone dot */
  SMTP_MODE_AUTH,  /* one AUTH response line, not a command */
  SMTP_MODE_SKIP   /* the rest of a line too long, thrown away */
} ;

#define SMTP_DATA_BOL 0  /* the DATA scanner at the start of a line */

 /* a forwarded command whose reply decides how to read what follows:
    nothing more is parsed until the server has answered everything */
enum smtp_hold_e
{
  SMTP_HOLD_NONE,
  SMTP_HOLD_EHLO,  /* its reply gets STARTTLS added */
  SMTP_HOLD_DATA,  /* 354: a body follows */
  SMTP_HOLD_AUTH   /* 334: a response line follows */
} ;

typedef struct smtp_s smtp, *smtp_ref ;
struct smtp_s
{
  relay io ;     /* first: the core's part */
  unsigned int outstanding ;  /* replies the server still owes, its greeting included */
  unsigned int ehlolines ;    /* lines of the EHLO reply seen */
  unsigned int ehlokept ;     /* and kept */
  size_t pendlen ;            /* the last kept EHLO line, held back */
  char pend[SMTP_RLINEMAX] ;
  unsigned char mode ;        /* enum smtp_mode_e */
  unsigned char hold ;        /* enum smtp_hold_e */
  unsigned char dstate ;      /* where the DATA scanner is in a line */
  unsigned char rtype ;       /* how the current reply is relayed */
  unsigned int inreply : 1 ;  /* a continuation line was seen */
  unsigned int swallow : 1 ;  /* drop the next reply: the fresh server's greeting */
  unsigned int dbare : 1 ;    /* the body's last line end was bare */
  unsigned int cutting : 1 ;  /* the tail of a server line too long, skipped */
} ;

 /* smtp_client.c: parse what the client sent, forward it or answer it.
    Returns 1 when it stopped for want of client input, 0 otherwise. */
extern int smtp_client_parse (smtp *) ;
extern void smtp_answer (smtp *, char const *) ;

 /* smtp_data.c: pass on the DATA body in s[0..n), made unambiguous, as
    far as there is room; sets *done at its end. Returns what it took */
extern size_t smtp_data_scan (smtp *, char const *, size_t, int *) ;

 /* smtp_server.c: relay the server's replies, keep count, fix EHLO */
extern void smtp_server_parse (smtp *) ;

 /* smtp_proto.c: the module as the core calls it */
extern adapt_proto const smtp_proto ;

#endif
