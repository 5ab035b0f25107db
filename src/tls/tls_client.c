/* ISC license. */

/* tls_client.c: the client side's BearSSL setup. The policy (x509/)
   decides on the server's certificate: DANE when TLSA holds records,
   else PKIX on the anchors, which are then required unless -n; the
   server's name is checked against -k unless -N said that any name will
   do. With -y the client certificate's pair is checked before prog
   runs, and at the handshake its chain and its one signature come from
   the key process. With TLS_SESSION_FILE, the session stored there is
   offered (session/tls_sfile.c). */

#include <string.h>

#include <skalibs/env.h>

#include "tls-internal.h"
#include "session/tls-session.h"
#include "x509/x509-internal.h"

static tlsanchors anchors = { .ta = 0, .n = 0 } ;
static tlsx509 xc ;
static tlsa records ;
static tlspolicy policy ;
static tlschain chain ;  /* DANE's copy of the chain: touched only with TLSA */

void tls_client_load (tlsopts const *o, char const *const *envp)
{
  char const *cafile = env_get2(envp, "CAFILE") ;
  char const *cadir = env_get2(envp, "CADIR") ;
  unsigned int kind = TLSP_NOTHING ;
  if (tls_tlsa_load(envp, &records)) kind = TLSP_DANE ;
  else if (cafile || cadir)
  {
    tls_load_anchors(&anchors, cafile, cadir) ;
    kind = TLSP_PKIX ;
  }
  else if (!o->noverify) log_dief(UCSPITLS_EXIT_USAGE, TLS_NOANCHORS_CLIENT) ;
  tls_policy_init(&policy, kind, !o->noverify, o->servername, &anchors, &records, &chain) ;
  if (o->clientcert)
  {
    char const *cert = env_get2(envp, "CERTFILE") ;
    char const *key = env_get2(envp, "KEYFILE") ;
    tlscred c ;
    if (!cert) log_dief(UCSPITLS_EXIT_CONF, "CERTFILE not set, and -y asks for a client certificate") ;
    if (!key) log_dief(UCSPITLS_EXIT_CONF, "KEYFILE not set, and -y asks for a client certificate") ;
    tls_load_cred(&c, 0, cert, key, 0) ;
    tls_cred_free(&c) ;
  }
  {
    char id[512] ;
    if (!tls_client_policy_id(id, sizeof(id))) log_dief(UCSPITLS_EXIT_USAGE, "server name too long") ;
    tls_sfile_config(o, envp, id) ;
  }
}

void tls_client_key (tlsopts const *o, char const *const *envp)
{
  if (o->clientcert) tls_key_start(o, envp, 0) ;
}

 /* a client certificate class that asks the key process, as BearSSL's
    single-key ones would choose: a signature only, no static ECDH */

static void cc_none0 (br_ssl_client_certificate_class const **pctx) { (void)pctx ; }
static void cc_none1 (br_ssl_client_certificate_class const **pctx, size_t len) { (void)pctx ; (void)len ; }
static void cc_none2 (br_ssl_client_certificate_class const **pctx, unsigned char const *data, size_t len) { (void)pctx ; (void)data ; (void)len ; }

static void cc_choose (br_ssl_client_certificate_class const **pctx, br_ssl_client_context const *cc, uint32_t auth_types, br_ssl_client_certificate *choices)
{
  unsigned int keytype, hash ;
  (void)pctx ; (void)cc ;
  memset(choices, 0, sizeof(*choices)) ;  /* no certificate, unless all goes well */
  if (!tls_key_select("", &choices->chain, &choices->chain_len, &keytype)) { choices->chain = 0 ; choices->chain_len = 0 ; return ; }
  hash = tls_choose_hash(keytype == BR_KEYTYPE_EC ? auth_types >> 8 : auth_types) ;
  if (!hash) { memset(choices, 0, sizeof(*choices)) ; return ; }
  choices->auth_type = keytype == BR_KEYTYPE_EC ? BR_AUTH_ECDSA : BR_AUTH_RSA ;
  choices->hash_id = (int)hash ;
}

static uint32_t cc_keyx (br_ssl_client_certificate_class const **pctx, unsigned char *data, size_t *len)
{
  (void)pctx ; (void)data ; (void)len ;
  return 0 ;
}

static size_t cc_sign (br_ssl_client_certificate_class const **pctx, int hash_id, size_t hv_len, unsigned char *data, size_t len)
{
  (void)pctx ;
  return tls_key_sign((unsigned int)hash_id, data, hv_len, data, len) ;
}

static br_ssl_client_certificate_class const key_ccert =
{
  .context_size = 0,
  .start_name_list = &cc_none0,
  .start_name = &cc_none1,
  .append_name = &cc_none2,
  .end_name = &cc_none0,
  .end_name_list = &cc_none0,
  .choose = &cc_choose,
  .do_keyx = &cc_keyx,
  .do_sign = &cc_sign,
} ;
static br_ssl_client_certificate_class const *key_ccert_ctx = &key_ccert ;

static int session_done (br_ssl_engine_context const *eng, facts *f)
{
  return tls_sfile_done(eng, &xc, f) ;
}

void tls_client_run (tlsopts const *o, tlsfds const *fds, tlsready_func *ready, void *ctx)
{
  /* the engine's buffer right after its context: the buffer's first
     page, which every handshake touches, is the context's last */
  static struct { br_ssl_client_context c ; unsigned char buf[BR_SSL_BUFSIZE_BIDI] ; } s ;
  br_ssl_client_context *cc = &s.c ;
  br_ssl_client_zero(cc) ;
  tls_peer_role = "SERVER" ;
  tls_engine_setup(&cc->eng, 0, s.buf) ;
  tlsx509_init(&xc, &anchors) ;
  xc.inner = &policy.vtable ;
  xc.outcome = &tls_policy_outcome ;
  xc.octx = &policy ;
  xc.errexit = UCSPITLS_EXIT_POLICY ;
  br_ssl_engine_set_x509(&cc->eng, &xc.vtable) ;
  if (o->clientcert) br_ssl_client_set_client_certificate(cc, &key_ccert_ctx) ;
  if (o->alpn) { tls_alpn_setup(&cc->eng, o->alpn) ; tls_hello_want = 1 ; }
  if (tls_sfile_path) tls_session_done = &session_done ;
  if (!br_ssl_client_reset(cc, o->servername, tls_sfile_offer(&cc->eng, &xc)))
  {
    log_diefu(UCSPITLS_EXIT_SETUP, "initialize the TLS engine: ", tls_error_name(br_ssl_engine_last_error(&cc->eng))) ;
  }
  tls_run(&cc->eng, &xc, o, fds, ready, ctx) ;
}

 /* the policy's identity, for what must not cross policies (a session
    resumed): see tls_policy_id */
size_t tls_client_policy_id (char *s, size_t max)
{
  return tls_policy_id(&policy, s, max) ;
}
