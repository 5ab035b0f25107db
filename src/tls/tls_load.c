/* ISC license. */

/* tls_load.c: reading certificate chains, private keys and trust
   anchors, PEM or DER. Every failure is a configuration error: one line
   naming the file, exit 96.

   A private key's bytes -- the file, its decoded DER -- are read into
   buffers of our own, exactly as large as the file so that nothing is
   reallocated (and copied) behind our back, and wiped as soon as the key
   is decoded; the decoded key itself is wiped by tls_cred_wipe(). That
   is what lets the process that checked a key fork a network-facing
   child that holds no copy of it. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/direntry.h>
#include <skalibs/djbunix.h>
#include <skalibs/stralloc.h>

#include "tls-internal.h"

#define dieconf(...) log_dief(UCSPITLS_EXIT_CONF, __VA_ARGS__)
#define diemem() log_diefusys(UCSPITLS_EXIT_SYS, "allocate memory")

typedef struct tlsfile_s tlsfile, *tlsfile_ref ;
struct tlsfile_s
{
  char *s ;
  size_t len ;
  unsigned char *der ;  /* the decoded objects, as long as the file */
} ;

 /* 0 and errno set: the caller says what failed */
static int readfile (tlsfile *f, char const *file)
{
  struct stat st ;
  size_t n = 0 ;
  int fd = openat(AT_FDCWD, file, O_RDONLY | O_CLOEXEC) ;  /* musl's open() adds an fcntl for O_CLOEXEC, its openat() none */
  f->s = 0 ; f->der = 0 ; f->len = 0 ;
  if (fd == -1) return 0 ;
  if (fstat(fd, &st) == -1) goto err ;
  if (S_ISDIR(st.st_mode)) { errno = EISDIR ; goto err ; }
  if (st.st_size > 1 << 24) { errno = EFBIG ; goto err ; }
  f->s = malloc((size_t)st.st_size + 1) ;
  f->der = malloc((size_t)st.st_size + 1) ;
  if (!f->s || !f->der) diemem() ;
  for (;;)
  {
    ssize_t r = fd_read(fd, f->s + n, (size_t)st.st_size + 1 - n) ;
    if (r == -1) goto err ;
    if (!r) break ;
    n += r ;
    if (n > (size_t)st.st_size) { errno = EAGAIN ; goto err ; }  /* it grew under us */
  }
  fd_close(fd) ;
  f->len = n ;
  return 1 ;
 err:
  {
    int e = errno ;
    fd_close(fd) ;
    free(f->s) ; free(f->der) ;
    f->s = 0 ; f->der = 0 ;
    errno = e ;
    return 0 ;
  }
}

static void readfile_or_die (tlsfile *f, char const *what, char const *file)
{
  if (!readfile(f, file)) log_diefusys(UCSPITLS_EXIT_CONF, "read ", what, " file ", file) ;
}

static void wipe (tlsfile *f)
{
  if (f->s) { explicit_bzero(f->s, f->len) ; free(f->s) ; }
  if (f->der) { explicit_bzero(f->der, f->len) ; free(f->der) ; }
  f->s = 0 ; f->der = 0 ; f->len = 0 ;
}

static int is_cert (char const *name)
{
  return !name || !strcmp(name, "CERTIFICATE") || !strcmp(name, "X509 CERTIFICATE") ;
}

 /* certificate chains: the certificates point into the decoded file,
    which lives as long as the tlscred. The file may hold the key too
    (CERTFILE and KEYFILE the same file): only its certificates are
    decoded, and its text is wiped, so that the chain leaves nothing of
    the key behind. The bounds are the key process's, which passes the
    chain on in one message: every check and every handshake refuses the
    same chains. */

static void add_cert (void *ctx, char const *file, char const *name, unsigned char const *s, size_t len)
{
  tlscred *c = ctx ;
  br_x509_certificate *v ;
  if (!is_cert(name)) return ;
  if (!len) dieconf("empty certificate in ", file) ;
  v = realloc(c->chain, (c->chainlen + 1) * sizeof(br_x509_certificate)) ;
  if (!v) diemem() ;
  c->chain = v ;
  c->chain[c->chainlen].data = (unsigned char *)s ;
  c->chain[c->chainlen].data_len = len ;
  c->chainlen++ ;
}

static void nop_dn (void *ctx, void const *s, size_t n) { (void)ctx ; (void)s ; (void)n ; }

static void chain_bounds (tlscred const *c, char const *certfile)
{
  size_t len = 4 ;
  if (c->chainlen > TLS_CHAIN_CERTS)
    dieconf("too many certificates in ", certfile, ": a chain has at most " TLS_CHAIN_CERTS_S) ;
  for (size_t i = 0 ; i < c->chainlen ; i++)
  {
    if (c->chain[i].data_len > TLS_CHAIN_MAX - len - 3)
      dieconf("certificate chain too long in ", certfile, ": a chain has at most " TLS_CHAIN_MAX_S " bytes, with 3 for each certificate and 4 more") ;
    len += 3 + c->chain[i].data_len ;
  }
}

