/* ISC license. */

/* peer.c: who is at the other end of the connection, for every log line
   of it and, under a launcher that says nothing, for prog.

   tcpserver, s6-tcpserver and tcpsvd say it in TCPREMOTEIP and
   TCPREMOTEPORT (as tcpclient does on the client side); a PROXY header,
   read before this runs, rewrites them. systemd's Accept=yes services
   get REMOTE_ADDR and REMOTE_PORT. inetd and systemd-socket-activate
   say nothing: the socket itself knows (getpeername, getsockname). The
   environment comes first, so that what an operator or a proxy front
   says wins over the socket, which may be the proxy's; a value that
   could not sit in a log line is passed over. */

#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <skalibs/env.h>
#include <skalibs/fmtscan.h>
#include <skalibs/types.h>

#include "ucspitls.h"

#define PEER_MAX 128

 /* an address of the socket: its IP, as text, and its port; an IPv4
    client of a dual-stack listener (systemd's default) comes as
    ::ffff:a.b.c.d, and is given as a.b.c.d, as tcpserver would */
static int sockaddr_text (int fd, int remote, char *ip, char *port)
{
  struct sockaddr_storage ss ;
  socklen_t len = sizeof(ss) ;
  uint16_t p ;
  if ((remote ? getpeername(fd, (struct sockaddr *)&ss, &len) : getsockname(fd, (struct sockaddr *)&ss, &len)) == -1) return 0 ;
  if (ss.ss_family == AF_INET)
  {
    struct sockaddr_in const *sa = (struct sockaddr_in const *)&ss ;
    ip[ip4_fmt(ip, (char const *)&sa->sin_addr)] = 0 ;
    p = ntohs(sa->sin_port) ;
  }
  else if (ss.ss_family == AF_INET6)
  {
    static unsigned char const mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff } ;
    struct sockaddr_in6 const *sa = (struct sockaddr_in6 const *)&ss ;
    char const *a = (char const *)&sa->sin6_addr ;
    if (!memcmp(a, mapped, 12)) ip[ip4_fmt(ip, a + 12)] = 0 ;
    else ip[ip6_fmt(ip, a)] = 0 ;
    p = ntohs(sa->sin6_port) ;
  }
  else return 0 ;
  port[uint16_fmt(port, p)] = 0 ;
  return 1 ;
}

 /* what goes into a log line between "peer=" and ")": no space, no
    control byte, no parenthesis, whoever set the variable */
static int plain (char const *s)
{
  for (; *s ; s++) if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f || *s == '(' || *s == ')') return 0 ;
  return 1 ;
}

 /* "IP:PORT", "[IPv6]:PORT", or "IP" when no port is known */
static char const *join (char const *ip, char const *port)
{
  static char buf[PEER_MAX] ;
  size_t n = strlen(ip), m = port ? strlen(port) : 0, k = 0 ;
  int six = !!strchr(ip, ':') ;
  if (n + m + 4 > sizeof(buf) || !plain(ip) || (port && !plain(port))) return 0 ;
  if (six && port) buf[k++] = '[' ;
  memcpy(buf + k, ip, n) ; k += n ;
  if (six && port) buf[k++] = ']' ;
  if (port) { buf[k++] = ':' ; memcpy(buf + k, port, m) ; k += m ; }
  buf[k] = 0 ;
  return buf ;
}

char const *peer_string (char const *const *envp, int fd)
{
  char ip[IP6_FMT + 1] ;
  char port[UINT16_FMT] ;
  char const *e = env_get2(envp, "TCPREMOTEIP") ;
  char const *r = 0 ;
  if (e && *e) r = join(e, env_get2(envp, "TCPREMOTEPORT")) ;
  if (r) return r ;
  e = env_get2(envp, "REMOTE_ADDR") ;
  if (e && *e) r = join(e, env_get2(envp, "REMOTE_PORT")) ;
  if (r) return r ;
  if (!sockaddr_text(fd, 1, ip, port)) return 0 ;
  return join(ip, port) ;
}

 /* What tcpserver would have set, for a prog under inetd or systemd:
    PROTO, TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP, TCPLOCALPORT (the
    HOST and INFO ones need DNS or ident, and tcpserver -H -R leaves them
    unset too). Only when the launcher set neither PROTO nor TCPREMOTEIP,
    and only from the socket. Writes NUL-ended strings into s (at most
    PEER_ENV_MAX bytes), returns their total length. */
size_t peer_env (char const *const *envp, int fd, char *s)
{
  char rip[IP6_FMT + 1], rport[UINT16_FMT], lip[IP6_FMT + 1], lport[UINT16_FMT] ;
  char const *v[5][2] = { { "PROTO=", "TCP" }, { "TCPREMOTEIP=", rip }, { "TCPREMOTEPORT=", rport }, { "TCPLOCALIP=", lip }, { "TCPLOCALPORT=", lport } } ;
  size_t len = 0 ;
  if (env_get2(envp, "PROTO") || env_get2(envp, "TCPREMOTEIP")) return 0 ;
  if (!sockaddr_text(fd, 1, rip, rport) || !sockaddr_text(fd, 0, lip, lport)) return 0 ;
  for (unsigned int i = 0 ; i < 5 ; i++)
  {
    size_t a = strlen(v[i][0]), b = strlen(v[i][1]) ;
    memcpy(s + len, v[i][0], a) ; len += a ;
    memcpy(s + len, v[i][1], b + 1) ; len += b + 1 ;
  }
  return len ;
}
