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
#include <sys/prctl.h>
#include <sys/resource.h>
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

static char const *const confvars[] = { "CERTFILE", "KEYFILE", "CAFILE", "CADIR", "TLS_UID", "TLS_GID",
  "TLS_SESSION_CACHE", "TLS_SESSION_LIFETIME", "TLS_SESSION_FILE", "TLSA", 0 } ;

int wrapper_is_confvar (char const *s)
{
  for (char const *const *p = confvars ; *p ; p++)
  {
    size_t n ;
    if (**p != *s) continue ;  /* most of an environment, at its first byte */
    n = strlen(*p) ;
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

 /* a string from the TLS child's facts block that prog may see: a
    documented fact, its first time in the block, with a value that our
    escaping may have written (valid UTF-8, no control byte). The child
    reads the network: whatever else it sends (LD_PRELOAD, PATH, a
    second value for a fact, ...) never reaches a prog that the parent,
    maybe as root, executes. Each string dropped gets a warning. */
static int fact_ok (char const *add, size_t i)
{
  char const *s = add + i ;
  char const *eq = strchr(s, '=') ;
  char name[32] ;
  size_t n ;
  if (!eq || !facts_is_var(s))
  {
    log_warnw("dropped a string of the TLS child's facts block that is not a fact of ours") ;
    return 0 ;
  }
  n = eq - s ;
  if (n >= sizeof(name)) n = sizeof(name) - 1 ;  /* cannot happen: the names are ours */
  memcpy(name, s, n) ; name[n] = 0 ;
  for (size_t j = 0 ; j < i ; j += strlen(add + j) + 1)
    if (!strncmp(add + j, s, eq - s + 1))
    {
      log_warnw("dropped a repeated fact of the TLS child's facts block (the first is kept): ", name) ;
      return 0 ;
    }
  if (!facts_value_ok(eq + 1))
  {
    log_warnw("dropped a fact of the TLS child's facts block whose value is not valid UTF-8 or holds a control byte: ", name) ;
    return 0 ;
  }
  return 1 ;
}

 /* prog's environment: ours, less the configuration (unless -Z) and any
    stale UCSPI-TLS variable, plus what is added (the SSL*FD variables,
    or the facts). UCSPITLS, which UCSPI-TLS applications read before
    they offer STARTTLS, is set empty in delayed mode unless the operator
    set it, and removed in immediate mode, where TLS is on already.
    Under inetd or systemd, the TCP variables that tcpserver would have
    set come from the socket (peer.c). The array is small, the caller's
    (ENV_SMALL pointers on its stack), when it is large enough: no
    allocator to start, and no fresh page to map, for a process that
    executes prog next; else, or if small is 0, it is allocated. */
#define ENV_SMALL 128
static char const **make_env (tlsopts const *o, char const *const *envp, char const *add, size_t addlen, char const **small)
{
  size_t n = 2, k = 0 ;
  int ucspitls = 0 ;
  char const **e ;
  for (char const *const *p = envp ; *p ; p++) n++ ;
  for (size_t i = 0 ; i < addlen ; i++) if (!add[i]) n++ ;
  for (size_t i = 0 ; i < o->peerenvlen ; i++) if (!o->peerenv[i]) n++ ;
  e = small && n <= ENV_SMALL ? small : malloc(n * sizeof(char const *)) ;
  if (!e) log_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
  for (char const *const *p = envp ; *p ; p++)
  {
    if (!o->keepenv && wrapper_is_confvar(*p)) continue ;
    if (facts_is_var(*p) || is_ctlvar(*p)) continue ;
    if (!strncmp(*p, "UCSPITLS", 8) && (!(*p)[8] || (*p)[8] == '='))
    {
      if (o->immediate) continue ;
      ucspitls = 1 ;
    }
    e[k++] = *p ;
  }
  if (!o->immediate && !ucspitls) e[k++] = "UCSPITLS=" ;
  for (size_t i = 0 ; i < o->peerenvlen ; i += strlen(o->peerenv + i) + 1) e[k++] = o->peerenv + i ;
  for (size_t i = 0 ; i < addlen && add[i] ; i += strlen(add + i) + 1)
  {
    if (!o->immediate) e[k++] = add + i ;
    else if (!strncmp(add + i, "SSL_PADDING=", 12)) continue ;  /* for the halfway reader of a block only */
    else if (fact_ok(add, i)) e[k++] = add + i ;
  }
  e[k] = 0 ;
  return e ;
}

 /* the TLS child, before the handshake: it forks the key process, which
    needs our ids to read the key, and then drops them, before it touches
    the network */
static void child_start (tlsopts const *o, char const *const *envp, tlskey_func *key)
{
  if (o->verbosity < 2) log_start() ;  /* see child_begin */
  (*key)(o, envp) ;
  ids_drop(o, 0) ;
}

 /* 0, 1 and 2 are made open (on /dev/null) if they are not, before any
    fd is allocated: an fd that we hand out must never land on 0, 1 or 2,
    where prog would take it for its stdin, stdout or stderr (and
    UCSPI-TLS applications take 0 for "no fd"). Returns whether the
    network fds were open: the caller says so after the configuration
    check, whose message is the more useful one. */
int wrapper_fds (int netr, int netw)
{
  int open3[3], ok ;
  for (int fd = 0 ; fd < 3 ; fd++) open3[fd] = fcntl(fd, F_GETFD) != -1 ;
  ok = (netr < 3 ? open3[netr] : fcntl(netr, F_GETFD) != -1)
    && (netw < 3 ? open3[netw] : fcntl(netw, F_GETFD) != -1) ;
  for (int fd = 0 ; fd < 3 ; fd++)
  {
    int n ;
    if (open3[fd]) continue ;
    n = open2("/dev/null", O_RDWR) ;
    if (n == -1 || (n != fd && fd_move(fd, n) == -1)) log_diefusys(UCSPITLS_EXIT_SYS, "open /dev/null") ;
  }
  return ok ;
}

/* While this process reads and checks a key: not dumpable, no core
   file. prog gets the core limit back; exec makes it dumpable again. */
void wrapper_nocore (int on)
{
  static struct rlimit saved ;
  static int have = 0 ;
  if (on)
  {
    struct rlimit none ;
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) log_diefusys(UCSPITLS_EXIT_SYS, "make the process non-dumpable") ;
    if (getrlimit(RLIMIT_CORE, &saved) == -1) log_diefusys(UCSPITLS_EXIT_SYS, "getrlimit") ;
    if (!saved.rlim_cur) return ;  /* no core already, as supervisors often start us: nothing to set back either */
    have = 1 ;
    none.rlim_cur = 0 ; none.rlim_max = saved.rlim_max ;
    if (setrlimit(RLIMIT_CORE, &none) == -1) log_diefusys(UCSPITLS_EXIT_SYS, "setrlimit") ;
  }
  else if (have && setrlimit(RLIMIT_CORE, &saved) == -1) log_diefusys(UCSPITLS_EXIT_SYS, "setrlimit") ;
}

void wrapper_netok (int ok)
{
  if (!ok) log_dief(UCSPITLS_EXIT_USAGE, "the network fds are not open") ;
}

static void fmtvar (char *s, char const *name, int fd)
{
  size_t n = strlen(name) ;
  memcpy(s, name, n) ;
  s[n++] = '=' ;
  s[n + uint_fmt(s + n, (unsigned int)fd)] = 0 ;
}

/* The clock starts here for the -v2 line, whose duration is the
   connection's; else at the handshake (child_start), for its timeouts:
   a session that never asks for TLS reads no clock (the first reading
   maps the vDSO's pages: four page faults in a child that has few). */
static void child_begin (tlsopts const *o, int netr, int netw)
{
  log_fd2_away(netr, netw) ;
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) log_diefusys(UCSPITLS_EXIT_SYS, "ignore SIGPIPE") ;
  if (o->verbosity >= 2) log_start() ;
}

