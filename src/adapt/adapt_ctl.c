/* ISC license. */

/* adapt_ctl.c: the UCSPI-TLS side of the adapters, written for any
   UCSPI-TLS server. After 'Y' the facts block ends at its empty string:
   sslserver -n never closes the control channel after it, and an end of
   file before it means that the handshake failed. The block may be as
   long as ADAPT_FACTSMAX: sslserver's carries PEM certificates. Under
   sslserver without -n, TLS is on before we run (SSL_PROTOCOL is set)
   although the three SSL*FD variables are there: then there is no
   STARTTLS to give. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/env.h>
#include <skalibs/error.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "ucspitls.h"
#include "adapt-internal.h"

 /* TLS is on already, on fds 0 and 1: sslserver without -n sets the
    three variables all the same, SSLREADFD and SSLWRITEFD naming fds
    that it has moved to 0 and 1. None of them is ours to use, or the
    server's to inherit; STARTTLS is answered as inside TLS */
static void tls_on (adapt *c)
{
  static char const *const vars[3] = { "SSLCTLFD", "SSLREADFD", "SSLWRITEFD" } ;
  for (unsigned int i = 0 ; i < 3 ; i++)
  {
    char const *s = env_get2(c->envp, vars[i]) ;
    unsigned int u ;
    size_t n = s ? uint_scan(s, &u) : 0 ;
    if (n && !s[n] && u > 2 && u <= INT_MAX && fcntl((int)u, F_GETFD) != -1 && coe((int)u) == -1)
      strerr_diefusys(UCSPITLS_EXIT_SYS, "set close-on-exec on ", vars[i]) ;
  }
  c->r->tls = 1 ;
}

static int getfd (char const *const *envp, char const *var, int *fd)
{
  char const *s = env_get2(envp, var) ;
  unsigned int u ;
  size_t n ;
  if (!s) return 0 ;
  n = uint_scan(s, &u) ;
  if (!n || s[n] || u > INT_MAX || fcntl((int)u, F_GETFD) == -1)
    strerr_dief(UCSPITLS_EXIT_USAGE, "invalid ", var, ": ", s) ;
  *fd = (int)u ;
  return 1 ;
}

 /* SSLCTLFD, SSLREADFD, SSLWRITEFD: all three, or no TLS */
static int ucspitls (adapt *c)
{
  int a = getfd(c->envp, "SSLCTLFD", &c->ctl) ;
  int b = getfd(c->envp, "SSLREADFD", &c->tlsr) ;
  int d = getfd(c->envp, "SSLWRITEFD", &c->tlsw) ;
  return a && b && d ;
}

void adapt_ctl_setup (adapt *c)
{
  if (env_get2(c->envp, "SSL_PROTOCOL")) tls_on(c) ;
  else if (ucspitls(c))
  {
    if (coe(c->ctl) == -1 || coe(c->tlsr) == -1 || coe(c->tlsw) == -1
     || ndelay_on(c->ctl) == -1 || ndelay_on(c->tlsr) == -1 || ndelay_on(c->tlsw) == -1)
      strerr_diefusys(UCSPITLS_EXIT_SYS, "set up the UCSPI-TLS fds") ;
    c->r->tlsavail = 1 ;
  }
  else strerr_warnw("not run under a UCSPI-TLS server (no SSLCTLFD, SSLREADFD, SSLWRITEFD): STARTTLS is not offered") ;
}

void adapt_ctl_ask (adapt *c)
{
  if (fd_write(c->ctl, "Y", 1) != 1)
  {
    adapt_proc_end(c) ;
    strerr_diefusys(ADAPT_EXIT_HANDSHAKE, "write to the control channel") ;
  }
  c->r->phase = ADAPT_PHASE_HANDSHAKE ;
  c->blocklen = c->blockend = 0 ;
}

 /* no TLS, and nothing may go out in plaintext any more */
static void tls_failed (adapt *, char const *) __attribute__((noreturn)) ;
static void tls_failed (adapt *c, char const *why)
{
  adapt_proc_end(c) ;
  strerr_dief(ADAPT_EXIT_HANDSHAKE, why) ;
}

 /* the block is whole: TLS is up. The plaintext server is ended, the
    connection is the TLS layer's, a fresh server starts on the stream */
static void switch_tls (adapt *c)
{
  relay *r = c->r ;
  int devnull ;
  fd_close(c->ctl) ;
  c->ctl = -1 ;
  c->blocklen = adapt_facts_filter(c->block, c->blockend) ;
  adapt_proc_close(c) ;
  kill(c->pid, SIGTERM) ;
  c->oldpid = c->pid ;
  devnull = open2("/dev/null", O_RDWR) ;
  if (devnull == -1 || fd_copy(0, devnull) == -1 || fd_copy(1, devnull) == -1)
    strerr_diefusys(UCSPITLS_EXIT_SYS, "redirect fds 0 and 1 to /dev/null") ;
  if (devnull > 1) fd_close(devnull) ;
  c->cr = c->tlsr ;
  c->cw = c->tlsw ;
  adapt_proc_spawn(c) ;
  r->cin.pos = r->cin.len = 0 ;
  r->sin.pos = r->sin.len = 0 ;
  r->sout.pos = r->sout.len = 0 ;
  r->tls = 1 ;
  r->stopread = 0 ;
  r->phase = ADAPT_PHASE_RELAY ;
  c->proto->switched(r) ;
}

int adapt_ctl_read (adapt *c)
{
  ssize_t r = fd_read(c->ctl, c->block + c->blocklen, sizeof(c->block) - c->blocklen) ;
  if (r < 0 && error_isagain(errno)) return 0 ;
  if (r <= 0) tls_failed(c, "TLS handshake failed") ;
  c->blocklen += r ;
  /* what may follow the block's end (s6-ucspitlsd sends one more NUL)
     is ignored */
  for (;;)
  {
    char const *z = memchr(c->block + c->blockend, 0, c->blocklen - c->blockend) ;
    if (!z) break ;
    if (z == c->block + c->blockend) { switch_tls(c) ; return 1 ; }
    c->blockend = z - c->block + 1 ;
  }
  if (c->blocklen == sizeof(c->block))
    tls_failed(c, "the facts block from the UCSPI-TLS server is longer than 65536 bytes") ;
  return 0 ;
}
