/* ISC license. */

/* ctl.c: the UCSPI-TLS control channel. The TLS child waits for prog's
   one byte; when the handshake is done it writes the facts block (for
   'Y') and closes its end: EOF tells prog that TLS is up. */

#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/strerr.h>

#include "ucspitls.h"

 /* returns the byte, or -1 on EOF (prog declined) */
int ctl_wait (int fd)
{
  unsigned char c ;
  ssize_t r ;
  do r = read(fd, &c, 1) ;
  while (r == -1 && errno == EINTR) ;
  if (r == -1) log_diefusys(UCSPITLS_EXIT_SYS, "read from the control channel") ;
  return r ? c : -1 ;
}

void ctl_ready (void *p, facts const *f)
{
  ctlstate *c = p ;
  if (c->block)
  {
    char buf[FACTS_BLOCK_MAX] ;
    size_t n = facts_block(f, buf) ;
    /* prog may be gone already: then nobody needs the facts */
    if (allwrite(c->fd, buf, n) < n && errno != EPIPE && errno != ECONNRESET)
      log_warnwusys("write to the control channel") ;
  }
  /* EOF first; then drop what prog wrote after its byte, or closing
     with unread data would reset the socket under prog's feet */
  shutdown(c->fd, SHUT_WR) ;
  if (ndelay_on(c->fd) == 0)
  {
    char junk[256] ;
    while (read(c->fd, junk, sizeof(junk)) > 0) ;
  }
  fd_close(c->fd) ;
  c->fd = -1 ;
}
