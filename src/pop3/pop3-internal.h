/* ISC license. */

/* pop3-internal.h: the POP3 module of the adapter core (src/adapt), for
   starttls-pop3d (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS). The client's
   commands are taken one at a time: a command goes to the server only
   when the server owes no response, so that the relay always knows which
   command a line answers, whether a multi-line body follows, and where
   it ends. pop3_client.c reads the commands, pop3_server.c the
   responses. */

#ifndef POP3_INTERNAL_H
#define POP3_INTERNAL_H

#include <stddef.h>

#include "../adapt/adapt-internal.h"

#define POP3_LINEMAX 1024   /* a command line, CRLF included (RFC 2449: 255) */
#define POP3_MYREPLY 256    /* room kept for a response of our own */

 /* the response that the server owes */
enum pop3_kind_e
{
  POP3_K_NONE,      /* nothing: what the server sends is dropped */
  POP3_K_GREETING,  /* the greeting (dropped after the switch) */
  POP3_K_SINGLE,    /* one status line */
  POP3_K_MULTI,     /* a status line, and a body after +OK */
  POP3_K_CAPA,      /* the same, the body rewritten */
  POP3_K_LOGIN,     /* one status line: +OK ends AUTHORIZATION */
  POP3_K_AUTH       /* SASL: "+ " continuations, then +OK or -ERR */
} ;

typedef struct pop3_s pop3, *pop3_ref ;
struct pop3_s
{
  relay io ;     /* first: the core's part */
  unsigned char kind ;         /* enum pop3_kind_e */
  unsigned int plainlogin : 1 ; /* -p: USER, PASS, APOP, AUTH allowed before TLS */
  unsigned int inbody : 1 ;    /* inside a multi-line body */
  unsigned int bol : 1 ;       /* at the start of a body line */
  unsigned int authwait : 1 ;  /* the client's next line is a SASL response */
  unsigned int authed : 1 ;    /* AUTHORIZATION is over: no STLS any more */
  unsigned int swallow : 1 ;   /* drop the fresh server's greeting */
  unsigned int closing : 1 ;   /* we end the session: nothing more is relayed */
} ;

 /* pop3_client.c: parse what the client sent, forward it or answer it.
    Returns 1 when it stopped for want of client input, 0 otherwise. */
extern int pop3_client_parse (pop3 *) ;
extern void pop3_answer (pop3 *, char const *) ;
extern void pop3_close (pop3 *, char const *) ;

 /* pop3_server.c: relay the server's responses, fix CAPA */
extern void pop3_server_parse (pop3 *) ;
extern int pop3_login_refused (pop3 const *) ;

 /* pop3_proto.c: the module as the core calls it */
extern adapt_proto const pop3_proto ;

#endif
