/* ISC license. */

/* reaper.c: run a program as a child subreaper, so that the CPU time of
   every process it leads to is accounted, even of the ones that outlive
   their parent (ucspitlsd's and ucspitlsc's TLS child is a child of prog,
   which does not wait for it).

     reaper [-o FILE] prog args...

   Waits until prog and every orphan reparented to us have exited, then
   appends "cpu=SECONDS" (user + system of all of them) to FILE, if given,
   and exits with prog's exit code. While it runs, /proc/PID/stat of the
   reaper (cutime, cstime) holds the CPU time of the orphans reaped so
   far, and prog's own /proc/PID/stat the time of prog and its waited-for
   children: the bench adds them up for long-lived servers. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

int main (int argc, char **argv)
{
  char const *out = 0 ;
  int i = 1, rc = 111, wstat ;
  pid_t pid, w ;
  if (argc > 2 && !strcmp(argv[1], "-o")) { out = argv[2] ; i = 3 ; }
  if (i >= argc)
  {
    fputs("reaper: usage: reaper [-o FILE] prog args...\n", stderr) ;
    return 100 ;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
  {
    fprintf(stderr, "reaper: fatal: unable to become a subreaper: %s\n", strerror(errno)) ;
    return 111 ;
  }
  pid = fork() ;
  if (pid == -1) { perror("reaper: fatal: unable to fork") ; return 111 ; }
  if (!pid)
  {
    execvp(argv[i], argv + i) ;
    fprintf(stderr, "reaper: fatal: unable to exec %s: %s\n", argv[i], strerror(errno)) ;
    _exit(111) ;
  }
  for (;;)
  {
    w = wait(&wstat) ;
    if (w == -1) { if (errno == EINTR) continue ; break ; }
    if (w == pid) rc = WIFEXITED(wstat) ? WEXITSTATUS(wstat) : 128 + WTERMSIG(wstat) ;
  }
  if (out)
  {
    struct rusage ru ;
    char line[64] ;
    int n, fd ;
    getrusage(RUSAGE_CHILDREN, &ru) ;
    n = snprintf(line, sizeof(line), "cpu=%.6f\n",
      ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6) ;
    fd = open(out, O_WRONLY | O_APPEND | O_CREAT, 0644) ;
    if (fd == -1 || write(fd, line, n) != n) perror("reaper: warning: unable to write the result") ;
    if (fd >= 0) close(fd) ;
  }
  return rc ;
}
