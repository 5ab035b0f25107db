/* ISC license. */

/* fuzz-env: what the programs read from their environment (src/ucspi/wrapper.c
   and src/prog/ucspitlsd.c, included here for their static functions).
     - wrapper_is_confvar, checked against a model: CERTFILE KEYFILE CAFILE
       CADIR TLS_UID TLS_GID, and CERTFILE:name / KEYFILE:name, exactly
     - make_env, prog's environment: without -Z no configuration variable
       is left; never SSLCTLFD/SSLREADFD/SSLWRITEFD or a stale SSL_*
       fact from outside; everything else kept, in order; the block's
       strings added after
     - peer(), the "IP:PORT" of the log line, from TCPREMOTEIP and
       TCPREMOTEPORT of any length
   Input: a flags byte, then environment strings separated by NUL bytes. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/ucspi/wrapper.c"
#define main ucspitlsd_main
#include "../../src/prog/ucspitlsd.c"
#undef main

static int model_confvar (char const *s)
{
  static char const *const v[] = { "CERTFILE", "KEYFILE", "CAFILE", "CADIR", "TLS_UID", "TLS_GID", 0 } ;
  for (char const *const *p = v ; *p ; p++)
  {
    size_t n = strlen(*p) ;
    if (!strncmp(s, *p, n) && (!s[n] || s[n] == '=')) return 1 ;
  }
  return !strncmp(s, "CERTFILE:", 9) || !strncmp(s, "KEYFILE:", 8) ;
}

static int model_factvar (char const *s)
{
  static char const *const v[] = { "SSL_PROTOCOL", "SSL_CIPHER", "SSL_TLS_SNI_SERVERNAME", "SSL_PEER_CERT_HASH", "SSL_PEER_CERT_SUBJECT", 0 } ;
  for (char const *const *p = v ; *p ; p++)
  {
    size_t n = strlen(*p) ;
    if (!strncmp(s, *p, n) && (!s[n] || s[n] == '=')) return 1 ;
  }
  return 0 ;
}

static int model_ctlvar (char const *s)
{
  return !strncmp(s, "SSLCTLFD=", 9) || !strncmp(s, "SSLREADFD=", 10) || !strncmp(s, "SSLWRITEFD=", 11) ;
}

 /* ucspitlsd's main is not run here: these are never called */
void tls_server_load (tlsopts const *o, char const *const *e) { (void)o ; (void)e ; abort() ; }
void tls_server_run (tlsopts const *o, tlsfds const *f, tlsready_func *r, void *c) { (void)o ; (void)f ; (void)r ; (void)c ; abort() ; }

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  tlsopts o = TLSOPTS_ZERO ;
  char *buf ;
  char const **envp, **e ;
  static char const add[] = "SSL_PROTOCOL=TLSv1.2\0SSL_CIPHER=x\0" ;
  size_t n = 0, k = 0 ;
  if (!size) return 0 ;
  o.keepenv = data[0] & 1 ;
  buf = malloc(size) ;
  if (!buf) abort() ;
  memcpy(buf, data + 1, size - 1) ;
  buf[size - 1] = 0 ;
  for (size_t i = 0 ; i < size ; i++) if (!buf[i]) n++ ;
  envp = malloc((n + 1) * sizeof(char const *)) ;
  if (!envp) abort() ;
  for (size_t i = 0 ; i < size ; i += strlen(buf + i) + 1) envp[k++] = buf + i ;
  envp[k] = 0 ;

  for (size_t i = 0 ; i < k ; i++)
    if (!!wrapper_is_confvar(envp[i]) != model_confvar(envp[i]))
    {
      fprintf(stderr, "check failed: wrapper_is_confvar(\"%s\") is %d\n", envp[i], wrapper_is_confvar(envp[i])) ;
      abort() ;
    }

  e = make_env(&o, envp, add, sizeof(add)) ;
  {
    size_t j = 0, facts = 0 ;
    for (size_t i = 0 ; i < k ; i++)
    {
      int drop = (!o.keepenv && model_confvar(envp[i])) || model_factvar(envp[i]) || model_ctlvar(envp[i]) ;
      if (drop) continue ;
      if (e[j++] != envp[i]) abort() ;   /* kept, in order */
    }
    for (; e[j] ; j++) facts++ ;
    if (facts != 2) abort() ;           /* then the block's two strings, nothing else */
    if (strcmp(e[j - 2], "SSL_PROTOCOL=TLSv1.2") || strcmp(e[j - 1], "SSL_CIPHER=x")) abort() ;
  }
  free(e) ;

  {
    char const *p = peer(envp) ;
    char const *ip = env_get2(envp, "TCPREMOTEIP") ;
    char const *port = env_get2(envp, "TCPREMOTEPORT") ;
    if (!ip) { if (p) abort() ; }
    else if (p)
    {
      size_t il = strlen(ip) ;
      if (strlen(p) >= 128) abort() ;
      if (strncmp(p, ip, il)) abort() ;
      if (port ? (p[il] != ':' || strcmp(p + il + 1, port)) : p[il] != 0) abort() ;
    }
  }
  free(envp) ;
  free(buf) ;
  return 0 ;
}