void tls_load_chain (tlscred *c, char const *certfile)
{
  tlsfile f ;
  readfile_or_die(&f, "certificate", certfile) ;
  c->chain = 0 ; c->chainlen = 0 ;
  tls_pem_select(certfile, f.s, f.len, f.der, &is_cert, &add_cert, c) ;
  explicit_bzero(f.s, f.len) ;
  free(f.s) ;
  if (!c->chainlen) dieconf("no certificate found in ", certfile) ;
  chain_bounds(c, certfile) ;
  c->certbuf = f.der ;
  br_x509_decoder_init(&c->dec, &nop_dn, 0) ;
  br_x509_decoder_push(&c->dec, c->chain[0].data, c->chain[0].data_len) ;
  if (!br_x509_decoder_get_pkey(&c->dec)) dieconf("invalid certificate in ", certfile) ;
}

 /* keys */

 /* What a key file carries of the public key, so that a key is matched
    to its certificate without computing with it: SEC1's optional
    publicKey (OpenSSL always writes it), or PKCS#1's modulus; alone or
    inside PKCS#8. */

static size_t copy_pub (tlsder v, unsigned char *q)
{
  while (v.len && !*v.s) { v.s++ ; v.len-- ; }  /* an INTEGER's leading zero */
  if (!v.len || v.len > sizeof(((tlscred *)0)->pub)) return 0 ;
  memcpy(q, v.s, v.len) ;
  return v.len ;
}

static size_t key_pub (unsigned char const *s, size_t len, unsigned char *q)
{
  tlsder in = { .s = s, .len = len }, seq, v, w ;
  unsigned int tag ;
  if (!tls_der_expect(&in, 0x30, &seq) || !tls_der_expect(&seq, 0x02, &v) || v.len != 1) return 0 ;
  if (!v.s[0])
  {
    if (!tls_der_next(&seq, &tag, &w, 0)) return 0 ;
    if (tag == 0x02) return copy_pub(w, q) ;  /* PKCS#1: version 0, then the modulus */
    if (tag != 0x30 || !tls_der_expect(&seq, 0x04, &v)) return 0 ;  /* PKCS#8: the algorithm, then the key */
    return key_pub(v.s, v.len, q) ;
  }
  if (v.s[0] != 1 || !tls_der_expect(&seq, 0x04, &v)) return 0 ;  /* SEC1 */
  while (seq.len)
  {
    if (!tls_der_next(&seq, &tag, &v, 0)) return 0 ;
    if (tag == 0xa1)
    {
      tlsder bits ;
      if (!tls_der_expect(&v, 0x03, &bits) || bits.len < 2 || bits.s[0] || bits.len - 1 > sizeof(((tlscred *)0)->pub)) return 0 ;
      memcpy(q, bits.s + 1, bits.len - 1) ;
      return bits.len - 1 ;
    }
  }
  return 0 ;
}

typedef struct keyload_s keyload, *keyload_ref ;
struct keyload_s
{
  tlscred *c ;
  int found ;
} ;

static void add_key (void *ctx, char const *file, char const *name, unsigned char const *s, size_t len)
{
  keyload *k = ctx ;
  if (name && strcmp(name, "PRIVATE KEY") && strcmp(name, "RSA PRIVATE KEY") && strcmp(name, "EC PRIVATE KEY")) return ;
  if (k->found++) dieconf("more than one private key in ", file) ;
  br_skey_decoder_init(&k->c->key) ;
  br_skey_decoder_push(&k->c->key, s, len) ;
  if (br_skey_decoder_last_error(&k->c->key)) dieconf("invalid private key in ", file) ;
  k->c->publen = key_pub(s, len, k->c->pub) ;
}

static void load_key (tlscred *c, char const *keyfile)
{
  tlsfile f ;
  keyload k = { .c = c, .found = 0 } ;
  readfile_or_die(&f, "private key", keyfile) ;
  tls_pem_each(keyfile, f.s, f.len, f.der, &add_key, &k) ;
  wipe(&f) ;
  if (!k.found) dieconf("no private key found in ", keyfile) ;
  c->keytype = br_skey_decoder_key_type(&c->key) ;
  if (c->keytype != BR_KEYTYPE_RSA && c->keytype != BR_KEYTYPE_EC)
    dieconf("unsupported private key type in ", keyfile) ;
}

