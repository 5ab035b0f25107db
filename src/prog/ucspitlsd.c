/* ISC license. */

/* ucspitlsd: UCSPI-TLS, server side. Runs under tcpserver, s6-tcpserver
   or tcpsvd with the connection on fds 0 and 1, and chain-loads prog.
   With -C, checks the whole configuration once and exits. */

#include <string.h>

#include <skalibs/env.h>
#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "ucspitls.h"

#define USAGE "ucspitlsd [ -i ] [ -K ms ] [ -I ms ] [ -S | -s ] [ -J | -j ] [ -Y | -y ] [ -k 0|1|2 ] [ -a names ] [ -Z | -z ] [ -v 0|1|2 ] prog... | ucspitlsd -C [ -Y | -y ] [ -k 0|1|2 ] | ucspitlsd -V"
#define dieusage() strerr_dieusage(UCSPITLS_EXIT_USAGE, USAGE)

 /* "IP:PORT" from tcpserver's variables, for the log line */
static char const *peer (char const *const *envp)
{
  static char buf[128] ;
  char const *ip = env_get2(envp, "TCPREMOTEIP") ;
  char const *port = env_get2(envp, "TCPREMOTEPORT") ;
  size_t n, m ;
  if (!ip) return 0 ;
  n = strlen(ip) ;
  m = port ? strlen(port) : 0 ;
  if (n + m + 2 > sizeof(buf)) return 0 ;
  memcpy(buf, ip, n) ;
  if (port) { buf[n++] = ':' ; memcpy(buf + n, port, m) ; n += m ; }
  buf[n] = 0 ;
  return buf ;
}

int main (int argc, char const *const *argv, char const *const *envp)
{
  tlsopts o = TLSOPTS_ZERO ;
  subgetopt l = SUBGETOPT_ZERO ;
  int netok ;
  PROG = "ucspitlsd" ;
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "iK:I:SsJjYyk:Zzv:CVa:", &l) ;
    int r ;
    if (opt == -1) break ;
    r = tlsopts_common(&o, opt, l.arg) ;
    if (r == 1) continue ;
    if (r == -1) dieusage() ;
    switch (opt)
    {
      case 'Y' : o.clientcert = 1 ; break ;
      case 'y' : o.clientcert = 2 ; break ;
      case 'k' :
      {
        unsigned int u ;
        size_t n = uint_scan(l.arg, &u) ;
        if (!n || l.arg[n] || u > 2) dieusage() ;
        o.snilevel = u ;
        break ;
      }
      case 'V' : ucspitls_version() ;
      default : dieusage() ;
    }
  }
  argc -= l.ind ; argv += l.ind ;
  if (o.check)
  {
    if (argc) dieusage() ;
    tlsopts_ids(&o, envp) ;
    wrapper_nocore(1) ;
    tls_server_check(&o, envp) ;
  }
  if (!argc) dieusage() ;
  netok = wrapper_fds(0, 1) ;
  tlsopts_ids(&o, envp) ;
  o.peer = peer(envp) ;
  wrapper_nocore(1) ;
  tls_server_load(&o, envp) ;
  wrapper_nocore(0) ;
  wrapper_netok(netok) ;
  wrapper_run(&o, argv, envp, 0, 1, &tls_server_key, &tls_server_run) ;
}
