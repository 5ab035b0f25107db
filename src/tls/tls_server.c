/* ISC license. */

/* tls_server.c: the server side's BearSSL setup.

   Before prog runs (tls_server_load): the environment's pairs are
   checked for what would make every handshake fail -- the default pair
   read and its key matched to its certificate, every CERTFILE:name with
   its KEYFILE:name -- and the anchors for client certificates are read.
   The key that was read is wiped before the TLS child is forked.

   At the handshake, the policy hands the server name that the client
   asked for to the key process, which loads that pair only and answers
   with its chain; the one signature goes to the key process too.

   With TLS_SESSION_CACHE, a client may resume a stored session
   (session/tls_scache.c), and BearSSL then asks the policy nothing: the
   key process is forked at the first question only, so that a resumed
   handshake starts none and reads no key -- unless the TLS child drops
   to TLS_UID/TLS_GID, when it must be forked before, with the ids that
   can read the key (it then reads none, and ends with the handshake). */

#include <string.h>

#include <skalibs/env.h>

#include "tls-internal.h"
#include "session/tls-session.h"

static tlsanchors anchors = { .ta = 0, .n = 0 } ;
static tlsx509 xc ;
static tlsscache cache ;
static tlsopts const *lazy_o = 0 ;  /* the key process, not forked yet */
static char const *const *lazy_envp = 0 ;

void tls_server_load (tlsopts const *o, char const *const *envp)
{
  tls_pairs_check(envp, o->snilevel) ;
  if (o->snilevel < 2)
  {
    tlscred c ;
    tls_load_cred(&c, 0, env_get2(envp, "CERTFILE"), env_get2(envp, "KEYFILE"), 0) ;
    tls_cred_free(&c) ;
  }
  if (o->clientcert)
  {
    char const *cafile = env_get2(envp, "CAFILE") ;
    char const *cadir = env_get2(envp, "CADIR") ;
    if (!cafile && !cadir) log_dief(UCSPITLS_EXIT_CONF, TLS_NOANCHORS_SERVER) ;
    tls_load_anchors(&anchors, cafile, cadir) ;
  }
  tls_scache_config(envp) ;
}

void tls_server_key (tlsopts const *o, char const *const *envp)
{
  if (tls_scache_path && !o->setids) { lazy_o = o ; lazy_envp = envp ; return ; }
  tls_key_start(o, envp, 1) ;
}

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

 /* as BearSSL's single-key policies choose, for our ECDHE suites only */
static int key_choose (br_ssl_server_policy_class const **pctx, br_ssl_server_context const *cc, br_ssl_server_choices *choices)
{
  br_suite_translated const *st ;
  size_t n ;
  unsigned int keytype, hash, want ;
  (void)pctx ;
  if (sni_has_nul(&cc->eng))
  {
    tls_fail_reason = "the server name that the client asked for contains a NUL byte" ;
    return 0 ;
  }
  if (lazy_o) { tls_key_start(lazy_o, lazy_envp, 1) ; lazy_o = 0 ; }
  if (!tls_key_select(br_ssl_engine_get_server_name(&cc->eng), &choices->chain, &choices->chain_len, &keytype)) return 0 ;
  hash = tls_choose_hash(keytype == BR_KEYTYPE_EC ? br_ssl_server_get_client_hashes(cc) >> 8 : br_ssl_server_get_client_hashes(cc)) ;
  want = keytype == BR_KEYTYPE_EC ? BR_SSLKEYX_ECDHE_ECDSA : BR_SSLKEYX_ECDHE_RSA ;
  if (!hash)
  {
    tls_fail_reason = "the client takes no signature hash that we have" ;
    return 0 ;
  }
  st = br_ssl_server_get_client_suites(cc, &n) ;
  for (size_t i = 0 ; i < n ; i++)
    if ((unsigned int)(st[i][1] >> 12) == want)
    {
      choices->cipher_suite = st[i][0] ;
      choices->algo_id = hash + 0xFF00 ;
      return 1 ;
    }
  tls_fail_reason = keytype == BR_KEYTYPE_EC ? "the client offers no ECDSA suite that we have, and our key is EC" : "the client offers no RSA suite that we have, and our key is RSA" ;
  return 0 ;
}

static uint32_t no_keyx (br_ssl_server_policy_class const **pctx, unsigned char *data, size_t *len)
{
  (void)pctx ; (void)data ; (void)len ;
  return 0 ;
}

static size_t key_sign (br_ssl_server_policy_class const **pctx, unsigned int algo_id, unsigned char *data, size_t hv_len, size_t len)
{
  (void)pctx ;
  return tls_key_sign(algo_id & 0xFF, data, hv_len, data, len) ;
}

static br_ssl_server_policy_class const key_policy = { .context_size = 0, .choose = &key_choose, .do_keyx = &no_keyx, .do_sign = &key_sign } ;
static br_ssl_server_policy_class const *key_policy_ctx = &key_policy ;

static int session_done (br_ssl_engine_context const *eng, facts *f)
{
  if (tls_scache_done(&cache, eng, f)) return 1 ;
  tls_fail_reason = "a resumed session was made under another server name" ;
  return 0 ;
}

void tls_server_run (tlsopts const *o, tlsfds const *fds, tlsready_func *ready, void *ctx)
{
  /* the engine's buffer right after its context: the buffer's first
     page, which every handshake touches, is the context's last */
  static struct { br_ssl_server_context c ; unsigned char buf[BR_SSL_BUFSIZE_BIDI] ; } s ;
  br_ssl_server_context *sc = &s.c ;
  br_ssl_server_zero(sc) ;
  tls_peer_role = "CLIENT" ;
  tls_hello_want = 1 ;
  tls_engine_setup(&sc->eng, 1, s.buf) ;
  br_ssl_server_set_policy(sc, &key_policy_ctx) ;
  if (o->alpn) tls_alpn_setup(&sc->eng, o->alpn) ;
  if (o->clientcert)
  {
    tlsx509_init(&xc, &anchors) ;
    br_ssl_server_set_trust_anchor_names_alt(sc, anchors.ta, anchors.n) ;
    br_ssl_engine_set_x509(&sc->eng, &xc.vtable) ;
    if (o->clientcert == 1) br_ssl_engine_add_flags(&sc->eng, BR_OPT_TOLERATE_NO_CLIENT_AUTH) ;
  }
  if (tls_scache_path)
  {
    tls_scache_init(&cache, o->clientcert ? &xc : 0, o->clientcert) ;
    if (cache.fd >= 0) br_ssl_server_set_cache(sc, &cache.vtable) ;
    tls_session_done = &session_done ;
  }
  if (!br_ssl_server_reset(sc))
  {
    log_diefu(UCSPITLS_EXIT_SETUP, "initialize the TLS engine: ", tls_error_name(br_ssl_engine_last_error(&sc->eng))) ;
  }
  tls_run(&sc->eng, o->clientcert ? &xc : 0, o, fds, ready, ctx) ;
}
