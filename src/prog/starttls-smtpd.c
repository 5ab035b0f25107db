/* ISC license. */

/* starttls-smtpd: STARTTLS for an SMTP server that has none. A UCSPI-TLS
   application: under ucspitlsd (or any UCSPI-TLS server) it spawns the
   real server on pipes and relays the dialogue, offers STARTTLS, and at
   the switch ends the plaintext server and starts a fresh one on the
   TLS stream, with the session facts in its environment.

     tcpserver 0 25 ucspitlsd starttls-smtpd [ -r ] [ -t secs ] qmail-smtpd

   One process, one iopause loop, all fds non-blocking. This file holds
   the loop and the moving of bytes; src/smtp the rest (smtp-internal.h
   says which file holds what). */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/error.h>
#include <skalibs/iopause.h>
#include <skalibs/sgetopt.h>
#include <skalibs/sig.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>

#include "ucspitls.h"
#include "../smtp/smtp-internal.h"

#define USAGE "starttls-smtpd [ -r ] [ -t timeout ] prog... | starttls-smtpd -V"
#define dieusage() strerr_dieusage(UCSPITLS_EXIT_USAGE, USAGE)

static char cinbuf[SMTP_CIN], soutbuf[SMTP_SOUT], sinbuf[SMTP_SIN], coutbuf[SMTP_COUT] ;

static void server_ended (smtpd *c)
{
  smtp *r = &c->r ;
  static char const msg[] = "421 4.3.0 Server ended, closing connection\r\n" ;
  c->eofseen = 1 ;
  /* a last line without its LF is still the server's (but for the tail
     of a line cut short) */
  if (!r->swallow && !r->cutting && iobuf_avail(&r->sin) && iobuf_avail(&r->sin) + 2 <= iobuf_room(&r->cout))
  {
    iobuf_put(&r->cout, r->sin.s + r->sin.pos, iobuf_avail(&r->sin)) ;
    iobuf_put(&r->cout, "\r\n", 2) ;
  }
  r->sin.pos = r->sin.len = 0 ;
  /* it died owing replies (or never started): the client must not wait */
  if (r->outstanding && iobuf_room(&r->cout) >= sizeof(msg) - 1)
    iobuf_put(&r->cout, msg, sizeof(msg) - 1) ;
}

static void refresh (smtpd *c)
{
  if (c->timeout) tain_addsec_g(&c->deadline, (int)c->timeout) ;
  else c->deadline = tain_infinite ;
}

static void on_timeout (smtpd *) __attribute__((noreturn)) ;
static void on_timeout (smtpd *c)
{
  if (c->r.phase != SMTP_PHASE_HANDSHAKE && !c->cwdead)
  {
    static char const msg[] = "421 4.4.2 Timeout: closing connection\r\n" ;
    iobuf_compact(&c->r.cout) ;
    if (iobuf_room(&c->r.cout) >= sizeof(msg) - 1) iobuf_put(&c->r.cout, msg, sizeof(msg) - 1) ;
    if (fd_write(c->cw, c->r.cout.s, c->r.cout.len) < 0) {}  /* best effort */
  }
  strerr_warnw("client timed out") ;
  smtp_proc_end(c) ;
  _exit(SMTP_EXIT_TIMEOUT) ;
}

static void io_client_read (smtpd *c)
{
  iobuf *b = &c->r.cin ;
  ssize_t r ;
  iobuf_compact(b) ;
  r = fd_read(c->cr, b->s + b->len, b->cap - b->len) ;
  if (r < 0 && error_isagain(errno)) return ;
  if (r <= 0) { c->r.cineof = 1 ; return ; }
  b->len += r ;
  refresh(c) ;
}

static void io_client_write (smtpd *c)
{
  iobuf *b = &c->r.cout ;
  ssize_t r = fd_write(c->cw, b->s + b->pos, iobuf_avail(b)) ;
  if (r < 0 && error_isagain(errno)) return ;
  if (r <= 0)
  {
    /* the client is gone: the server will see the end of its input */
    c->cwdead = 1 ;
    c->r.cineof = 1 ;
    b->pos = b->len = 0 ;
    return ;
  }
  b->pos += r ;
  if (b->pos == b->len) b->pos = b->len = 0 ;
  refresh(c) ;
}

static void io_server_read (smtpd *c)
{
  iobuf *b = &c->r.sin ;
  ssize_t r ;
  iobuf_compact(b) ;
  r = fd_read(c->sr, b->s + b->len, b->cap - b->len) ;
  if (r < 0 && error_isagain(errno)) return ;
  if (r <= 0) { fd_close(c->sr) ; c->sr = -1 ; return ; }
  b->len += r ;
}

