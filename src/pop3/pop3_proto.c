/* ISC license. */

/* pop3_proto.c: the POP3 module as the adapter core calls it, and what
   it does when the server ends and when TLS comes on. */

#include "pop3-internal.h"

static int client (relay *r)
{
  return pop3_client_parse((pop3 *)r) ;
}

static void server (relay *r)
{
  pop3_server_parse((pop3 *)r) ;
}

 /* a status line owed is answered; inside a body there is nothing that
    we can say: the client sees the connection end */
static void ended (relay *io)
{
  pop3 *r = (pop3 *)io ;
  io->sin.pos = io->sin.len = 0 ;
  if (r->closing || r->kind == POP3_K_NONE || r->inbody) return ;
  if (r->swallow && r->kind == POP3_K_GREETING) return ;
  if (iobuf_room(&io->cout) >= POP3_MYREPLY)
    pop3_answer(r, "-ERR Server ended, closing connection\r\n") ;
}

 /* RFC 2595 section 4: the client goes on in the AUTHORIZATION state,
    with no new greeting; the fresh server's is dropped */
static void switched (relay *io)
{
  pop3 *r = (pop3 *)io ;
  r->kind = POP3_K_GREETING ;
  r->swallow = 1 ;
  r->inbody = r->authwait = r->authed = 0 ;
}

adapt_proto const pop3_proto =
{
  .client = &client,
  .server = &server,
  .ended = &ended,
  .switched = &switched,
  .timeout = "-ERR Timeout, closing connection\r\n"
} ;
