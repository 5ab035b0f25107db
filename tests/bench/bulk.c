/* ISC license. */

/* bulk.c: the benchmark's source and sink, so that neither end of a
   throughput measurement is the bottleneck (64 KiB reads and writes, no
   stdio on the data path).

     bulk send BYTES [-f FD] [-o FILE] [-- prog args...]
     bulk recv BYTES [-f FD] [-o FILE] [-- prog args...]

   send writes BYTES zero bytes to FD (default 1), then ends that
   direction: shutdown(SHUT_WR) on a socket, close() on anything else.
   recv reads FD (default 0) until end of file.

   With "-- prog args...", prog is started with its stdin and stdout on
   one end of a socketpair, as inetd does, and FD is ignored: send writes
   into it, recv reads from it (and half-closes it once BYTES have come).
   This is how a TLS client that works on stdin/stdout (stunnel in inetd
   mode, socat STDIO) gets a local stream like the pipes that ucspitlsc
   gives its prog. Not pipes: stunnel 5.68 takes a pipe's POLLHUP for the
   end of the stream and drops what is still in the pipe.

   One line is appended to FILE (one write, O_APPEND), or printed on
   stdout: "mode=recv bytes=N want=N t_first=S t_n=S t_eof=S", times in
   seconds of CLOCK_MONOTONIC (which every process on the machine
   shares), t_n when the BYTES-th byte arrived (send: when it was
   written). Exit 0 when exactly BYTES went through, 1 otherwise, 100 on
   usage, 111 on a system call failure. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define BUFSIZE 65536

static char buf[BUFSIZE] ;

static void die (char const *what)
{
  fprintf(stderr, "bulk: fatal: unable to %s: %s\n", what, strerror(errno)) ;
  exit(111) ;
}

static void usage (void)
{
  fputs("bulk: usage: bulk send|recv BYTES [-f FD] [-o FILE] [-- prog args...]\n", stderr) ;
  exit(100) ;
}

static double now (void)
{
  struct timespec ts ;
  clock_gettime(CLOCK_MONOTONIC, &ts) ;
  return ts.tv_sec + ts.tv_nsec / 1e9 ;
}

static void endwrite (int fd)
{
  if (shutdown(fd, SHUT_WR) == -1)
  {
    if (errno != ENOTSOCK) die("shut down the write side") ;
    close(fd) ;
  }
}

 /* start prog with its stdin and stdout on one end of a socketpair, as
    inetd would; returns our end */
static pid_t spawn (char **argv, int *fd)
{
  int sv[2] ;
  pid_t pid ;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) die("create a socketpair") ;
  pid = fork() ;
  if (pid == -1) die("fork") ;
  if (!pid)
  {
    dup2(sv[1], 0) ; dup2(sv[1], 1) ;
    close(sv[0]) ; close(sv[1]) ;
    execvp(argv[0], argv) ;
    fprintf(stderr, "bulk: fatal: unable to exec %s: %s\n", argv[0], strerror(errno)) ;
    _exit(111) ;
  }
  close(sv[1]) ;
  *fd = sv[0] ;
  return pid ;
}

int main (int argc, char **argv)
{
  int sending, fd = -1, r = -1, w = -1 ;
  char const *outfile = 0 ;
  char **prog = 0 ;
  unsigned long long want, got = 0 ;
  double tfirst = 0, tn = 0, teof ;
  pid_t pid = 0 ;
  char line[256] ;
  int n, ok ;

  if (argc < 3) usage() ;
  if (!strcmp(argv[1], "send")) sending = 1 ;
  else if (!strcmp(argv[1], "recv")) sending = 0 ;
  else usage() ;
  want = strtoull(argv[2], 0, 10) ;
  for (int i = 3 ; i < argc ; i++)
  {
    if (!strcmp(argv[i], "-f") && i + 1 < argc) fd = atoi(argv[++i]) ;
    else if (!strcmp(argv[i], "-o") && i + 1 < argc) outfile = argv[++i] ;
    else if (!strcmp(argv[i], "--") && i + 1 < argc) { prog = argv + i + 1 ; break ; }
    else usage() ;
  }
  signal(SIGPIPE, SIG_IGN) ;
  if (prog) { pid = spawn(prog, &r) ; w = r ; }
  else if (sending) w = fd >= 0 ? fd : 1 ;
  else r = fd >= 0 ? fd : 0 ;

  if (sending)
  {
    memset(buf, 0, sizeof(buf)) ;
    tfirst = now() ;
    while (got < want)
    {
      size_t k = want - got < BUFSIZE ? (size_t)(want - got) : BUFSIZE ;
      ssize_t m = write(w, buf, k) ;
      if (m == -1)
      {
        if (errno == EINTR) continue ;
        if (errno == EPIPE || errno == ECONNRESET) break ;
        die("write") ;
      }
      got += (size_t)m ;
    }
    tn = now() ;
    endwrite(w) ;
    if (prog)  /* let prog finish: drain what it says, then reap it */
      while (read(r, buf, sizeof(buf)) > 0) ;
  }
  else
  {
    for (;;)
    {
      ssize_t m = read(r, buf, sizeof(buf)) ;
      if (m == -1)
      {
        if (errno == EINTR) continue ;
        if (errno == ECONNRESET) break ;
        die("read") ;
      }
      if (!m) break ;
      if (!got) tfirst = now() ;
      got += (size_t)m ;
      if (got >= want && !tn)
      {
        tn = now() ;
        if (prog) shutdown(w, SHUT_WR) ;
      }
    }
  }
  teof = now() ;
  if (prog)
  {
    int wstat ;
    close(r) ;
    waitpid(pid, &wstat, 0) ;
  }
  ok = got == want ;
  n = snprintf(line, sizeof(line), "mode=%s bytes=%llu want=%llu t_first=%.6f t_n=%.6f t_eof=%.6f\n",
    sending ? "send" : "recv", got, want, tfirst, ok ? tn : 0.0, teof) ;
  if (outfile)
  {
    int ofd = open(outfile, O_WRONLY | O_APPEND | O_CREAT, 0644) ;
    if (ofd == -1) die("open the result file") ;
    if (write(ofd, line, n) != n) die("write the result file") ;
    close(ofd) ;
  }
  else if (write(1, line, n) != n) die("write the result") ;
  return ok ? 0 : 1 ;
}
