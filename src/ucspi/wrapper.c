/* ISC license. */

/* wrapper.c: the process plumbing that both programs share. The wrapper
   forks; the parent execs prog, which keeps the pid that the UCSPI tool
   gave the connection; the child does the TLS. Delayed mode: prog starts
   at once with SSLCTLFD, SSLREADFD, SSLWRITEFD. Immediate mode: the
   parent waits for the handshake (the child reports it as for 'Y'), then
   prog finds the clear stream where the network fds were. */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/env.h>
#include <skalibs/exec.h>
#include <skalibs/socket.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "ucspitls.h"

/* for the log line of a session that never reached TLS */
static facts const nofacts ;

static char const *const confvars[] = { "CERTFILE", "KEYFILE", "CAFILE", "CADIR", "TLS_UID", "TLS_GID", 0 } ;

int wrapper_is_confvar (char const *s)
{
  for (char const *const *p = confvars ; *p ; p++)
  {
    size_t n = strlen(*p) ;
    if (strncmp(s, *p, n)) continue ;
    if (s[n] == '=' || !s[n]) return 1 ;
    if (s[n] == ':' && (!strcmp(*p, "CERTFILE") || !strcmp(*p, "KEYFILE"))) return 1 ;  /* CERTFILE:name, KEYFILE:name */
  }
  return 0 ;
}

static int is_ctlvar (char const *s)
{
  return !strncmp(s, "SSLCTLFD=", 9) || !strncmp(s, "SSLREADFD=", 10) || !strncmp(s, "SSLWRITEFD=", 11) ;
}

 /* prog's environment: ours, less the configuration (unless -Z) and any
    stale UCSPI-TLS variable, plus the block's strings */

static char const **make_env (tlsopts const *o, char const *const *envp, char const *add, size_t addlen)
{
  size_t n = 0, k = 0 ;
  char const **e ;
  for (char const *const *p = envp ; *p ; p++) n++ ;
  for (size_t i = 0 ; i < addlen ; i++) if (!add[i]) n++ ;
  e = malloc((n + 1) * sizeof(char const *)) ;
  if (!e) strerr_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
  for (char const *const *p = envp ; *p ; p++)
  {
    if (!o->keepenv && wrapper_is_confvar(*p)) continue ;
    if (facts_is_var(*p) || is_ctlvar(*p)) continue ;
    e[k++] = *p ;
  }
  for (size_t i = 0 ; i < addlen && add[i] ; i += strlen(add + i) + 1) e[k++] = add + i ;
  e[k] = 0 ;
  return e ;
}

static void getid (char const *const *envp, char const *var, unsigned int *id, int *set)
{
  char const *s = env_get2(envp, var) ;
  size_t n ;
  *set = 0 ;
  if (!s) return ;
  n = uint_scan(s, id) ;
  if (!n || s[n]) strerr_dief(UCSPITLS_EXIT_CONF, "invalid ", var, ": ", s) ;
  *set = 1 ;
}

 /* TLS_UID and TLS_GID are configuration: checked before prog runs */
typedef struct ids_s ids, *ids_ref ;
struct ids_s
{
  unsigned int uid, gid ;
  int uidset, gidset ;
} ;

static void getids (char const *const *envp, ids *id)
{
  getid(envp, "TLS_UID", &id->uid, &id->uidset) ;
  getid(envp, "TLS_GID", &id->gid, &id->gidset) ;
}

 /* the TLS child: before it touches the network */
static void child_setup (tlsopts const *o, ids const *id)
{
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) strerr_diefusys(UCSPITLS_EXIT_SYS, "ignore SIGPIPE") ;
  if ((id->uidset || id->gidset) && geteuid())
  {
    if (o->verbosity) strerr_warnw("TLS_UID/TLS_GID ignored: not running as root") ;
  }
  else if (id->uidset || id->gidset)
  {
    if (setgroups(0, 0) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "clear supplementary groups") ;
    if (id->gidset && setgid(id->gid) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "setgid") ;
    if (id->uidset && setuid(id->uid) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "setuid") ;
  }
  log_start() ;
}

static void check_fds (int netr, int netw)
{
  if (fcntl(netr, F_GETFD) == -1 || fcntl(netw, F_GETFD) == -1)
    strerr_dief(UCSPITLS_EXIT_USAGE, "the network fds are not open") ;
  if (fcntl(2, F_GETFD) == -1)
  {
    int fd = open_write("/dev/null") ;
    if (fd == -1 || (fd != 2 && fd_move(2, fd) == -1)) strerr_diefusys(UCSPITLS_EXIT_SYS, "open /dev/null") ;
  }
}

static void fmtvar (char *s, char const *name, int fd)
{
  size_t n = strlen(name) ;
  memcpy(s, name, n) ;
  s[n++] = '=' ;
  s[n + uint_fmt(s + n, (unsigned int)fd)] = 0 ;
}

