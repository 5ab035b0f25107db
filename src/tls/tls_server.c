/* ISC license. */

/* tls_server.c: the server side's BearSSL setup. Loading reads every
   pair (CERTFILE/KEYFILE and CERTFILE:name/KEYFILE:name) and the anchors
   for client certificates; the SNI policy picks a pair from the name that
   the client asked for, then hands over to BearSSL's single-key policy. */

#include <string.h>
#include <stdlib.h>

#include <skalibs/env.h>
#include <skalibs/strerr.h>

#include "tls-internal.h"

/* an array of pointers: a tlscred's decoded key points into the tlscred
   itself, so a loaded pair must never move */
static tlscred **creds = 0 ;
static size_t ncreds = 0 ;
static tlscred *deflt = 0 ;
static tlsanchors anchors = { .ta = 0, .n = 0 } ;
static unsigned int snilevel ;

static tlsx509 xc ;

static char const *pair_value (char const *const *envp, char const *var, size_t varlen, char const *name)
{
  for (; *envp ; envp++)
    if (!strncmp(*envp, var, varlen) && (*envp)[varlen] == ':')
    {
      char const *s = *envp + varlen + 1 ;
      size_t n = strlen(name) ;
      if (!strncmp(s, name, n) && s[n] == '=') return s + n + 1 ;
    }
  return 0 ;
}

static tlscred *newcred (void)
{
  tlscred **v = realloc(creds, (ncreds + 1) * sizeof(tlscred *)) ;
  tlscred *c = malloc(sizeof(tlscred)) ;
  if (!v || !c) strerr_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
  creds = v ;
  creds[ncreds++] = c ;
  return c ;
}

void tls_server_load (tlsopts const *o, char const *const *envp)
{
  char const *cert = env_get2(envp, "CERTFILE") ;
  char const *key = env_get2(envp, "KEYFILE") ;
  size_t ndefault = 0 ;
  snilevel = o->snilevel ;

  if (snilevel < 2 || cert || key)
  {
    if (!cert) strerr_dief(UCSPITLS_EXIT_CONF, "CERTFILE not set") ;
    if (!key) strerr_dief(UCSPITLS_EXIT_CONF, "KEYFILE not set") ;
    tls_load_cred(newcred(), 0, cert, key) ;
    ndefault = 1 ;
  }
  if (snilevel)
    for (char const *const *e = envp ; *e ; e++)
    {
      char const *name, *eq ;
      char *dup ;
      if (strncmp(*e, "CERTFILE:", 9)) continue ;
      name = *e + 9 ;
      eq = strchr(name, '=') ;
      if (!eq || eq == name) continue ;
      dup = strndup(name, eq - name) ;
      if (!dup) strerr_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
      key = pair_value(envp, "KEYFILE", 7, dup) ;
      if (!key) strerr_dief(UCSPITLS_EXIT_CONF, "KEYFILE:", dup, " not set") ;
      tls_load_cred(newcred(), dup, eq + 1, key) ;
    }
  if (!ncreds) strerr_dief(UCSPITLS_EXIT_CONF, "no CERTFILE:name pair set, and -k 2 forbids the default pair") ;
  deflt = ndefault ? creds[0] : 0 ;

  if (o->clientcert)
  {
    char const *cafile = env_get2(envp, "CAFILE") ;
    char const *cadir = env_get2(envp, "CADIR") ;
    if (!cafile && !cadir) strerr_dief(UCSPITLS_EXIT_CONF, "CAFILE or CADIR must be set to check client certificates") ;
    tls_load_anchors(&anchors, cafile, cadir) ;
  }
}

static tlscred const *pick (char const *name)
{
  if (name && *name && snilevel)
  {
    for (size_t i = 0 ; i < ncreds ; i++)
      if (creds[i]->name && creds[i]->name[0] != '*' && sni_match(creds[i]->name, name)) return creds[i] ;
    for (size_t i = 0 ; i < ncreds ; i++)
      if (creds[i]->name && creds[i]->name[0] == '*' && sni_match(creds[i]->name, name)) return creds[i] ;
  }
  return snilevel < 2 ? deflt : 0 ;
}

 /* The chosen pair installs BearSSL's single-key policy in the context;
    the engine reads policy_vtable afresh for each later step. */

