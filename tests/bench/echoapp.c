/* ISC license. */

/* echoapp.c: the benchmark's application, run by ucspitlsd.

     echoapp        copy fd 0 to fd 1 until end of file (a cat with a
                    64 KiB buffer)
     echoapp -s     a minimal STARTTLS server on the UCSPI-TLS interface:
                    send "220 ready", read one line (byte by byte, so that
                    nothing past it is consumed), answer "220 go", write
                    'y' to SSLCTLFD, then echo SSLREADFD to SSLWRITEFD
                    until end of file.

   Exit 0 on a clean end, 1 on a protocol error, 111 on a system call
   failure. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[65536] ;

static int envfd (char const *name)
{
  char const *s = getenv(name) ;
  if (!s) _exit(1) ;
  return atoi(s) ;
}

static int writeall (int fd, char const *s, size_t n)
{
  while (n)
  {
    ssize_t w = write(fd, s, n) ;
    if (w == -1) { if (errno == EINTR) continue ; return -1 ; }
    s += w ; n -= (size_t)w ;
  }
  return 0 ;
}

static int copy (int from, int to)
{
  for (;;)
  {
    ssize_t r = read(from, buf, sizeof(buf)) ;
    if (r == -1) { if (errno == EINTR) continue ; return 111 ; }
    if (!r) return 0 ;
    if (writeall(to, buf, (size_t)r) == -1) return 111 ;
  }
}

int main (int argc, char **argv)
{
  static char const hello[] = "220 ready\r\n", go[] = "220 go\r\n" ;
  int ctl, rfd, wfd ;
  char c ;
  if (argc < 2 || strcmp(argv[1], "-s")) return copy(0, 1) ;
  ctl = envfd("SSLCTLFD") ; rfd = envfd("SSLREADFD") ; wfd = envfd("SSLWRITEFD") ;
  if (writeall(1, hello, sizeof(hello) - 1) == -1) return 111 ;
  do if (read(0, &c, 1) != 1) return 1 ; while (c != '\n') ;
  if (writeall(1, go, sizeof(go) - 1) == -1) return 111 ;
  if (write(ctl, "y", 1) != 1) return 111 ;
  return copy(rfd, wfd) ;
}
