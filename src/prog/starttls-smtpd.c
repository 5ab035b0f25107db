/* ISC license. */

/* starttls-smtpd: STARTTLS for an SMTP server that has none. A UCSPI-TLS
   application: under ucspitlsd (or any UCSPI-TLS server) it spawns the
   real server on pipes and relays the dialogue, offers STARTTLS, and at
   the switch ends the plaintext server and starts a fresh one on the
   TLS stream, with the session facts in its environment.

     tcpserver 0 25 ucspitlsd starttls-smtpd [ -r ] [ -t secs ] qmail-smtpd

   One process, one iopause loop, all fds non-blocking. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/env.h>
#include <skalibs/error.h>
#include <skalibs/exec.h>
#include <skalibs/iopause.h>
#include <skalibs/sgetopt.h>
#include <skalibs/sig.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>

#include "ucspitls.h"
#include "../smtp/smtp-internal.h"

#define USAGE "starttls-smtpd [ -r ] [ -t timeout ] prog..."
#define dieusage() strerr_dieusage(UCSPITLS_EXIT_USAGE, USAGE)

#define EXIT_HANDSHAKE 98  /* the TLS handshake failed */
#define EXIT_TIMEOUT 99    /* the client was idle too long */

typedef struct ctx_s ctx, *ctx_ref ;
struct ctx_s
{
  smtp r ;
  int cr, cw ;        /* the client: 0 and 1, then SSLREADFD and SSLWRITEFD */
  int sr, sw ;        /* the server's stdout and stdin; -1 when closed */
  int ctl, tlsr, tlsw ;
  int cwdead ;        /* the client cannot be written to any more */
  int eofseen ;       /* the server's output has ended */
  pid_t pid ;         /* the server */
  pid_t oldpid ;      /* the plaintext server, ended at the switch */
  unsigned int timeout ;
  tain deadline ;
  char const *const *argv ;
  char const *const *envp ;
  size_t blocklen ;
  char block[FACTS_BLOCK_MAX + 1] ;
} ;

static char cinbuf[SMTP_CIN], soutbuf[SMTP_SOUT], sinbuf[SMTP_SIN], coutbuf[SMTP_COUT] ;

static int is_ctlvar (char const *s)
{
  return !strncmp(s, "SSLCTLFD=", 9) || !strncmp(s, "SSLREADFD=", 10) || !strncmp(s, "SSLWRITEFD=", 11) ;
}

static int in_block (char const *s, char const *block, size_t len)
{
  size_t n = strcspn(s, "=") ;
  for (size_t i = 0 ; i < len && block[i] ; i += strlen(block + i) + 1)
    if (!strncmp(s, block + i, n) && block[i + n] == '=') return 1 ;
  return 0 ;
}

 /* the server's environment: ours, less the UCSPI-TLS fds (the server
    must not try TLS itself), plus the facts once TLS is on */
static char const **make_env (char const *const *envp, char const *block, size_t len)
{
  size_t n = env_len(envp) + 1, k = 0 ;
  char const **e ;
  for (size_t i = 0 ; i < len ; i++) if (!block[i]) n++ ;
  e = malloc(n * sizeof(char const *)) ;
  if (!e) strerr_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
  for (char const *const *p = envp ; *p ; p++)
    if (!is_ctlvar(*p) && !in_block(*p, block, len)) e[k++] = *p ;
  for (size_t i = 0 ; i < len && block[i] ; i += strlen(block + i) + 1) e[k++] = block + i ;
  e[k] = 0 ;
  return e ;
}

static void spawn (ctx *c)
{
  int in[2], out[2] ;
  char const **env = make_env(c->envp, c->block, c->blocklen) ;
  if (pipecoe(in) == -1 || pipecoe(out) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "create pipes") ;
  c->pid = fork() ;
  if (c->pid == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "fork") ;
  if (!c->pid)
  {
    if (fd_copy(0, in[0]) == -1 || fd_copy(1, out[1]) == -1)
      strerr_diefusys(UCSPITLS_EXIT_SYS, "set up the server's stdin and stdout") ;
    sig_restore(SIGPIPE) ;
    xexec_ae(c->argv[0], c->argv, env) ;
  }
  free(env) ;
  fd_close(in[0]) ; fd_close(out[1]) ;
  if (ndelay_on(in[1]) == -1 || ndelay_on(out[0]) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "ndelay_on") ;
  c->sw = in[1] ;
  c->sr = out[0] ;
}

