/* ISC license. */

/* tls_check.c: -C, the check that an operator runs once, before the
   service starts, of everything that a connection checks only in part:
   every pair, named ones included, with the key matched to its
   certificate by computing its public key; the dates of every
   certificate of every chain; the anchors. One line per pair (none with
   -v 0: a run script that checks before every start must not fill the
   log of a service that restarts in a loop); the first problem ends it
   with exit 96 and a line naming the file. */

#include <string.h>
#include <time.h>
#include <unistd.h>

#include <skalibs/env.h>
#include <skalibs/types.h>

#include "tls-internal.h"
#include "session/tls-session.h"
#include "x509/x509-internal.h"

#define dieconf(...) log_dief(UCSPITLS_EXIT_CONF, __VA_ARGS__)

static void dates (tlscred const *c, char const *certfile, int64_t now, char *until)
{
  int64_t first = 0 ;
  for (size_t i = 0 ; i < c->chainlen ; i++)
  {
    tlscertinfo ci ;
    char when[32] ;
    if (!tls_cert_info(c->chain[i].data, c->chain[i].data_len, &ci)) dieconf("invalid certificate in ", certfile) ;
    if (now < ci.notbefore)
    {
      tls_time_fmt(ci.notbefore, when) ;
      dieconf("a certificate in ", certfile, " is not valid before ", when) ;
    }
    if (now > ci.notafter)
    {
      tls_time_fmt(ci.notafter, when) ;
      dieconf("a certificate in ", certfile, " expired on ", when) ;
    }
    if (!i || ci.notafter < first) first = ci.notafter ;
  }
  tls_time_fmt(first, until) ;
}

static void pair (tlsopts const *o, char const *name, char const *cert, char const *key, int64_t now)
{
  tlscred c ;
  char until[32] ;
  tls_load_cred(&c, name, cert, key, 1) ;
  dates(&c, cert, now, until) ;
  if (o->verbosity) strerr_warn(PROG, ": info: ", name ? "CERTFILE:" : "CERTFILE", name ? name : "", " ", cert,
    " and its key ", key, ": ok, valid until ", until) ;
  tls_cred_free(&c) ;
}

 /* without anchors: exit code with the line that a run would give, or
    nothing to check when code is 0 */
static void anchors (tlsopts const *o, char const *const *envp, int code, char const *none)
{
  tlsanchors a ;
  char const *cafile = env_get2(envp, "CAFILE") ;
  char const *cadir = env_get2(envp, "CADIR") ;
  if (!cafile && !cadir)
  {
    if (code) strerr_dief(code, none) ;
    return ;
  }
  tls_load_anchors(&a, cafile, cadir) ;
  if (o->verbosity) strerr_warn(PROG, ": info: trust anchors ", cafile ? cafile : "", cafile && cadir ? " and " : "", cadir ? cadir : "", ": ok") ;
}

void tls_server_check (tlsopts const *o, char const *const *envp)
{
  int64_t now = (int64_t)time(0) ;
  tlspair pr ;
  size_t i = 0 ;
  tls_pairs_check(envp, o->snilevel) ;
  if (o->snilevel < 2) pair(o, 0, env_get2(envp, "CERTFILE"), env_get2(envp, "KEYFILE"), now) ;
  if (o->snilevel) while (tls_pair_next(envp, &i, &pr)) pair(o, pr.pattern, pr.cert, pr.key, now) ;
  anchors(o, envp, o->clientcert ? UCSPITLS_EXIT_CONF : 0, TLS_NOANCHORS_SERVER) ;
  tls_scache_check(o, envp) ;
  _exit(0) ;
}

void tls_client_check (tlsopts const *o, char const *const *envp)
{
  int64_t now = (int64_t)time(0) ;
  tlsa t ;
  memset(&t, 0, sizeof(t)) ;
  if (tls_tlsa_load(envp, &t))
  {
    char n[SIZE_FMT], u[SIZE_FMT] ;
    n[size_fmt(n, t.n)] = 0 ;
    u[size_fmt(u, t.usable)] = 0 ;
    if (o->verbosity) strerr_warn(PROG, ": info: TLSA: ", n, " records, ", u, " usable for DANE: ok") ;
    anchors(o, envp, 0, TLS_NOANCHORS_CLIENT) ;
  }
  else anchors(o, envp, o->noverify ? 0 : UCSPITLS_EXIT_USAGE, TLS_NOANCHORS_CLIENT) ;
  if (o->clientcert)
  {
    char const *cert = env_get2(envp, "CERTFILE") ;
    char const *key = env_get2(envp, "KEYFILE") ;
    if (!cert) dieconf("CERTFILE not set, and -y asks for a client certificate") ;
    if (!key) dieconf("KEYFILE not set, and -y asks for a client certificate") ;
    pair(o, 0, cert, key, now) ;
  }
  _exit(0) ;
}
