/* ISC license. */

/* execfloor.c: the least that a program between tcpserver and prog
   costs. Built static, like ucspitlsd, it does nothing but exec its
   arguments: what is left of a connection's cost is one more exec of a
   static program (the kernel's exec and the C library's start-up). The
   bench runs tcpserver execfloor cat beside tcpserver ucspitlsd cat.

     execfloor prog args... */

#include <stdio.h>
#include <unistd.h>

int main (int argc, char **argv)
{
  if (argc < 2)
  {
    fputs("execfloor: usage: execfloor prog args...\n", stderr) ;
    return 100 ;
  }
  execv(argv[1], argv + 1) ;
  perror("execfloor: fatal: unable to exec") ;
  return 111 ;
}
