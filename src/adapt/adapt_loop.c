/* ISC license. */

/* adapt_loop.c: the adapters' one loop. One process, one iopause loop,
   all fds non-blocking: the client (fds 0 and 1, then the TLS layer's
   SSLREADFD and SSLWRITEFD), the server's pipes, and the control channel
   while the handshake runs. The protocol module parses what the buffers
   hold between two iopause calls; this file moves the bytes. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/error.h>
#include <skalibs/iopause.h>
#include <skalibs/sig.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>

#include "ucspitls.h"
#include "adapt-internal.h"

static char cinbuf[ADAPT_CIN], soutbuf[ADAPT_SOUT], sinbuf[ADAPT_SIN], coutbuf[ADAPT_COUT] ;

static void refresh (adapt *c)
{
  if (c->timeout) tain_addsec_g(&c->deadline, (int)c->timeout) ;
  else c->deadline = tain_infinite ;
}

static void on_timeout (adapt *) __attribute__((noreturn)) ;
static void on_timeout (adapt *c)
{
  if (c->r->phase != ADAPT_PHASE_HANDSHAKE && !c->cwdead)
  {
    size_t n = strlen(c->proto->timeout) ;
    iobuf_compact(&c->r->cout) ;
    if (iobuf_room(&c->r->cout) >= n) iobuf_put(&c->r->cout, c->proto->timeout, n) ;
    if (fd_write(c->cw, c->r->cout.s, c->r->cout.len) < 0) {}  /* best effort */
  }
  strerr_warnw("client timed out") ;
  adapt_proc_end(c) ;
  _exit(ADAPT_EXIT_TIMEOUT) ;
}

static void io_client_read (adapt *c)
{
  iobuf *b = &c->r->cin ;
  ssize_t r ;
  iobuf_compact(b) ;
  r = fd_read(c->cr, b->s + b->len, b->cap - b->len) ;
  if (r < 0 && error_isagain(errno)) return ;
  if (r <= 0) { c->r->cineof = 1 ; return ; }
  b->len += r ;
  refresh(c) ;
}

static void io_client_write (adapt *c)
{
  iobuf *b = &c->r->cout ;
  ssize_t r = fd_write(c->cw, b->s + b->pos, iobuf_avail(b)) ;
  if (r < 0 && error_isagain(errno)) return ;
  if (r <= 0)
  {
    /* the client is gone: the server will see the end of its input */
    c->cwdead = 1 ;
    c->r->cineof = 1 ;
    b->pos = b->len = 0 ;
    return ;
  }
  b->pos += r ;
  if (b->pos == b->len) b->pos = b->len = 0 ;
  refresh(c) ;
}

static void io_server_read (adapt *c)
{
  iobuf *b = &c->r->sin ;
  ssize_t r ;
  iobuf_compact(b) ;
  r = fd_read(c->sr, b->s + b->len, b->cap - b->len) ;
  if (r < 0 && error_isagain(errno)) return ;
  if (r <= 0) { fd_close(c->sr) ; c->sr = -1 ; return ; }
  b->len += r ;
}

static void io_server_write (adapt *c)
{
  iobuf *b = &c->r->sout ;
  ssize_t r = fd_write(c->sw, b->s + b->pos, iobuf_avail(b)) ;
  if (r < 0 && error_isagain(errno)) return ;
  if (r <= 0)
  {
    fd_close(c->sw) ; c->sw = -1 ;
    b->pos = b->len = 0 ;
    return ;
  }
  b->pos += r ;
  if (b->pos == b->len) b->pos = b->len = 0 ;
}

 /* what to do between two iopause calls */
