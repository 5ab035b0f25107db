/* ISC license. */

/* proxy_env.c: prog's environment once the PROXY header is read. The
   header's addresses replace TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP and
   TCPLOCALPORT; TCPREMOTEHOST and TCPREMOTEINFO, which described the
   balancer, go. The connection's own addresses, as the UCSPI server
   gave them, stay under PROXYREMOTEIP, PROXYREMOTEPORT (the balancer),
   PROXYLOCALIP and PROXYLOCALPORT. A LOCAL or UNKNOWN header (health
   checks) changes nothing but the PROXY* copies. Then the start-up
   runs on this environment: the log's peer is the client. */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <skalibs/env.h>
#include <skalibs/fmtscan.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "ucspitls.h"
#include "proxy.h"

static char const *const tcpvars[4] = { "TCPREMOTEIP", "TCPREMOTEPORT", "TCPLOCALIP", "TCPLOCALPORT" } ;
static char const *const proxyvars[4] = { "PROXYREMOTEIP", "PROXYREMOTEPORT", "PROXYLOCALIP", "PROXYLOCALPORT" } ;

static int named (char const *s, char const *name)
{
  size_t n = strlen(name) ;
  return !strncmp(s, name, n) && (s[n] == '=' || !s[n]) ;
}

static int dropped (char const *s, int replace)
{
  for (unsigned int i = 0 ; i < 4 ; i++)
    if (named(s, proxyvars[i]) || (replace && named(s, tcpvars[i]))) return 1 ;
  return replace && (named(s, "TCPREMOTEHOST") || named(s, "TCPREMOTEINFO")) ;
}

static char *var (char *s, char const *name, char const *value)
{
  size_t n = strlen(name), m = strlen(value) ;
  memcpy(s, name, n) ;
  s[n] = '=' ;
  memcpy(s + n + 1, value, m + 1) ;
  return s ;
}

static void fmtip (char *s, char const *ip, int ip6)
{
  s[ip6 ? ip6_fmt(s, ip) : ip4_fmt(s, ip)] = 0 ;
}

char const *const *proxy_env (proxyhdr const *h, char const *const *envp)
{
  static char store[8][16 + IP6_FMT + 1] ;
  char const **e ;
  size_t k = 0 ;
  e = malloc((env_len(envp) + 9) * sizeof(char const *)) ;
  if (!e) strerr_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
  for (char const *const *p = envp ; *p ; p++)
    if (!dropped(*p, !h->local)) e[k++] = *p ;
  for (unsigned int i = 0 ; i < 4 ; i++)
  {
    char const *v = env_get2(envp, tcpvars[i]) ;
    if (v && strlen(v) <= IP6_FMT) e[k++] = var(store[i], proxyvars[i], v) ;
  }
  if (!h->local)
  {
    char ip[IP6_FMT + 1] ;
    char port[UINT16_FMT] ;
    fmtip(ip, h->src, h->ip6) ; e[k++] = var(store[4], tcpvars[0], ip) ;
    port[uint16_fmt(port, h->sport)] = 0 ; e[k++] = var(store[5], tcpvars[1], port) ;
    fmtip(ip, h->dst, h->ip6) ; e[k++] = var(store[6], tcpvars[2], ip) ;
    port[uint16_fmt(port, h->dport)] = 0 ; e[k++] = var(store[7], tcpvars[3], port) ;
  }
  e[k] = 0 ;
  return e ;
}

 /* -p and -x, in ucspitlsd's start-up, before the log's peer is taken
    from the environment: the header, prog's environment from it, a
    quiet end for a health check in immediate mode, then the rules */
char const *const *proxy_start (tlsopts const *o, char const *const *envp, int fd, int on, char const *rules)
{
  /* the real peer, the balancer, for the lines about the header */
  char const *via = peer_string(envp, fd) ;
  if (!via) via = "unknown peer" ;
  if (on)
  {
    proxyhdr h ;
    unsigned int ms = o->kto && o->kto < PROXY_TIMEOUT ? o->kto : PROXY_TIMEOUT ;
    proxy_read(&h, fd, ms, via) ;
    envp = proxy_env(&h, envp) ;
    if (o->immediate && proxy_quiet_end(fd, ms)) _exit(0) ;
  }
  if (rules) envp = proxy_rules(rules, envp, via) ;
  return envp ;
}
