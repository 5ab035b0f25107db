/* ISC license. */

/* floor.c: the least that a process per connection costs. Built static,
   like ucspitlsd, it starts N copies of itself (fork, then exec, as
   tcpserver starts ucspitlsd) that only wait, as a TLS child waits on an
   idle connection; prints "ready N"; and on end of file on stdin kills
   them and exits. The bench takes their PSS as the floor under any
   program that keeps a process per connection.

     floor N    (floor -w is one of the copies) */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

int main (int argc, char **argv)
{
  int n ;
  pid_t *pids ;
  char c ;
  if (argc > 1 && !strcmp(argv[1], "-w")) for (;;) pause() ;
  n = argc > 1 ? atoi(argv[1]) : 0 ;
  if (n <= 0) { fputs("floor: usage: floor N\n", stderr) ; return 100 ; }
  pids = malloc(n * sizeof(pid_t)) ;
  if (!pids) return 111 ;
  for (int i = 0 ; i < n ; i++)
  {
    pids[i] = fork() ;
    if (pids[i] == -1) { perror("floor: fork") ; return 111 ; }
    if (!pids[i])
    {
      execl("/proc/self/exe", argv[0], "-w", (char *)0) ;
      _exit(111) ;
    }
  }
  printf("ready %d\n", n) ;
  fflush(stdout) ;
  while (read(0, &c, 1) > 0) ;
  for (int i = 0 ; i < n ; i++) kill(pids[i], SIGKILL) ;
  for (int i = 0 ; i < n ; i++) waitpid(pids[i], 0, 0) ;
  return 0 ;
}
