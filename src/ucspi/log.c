/* ISC license. */

/* log.c: with -v2, one line per connection, at its end:
   peer, SNI, protocol, suite, session id and
   whether it was resumed, bytes each way, duration, the client's
   verification policy and its outcome, how it ended.
   And the peer's address at the end of every warning and fatal line of
   a connection (log_tail), at every verbosity: the line that an
   operator looks for is the failed one. */

#include <stdint.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <skalibs/djbunix.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>

#include "ucspitls.h"

static tain start ;

char const *log_tail = "" ;

 /* " (peer=IP:PORT)" after every warning and fatal line from now on;
    the address is peer.c's, the same as on the -v2 line */
void log_peer (tlsopts *o, char const *peer)
{
  static char buf[160] ;
  size_t n ;
  o->peer = peer ;
  if (!peer) { log_tail = "" ; return ; }
  n = strlen(peer) ;
  if (n + 10 > sizeof(buf)) return ;
  memcpy(buf, " (peer=", 7) ;
  memcpy(buf + 7, peer, n) ;
  buf[7 + n] = ')' ; buf[8 + n] = 0 ;
  log_tail = buf ;
}

 /* inetd, and systemd's StandardError=inherit, make fd 2 the connection
    itself: a line there would go to the peer, in clear, in the middle of
    TLS records. Then the TLS child (and the key process that it forks)
    writes its lines nowhere. Another socket on fd 2 (systemd's journal
    stream) is a log, and is kept; so is /dev/null on both (sockets only
    are compared). */
static int same_file (struct stat const *sa, int b)
{
  struct stat sb ;
  return fstat(b, &sb) == 0 && sa->st_dev == sb.st_dev && sa->st_ino == sb.st_ino ;
}

int log_fd2_is_net (int netr, int netw)
{
  struct stat s2 ;
  if (fstat(2, &s2) == -1 || !S_ISSOCK(s2.st_mode)) return 0 ;  /* a log file, a pipe: one call */
  return same_file(&s2, netr) || same_file(&s2, netw) ;
}

void log_fd2_away (int netr, int netw)
{
  int fd ;
  if (!log_fd2_is_net(netr, netw)) return ;
  fd = open2("/dev/null", O_WRONLY) ;
  if (fd == -1) _exit(UCSPITLS_EXIT_SYS) ;  /* nowhere to say it */
  if (fd != 2 && fd_move(2, fd) == -1) _exit(UCSPITLS_EXIT_SYS) ;
}

void log_start (void)
{
  tain_now_set_stopwatch_g() ;
  tain_copynow(&start) ;
}

/* the -v2 line, in a frame of its own: its buffers are not to take a
   stack page in every TLS child that ends without it */
static void log_line (tlsopts const *o, facts const *f, uint64_t in, uint64_t out, char const *end) __attribute__((noinline)) ;
static void log_line (tlsopts const *o, facts const *f, uint64_t in, uint64_t out, char const *end)
{
  char fin[UINT64_FMT] ;
  char fout[UINT64_FMT] ;
  char fsec[UINT_FMT] ;
  char fms[4] ;
  char sni[sizeof(f->sni) * 4] ;
  char verify[sizeof(f->verify) * 4] ;
  tain d ;
  int ms ;
  tain_now_g() ;
  tain_sub(&d, &STAMP, &start) ;
  ms = tain_to_millisecs(&d) ;
  if (ms < 0) ms = 0 ;
  fin[uint64_fmt(fin, in)] = 0 ;
  fout[uint64_fmt(fout, out)] = 0 ;
  fsec[uint_fmt(fsec, (unsigned int)ms / 1000)] = 0 ;
  fms[0] = '0' + (ms % 1000) / 100 ;
  fms[1] = '0' + (ms % 100) / 10 ;
  fms[2] = '0' + ms % 10 ;
  fms[3] = 0 ;
  if (!facts_escape(sni, sizeof(sni), f->sni, 1)) sni[0] = '-', sni[1] = 0 ;
  if (!facts_escape(verify, sizeof(verify), f->verify, 1)) verify[0] = '-', verify[1] = 0 ;
  strerr_warn(PROG, ": info: peer=", o->peer ? o->peer : "-",
    " sni=", sni,
    " protocol=", f->protocol ? f->protocol : "-",
    " cipher=", f->cipher ? f->cipher : "-",
    " session=", f->session[0] ? f->session : "-",
    " resumed=", f->resumed ? "yes" : "no",
    " in=", fin, " out=", fout,
    " duration=", fsec, ".", fms,
    f->policy ? " policy=" : "", f->policy ? f->policy : "",
    f->policy ? " verify=" : "", f->policy ? verify : "",
    " end=", end) ;
}

void log_end (tlsopts const *o, facts const *f, uint64_t in, uint64_t out, char const *end)
{
  if (o->verbosity >= 2) log_line(o, f, in, out, end) ;
}