/* BearSSL keeps the name as a C string in a buffer that was zero when the
   process started: a byte after the first NUL means the client's name had
   a NUL in it, and such a name would pass for its first part. */
static int sni_has_nul (br_ssl_engine_context const *eng)
{
  char const *s = eng->server_name ;
  size_t n = strlen(s) ;
  for (size_t i = n + 1 ; i < sizeof(eng->server_name) ; i++) if (s[i]) return 1 ;
  return 0 ;
}

static int sni_choose (br_ssl_server_policy_class const **pctx, br_ssl_server_context const *cc, br_ssl_server_choices *choices)
{
  br_ssl_server_context *w = (br_ssl_server_context *)cc ;
  tlscred const *c ;
  (void)pctx ;
  if (sni_has_nul(&cc->eng))
  {
    tls_fail_reason = "the server name that the client asked for contains a NUL byte" ;
    return 0 ;
  }
  c = pick(br_ssl_engine_get_server_name(&cc->eng)) ;
  if (!c)
  {
    tls_fail_reason = "no certificate for the server name that the client asked for" ;
    return 0 ;
  }
  if (c->keytype == BR_KEYTYPE_RSA)
    br_ssl_server_set_single_rsa(w, c->chain, c->chainlen, br_skey_decoder_get_rsa(&c->key),
      BR_KEYTYPE_SIGN, br_rsa_private_get_default(), br_rsa_pkcs1_sign_get_default()) ;
  else
    br_ssl_server_set_single_ec(w, c->chain, c->chainlen, br_skey_decoder_get_ec(&c->key),
      BR_KEYTYPE_SIGN, 0, br_ec_get_default(), br_ecdsa_sign_asn1_get_default()) ;
  return (*w->policy_vtable)->choose(w->policy_vtable, cc, choices) ;
}

static uint32_t no_keyx (br_ssl_server_policy_class const **pctx, unsigned char *data, size_t *len)
{
  (void)pctx ; (void)data ; (void)len ;
  return 0 ;
}

static size_t no_sign (br_ssl_server_policy_class const **pctx, unsigned int algo_id, unsigned char *data, size_t hv_len, size_t len)
{
  (void)pctx ; (void)algo_id ; (void)data ; (void)hv_len ; (void)len ;
  return 0 ;
}

static br_ssl_server_policy_class const sni_policy = { .context_size = 0, .choose = &sni_choose, .do_keyx = &no_keyx, .do_sign = &no_sign } ;
static br_ssl_server_policy_class const *sni_policy_ctx = &sni_policy ;

void tls_server_run (tlsopts const *o, tlsfds const *fds, tlsready_func *ready, void *ctx)
{
  /* the engine's buffer right after its context: the buffer's first
     page, which every handshake touches, is the context's last */
  static struct { br_ssl_server_context c ; unsigned char buf[BR_SSL_BUFSIZE_BIDI] ; } s ;
  br_ssl_server_context *sc = &s.c ;
  br_ssl_server_zero(sc) ;
  tls_engine_setup(&sc->eng, 1, s.buf) ;
  br_ssl_server_set_policy(sc, &sni_policy_ctx) ;
  if (o->clientcert)
  {
    tlsx509_init(&xc, &anchors) ;
    br_ssl_server_set_trust_anchor_names_alt(sc, anchors.ta, anchors.n) ;
    br_ssl_engine_set_x509(&sc->eng, &xc.vtable) ;
    if (o->clientcert == 1) br_ssl_engine_add_flags(&sc->eng, BR_OPT_TOLERATE_NO_CLIENT_AUTH) ;
  }
  if (!br_ssl_server_reset(sc))
  {
    strerr_diefu(UCSPITLS_EXIT_SETUP, "initialize the TLS engine: ", tls_error_name(br_ssl_engine_last_error(&sc->eng))) ;
  }
  tls_run(&sc->eng, o->clientcert ? &xc : 0, o, fds, ready, ctx) ;
}