static void delayed (tlsopts const *o, char const *const *argv, char const *const *envp, int netr, int netw, tlskey_func *key, tlsrun_func *run)
{
  int ctl[2], in[2], out[2] ;  /* in: prog -> child; out: child -> prog */
  char add[3 * (12 + UINT_FMT)] ;
  char const *small[ENV_SMALL] ;
  size_t len = 0 ;
  pid_t pid ;
   /* not close-on-exec: each process closes the other's ends before it
      goes on, and the child executes nothing */
  if (ipc_pair_b(ctl) == -1 || pipe_internal(in, 0) == -1 || pipe_internal(out, 0) == -1)
    log_diefusys(UCSPITLS_EXIT_SYS, "create the UCSPI-TLS channels") ;
  fmtvar(add + len, "SSLCTLFD", ctl[1]) ; len += strlen(add + len) + 1 ;
  fmtvar(add + len, "SSLREADFD", out[0]) ; len += strlen(add + len) + 1 ;
  fmtvar(add + len, "SSLWRITEFD", in[1]) ; len += strlen(add + len) + 1 ;
  pid = fork() ;
  if (pid == -1) log_diefusys(UCSPITLS_EXIT_SYS, "fork") ;
  if (!pid)
  {
    ctlstate c = { .fd = ctl[0], .block = 0 } ;
    tlsfds fds = { .netr = netr, .netw = netw, .appr = in[0], .appw = out[1], .appsock = 0 } ;
    int b ;
    fd_close(ctl[1]) ; fd_close(in[1]) ; fd_close(out[0]) ;
    child_begin(o, netr, netw) ;
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
      log_warnf("control protocol error: prog wrote byte ", h, " on SSLCTLFD, not y or Y") ;
      log_end(o, &nofacts, 0, 0, "protocol-error") ;
      _exit(UCSPITLS_EXIT_USAGE) ;
    }
    c.block = b == 'Y' ;
    child_start(o, envp, key) ;
    (*run)(o, &fds, &ctl_ready, &c) ;
  }
  fd_close(ctl[0]) ; fd_close(in[0]) ; fd_close(out[1]) ;
  xexec_ae(argv[0], argv, (char const *const *)make_env(o, envp, add, len, small)) ;
}

