/* ISC license. */

/* fuzz-env: what the programs read from their environment (src/ucspi/wrapper.c
   and src/prog/ucspitlsd.c, included here for their static functions;
   src/ucspi/ids.c), and the facts block that the TLS child hands the
   immediate-mode parent (a child that the peer took over may send
   anything).
     - wrapper_is_confvar and facts_is_var, checked against models:
       CERTFILE KEYFILE CAFILE CADIR TLS_UID TLS_GID TLSA, and CERTFILE:name /
       KEYFILE:name; the documented facts, SSL_CLIENT_* and SSL_SERVER_*
       of the certificate family among them, exactly, bare or with '='
     - make_env, prog's environment: without -Z no configuration variable
       is left; never SSLCTLFD/SSLREADFD/SSLWRITEFD or a stale fact from
       outside; UCSPITLS kept in delayed mode (set empty when absent),
       removed in immediate mode; everything else kept, in order; then
       the block's strings, up to its first empty string: all of them in
       delayed mode (they are ours: the SSL*FD variables), in immediate
       mode only the documented facts with an '=', each the first time it
       is named, with a value of printable UTF-8 (no control byte, C1
       included, nothing that is not UTF-8), each other string dropped
       with a warning
     - tlsopts_ids: TLS_UID and TLS_GID, both or neither, each a decimal
       unsigned int with nothing after it; anything else dies 96
     - peer_string, the "IP:PORT" of the log lines, from TCPREMOTEIP and
       TCPREMOTEPORT, or REMOTE_ADDR and REMOTE_PORT, of any length
   Input: a flags byte, then environment strings separated by NUL bytes,
   then (after 0xff 0x00 0xff, if there is one) the facts block. */

#include <limits.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/ucspi/wrapper.c"
#define main ucspitlsd_main
#include "../../src/prog/ucspitlsd.c"
#undef main

#define check(c) do { if (!(c)) { fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__) ; abort() ; } } while (0)

static int model_is (char const *s, char const *name)
{
  size_t n = strlen(name) ;
  return !strncmp(s, name, n) && (!s[n] || s[n] == '=') ;
}

static int model_confvar (char const *s)
{
  static char const *const v[] = { "CERTFILE", "KEYFILE", "CAFILE", "CADIR", "TLS_UID", "TLS_GID",
    "TLS_SESSION_CACHE", "TLS_SESSION_LIFETIME", "TLS_SESSION_FILE", "TLSA", 0 } ;
  for (char const *const *p = v ; *p ; p++) if (model_is(s, *p)) return 1 ;
  return !strncmp(s, "CERTFILE:", 9) || !strncmp(s, "KEYFILE:", 8) ;
}

static int model_factvar (char const *s)
{
  static char const *const v[] =
  {
    "SSL_PROTOCOL", "SSL_CIPHER", "SSL_TLS_SNI_SERVERNAME", "SSL_ALPN_PROTOCOL", "SSL_PEER_CERT_HASH", "SSL_PEER_CERT_SUBJECT",
    "SSL_CIPHER_USEKEYSIZE", "SSL_CIPHER_ALGKEYSIZE", "SSL_SESSION_ID", "SSL_VERSION_LIBRARY", "SSL_PADDING",
    "SSL_CLIENT_S_DN", "SSL_CLIENT_S_DN_CN", "SSL_CLIENT_S_DN_Email", "SSL_CLIENT_I_DN", "SSL_CLIENT_M_SERIAL",
    "SSL_CLIENT_V_START", "SSL_CLIENT_V_END",
    "SSL_SERVER_S_DN", "SSL_SERVER_S_DN_CN", "SSL_SERVER_S_DN_Email", "SSL_SERVER_I_DN", "SSL_SERVER_M_SERIAL",
    "SSL_SERVER_V_START", "SSL_SERVER_V_END", "SSL_SERVER_VERIFY", "SSL_SERVER_DANE", 0
  } ;
  for (char const *const *p = v ; *p ; p++) if (model_is(s, *p)) return 1 ;
  return 0 ;
}

static int model_ctlvar (char const *s)
{
  return !strncmp(s, "SSLCTLFD=", 9) || !strncmp(s, "SSLREADFD=", 10) || !strncmp(s, "SSLWRITEFD=", 11) ;
}

 /* "IP:PORT", "[IPv6]:PORT" or "IP" into out, if ip is set, not
    empty, plain (peer.c's rule) and fits its 128 bytes */
static int model_plain (char const *s)
{
  for (; *s ; s++) if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f || *s == '(' || *s == ')') return 0 ;
  return 1 ;
}

