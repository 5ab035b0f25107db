/* ISC license. */

/* proxy.h: the PROXY protocol header (haproxy's proxy-protocol.txt,
   versions 1 and 2) that a load balancer sends before the first byte
   of a connection, and the tcprules cdb applied to its address. */

#ifndef UCSPITLS_PROXY_H
#define UCSPITLS_PROXY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ucspitls.h"

#define PROXY_V1_MAX 107      /* the longest v1 line, CRLF included */
#define PROXY_V2_SIG 12
#define PROXY_V2_HEAD 16      /* signature, version and command, family, length */
#define PROXY_V2_LEN_MAX 4096 /* addresses and TLVs: what we accept past the 16 bytes */
#define PROXY_MAX (PROXY_V2_HEAD + PROXY_V2_LEN_MAX)
#define PROXY_TIMEOUT 10000   /* ms, or -K if shorter */

typedef struct proxyhdr_s proxyhdr, *proxyhdr_ref ;
struct proxyhdr_s
{
  unsigned int version ;  /* 1 or 2 */
  unsigned int local : 1 ; /* LOCAL (v2), UNKNOWN (v1), or v2 PROXY with family UNSPEC: keep the connection's addresses */
  unsigned int ip6 : 1 ;
  char src[16] ;
  char dst[16] ;
  uint16_t sport ;
  uint16_t dport ;
} ;

 /* proxy.c: the parser, no I/O. proxy_need: how many more bytes can be
    read after the len bytes s holds with no risk of reading past the
    header; 0 when the header is complete (then len is its length); -1
    when s is no header's start (*why says what is wrong). In a v1 line
    the end is not known in advance: the answer is 1, and *line is set
    (a reader may peek further and take up to the first LF). */
extern ssize_t proxy_need (char const *, size_t, int *, char const **) ;
extern int proxy_parse (proxyhdr *, char const *, size_t, char const **) ;

 /* proxy_read.c: reads the header from fd, byte-exact, within the
    deadline; dies with one line naming the real peer on failure.
    proxy_quiet_end: whether the connection ended before its first
    byte after the header (a health check), within the deadline. */
extern void proxy_read (proxyhdr *, int, unsigned int, char const *) ;
extern int proxy_quiet_end (int, unsigned int) ;

 /* proxy_env.c: prog's environment with the header's addresses */
extern char const *const *proxy_env (proxyhdr const *, char const *const *) ;

 /* proxy_rules.c: a tcprules cdb applied to TCPREMOTEIP */
extern char const *const *proxy_rules (char const *, char const *const *, char const *) ;
extern void proxy_rules_check (char const *) ;

 /* the whole of -p and -x, for ucspitlsd's main: prog's environment */
extern char const *const *proxy_start (tlsopts const *, char const *const *, int, int, char const *) ;

#endif
