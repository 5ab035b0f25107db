/* ISC license. */

/* adapt_proc.c: the real server's processes. One runs in plaintext; at
   the switch it is ended and a fresh one runs on the TLS stream, with
   the facts in its environment (adapt_facts.c). Each gets its stdin and
   stdout on pipes from us, and no fd of ours. */

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include <skalibs/djbunix.h>
#include <skalibs/exec.h>
#include <skalibs/sig.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "ucspitls.h"
#include "adapt-internal.h"

void adapt_proc_spawn (adapt *c)
{
  int in[2], out[2] ;
  char const **env = adapt_env(c->envp, c->block, c->blocklen) ;
  if (pipecoe(in) == -1 || pipecoe(out) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "create pipes") ;
  c->pid = fork() ;
  if (c->pid == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "fork") ;
  if (!c->pid)
  {
    if (fd_copy(0, in[0]) == -1 || fd_copy(1, out[1]) == -1)
      strerr_diefusys(UCSPITLS_EXIT_SYS, "set up the server's stdin and stdout") ;
    sig_restore(SIGPIPE) ;
    xexec_ae(c->argv[0], c->argv, env) ;
  }
  free(env) ;
  fd_close(in[0]) ; fd_close(out[1]) ;
  if (ndelay_on(in[1]) == -1 || ndelay_on(out[0]) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "ndelay_on") ;
  c->sw = in[1] ;
  c->sr = out[0] ;
}

void adapt_proc_close (adapt *c)
{
  if (c->sw >= 0) fd_close(c->sw) ;
  if (c->sr >= 0) fd_close(c->sr) ;
  c->sw = c->sr = -1 ;
}

void adapt_proc_end (adapt *c)
{
  adapt_proc_close(c) ;
  kill(c->pid, SIGTERM) ;
  adapt_proc_reap_old(c, 1) ;
  wait_pid(c->pid, 0) ;
}

void adapt_proc_reap_old (adapt *c, int now)
{
  int wstat ;
  if (!c->oldpid) return ;
  if (now) kill(c->oldpid, SIGKILL) ;
  /* that pid only: skalibs' wait_pid_nohang reaps any child on its way,
     and would take the new server's status from adapt_proc_finish */
  if (waitpid_nointr(c->oldpid, &wstat, now ? 0 : WNOHANG)) c->oldpid = 0 ;
}

 /* the session is over: the server's exit code is ours */
void adapt_proc_finish (adapt *c)
{
  int wstat ;
  adapt_proc_close(c) ;
  adapt_proc_reap_old(c, 1) ;
  if (wait_pid(c->pid, &wstat) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "wait for the server") ;
  if (WIFSIGNALED(wstat) && !c->r->endserver)  /* not our own SIGTERM */
  {
    char fmt[UINT_FMT] ;
    fmt[uint_fmt(fmt, (unsigned int)WTERMSIG(wstat))] = 0 ;
    strerr_dief(UCSPITLS_EXIT_SYS, "the server was killed by signal ", fmt) ;
  }
  _exit(WIFEXITED(wstat) ? WEXITSTATUS(wstat) : UCSPITLS_EXIT_SYS) ;
}