static int model_peer (char const *ip, char const *port, char *out)
{
  size_t n, m ;
  int six ;
  if (!ip || !*ip || !model_plain(ip) || (port && !model_plain(port))) return 0 ;
  n = strlen(ip) ; m = port ? strlen(port) : 0 ;
  if (n + m + 4 > 128) return 0 ;
  six = port && strchr(ip, ':') ;
  sprintf(out, "%s%s%s%s%s", six ? "[" : "", ip, six ? "]" : "", port ? ":" : "", port ? port : "") ;
  return 1 ;
}

 /* printable ASCII, or UTF-8 (RFC 3629: shortest form, no surrogate,
    at most U+10FFFF) of a code point from U+00A0 (no C1 control) */
static int model_value_ok (unsigned char const *v)
{
  while (*v)
  {
    unsigned long cp ;
    unsigned int k ;
    if (*v < 0x80) { if (*v < 0x20 || *v == 0x7f) return 0 ; v++ ; continue ; }
    if ((*v & 0xe0) == 0xc0) { k = 2 ; cp = *v & 0x1f ; }
    else if ((*v & 0xf0) == 0xe0) { k = 3 ; cp = *v & 0x0f ; }
    else if ((*v & 0xf8) == 0xf0) { k = 4 ; cp = *v & 0x07 ; }
    else return 0 ;
    for (unsigned int i = 1 ; i < k ; i++)
    {
      if ((v[i] & 0xc0) != 0x80) return 0 ;  /* the NUL that ends the value included */
      cp = (cp << 6) | (v[i] & 0x3f) ;
    }
    if (cp < (k == 2 ? 0x80UL : k == 3 ? 0x800UL : 0x10000UL)) return 0 ;  /* overlong */
    if (cp < 0xa0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0 ;
    v += k ;
  }
  return 1 ;
}

 /* blk + i: a documented fact, not named before it in the block, with
    a value of printable UTF-8 */
static int model_fact_ok (char const *blk, size_t i)
{
  char const *s = blk + i ;
  char const *eq = strchr(s, '=') ;
  if (!eq || !model_factvar(s)) return 0 ;
  for (size_t j = 0 ; j < i ; j += strlen(blk + j) + 1)
    if (!strncmp(blk + j, s, (size_t)(eq - s) + 1)) return 0 ;
  return model_value_ok((unsigned char const *)eq + 1) ;
}

 /* a decimal unsigned int, nothing after it */
static int model_id (char const *s, unsigned int *u)
{
  unsigned long long v = 0 ;
  if (!*s) return 0 ;
  for (; *s ; s++)
  {
    if (*s < '0' || *s > '9') return 0 ;
    v = v * 10 + (unsigned int)(*s - '0') ;
    if (v > UINT_MAX) return 0 ;
  }
  *u = (unsigned int)v ;
  return 1 ;
}

 /* ucspitlsd's main is not run here: these are never called */
char const *const *proxy_start (tlsopts const *o, char const *const *e, int fd, int on, char const *r) { (void)o ; (void)e ; (void)fd ; (void)on ; (void)r ; abort() ; }
void proxy_rules_check (char const *r) { (void)r ; abort() ; }
void tls_server_load (tlsopts const *o, char const *const *e) { (void)o ; (void)e ; abort() ; }
void tls_server_check (tlsopts const *o, char const *const *e) { (void)o ; (void)e ; abort() ; }
void tls_server_key (tlsopts const *o, char const *const *e) { (void)o ; (void)e ; abort() ; }
void tls_server_run (tlsopts const *o, tlsfds const *f, tlsready_func *r, void *c) { (void)o ; (void)f ; (void)r ; (void)c ; abort() ; }

 /* warnings are counted; dying (tlsopts_ids) is a longjmp back here */
static unsigned int warnings ;
static jmp_buf jb ;
static int died ;
void strerr_warnv (char const *const *a, unsigned int n) { (void)a ; (void)n ; warnings++ ; }
void strerr_diev (int e, char const *const *a, unsigned int n) { (void)a ; (void)n ; died = e ; longjmp(jb, 1) ; }
void strerr_dievsys (int e, char const *const *a, unsigned int n) { strerr_diev(e, a, n) ; }

 /* the strings of s[0..n), each ended by a NUL (one is added at the end) */
static char const **split (char *s, size_t n, size_t *k)
{
  size_t c = 0 ;
  char const **v ;
  for (size_t i = 0 ; i < n ; i++) if (!s[i]) c++ ;
  v = malloc((c + 1) * sizeof(char const *)) ;
  check(v) ;
  *k = 0 ;
  for (size_t i = 0 ; i < n ; i += strlen(s + i) + 1) v[(*k)++] = s + i ;
  v[*k] = 0 ;
  return v ;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  tlsopts o = TLSOPTS_ZERO ;
  char *buf, *blk ;
  char const **envp, **e ;
  size_t k, envlen, blen ;
  unsigned int flags ;
  if (!size) return 0 ;
  flags = data[0] ;
  o.keepenv = flags & 1 ;
  o.immediate = !!(flags & 2) ;
  data++ ; size-- ;
  envlen = size ;
  for (size_t i = 0 ; i + 3 <= size ; i++)
    if (data[i] == 0xff && !data[i + 1] && data[i + 2] == 0xff) { envlen = i ; break ; }
  buf = malloc(envlen + 1) ;
  check(buf) ;
  memcpy(buf, data, envlen) ;
  buf[envlen] = 0 ;
  envp = split(buf, envlen + 1, &k) ;
   /* the block: what follows the separator, as the parent read it
      (ending in two NULs: it checks that before make_env) */
  blen = envlen < size ? size - envlen - 3 : 0 ;
  blk = malloc(blen + 2) ;
  check(blk) ;
  if (blen) memcpy(blk, data + envlen + 3, blen) ;
  blk[blen] = 0 ; blk[blen + 1] = 0 ;
  blen += 2 ;

  for (size_t i = 0 ; i < k ; i++)
  {
    if (!!wrapper_is_confvar(envp[i]) != model_confvar(envp[i]))
    {
      fprintf(stderr, "check failed: wrapper_is_confvar(\"%s\") is %d\n", envp[i], wrapper_is_confvar(envp[i])) ;
      abort() ;
    }
    check(!!facts_is_var(envp[i]) == model_factvar(envp[i])) ;
  }

  warnings = 0 ;
  e = make_env(&o, envp, blk, blen, 0) ;
  {
    size_t j = 0, dropped = 0 ;
    int ucspitls = 0 ;
    for (size_t i = 0 ; i < k ; i++)
    {
      int u = model_is(envp[i], "UCSPITLS") ;
      int drop = (!o.keepenv && model_confvar(envp[i])) || model_factvar(envp[i]) || model_ctlvar(envp[i]) || (u && o.immediate) ;
      if (drop) continue ;
      ucspitls |= u ;
      check(e[j] == envp[i]) ;   /* kept, in order */
      j++ ;
    }
    if (!o.immediate && !ucspitls) { check(e[j] && !strcmp(e[j], "UCSPITLS=")) ; j++ ; }
    for (size_t i = 0 ; i < blen && blk[i] ; i += strlen(blk + i) + 1)
    {
      if (o.immediate && !strncmp(blk + i, "SSL_PADDING=", 12)) continue ;  /* silently: it pads a block */
      if (o.immediate && !model_fact_ok(blk, i)) { dropped++ ; continue ; }
      check(e[j] == blk + i) ;   /* then the block's strings */
      j++ ;
    }
    check(!e[j]) ;               /* and nothing else */
    check(warnings == dropped) ; /* a warning for each string dropped */
  }
  free(e) ;

  {
    /* the log's peer: TCPREMOTEIP (and its port), else systemd's
       REMOTE_ADDR, whichever is set, not empty, fits and holds no space,
       control byte or parenthesis; an IPv6 address in brackets before
       a port; no socket here (fd -1) */
    char want[256] ;
    char const *p = peer_string(envp, -1) ;
    int have = model_peer(env_get2(envp, "TCPREMOTEIP"), env_get2(envp, "TCPREMOTEPORT"), want)
            || model_peer(env_get2(envp, "REMOTE_ADDR"), env_get2(envp, "REMOTE_PORT"), want) ;
    if (!have) check(!p) ;
    else check(p && !strcmp(p, want)) ;
  }

  {
    tlsopts t = TLSOPTS_ZERO ;
    char const *u = env_get2(envp, "TLS_UID") ;
    char const *g = env_get2(envp, "TLS_GID") ;
    unsigned int uid = 0, gid = 0 ;
    int ok = (!u && !g) || (u && g && model_id(u, &uid) && model_id(g, &gid)) ;
    died = 0 ;
    if (!setjmp(jb)) tlsopts_ids(&t, envp) ;
    if (ok) check(!died && t.setids == !!u && t.uid == uid && t.gid == gid) ;
    else check(died == UCSPITLS_EXIT_CONF) ;
  }
  free(blk) ;
  free(envp) ;
  free(buf) ;
  return 0 ;
}
