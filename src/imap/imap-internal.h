/* ISC license. */

/* imap-internal.h: the IMAP module of the adapter core (src/adapt), for
   starttls-imapd (RFC 3501, RFC 9051; STARTTLS in section 6.2.1). The
   client's commands go to the server one at a time: a command is
   forwarded only when the one before it has its tagged response, so the
   relay always knows whose turn it is. Both directions are followed to
   the byte: a line that ends with a literal marker ({n}, {n+}, ~{n}) is
   followed by n bytes that are never read as a command or a response.
   imap_client.c reads the commands, imap_server.c the responses,
   imap_capa.c rewrites the capability lists. */

#ifndef IMAP_INTERNAL_H
#define IMAP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "../adapt/adapt-internal.h"

#define IMAP_LINEMAX 8192   /* a command line up to its end or a literal, CRLF included */
#define IMAP_TAGMAX 64      /* a tag that we keep; a longer one ends the session */
#define IMAP_MYREPLY 256    /* room kept for a response of our own */
#define IMAP_HOLD 32        /* a streamed line's tail held back: a literal marker fits */

 /* where the client is */
enum imap_cstate_e
{
  IMAP_C_READY,    /* between commands: a new command line */
  IMAP_C_CONT,     /* a command's line after a literal */
  IMAP_C_LIT,      /* the bytes of a literal */
  IMAP_C_WAITLIT,  /* a synchronizing literal announced: the server's "+" is awaited */
  IMAP_C_PENDING,  /* the command is whole: its tagged response is awaited */
  IMAP_C_RAW       /* one line after a "+": an AUTHENTICATE response, IDLE's DONE */
} ;

 /* where the server is */
enum imap_sstate_e
{
  IMAP_S_BOL,   /* at the start of a response */
  IMAP_S_MID,   /* inside a response line, streamed */
  IMAP_S_LIT    /* the bytes of a literal */
} ;

typedef struct imap_s imap, *imap_ref ;
struct imap_s
{
  relay io ;     /* first: the core's part */
  char tag[IMAP_TAGMAX] ;  /* the command in progress */
  size_t taglen ;
  uint64_t clit ;          /* client literal bytes left */
  uint64_t slit ;          /* server literal bytes left */
  unsigned char cstate ;   /* enum imap_cstate_e */
  unsigned char sstate ;   /* enum imap_sstate_e */
  unsigned int plainlogin : 1 ;  /* -p: LOGIN and AUTHENTICATE allowed before TLS */
  unsigned int greeting : 1 ;    /* the greeting is still to come */
  unsigned int swallow : 1 ;     /* and it is dropped: the fresh server's */
  unsigned int cdiscard : 1 ;    /* the command was refused: its rest is dropped */
  unsigned int sdrop : 1 ;       /* the response in progress is dropped */
  unsigned int sdone : 1 ;       /* the response in progress is the tagged one */
  unsigned int litplus : 1 ;     /* the server has LITERAL+ */
  unsigned int litminus : 1 ;    /* the server has LITERAL- */
  unsigned int closing : 1 ;     /* we end the session */
} ;

 /* imap_client.c */
extern int imap_client_parse (imap *) ;
extern void imap_answer (imap *, char const *, char const *) ;  /* tag or "*", then the text */
extern void imap_close (imap *, char const *) ;

 /* imap_server.c */
extern void imap_server_parse (imap *) ;
extern int imap_login_refused (imap const *) ;

 /* imap_capa.c: a literal marker at the end of s[0..n), LF included:
    1 and its size (*plus for {n+}), 0 none, -1 a malformed one */
extern int imap_literal (char const *, size_t, uint64_t *, int *) ;
 /* the line s[0..n) to the client, its capability lists rewritten */
extern void imap_capa_put (imap *, char const *, size_t) ;

 /* imap_proto.c */
extern adapt_proto const imap_proto ;

#endif
