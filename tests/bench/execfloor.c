/* ISC license. */

/* execfloor.c: the least that a program between tcpserver and prog
   costs. Built static, like ucspitlsd, it does nothing but exec its
   arguments: what is left of a connection's cost is one more exec of a
   static program (the kernel's exec and the C library's start-up). The
   bench runs tcpserver execfloor cat beside tcpserver ucspitlsd cat.

   With -f, it first forks a child that waits on a socket whose other end
   prog holds, and goes when prog has gone, as a UCSPI-TLS server's TLS
   process waits for STARTTLS on the control channel: the least that a
   delayed-mode session that never asks for TLS costs, whatever the
   implementation, since the process that would do the TLS must exist
   before prog runs.

     execfloor [ -f ] prog args... */

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

int main (int argc, char **argv)
{
  int fork1 = argc > 1 && !strcmp(argv[1], "-f") ;
  if (fork1) { argc-- ; argv++ ; }
  if (argc < 2)
  {
    fputs("execfloor: usage: execfloor [ -f ] prog args...\n", stderr) ;
    return 100 ;
  }
  if (fork1)
  {
    int s[2] ;
    pid_t pid ;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) == -1) { perror("execfloor: fatal: unable to socketpair") ; return 111 ; }
    pid = fork() ;
    if (pid == -1) { perror("execfloor: fatal: unable to fork") ; return 111 ; }
    if (!pid)
    {
      char c ;
      close(s[1]) ;
      while (read(s[0], &c, 1) > 0) ;
      _exit(0) ;
    }
    close(s[0]) ;
  }
  execv(argv[1], argv + 1) ;
  perror("execfloor: fatal: unable to exec") ;
  return 111 ;
}
