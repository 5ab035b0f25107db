/* ISC license. */

/* ucspitlsc: UCSPI-TLS, client side. Runs under tcpclient or
   s6-tcpclient with the connection on fds 6 and 7, and chain-loads prog.
   With -C, checks the configuration once and exits. The server's
   certificate is checked by a policy: PKIX on CAFILE/CADIR, DANE on
   TLSA, or, with -n, either told and not enforced. */

#include <string.h>

#include <skalibs/sgetopt.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "ucspitls.h"

#define USAGE "ucspitlsc [ -i ] [ -K ms ] [ -I ms ] [ -S | -s ] [ -J | -j ] [ -Y | -y ] [ -k name | -N ] [ -n ] [ -a names ] [ -Z | -z ] [ -v 0|1|2 ] [ -6 fd ] [ -7 fd ] prog... | ucspitlsc -C [ -Y | -y ] [ -n ] [ -v 0|1|2 ] | ucspitlsc -V"
#define dieusage() strerr_dieusage(UCSPITLS_EXIT_USAGE, USAGE)

static unsigned int fdarg (char const *s)
{
  unsigned int u ;
  size_t n = uint_scan(s, &u) ;
  if (!n || s[n] || u > 1023) dieusage() ;
  return u ;
}

int main (int argc, char const *const *argv, char const *const *envp)
{
  tlsopts o = TLSOPTS_ZERO ;
  subgetopt l = SUBGETOPT_ZERO ;
  unsigned int netr = 6, netw = 7 ;
  int anyname = 0, netok ;
  PROG = "ucspitlsc" ;
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "iK:I:SsJjYyk:NnZzv:6:7:CVa:", &l) ;
    int r ;
    if (opt == -1) break ;
    r = tlsopts_common(&o, opt, l.arg) ;
    if (r == 1) continue ;
    if (r == -1) dieusage() ;
    switch (opt)
    {
      case 'Y' : o.clientcert = 0 ; break ;
      case 'y' : o.clientcert = 1 ; break ;
      case 'k' :
        if (!*l.arg) dieusage() ;
        if (strlen(l.arg) > 255)  /* what SNI and BearSSL carry: every handshake would fail */
          strerr_dief(UCSPITLS_EXIT_USAGE, "the server name given to -k is longer than 255 bytes") ;
        o.servername = l.arg ; anyname = 0 ; break ;
      case 'N' : o.servername = 0 ; anyname = 1 ; break ;
      case 'n' : o.noverify = 1 ; break ;
      case '6' : netr = fdarg(l.arg) ; break ;
      case '7' : netw = fdarg(l.arg) ; break ;
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
    tls_client_check(&o, envp) ;
  }
  if (!argc) dieusage() ;
  if (!o.servername && !anyname && !o.noverify)
    strerr_dief(UCSPITLS_EXIT_USAGE, "no server name to check: give -k name, or -N to accept a certificate for any name") ;
  netok = wrapper_fds((int)netr, (int)netw) ;
  log_peer(&o, peer_string(envp, (int)netr)) ;
  tlsopts_ids(&o, envp) ;
  wrapper_nocore(1) ;
  tls_client_load(&o, envp) ;
  wrapper_nocore(0) ;
  wrapper_netok(netok) ;
  wrapper_run(&o, argv, envp, (int)netr, (int)netw, &tls_client_key, &tls_client_run) ;
}