static void io_server_write (smtpd *c)
{
  iobuf *b = &c->r.sout ;
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
static void step (smtpd *c)
{
  smtp *r = &c->r ;
  smtp_proc_reap_old(c, 0) ;
  if (r->phase == SMTP_PHASE_RELAY)
  {
    smtp_server_parse(r) ;
    if (smtp_client_parse(r) && r->cineof)
    {
      /* the client has ended, and nothing it sent can be used any more */
      r->cin.pos = r->cin.len = 0 ;
      if (c->sw >= 0 && !iobuf_avail(&r->sout)) { fd_close(c->sw) ; c->sw = -1 ; }
    }
    if (c->cwdead) r->cout.pos = r->cout.len = 0 ;
  }
  if (r->phase == SMTP_PHASE_GOAHEAD && !iobuf_avail(&r->cout)) smtp_ctl_ask(c) ;
  if (c->sr < 0 && r->phase == SMTP_PHASE_RELAY && !c->eofseen) server_ended(c) ;
  if (c->sr < 0 && r->phase == SMTP_PHASE_RELAY && (c->cwdead || !iobuf_avail(&r->cout))) smtp_proc_finish(c) ;
}

static void run (smtpd *) __attribute__((noreturn)) ;
static void run (smtpd *c)
{
  tain_now_set_stopwatch_g() ;
  refresh(c) ;
  for (;;)
  {
    smtp *r = &c->r ;
    iopause_fd x[5] ;
    int ix[5] ;  /* 0 client read, 1 client write, 2 server read, 3 server write, 4 ctl */
    unsigned int n = 0 ;
    int e ;
    step(c) ;
    if (r->phase == SMTP_PHASE_RELAY && !r->stopread && !r->cineof && iobuf_room(&r->cin))
      { x[n].fd = c->cr ; x[n].events = IOPAUSE_READ ; ix[n++] = 0 ; }
    if (r->phase != SMTP_PHASE_HANDSHAKE && !c->cwdead && iobuf_avail(&r->cout))
      { x[n].fd = c->cw ; x[n].events = IOPAUSE_WRITE ; ix[n++] = 1 ; }
    if (r->phase == SMTP_PHASE_RELAY && c->sr >= 0 && iobuf_room(&r->sin))
      { x[n].fd = c->sr ; x[n].events = IOPAUSE_READ ; ix[n++] = 2 ; }
    if (c->sw >= 0 && iobuf_avail(&r->sout))
      { x[n].fd = c->sw ; x[n].events = IOPAUSE_WRITE ; ix[n++] = 3 ; }
    if (r->phase == SMTP_PHASE_HANDSHAKE)
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
        case 4 : if (smtp_ctl_read(c)) refresh(c) ; break ;
      }
    }
  }
}

int main (int argc, char const *const *argv, char const *const *envp)
{
  static smtpd c = { .cr = 0, .cw = 1, .sr = -1, .sw = -1, .ctl = -1, .tlsr = -1, .tlsw = -1, .timeout = 1200 } ;
  subgetopt l = SUBGETOPT_ZERO ;
  PROG = "starttls-smtpd" ;
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "rt:V", &l) ;
    if (opt == -1) break ;
    switch (opt)
    {
      case 'r' : c.r.required = 1 ; break ;
      case 'V' : ucspitls_version() ;
      case 't' :
      {
        size_t n = uint_scan(l.arg, &c.timeout) ;
        if (!n || l.arg[n] || c.timeout > 86400 * 365) dieusage() ;
        break ;
      }
      default : dieusage() ;
    }
  }
  argc -= l.ind ; argv += l.ind ;
  if (!argc) dieusage() ;
  c.argv = argv ;
  c.envp = envp ;
  c.r.cin = (iobuf){ .s = cinbuf, .cap = sizeof(cinbuf) } ;
  c.r.sout = (iobuf){ .s = soutbuf, .cap = sizeof(soutbuf) } ;
  c.r.sin = (iobuf){ .s = sinbuf, .cap = sizeof(sinbuf) } ;
  c.r.cout = (iobuf){ .s = coutbuf, .cap = sizeof(coutbuf) } ;
  c.r.outstanding = 1 ;  /* the greeting */
  if (fcntl(0, F_GETFD) == -1 || fcntl(1, F_GETFD) == -1)
    strerr_dief(UCSPITLS_EXIT_USAGE, "fds 0 and 1 must be the connection") ;
  smtp_ctl_setup(&c) ;
  if (ndelay_on(0) == -1 || ndelay_on(1) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "ndelay_on") ;
  if (sig_ignore(SIGPIPE) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "ignore SIGPIPE") ;
  smtp_proc_spawn(&c) ;
  run(&c) ;
}
