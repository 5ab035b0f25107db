/* ISC license. */

/* proxy_read.c: the PROXY header, read from the network fd before
   anything else, and not one byte more: the v2 header and the
   signatures are read by exact counts, a v1 line by peeking for its LF
   (byte by byte where the fd is not a socket). The header has its own
   short deadline. A failure is one line naming the real peer, exit 100
   (111 when a read fails), before prog runs and with no byte sent. */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/iopause.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>

#include "ucspitls.h"
#include "proxy.h"

static void bad (char const *peer, char const *why)
{
  strerr_dief(UCSPITLS_EXIT_USAGE, "bad PROXY protocol header from ", peer, ": ", why) ;
}

 /* 1 readable, 0 deadline passed */
static int wait_in (int fd, tain const *deadline)
{
  iopause_fd x = { .fd = fd, .events = IOPAUSE_READ, .revents = 0 } ;
  for (;;)
  {
    int r = iopause_g(&x, 1, deadline) ;
    if (r > 0) return 1 ;
    if (!r) return 0 ;
    if (errno != EINTR) strerr_diefusys(UCSPITLS_EXIT_SYS, "iopause") ;
  }
}

 /* a v1 line: how much of what has arrived is still the header */
static size_t line_take (int fd, char *s, size_t max)
{
  ssize_t r ;
  char const *lf ;
  do r = recv(fd, s, max, MSG_PEEK) ;
  while (r == -1 && errno == EINTR) ;
  if (r <= 0) return 1 ;  /* not a socket, or the end or an error: read says which */
  lf = memchr(s, '\n', (size_t)r) ;
  return lf ? (size_t)(lf - s) + 1 : (size_t)r ;
}

void proxy_read (proxyhdr *h, int fd, unsigned int ms, char const *peer)
{
  char buf[PROXY_MAX] ;
  size_t len = 0 ;
  char const *why ;
  tain deadline ;
  tain_now_set_stopwatch_g() ;
  tain_from_millisecs(&deadline, (int)ms) ;
  tain_add_g(&deadline, &deadline) ;
  for (;;)
  {
    int line ;
    ssize_t want = proxy_need(buf, len, &line, &why), r ;
    if (want < 0) bad(peer, why) ;
    if (!want) break ;
    if (!wait_in(fd, &deadline))
    {
      char fmt[UINT_FMT] ;
      fmt[uint_fmt(fmt, ms)] = 0 ;
      strerr_dief(UCSPITLS_EXIT_USAGE, "bad PROXY protocol header from ", peer, ": ", len ? "incomplete" : "nothing", " after ", fmt, " ms") ;
    }
    if (line) want = (ssize_t)line_take(fd, buf + len, PROXY_V1_MAX - len) ;
    r = fd_read(fd, buf + len, (size_t)want) ;
    if (r == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "read the PROXY protocol header from ", peer) ;
    if (!r) bad(peer, len ? "the connection ended inside the header" : "the connection ended before the header") ;
    len += (size_t)r ;
  }
  if (!proxy_parse(h, buf, len, &why)) bad(peer, why) ;
}

 /* after the header, in immediate mode: a connection that ends before
    its first byte is a balancer's health check (or a client that left
    at once), not a failed handshake worth a line */
int proxy_quiet_end (int fd, unsigned int ms)
{
  char c ;
  ssize_t r ;
  tain deadline ;
  tain_now_g() ;
  tain_from_millisecs(&deadline, (int)ms) ;
  tain_add_g(&deadline, &deadline) ;
  if (!wait_in(fd, &deadline)) return 0 ;
  do r = recv(fd, &c, 1, MSG_PEEK) ;
  while (r == -1 && errno == EINTR) ;
  return !r || (r == -1 && (errno == ECONNRESET || errno == EPIPE)) ;
}
