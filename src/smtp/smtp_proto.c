/* ISC license. */

/* smtp_proto.c: the SMTP module as the adapter core calls it, and what
   it does when the server ends and when TLS comes on. */

#include <string.h>

#include "smtp-internal.h"

static int client (relay *r)
{
  return smtp_client_parse((smtp *)r) ;
}

static void server (relay *r)
{
  smtp_server_parse((smtp *)r) ;
}

static void ended (relay *io)
{
  smtp *r = (smtp *)io ;
  static char const msg[] = "421 4.3.0 Server ended, closing connection\r\n" ;
  /* a last line without its LF is still the server's (but for the tail
     of a line cut short) */
  if (!r->swallow && !r->cutting && iobuf_avail(&io->sin) && iobuf_avail(&io->sin) + 2 <= iobuf_room(&io->cout))
  {
    iobuf_put(&io->cout, io->sin.s + io->sin.pos, iobuf_avail(&io->sin)) ;
    iobuf_put(&io->cout, "\r\n", 2) ;
  }
  io->sin.pos = io->sin.len = 0 ;
  /* it died owing replies (or never started): the client must not wait */
  if (r->outstanding && iobuf_room(&io->cout) >= sizeof(msg) - 1)
    iobuf_put(&io->cout, msg, sizeof(msg) - 1) ;
}

 /* the fresh server's greeting is dropped (RFC 3207: the client speaks
    first) */
static void switched (relay *io)
{
  smtp *r = (smtp *)io ;
  r->outstanding = 1 ;
  r->swallow = 1 ;
  r->inreply = r->cutting = 0 ;
  r->hold = SMTP_HOLD_NONE ;
  r->mode = SMTP_MODE_CMD ;
}

adapt_proto const smtp_proto =
{
  .client = &client,
  .server = &server,
  .ended = &ended,
  .switched = &switched,
  .timeout = "421 4.4.2 Timeout: closing connection\r\n"
} ;
