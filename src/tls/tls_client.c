/* ISC license. */

/* tls_client.c: the client side's BearSSL setup. The anchors are
   required; the server's name is checked against -k unless -N said that
   any name will do; -y adds a client certificate. */


#include <skalibs/env.h>
#include <skalibs/strerr.h>

#include "tls-internal.h"

static tlsanchors anchors = { .ta = 0, .n = 0 } ;
static tlscred cred ;
static tlsx509 xc ;

void tls_client_load (tlsopts const *o, char const *const *envp)
{
  char const *cafile = env_get2(envp, "CAFILE") ;
  char const *cadir = env_get2(envp, "CADIR") ;
  if (!cafile && !cadir) strerr_dief(UCSPITLS_EXIT_USAGE, "CAFILE or CADIR must be set: the server's certificate cannot be checked without anchors") ;
  tls_load_anchors(&anchors, cafile, cadir) ;
  if (o->clientcert)
  {
    char const *cert = env_get2(envp, "CERTFILE") ;
    char const *key = env_get2(envp, "KEYFILE") ;
    if (!cert) strerr_dief(UCSPITLS_EXIT_CONF, "CERTFILE not set, and -y asks for a client certificate") ;
    if (!key) strerr_dief(UCSPITLS_EXIT_CONF, "KEYFILE not set, and -y asks for a client certificate") ;
    tls_load_cred(&cred, 0, cert, key) ;
  }
}

void tls_client_run (tlsopts const *o, tlsfds const *fds, tlsready_func *ready, void *ctx)
{
  /* the engine's buffer right after its context: the buffer's first
     page, which every handshake touches, is the context's last */
  static struct { br_ssl_client_context c ; unsigned char buf[BR_SSL_BUFSIZE_BIDI] ; } s ;
  br_ssl_client_context *cc = &s.c ;
  br_ssl_client_zero(cc) ;
  tls_engine_setup(&cc->eng, 0, s.buf) ;
  tlsx509_init(&xc, &anchors) ;
  br_ssl_engine_set_x509(&cc->eng, &xc.vtable) ;
  if (o->clientcert)
  {
    if (cred.keytype == BR_KEYTYPE_RSA)
      br_ssl_client_set_single_rsa(cc, cred.chain, cred.chainlen, br_skey_decoder_get_rsa(&cred.key), br_rsa_pkcs1_sign_get_default()) ;
    else
      br_ssl_client_set_single_ec(cc, cred.chain, cred.chainlen, br_skey_decoder_get_ec(&cred.key),
        BR_KEYTYPE_SIGN, 0, br_ec_get_default(), br_ecdsa_sign_asn1_get_default()) ;
  }
  if (!br_ssl_client_reset(cc, o->servername, 0))
  {
    strerr_diefu(UCSPITLS_EXIT_SETUP, "initialize the TLS engine: ", tls_error_name(br_ssl_engine_last_error(&cc->eng))) ;
  }
  tls_run(&cc->eng, &xc, o, fds, ready, ctx) ;
}