static void delayed (tlsopts const *o, ids const *id, char const *const *argv, char const *const *envp, int netr, int netw, tlsrun_func *run)
{
  int ctl[2], in[2], out[2] ;  /* in: prog -> child; out: child -> prog */
  char add[3 * (12 + UINT_FMT)] ;
  size_t len = 0 ;
  pid_t pid ;
  if (ipc_pair_coe(ctl) == -1 || pipecoe(in) == -1 || pipecoe(out) == -1)
    strerr_diefusys(UCSPITLS_EXIT_SYS, "create the UCSPI-TLS channels") ;
  fmtvar(add + len, "SSLCTLFD", ctl[1]) ; len += strlen(add + len) + 1 ;
  fmtvar(add + len, "SSLREADFD", out[0]) ; len += strlen(add + len) + 1 ;
  fmtvar(add + len, "SSLWRITEFD", in[1]) ; len += strlen(add + len) + 1 ;
  pid = fork() ;
  if (pid == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "fork") ;
  if (!pid)
  {
    ctlstate c = { .fd = ctl[0], .block = 0 } ;
    tlsfds fds = { .netr = netr, .netw = netw, .appr = in[0], .appw = out[1] } ;
    int b ;
    fd_close(ctl[1]) ; fd_close(in[1]) ; fd_close(out[0]) ;
    child_setup(o, id) ;
    b = ctl_wait(ctl[0]) ;
    if (b == -1)
    {
      log_end(o, &nofacts, 0, 0, "declined") ;
      _exit(0) ;
    }
    if (b != 'y' && b != 'Y')
    {
      static char const hex[] = "0123456789abcdef" ;
      char h[5] = { '0', 'x', hex[(b >> 4) & 15], hex[b & 15], 0 } ;
      strerr_warn(PROG, ": fatal: control protocol error: prog wrote byte ", h, " on SSLCTLFD, not y or Y") ;
      log_end(o, &nofacts, 0, 0, "protocol-error") ;
      _exit(UCSPITLS_EXIT_USAGE) ;
    }
    c.block = b == 'Y' ;
    (*run)(o, &fds, &ctl_ready, &c) ;
  }
  fd_close(ctl[0]) ; fd_close(in[0]) ; fd_close(out[1]) ;
  if (uncoe(ctl[1]) == -1 || uncoe(in[1]) == -1 || uncoe(out[0]) == -1)
    strerr_diefusys(UCSPITLS_EXIT_SYS, "uncoe") ;
  xexec_ae(argv[0], argv, (char const *const *)make_env(o, envp, add, len)) ;
}

/* the parent of immediate mode: the facts block, then prog. Its buffer
   is in a frame of its own, so that the TLS child's stack does not start
   below it. */
static void immediate_prog (tlsopts const *o, char const *const *argv, char const *const *envp, int netr, int netw, int rep, int in, int out, pid_t pid) __attribute__((noinline, noreturn)) ;
static void immediate_prog (tlsopts const *o, char const *const *argv, char const *const *envp, int netr, int netw, int rep, int in, int out, pid_t pid)
{
  char block[FACTS_BLOCK_MAX + 1] ;
  size_t len = 0 ;
  for (;;)
  {
    ssize_t r = fd_read(rep, block + len, sizeof(block) - len) ;
    if (r == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "read from the TLS child") ;
    if (!r) break ;
    len += r ;
    if (len == sizeof(block)) break ;
  }
  fd_close(rep) ;
  if (!len || block[len - 1] || (len > 1 && block[len - 2]))
  {
    /* no block: the handshake failed, and the child said why */
    int wstat ;
    if (waitpid(pid, &wstat, 0) == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "wait for the TLS child") ;
    _exit(WIFEXITED(wstat) ? (WEXITSTATUS(wstat) ? WEXITSTATUS(wstat) : UCSPITLS_EXIT_TLS) : UCSPITLS_EXIT_SYS) ;
  }
  if (fd_move(netr, out) == -1 || fd_move(netw, in) == -1)
    strerr_diefusys(UCSPITLS_EXIT_SYS, "move fds") ;
  xexec_ae(argv[0], argv, (char const *const *)make_env(o, envp, block, len)) ;
}

static void immediate (tlsopts const *o, ids const *id, char const *const *argv, char const *const *envp, int netr, int netw, tlsrun_func *run)
{
  int rep[2], in[2], out[2] ;
  pid_t pid ;
  if (ipc_pair_coe(rep) == -1 || pipecoe(in) == -1 || pipecoe(out) == -1)
    strerr_diefusys(UCSPITLS_EXIT_SYS, "create the pipes") ;
  pid = fork() ;
  if (pid == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "fork") ;
  if (!pid)
  {
    ctlstate c = { .fd = rep[0], .block = 1 } ;
    tlsfds fds = { .netr = netr, .netw = netw, .appr = in[0], .appw = out[1] } ;
    fd_close(rep[1]) ; fd_close(in[1]) ; fd_close(out[0]) ;
    child_setup(o, id) ;
    (*run)(o, &fds, &ctl_ready, &c) ;
  }
  fd_close(rep[0]) ; fd_close(in[0]) ; fd_close(out[1]) ;
  immediate_prog(o, argv, envp, netr, netw, rep[1], in[1], out[0], pid) ;
}

void wrapper_run (tlsopts const *o, char const *const *argv, char const *const *envp, int netr, int netw, tlsrun_func *run)
{
  ids id ;
  getids(envp, &id) ;
  check_fds(netr, netw) ;
  if (o->immediate) immediate(o, &id, argv, envp, netr, netw, run) ;
  else delayed(o, &id, argv, envp, netr, netw, run) ;
  _exit(UCSPITLS_EXIT_SYS) ;  /* not reached */
}