static void close_server (ctx *c)
{
  if (c->sw >= 0) fd_close(c->sw) ;
  if (c->sr >= 0) fd_close(c->sr) ;
  c->sw = c->sr = -1 ;
}

static void reap_old (ctx *c, int now)
{
  int wstat ;
  if (!c->oldpid) return ;
  if (now) kill(c->oldpid, SIGKILL) ;
  if (now ? wait_pid(c->oldpid, &wstat) : wait_pid_nohang(c->oldpid, &wstat)) c->oldpid = 0 ;
}

 /* the session is over: the server's exit code is ours */
static void finish (ctx *) __attribute__((noreturn)) ;
static void finish (ctx *c)
{
  int wstat ;
  close_server(c) ;
  reap_old(c, 1) ;
  if (wait_pid(c->pid, &wstat) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "wait for the server") ;
  _exit(WIFEXITED(wstat) ? WEXITSTATUS(wstat) : UCSPITLS_EXIT_SYS) ;
}

static void server_ended (ctx *c)
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

static void refresh (ctx *c)
{
  if (c->timeout) tain_addsec_g(&c->deadline, (int)c->timeout) ;
  else c->deadline = tain_infinite ;
}

static void on_timeout (ctx *) __attribute__((noreturn)) ;
static void on_timeout (ctx *c)
{
  if (c->r.phase != SMTP_PHASE_HANDSHAKE && !c->cwdead)
  {
    static char const msg[] = "421 4.4.2 Timeout: closing connection\r\n" ;
    iobuf_compact(&c->r.cout) ;
    if (iobuf_room(&c->r.cout) >= sizeof(msg) - 1) iobuf_put(&c->r.cout, msg, sizeof(msg) - 1) ;
    if (fd_write(c->cw, c->r.cout.s, c->r.cout.len) < 0) {}  /* best effort */
  }
  strerr_warnw("client timed out") ;
  close_server(c) ;
  kill(c->pid, SIGTERM) ;
  reap_old(c, 1) ;
  wait_pid(c->pid, 0) ;
  _exit(EXIT_TIMEOUT) ;
}

 /* the 220 has gone out: ask for TLS, and for the facts */
static void ask_tls (ctx *c)
{
  if (fd_write(c->ctl, "Y", 1) != 1)
  {
    close_server(c) ; kill(c->pid, SIGTERM) ; wait_pid(c->pid, 0) ;
    strerr_diefusys(EXIT_HANDSHAKE, "write to the control channel") ;
  }
  c->r.phase = SMTP_PHASE_HANDSHAKE ;
  c->blocklen = 0 ;
}

 /* the control channel has ended: with the whole block, TLS is up */
static void switch_tls (ctx *c)
{
  size_t n = c->blocklen ;
  int devnull ;
  fd_close(c->ctl) ;
  c->ctl = -1 ;
  close_server(c) ;
  kill(c->pid, SIGTERM) ;
  if (!n || c->block[n - 1] || (n > 1 && c->block[n - 2]))
  {
    wait_pid(c->pid, 0) ;
    strerr_dief(EXIT_HANDSHAKE, "TLS handshake failed") ;
  }
  c->oldpid = c->pid ;
  /* the plaintext connection is the TLS layer's now */
  devnull = open2("/dev/null", O_RDWR) ;
  if (devnull == -1 || fd_copy(0, devnull) == -1 || fd_copy(1, devnull) == -1)
    strerr_diefusys(UCSPITLS_EXIT_SYS, "redirect fds 0 and 1 to /dev/null") ;
  if (devnull > 1) fd_close(devnull) ;
  c->cr = c->tlsr ;
  c->cw = c->tlsw ;
  spawn(c) ;
  c->r.cin.pos = c->r.cin.len = 0 ;
  c->r.sin.pos = c->r.sin.len = 0 ;
  c->r.sout.pos = c->r.sout.len = 0 ;
  c->r.tls = 1 ;
  c->r.stopread = 0 ;
  c->r.phase = SMTP_PHASE_RELAY ;
  c->r.outstanding = 1 ;
  c->r.swallow = 1 ;
  c->r.inreply = c->r.cutting = 0 ;
  c->r.hold = SMTP_HOLD_NONE ;
  c->r.mode = SMTP_MODE_CMD ;
  refresh(c) ;
}

