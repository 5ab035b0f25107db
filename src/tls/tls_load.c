/* ISC license. */

/* tls_load.c: reading certificate chains, private keys and trust anchors,
   PEM or DER, before anything touches the network. Every failure is a
   configuration error: one line naming the file, exit 96. Memory taken
   here lives as long as the process. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <skalibs/direntry.h>
#include <skalibs/djbunix.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>

#include "tls-internal.h"

#define dieconf(...) strerr_dief(UCSPITLS_EXIT_CONF, __VA_ARGS__)

typedef void pemobj_func (void *, char const *, char const *, unsigned char const *, size_t) ;

static void *xdup (void const *s, size_t n)
{
  void *p = malloc(n ? n : 1) ;
  if (!p) strerr_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
  if (n) memcpy(p, s, n) ;
  return p ;
}

static void sa_append (void *ctx, void const *s, size_t n)
{
  if (!stralloc_catb((stralloc *)ctx, s, n)) strerr_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
}

static void slurp_file (stralloc *sa, char const *what, char const *file)
{
  sa->len = 0 ;
  if (!openslurpclose(sa, file)) strerr_diefusys(UCSPITLS_EXIT_CONF, "read ", what, " file ", file) ;
}

static int looks_pem (stralloc const *sa)
{
  static char const tag[] = "-----BEGIN " ;
  size_t n = sizeof(tag) - 1 ;
  for (size_t i = 0 ; i + n <= sa->len ; i++) if (!memcmp(sa->s + i, tag, n)) return 1 ;
  return 0 ;
}

 /* Calls f for each object of the file: PEM objects with their name, or
    the whole file with a NULL name when it is not PEM (DER). */

static void each_object (stralloc const *sa, char const *file, pemobj_func *f, void *ctx)
{
  br_pem_decoder_context pc ;
  stralloc obj = STRALLOC_ZERO ;
  char name[128] = "" ;
  int inobj = 0 ;
  size_t i = 0 ;
  if (!looks_pem(sa))
  {
    (*f)(ctx, file, 0, (unsigned char const *)sa->s, sa->len) ;
    return ;
  }
  br_pem_decoder_init(&pc) ;
  for (int last = 0 ; !last ; )
  {
    char const *s = sa->s + i ;
    size_t len = sa->len - i ;
    if (!len) { s = "\n" ; len = 1 ; last = 1 ; }  /* ends a last line without newline */
    while (len)
    {
      size_t k = br_pem_decoder_push(&pc, s, len) ;
      s += k ; len -= k ; if (!last) i += k ;
      switch (br_pem_decoder_event(&pc))
      {
        case BR_PEM_BEGIN_OBJ :
        {
          size_t m = strlen(br_pem_decoder_name(&pc)) ;
          if (m >= sizeof(name)) m = sizeof(name) - 1 ;
          memcpy(name, br_pem_decoder_name(&pc), m) ; name[m] = 0 ;
          obj.len = 0 ;
          br_pem_decoder_setdest(&pc, &sa_append, &obj) ;
          inobj = 1 ;
          break ;
        }
        case BR_PEM_END_OBJ :
          if (inobj) (*f)(ctx, file, name, (unsigned char const *)obj.s, obj.len) ;
          inobj = 0 ;
          break ;
        case BR_PEM_ERROR :
          dieconf("invalid PEM data in ", file) ;
        default : break ;
      }
    }
  }
  if (inobj) dieconf("truncated PEM object in ", file) ;
  stralloc_free(&obj) ;
}

static int is_cert (char const *name)
{
  return !name || !strcmp(name, "CERTIFICATE") || !strcmp(name, "X509 CERTIFICATE") ;
}

 /* certificate chains */

typedef struct chain_s chain, *chain_ref ;
struct chain_s
{
  br_x509_certificate *c ;
  size_t n ;
} ;

