/* ISC license. */

/* imap_proto.c: the IMAP module as the adapter core calls it, and what
   it does when the server ends and when TLS comes on. */

#include "imap-internal.h"

static int client (relay *r)
{
  return imap_client_parse((imap *)r) ;
}

static void server (relay *r)
{
  imap_server_parse((imap *)r) ;
}

 /* a command waiting for its response is told, between responses;
    inside one, the client sees the end */
static void ended (relay *io)
{
  imap *r = (imap *)io ;
  io->sin.pos = io->sin.len = 0 ;
  if (r->closing || r->sstate != IMAP_S_BOL || (r->greeting && r->swallow)) return ;
  if (!r->greeting && r->cstate == IMAP_C_READY) return ;
  if (iobuf_room(&io->cout) >= IMAP_MYREPLY)
    iobuf_put(&io->cout, "* BYE Server ended, closing connection\r\n", 40) ;
}

 /* RFC 3501 section 6.2.1: no new greeting after STARTTLS; the fresh
    server's is dropped, and the client starts again from CAPABILITY */
static void switched (relay *io)
{
  imap *r = (imap *)io ;
  r->greeting = r->swallow = 1 ;
  r->cstate = IMAP_C_READY ;
  r->sstate = IMAP_S_BOL ;
  r->taglen = 0 ;
  r->cdiscard = r->sdrop = r->sdone = 0 ;
}

adapt_proto const imap_proto =
{
  .client = &client,
  .server = &server,
  .ended = &ended,
  .switched = &switched,
  .timeout = "* BYE Timeout, closing connection\r\n"
} ;