static int key_matches (tlscred *c, br_x509_pkey const *pk, int full)
{
  if (c->keytype == BR_KEYTYPE_EC)
  {
    br_ec_private_key const *sk = br_skey_decoder_get_ec(&c->key) ;
    unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE] ;
    unsigned char const *p = c->pub ;
    br_ec_public_key pub ;
    size_t n = c->publen ;
    if (pk->key_type != BR_KEYTYPE_EC || pk->key.ec.curve != sk->curve) return 0 ;
    if (full || !n)
    {
      c->computed = 1 ;
      n = br_ec_compute_pub(br_ec_get_default(), &pub, q, sk) ;
      p = q ;
    }
    return n && n == pk->key.ec.qlen && !memcmp(p, pk->key.ec.q, n) ;
  }
  else
  {
    br_rsa_private_key const *sk = br_skey_decoder_get_rsa(&c->key) ;
     /* i15, not the default: BearSSL 0.6's i31 code (the default) has
        too small a buffer for the factors of a 4096-bit key, and finds
        no modulus for it */
    br_rsa_compute_modulus cm = &br_rsa_i15_compute_modulus ;
    unsigned char mod[512] ;
    unsigned char const *n = pk->key.rsa.n, *m = c->pub ;
    size_t nlen = pk->key.rsa.nlen, mlen = c->publen ;
    if (pk->key_type != BR_KEYTYPE_RSA) return 0 ;
    if (full || !mlen)
    {
      c->computed = 1 ;
      mlen = (*cm)(0, sk) ;
      if (!mlen || mlen > sizeof(mod) || !(*cm)(mod, sk)) return 0 ;
      m = mod ;
    }
    while (nlen && !*n) { n++ ; nlen-- ; }
    return nlen == mlen && !memcmp(n, m, mlen) ;
  }
}

void tls_load_cred (tlscred *c, char const *name, char const *certfile, char const *keyfile, int full)
{
  c->name = name ;
  c->computed = 0 ;
  tls_load_chain(c, certfile) ;
  load_key(c, keyfile) ;
  if (!key_matches(c, br_x509_decoder_get_pkey(&c->dec), full))
    dieconf("the private key in ", keyfile, " does not match the certificate in ", certfile) ;
}

 /* what a computation with the key may have left on the stack goes too;
    only then, since the pages that this touches stay with the TLS child
    that is forked next, as memory of every idle connection */
static void scrub_stack (void) __attribute__((noinline)) ;
static void scrub_stack (void)
{
  unsigned char junk[16384] ;
  explicit_bzero(junk, sizeof(junk)) ;
}

void tls_cred_wipe (tlscred *c)
{
  explicit_bzero(&c->key, sizeof(c->key)) ;
  explicit_bzero(c->pub, sizeof(c->pub)) ;
  c->keytype = 0 ;
  if (c->computed) scrub_stack() ;
  c->computed = 0 ;
}

void tls_cred_free (tlscred *c)
{
  tls_cred_wipe(c) ;
  free(c->chain) ;
  free(c->certbuf) ;
  c->chain = 0 ; c->chainlen = 0 ; c->certbuf = 0 ;
}

 /* trust anchors */

typedef struct taload_s taload, *taload_ref ;
struct taload_s
{
  tlsanchors *a ;
  int strict ;
} ;

static void *xdup (void const *s, size_t n)
{
  void *p = malloc(n ? n : 1) ;
  if (!p) diemem() ;
  if (n) memcpy(p, s, n) ;
  return p ;
}

static void sa_append (void *ctx, void const *s, size_t n)
{
  if (!stralloc_catb((stralloc *)ctx, s, n)) diemem() ;
}

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
  if (!ta) diemem() ;
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

static void anchors_file (taload *t, char const *file, int fromdir)
{
  tlsfile f ;
  if (!readfile(&f, file))
  {
    if (fromdir && errno == EISDIR) return ;
    log_diefusys(UCSPITLS_EXIT_CONF, "read ", "CA", " file ", file) ;
  }
  if (!fromdir || tls_pem_looks(f.s, f.len)) tls_pem_select(file, f.s, f.len, f.der, &is_cert, &add_anchor, t) ;
  free(f.s) ; free(f.der) ;
}

void tls_load_anchors (tlsanchors *a, char const *cafile, char const *cadir)
{
  taload t = { .a = a, .strict = 1 } ;
  a->ta = 0 ; a->n = 0 ;
  if (cafile)
  {
    anchors_file(&t, cafile, 0) ;
    if (!a->n) dieconf("no certificate found in ", cafile) ;
  }
  if (cadir)
  {
    stralloc path = STRALLOC_ZERO ;
    size_t before = a->n ;
    DIR *dir = opendir(cadir) ;
    if (!dir) log_diefusys(UCSPITLS_EXIT_CONF, "open CA directory ", cadir) ;
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
        diemem() ;
      anchors_file(&t, path.s, 1) ;
    }
    if (errno) log_diefusys(UCSPITLS_EXIT_CONF, "read CA directory ", cadir) ;
    dir_close(dir) ;
    stralloc_free(&path) ;
    if (a->n == before) dieconf("no certificate found in ", cadir) ;
  }
}