static void add_cert (void *ctx, char const *file, char const *name, unsigned char const *s, size_t len)
{
  chain *ch = ctx ;
  br_x509_certificate *c ;
  if (!is_cert(name)) return ;
  if (!len) dieconf("empty certificate in ", file) ;
  c = realloc(ch->c, (ch->n + 1) * sizeof(br_x509_certificate)) ;
  if (!c) strerr_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
  ch->c = c ;
  ch->c[ch->n].data = xdup(s, len) ;
  ch->c[ch->n].data_len = len ;
  ch->n++ ;
}

static void nop_dn (void *ctx, void const *s, size_t n) { (void)ctx ; (void)s ; (void)n ; }

 /* key */

typedef struct keyload_s keyload, *keyload_ref ;
struct keyload_s
{
  br_skey_decoder_context *dc ;
  int found ;
} ;

static void add_key (void *ctx, char const *file, char const *name, unsigned char const *s, size_t len)
{
  keyload *k = ctx ;
  if (name && strcmp(name, "PRIVATE KEY") && strcmp(name, "RSA PRIVATE KEY") && strcmp(name, "EC PRIVATE KEY")) return ;
  if (k->found++) dieconf("more than one private key in ", file) ;
  br_skey_decoder_init(k->dc) ;
  br_skey_decoder_push(k->dc, s, len) ;
  if (br_skey_decoder_last_error(k->dc)) dieconf("invalid private key in ", file) ;
}

static int key_matches (tlscred const *c, br_x509_pkey const *pk)
{
  if (c->keytype == BR_KEYTYPE_EC)
  {
    br_ec_private_key const *sk = br_skey_decoder_get_ec(&c->key) ;
    unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE] ;
    br_ec_public_key pub ;
    size_t n ;
    if (pk->key_type != BR_KEYTYPE_EC || pk->key.ec.curve != sk->curve) return 0 ;
    n = br_ec_compute_pub(br_ec_get_default(), &pub, q, sk) ;
    return n && n == pk->key.ec.qlen && !memcmp(q, pk->key.ec.q, n) ;
  }
  else
  {
    br_rsa_private_key const *sk = br_skey_decoder_get_rsa(&c->key) ;
    br_rsa_compute_modulus cm = br_rsa_compute_modulus_get_default() ;
    unsigned char mod[512] ;
    unsigned char const *n = pk->key.rsa.n ;
    size_t nlen = pk->key.rsa.nlen, mlen ;
    if (pk->key_type != BR_KEYTYPE_RSA) return 0 ;
    mlen = (*cm)(0, sk) ;
    if (!mlen || mlen > sizeof(mod) || !(*cm)(mod, sk)) return 0 ;
    while (nlen && !*n) { n++ ; nlen-- ; }
    return nlen == mlen && !memcmp(n, mod, mlen) ;
  }
}

void tls_load_cred (tlscred *c, char const *name, char const *certfile, char const *keyfile)
{
  stralloc sa = STRALLOC_ZERO ;
  chain ch = { .c = 0, .n = 0 } ;
  keyload k = { .dc = &c->key, .found = 0 } ;
  br_x509_decoder_context dec ;
  br_x509_pkey const *pk ;

  slurp_file(&sa, "certificate", certfile) ;
  each_object(&sa, certfile, &add_cert, &ch) ;
  if (!ch.n) dieconf("no certificate found in ", certfile) ;
  br_x509_decoder_init(&dec, &nop_dn, 0) ;
  br_x509_decoder_push(&dec, ch.c[0].data, ch.c[0].data_len) ;
  pk = br_x509_decoder_get_pkey(&dec) ;
  if (!pk) dieconf("invalid certificate in ", certfile) ;

  slurp_file(&sa, "private key", keyfile) ;
  each_object(&sa, keyfile, &add_key, &k) ;
  if (!k.found) dieconf("no private key found in ", keyfile) ;
  stralloc_free(&sa) ;

  c->name = name ;
  c->chain = ch.c ;
  c->chainlen = ch.n ;
  c->keytype = br_skey_decoder_key_type(&c->key) ;
  if (c->keytype != BR_KEYTYPE_RSA && c->keytype != BR_KEYTYPE_EC)
    dieconf("unsupported private key type in ", keyfile) ;
  if (!key_matches(c, pk))
    dieconf("the private key in ", keyfile, " does not match the certificate in ", certfile) ;
}

 /* trust anchors */