static void read_ctl (ctx *c)
{
  ssize_t r = fd_read(c->ctl, c->block + c->blocklen, sizeof(c->block) - c->blocklen) ;
  if (r < 0 && error_isagain(errno)) return ;
  if (r > 0)
  {
    c->blocklen += r ;
    if (c->blocklen < sizeof(c->block)) return ;
    c->blocklen = 0 ;  /* longer than any block: not one */
  }
  switch_tls(c) ;
}

static void io_client_read (ctx *c)
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

static void io_client_write (ctx *c)
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

static void io_server_read (ctx *c)
{
  iobuf *b = &c->r.sin ;
  ssize_t r ;
  iobuf_compact(b) ;
  r = fd_read(c->sr, b->s + b->len, b->cap - b->len) ;
  if (r < 0 && error_isagain(errno)) return ;
  if (r <= 0) { fd_close(c->sr) ; c->sr = -1 ; return ; }
  b->len += r ;
}

static void io_server_write (ctx *c)
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
static void step (ctx *c)
{
  smtp *r = &c->r ;
  reap_old(c, 0) ;
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
  if (r->phase == SMTP_PHASE_GOAHEAD && !iobuf_avail(&r->cout)) ask_tls(c) ;
  if (c->sr < 0 && r->phase == SMTP_PHASE_RELAY && !c->eofseen) server_ended(c) ;
  if (c->sr < 0 && r->phase == SMTP_PHASE_RELAY && (c->cwdead || !iobuf_avail(&r->cout))) finish(c) ;
}

static void run (ctx *) __attribute__((noreturn)) ;
static void run (ctx *c)
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
        case 4 : read_ctl(c) ; break ;
      }
    }
  }
}

 /* SSLCTLFD, SSLREADFD, SSLWRITEFD: all three, or no TLS */
static int getfd (char const *const *envp, char const *var, int *fd)
{
  char const *s = env_get2(envp, var) ;
  unsigned int u ;
  size_t n ;
  if (!s) return 0 ;
  n = uint_scan(s, &u) ;
  if (!n || s[n] || fcntl((int)u, F_GETFD) == -1)
    strerr_dief(UCSPITLS_EXIT_USAGE, "invalid ", var, ": ", s) ;
  *fd = (int)u ;
  return 1 ;
}

static void setup (ctx *c)
{
  int a = getfd(c->envp, "SSLCTLFD", &c->ctl) ;
  int b = getfd(c->envp, "SSLREADFD", &c->tlsr) ;
  int d = getfd(c->envp, "SSLWRITEFD", &c->tlsw) ;
  if (fcntl(0, F_GETFD) == -1 || fcntl(1, F_GETFD) == -1)
    strerr_dief(UCSPITLS_EXIT_USAGE, "fds 0 and 1 must be the connection") ;
  if (a && b && d)
  {
    if (coe(c->ctl) == -1 || coe(c->tlsr) == -1 || coe(c->tlsw) == -1
     || ndelay_on(c->ctl) == -1 || ndelay_on(c->tlsr) == -1 || ndelay_on(c->tlsw) == -1)
      strerr_diefusys(UCSPITLS_EXIT_SYS, "set up the UCSPI-TLS fds") ;
    c->r.tlsavail = 1 ;
  }
  else strerr_warnw("not run under a UCSPI-TLS server (no SSLCTLFD, SSLREADFD, SSLWRITEFD): STARTTLS is not offered") ;
  if (ndelay_on(0) == -1 || ndelay_on(1) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "ndelay_on") ;
  if (sig_ignore(SIGPIPE) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "ignore SIGPIPE") ;
}

int main (int argc, char const *const *argv, char const *const *envp)
{
  static ctx c = { .cr = 0, .cw = 1, .sr = -1, .sw = -1, .ctl = -1, .tlsr = -1, .tlsw = -1, .timeout = 1200 } ;
  subgetopt l = SUBGETOPT_ZERO ;
  PROG = "starttls-smtpd" ;
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "rt:", &l) ;
    if (opt == -1) break ;
    switch (opt)
    {
      case 'r' : c.r.required = 1 ; break ;
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
  setup(&c) ;
  spawn(&c) ;
  run(&c) ;
}
