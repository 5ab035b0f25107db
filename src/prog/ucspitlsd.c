/* ISC license. */

/* ucspitlsd: UCSPI-TLS, server side. Runs under tcpserver, s6-tcpserver
   or tcpsvd with the connection on fds 0 and 1, and chain-loads prog.
   With -C, checks the whole configuration once and exits. */

#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "ucspitls.h"
#include "proxy.h"

#define USAGE "ucspitlsd [ -i ] [ -K ms ] [ -I ms ] [ -S | -s ] [ -J | -j ] [ -Y | -y ] [ -k 0|1|2 ] [ -a names ] [ -Z | -z ] [ -v 0|1|2 ] [ -p ] [ -x rules.cdb ] prog... | ucspitlsd -C [ -Y | -y ] [ -k 0|1|2 ] [ -x rules.cdb ] [ -v 0|1|2 ] | ucspitlsd -V"
#define dieusage() strerr_dieusage(UCSPITLS_EXIT_USAGE, USAGE)

int main (int argc, char const *const *argv, char const *const *envp)
{
  tlsopts o = TLSOPTS_ZERO ;
  subgetopt l = SUBGETOPT_ZERO ;
  int netok ;
  int proxy = 0 ;            /* -p */
  char const *rules = 0 ;    /* -x */
  PROG = "ucspitlsd" ;
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "iK:I:SsJjYyk:Zzv:CVpx:a:", &l) ;
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
      case 'p' : proxy = 1 ; break ;
      case 'x' : rules = l.arg ; break ;
      case 'V' : ucspitls_version() ;
      default : dieusage() ;
    }
  }
  argc -= l.ind ; argv += l.ind ;
  if (o.check)
  {
    if (argc) dieusage() ;
    if (rules) proxy_rules_check(rules) ;
    tlsopts_ids(&o, envp) ;
    wrapper_nocore(1) ;
    tls_server_check(&o, envp) ;
  }
  if (!argc) dieusage() ;
  netok = wrapper_fds(0, 1) ;
  log_peer(&o, peer_string(envp, 0)) ;
  tlsopts_ids(&o, envp) ;
  if (netok && (proxy || rules))
  {
    /* the client's address, from the header, for prog and every line */
    envp = proxy_start(&o, envp, 0, proxy, rules) ;
    log_peer(&o, peer_string(envp, 0)) ;
  }
  {
    static char penv[PEER_ENV_MAX] ;  /* inetd, systemd: what tcpserver would have said */
    o.peerenvlen = peer_env(envp, 0, penv) ;
    o.peerenv = penv ;
  }
  wrapper_nocore(1) ;
  tls_server_load(&o, envp) ;
  wrapper_nocore(0) ;
  wrapper_netok(netok) ;
  wrapper_run(&o, argv, envp, 0, 1, &tls_server_key, &tls_server_run) ;
}