/* the parent of immediate mode: the facts block, then prog. Its buffer
   is in a frame of its own, so that the TLS child's stack does not start
   below it. */
static void immediate_prog (tlsopts const *o, char const *const *argv, char const *const *envp, int netr, int netw, int rep, int progr, int progw, pid_t pid) __attribute__((noinline, noreturn)) ;
static void immediate_prog (tlsopts const *o, char const *const *argv, char const *const *envp, int netr, int netw, int rep, int progr, int progw, pid_t pid)
{
  char block[FACTS_BLOCK_MAX + 1] ;
  char const *small[ENV_SMALL] ;
  size_t len = 0 ;
  for (;;)
  {
    ssize_t r = fd_read(rep, block + len, sizeof(block) - len) ;
    if (r == -1) log_diefusys(UCSPITLS_EXIT_SYS, "read from the TLS child") ;
    if (!r) break ;
    len += r ;
    if (len == sizeof(block)) break ;
  }
  fd_close(rep) ;
  if (!len || block[len - 1] || (len > 1 && block[len - 2]))
  {
    /* no block: the handshake failed, and the child said why */
    int wstat ;
    if (waitpid(pid, &wstat, 0) == -1) log_diefusys(UCSPITLS_EXIT_SYS, "wait for the TLS child") ;
    if (WIFSIGNALED(wstat))
    {
      /* it could say nothing: a crash, or a kill */
      char fmt[UINT_FMT] ;
      fmt[uint_fmt(fmt, (unsigned int)WTERMSIG(wstat))] = 0 ;
      log_dief(UCSPITLS_EXIT_SYS, "the TLS child was killed by signal ", fmt) ;
    }
    _exit(WIFEXITED(wstat) ? (WEXITSTATUS(wstat) ? WEXITSTATUS(wstat) : UCSPITLS_EXIT_TLS) : UCSPITLS_EXIT_SYS) ;
  }
  {
    /* fd 2 the connection (inetd): prog's is the clear stream too */
    int err2 = log_fd2_is_net(netr, netw) ;
    if (fd_move(netr, progr) == -1 || (netw != netr && fd_move(netw, progw) == -1)
     || (err2 && fd_copy(2, netw) == -1))
      log_diefusys(UCSPITLS_EXIT_SYS, "move fds") ;
  }
  xexec_ae(argv[0], argv, (char const *const *)make_env(o, envp, block, len, small)) ;
}

/* prog's decrypted stream: two pipes, or, when one fd is the network
   both ways (ucspitlsc -6 N -7 N), one socket, as the network was */
static void immediate (tlsopts const *o, char const *const *argv, char const *const *envp, int netr, int netw, tlskey_func *key, tlsrun_func *run)
{
  int rep[2], in[2], out[2] ;  /* in: prog -> child; out: child -> prog */
  int same = netr == netw ;
  pid_t pid ;
  if (ipc_pair_coe(rep) == -1) log_diefusys(UCSPITLS_EXIT_SYS, "create a socketpair") ;
  if (same)
  {
    if (ipc_pair_coe(in) == -1) log_diefusys(UCSPITLS_EXIT_SYS, "create a socketpair") ;
    out[0] = in[1] ;
    out[1] = dup(in[0]) ;
    if (out[1] == -1 || coe(out[1]) == -1) log_diefusys(UCSPITLS_EXIT_SYS, "dup") ;
  }
  else if (pipecoe(in) == -1 || pipecoe(out) == -1) log_diefusys(UCSPITLS_EXIT_SYS, "create the pipes") ;
  pid = fork() ;
  if (pid == -1) log_diefusys(UCSPITLS_EXIT_SYS, "fork") ;
  if (!pid)
  {
    ctlstate c = { .fd = rep[0], .block = 1 } ;
    tlsfds fds = { .netr = netr, .netw = netw, .appr = in[0], .appw = out[1], .appsock = same } ;
    fd_close(rep[1]) ; fd_close(in[1]) ; if (!same) fd_close(out[0]) ;
    child_begin(o, netr, netw) ;
    child_start(o, envp, key) ;
    (*run)(o, &fds, &ctl_ready, &c) ;
  }
  fd_close(rep[0]) ; fd_close(in[0]) ; fd_close(out[1]) ;
  immediate_prog(o, argv, envp, netr, netw, rep[1], out[0], in[1], pid) ;
}

void wrapper_run (tlsopts const *o, char const *const *argv, char const *const *envp, int netr, int netw, tlskey_func *key, tlsrun_func *run)
{
  if (o->immediate) immediate(o, argv, envp, netr, netw, key, run) ;
  else delayed(o, argv, envp, netr, netw, key, run) ;
  _exit(UCSPITLS_EXIT_SYS) ;  /* not reached */
}