static void step (adapt *c)
{
  relay *r = c->r ;
  adapt_proc_reap_old(c, 0) ;
  if (r->phase == ADAPT_PHASE_RELAY)
  {
    c->proto->server(r) ;
    if (c->proto->client(r) && r->cineof)
    {
      /* the client has ended, and nothing it sent can be used any more */
      r->cin.pos = r->cin.len = 0 ;
      if (c->sw >= 0 && !iobuf_avail(&r->sout)) { fd_close(c->sw) ; c->sw = -1 ; }
    }
    if (c->cwdead) r->cout.pos = r->cout.len = 0 ;
  }
  if (r->phase == ADAPT_PHASE_GOAHEAD && !iobuf_avail(&r->cout)) adapt_ctl_ask(c) ;
  if (r->endserver && (c->cwdead || !iobuf_avail(&r->cout)))
  {
    kill(c->pid, SIGTERM) ;
    adapt_proc_finish(c) ;
  }
  if (c->sr < 0 && r->phase == ADAPT_PHASE_RELAY && !c->eofseen)
  {
    c->eofseen = 1 ;
    c->proto->ended(r) ;
  }
  if (c->sr < 0 && r->phase == ADAPT_PHASE_RELAY && (c->cwdead || !iobuf_avail(&r->cout))) adapt_proc_finish(c) ;
}

static void run (adapt *) __attribute__((noreturn)) ;
static void run (adapt *c)
{
  tain_now_set_stopwatch_g() ;
  refresh(c) ;
  for (;;)
  {
    relay *r = c->r ;
    iopause_fd x[5] ;
    int ix[5] ;  /* 0 client read, 1 client write, 2 server read, 3 server write, 4 ctl */
    unsigned int n = 0 ;
    int e ;
    step(c) ;
    if (r->phase == ADAPT_PHASE_RELAY && !r->stopread && !r->cineof && iobuf_room(&r->cin))
      { x[n].fd = c->cr ; x[n].events = IOPAUSE_READ ; ix[n++] = 0 ; }
    if (r->phase != ADAPT_PHASE_HANDSHAKE && !c->cwdead && iobuf_avail(&r->cout))
      { x[n].fd = c->cw ; x[n].events = IOPAUSE_WRITE ; ix[n++] = 1 ; }
    if (r->phase == ADAPT_PHASE_RELAY && c->sr >= 0 && iobuf_room(&r->sin))
      { x[n].fd = c->sr ; x[n].events = IOPAUSE_READ ; ix[n++] = 2 ; }
    if (c->sw >= 0 && iobuf_avail(&r->sout))
      { x[n].fd = c->sw ; x[n].events = IOPAUSE_WRITE ; ix[n++] = 3 ; }
    if (r->phase == ADAPT_PHASE_HANDSHAKE)
      { x[n].fd = c->ctl ; x[n].events = IOPAUSE_READ ; ix[n++] = 4 ; }
    e = iopause_g(x, n, &c->deadline) ;
    if (e < 0) strerr_diefusys(UCSPITLS_EXIT_SYS, "iopause") ;
    if (!e) on_timeout(c) ;
    for (unsigned int i = 0 ; i < n ; i++)
    {
      if (!(x[i].revents & (x[i].events | IOPAUSE_EXCEPT))) continue ;
      switch (ix[i])
      {
        case 0 : io_client_read(c) ; break ;
        case 1 : io_client_write(c) ; break ;
        case 2 : if (c->sr >= 0) io_server_read(c) ; break ;
        case 3 : if (c->sw >= 0) io_server_write(c) ; break ;
        case 4 : if (adapt_ctl_read(c)) refresh(c) ; break ;
      }
    }
  }
}

void adapt_main (adapt *c)
{
  relay *r = c->r ;
  r->cin = (iobuf){ .s = cinbuf, .cap = sizeof(cinbuf) } ;
  r->sout = (iobuf){ .s = soutbuf, .cap = sizeof(soutbuf) } ;
  r->sin = (iobuf){ .s = sinbuf, .cap = sizeof(sinbuf) } ;
  r->cout = (iobuf){ .s = coutbuf, .cap = sizeof(coutbuf) } ;
  if (fcntl(0, F_GETFD) == -1 || fcntl(1, F_GETFD) == -1)
    strerr_dief(UCSPITLS_EXIT_USAGE, "fds 0 and 1 must be the connection") ;
  adapt_ctl_setup(c) ;
  if (ndelay_on(0) == -1 || ndelay_on(1) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "ndelay_on") ;
  if (sig_ignore(SIGPIPE) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "ignore SIGPIPE") ;
  adapt_proc_spawn(c) ;
  run(c) ;
}