typedef struct taload_s taload, *taload_ref ;
struct taload_s
{
  tlsanchors *a ;
  int strict ;
} ;

static void add_anchor (void *ctx, char const *file, char const *name, unsigned char const *s, size_t len)
{
  taload *t = ctx ;
  stralloc dn = STRALLOC_ZERO ;
  br_x509_decoder_context dec ;
  br_x509_pkey const *pk ;
  br_x509_trust_anchor *ta ;
  if (!is_cert(name)) return ;
  if (!len)
  {
    if (t->strict) dieconf("empty certificate in ", file) ;
    return ;
  }
  br_x509_decoder_init(&dec, &sa_append, &dn) ;
  br_x509_decoder_push(&dec, s, len) ;
  pk = br_x509_decoder_get_pkey(&dec) ;
  if (!pk)
  {
    if (t->strict) dieconf("invalid certificate in ", file) ;
    stralloc_free(&dn) ;
    return ;
  }
  ta = realloc(t->a->ta, (t->a->n + 1) * sizeof(br_x509_trust_anchor)) ;
  if (!ta) strerr_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
  t->a->ta = ta ;
  ta += t->a->n++ ;
  ta->dn.data = xdup(dn.s, dn.len) ;
  ta->dn.len = dn.len ;
  ta->flags = br_x509_decoder_isCA(&dec) ? BR_X509_TA_CA : 0 ;
  ta->pkey = *pk ;
  if (pk->key_type == BR_KEYTYPE_RSA)
  {
    ta->pkey.key.rsa.n = xdup(pk->key.rsa.n, pk->key.rsa.nlen) ;
    ta->pkey.key.rsa.e = xdup(pk->key.rsa.e, pk->key.rsa.elen) ;
  }
  else ta->pkey.key.ec.q = xdup(pk->key.ec.q, pk->key.ec.qlen) ;
  stralloc_free(&dn) ;
}

void tls_load_anchors (tlsanchors *a, char const *cafile, char const *cadir)
{
  stralloc sa = STRALLOC_ZERO ;
  taload t = { .a = a, .strict = 1 } ;
  a->ta = 0 ; a->n = 0 ;
  if (cafile)
  {
    slurp_file(&sa, "CA", cafile) ;
    each_object(&sa, cafile, &add_anchor, &t) ;
    if (!a->n) dieconf("no certificate found in ", cafile) ;
  }
  if (cadir)
  {
    stralloc path = STRALLOC_ZERO ;
    size_t before = a->n ;
    DIR *dir = opendir(cadir) ;
    if (!dir) strerr_diefusys(UCSPITLS_EXIT_CONF, "open CA directory ", cadir) ;
    t.strict = 0 ;  /* a system directory holds more than certificates */
    for (;;)
    {
      direntry *d ;
      errno = 0 ;
      d = readdir(dir) ;
      if (!d) break ;
      if (d->d_name[0] == '.') continue ;
      path.len = 0 ;
      if (!stralloc_cats(&path, cadir) || !stralloc_catb(&path, "/", 1)
       || !stralloc_cats(&path, d->d_name) || !stralloc_0(&path))
        strerr_diefusys(UCSPITLS_EXIT_SYS, "allocate memory") ;
      sa.len = 0 ;
      if (!openslurpclose(&sa, path.s))
      {
        if (errno == EISDIR) continue ;
        strerr_diefusys(UCSPITLS_EXIT_CONF, "read ", "CA", " file ", path.s) ;
      }
      if (looks_pem(&sa)) each_object(&sa, path.s, &add_anchor, &t) ;
    }
    if (errno) strerr_diefusys(UCSPITLS_EXIT_CONF, "read CA directory ", cadir) ;
    dir_close(dir) ;
    stralloc_free(&path) ;
    if (a->n == before) dieconf("no certificate found in ", cadir) ;
  }
  stralloc_free(&sa) ;
}
