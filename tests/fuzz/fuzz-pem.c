/* ISC license. */

/* fuzz-pem: what reads the certificate, key and anchor files: our PEM
   decoder (src/tls/tls_pem.c), the public point that a key file carries
   (key_pub in src/tls/tls_load.c), and whole files through the loaders
   (tls_load_cred, tls_load_anchors, with BearSSL's decoders behind them),
   on arbitrary file contents. Both sources are included here, for the
   static functions and for the macros around them.

   The loaders end the process (strerr_dief, exit 96) on bad input, which
   is right for them and useless for a fuzzer: here strerr_diev and
   strerr_dievsys are a longjmp back to the harness. The files are read
   as the loaders read them (readfile: open2, fstat, fd_read into
   buffers of the file's size), from a memfd that holds the fuzz input:
   open2 is a macro. What the loaders allocate (malloc, realloc,
   stralloc) and the fds they open are tracked, through macros around the
   included sources, and freed or closed after each input, whether the
   loader returned or "died", so that memory stays flat and
   LeakSanitizer quiet.

   Input: a mode byte, then the file, or for a certificate and key pair
   the certificate file up to a 0xff 0x00 0xff separator, then the key
   file. Checked:
     - tls_pem_each, against a model of the format (BEGIN and END lines,
       the name, base64 with whitespace, up to two '=' and nothing after
       them, no stray bits; a file without "-----BEGIN " one DER object):
       it dies exactly when the model does, and otherwise gives the
       model's objects, names and bytes, in order, each inside the output
       buffer, which is as long as the input (allocated so: ASan sees a
       byte past it), the objects one after the other;
     - tls_pem_select, with a predicate: of those objects, the wanted
       ones, the same; the others are not decoded (no byte is written
       past the wanted ones);
     - key_pub, against a model of SEC1's ECPrivateKey, PKCS#1's
       RSAPrivateKey and PKCS#8 around either: the same point or modulus
       (its INTEGER's leading zeros dropped), or none, never more than
       the buffer;
     - tls_load_cred (matching the key by its point, and by computing):
       a loaded pair has a chain inside its certificate buffer and an RSA
       or EC key; tls_load_anchors, strict (CAFILE) and lenient (a file of
       CADIR): a loaded set is not empty and each anchor has its bytes. */

#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <skalibs/stralloc.h>
#include <skalibs/djbunix.h>

static void *fz_malloc (size_t) ;
static void *fz_realloc (void *, size_t) ;
static void fz_free (void *) ;
static int fz_catb (stralloc *, char const *, size_t) ;
static void fz_safree (stralloc *) ;
static int fz_open2 (char const *, unsigned int) ;
static void fz_fd_close (int) ;

#define malloc fz_malloc
#define realloc fz_realloc
#define free fz_free
#define stralloc_catb fz_catb
#define stralloc_free fz_safree
#define open2 fz_open2
#define fd_close fz_fd_close
#include "../../src/tls/tls_pem.c"
#include "../../src/tls/tls_load.c"
#undef malloc
#undef realloc
#undef free
#undef stralloc_catb
#undef stralloc_free
#undef open2
#undef fd_close

#define check(c) do { if (!(c)) { fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__) ; abort() ; } } while (0)

 /* the allocations and fds of one run */

#define MAXTRACK 65536
static void *track[MAXTRACK] ;
static size_t ntrack ;
static int fds[16] ;
static size_t nfds ;

static void forget (void *p)
{
  for (size_t i = ntrack ; i-- ; ) if (track[i] == p) { track[i] = track[--ntrack] ; return ; }
  check(!"a free of something not allocated here") ;
}

static void remember (void *p)
{
  if (!p) return ;
  check(ntrack < MAXTRACK) ;
  track[ntrack++] = p ;
}

static void *fz_malloc (size_t n)
{
  void *p = malloc(n) ;
  remember(p) ;
  return p ;
}

static void *fz_realloc (void *old, size_t n)
{
  void *p = realloc(old, n) ;
  if (p) { if (old) forget(old) ; remember(p) ; }
  return p ;
}

static void fz_free (void *p)
{
  if (p) forget(p) ;
  free(p) ;
}

 /* strallocs grow inside libskarnet: remember the buffer after each append */
static int fz_catb (stralloc *sa, char const *s, size_t n)
{
  char *old = sa->s ;
  int r = stralloc_catb(sa, s, n) ;
  if (sa->s != old) { if (old) forget(old) ; remember(sa->s) ; }
  return r ;
}

static void fz_safree (stralloc *sa)
{
  if (sa->s) forget(sa->s) ;
  stralloc_free(sa) ;
}

 /* the "files": a memfd each, opened again (dup) for each read */

static int memfd[2] = { -1, -1 } ;
static uint8_t const *file1, *file2 ;
static size_t len1, len2 ;

static int fz_open2 (char const *file, unsigned int flags)
{
  int i = !strcmp(file, "key") ;
  uint8_t const *s = i ? file2 : file1 ;
  size_t n = i ? len2 : len1 ;
  int fd ;
  (void)flags ;
  check(!strcmp(file, "cert") || !strcmp(file, "key") || !strcmp(file, "ca")) ;
  if (memfd[i] == -1) { memfd[i] = memfd_create(file, MFD_CLOEXEC) ; check(memfd[i] >= 0) ; }
  check(!ftruncate(memfd[i], 0)) ;
  check(!n || pwrite(memfd[i], s, n, 0) == (ssize_t)n) ;
  check(lseek(memfd[i], 0, SEEK_SET) == 0) ;
  fd = dup(memfd[i]) ;
  check(fd >= 0 && nfds < sizeof(fds) / sizeof(fds[0])) ;
  fds[nfds++] = fd ;
  return fd ;
}

static void fz_fd_close (int fd)
{
  for (size_t i = 0 ; i < nfds ; i++) if (fds[i] == fd) { fds[i] = fds[--nfds] ; break ; }
  close(fd) ;
}

 /* dying */

static jmp_buf jb ;
static int died ;

void strerr_diev (int e, char const *const *a, unsigned int n)
{
  (void)a ; (void)n ;
  died = e ;
  longjmp(jb, 1) ;
}

void strerr_dievsys (int e, char const *const *a, unsigned int n)
{
  strerr_diev(e, a, n) ;
}

static void cleanup (void)
{
  for (size_t i = 0 ; i < ntrack ; i++) free(track[i]) ;
  ntrack = 0 ;
  for (size_t i = 0 ; i < nfds ; i++) close(fds[i]) ;
  nfds = 0 ;
}

 /* the model of a PEM file: its objects, or death */

typedef struct obj_s { char name[128] ; int noname ; size_t off ; size_t len ; } obj ;
#define MAXOBJ 4096

static int val64 (unsigned char c)
{
  static char const a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" ;
  char const *p = c ? strchr(a, c) : 0 ;
  return p ? (int)(p - a) : -1 ;
}

static int begins (unsigned char const *s, size_t n, char const *p)
{
  return n >= strlen(p) && !memcmp(s, p, strlen(p)) ;
}

 /* returns the number of objects, -1 for death; out: the bytes */
static int model_pem (unsigned char const *s, size_t len, obj *o, unsigned char *out)
{
  size_t i = 0, nout = 0 ;
  int n = 0, found = 0 ;
  for (size_t j = 0 ; j + 11 <= len ; j++) if (!memcmp(s + j, "-----BEGIN ", 11)) { found = 1 ; break ; }
  if (!found)
  {
    o[0].noname = 1 ; o[0].off = 0 ; o[0].len = len ;
    memcpy(out, s, len) ;
    return 1 ;
  }
  while (i < len)
  {
    unsigned char const *line = s + i, *nl = memchr(line, '\n', len - i) ;
    size_t ll = nl ? (size_t)(nl - line) : len - i, m ;
    unsigned char c64[4] ;
    size_t nc = 0, npad = 0, start = nout ;
    int ended = 0 ;
    i += ll + 1 ;
    if (!begins(line, ll, "-----BEGIN ")) continue ;
    m = ll ;
    while (m > 11 && (line[m - 1] == '\r' || line[m - 1] == ' ')) m-- ;
    if (m < 16 || memcmp(line + m - 5, "-----", 5)) return -1 ;
    m -= 16 ;
    if (m > 127) m = 127 ;
    if (!nl) return -1 ;   /* a BEGIN line that ends the file */
    check(n < MAXOBJ) ;
    memcpy(o[n].name, line + 11, m) ; o[n].name[m] = 0 ; o[n].noname = 0 ;
     /* the body, line by line, up to an END line */
    while (i < len)
    {
      unsigned char const *b = s + i, *bnl = memchr(b, '\n', len - i) ;
      size_t bl = bnl ? (size_t)(bnl - b) : len - i ;
      i += bl + 1 ;
      if (begins(b, bl, "-----END ")) { ended = 1 ; break ; }
      for (size_t j = 0 ; j < bl ; j++)
      {
        int v ;
        if (b[j] == ' ' || b[j] == '\t' || b[j] == '\r') continue ;
        if (b[j] == '=') { if (++npad > 2) return -1 ; continue ; }
        v = val64(b[j]) ;
        if (v < 0 || npad) return -1 ;
        c64[nc++ % 4] = (unsigned char)v ;
        if (nc % 4 == 0)
        {
          out[nout++] = (unsigned char)(c64[0] << 2 | c64[1] >> 4) ;
          out[nout++] = (unsigned char)(c64[1] << 4 | c64[2] >> 2) ;
          out[nout++] = (unsigned char)(c64[2] << 6 | c64[3]) ;
        }
      }
    }
    if (!ended) return -1 ;
    switch (nc % 4)
    {
      case 1 : return -1 ;
      case 2 : if (c64[1] & 15) return -1 ; out[nout++] = (unsigned char)(c64[0] << 2 | c64[1] >> 4) ; break ;
      case 3 : if (c64[2] & 3) return -1 ;
        out[nout++] = (unsigned char)(c64[0] << 2 | c64[1] >> 4) ;
        out[nout++] = (unsigned char)(c64[1] << 4 | c64[2] >> 2) ;
        break ;
    }
    o[n].off = start ; o[n].len = nout - start ;
    n++ ;
  }
  return n ;
}

 /* what tls_pem_each gives */

typedef struct seen_s
{
  unsigned char const *base, *next ;
  size_t cap ;
  obj *o ;
  int n ;
} seen ;

static void record (void *ctx, char const *file, char const *name, unsigned char const *s, size_t len)
{
  seen *w = ctx ;
  check(!strcmp(file, "f")) ;
  check(s == w->next) ;                        /* one after the other */
  check(s >= w->base && len <= w->cap - (size_t)(s - w->base)) ;  /* inside the buffer */
  check(w->n < MAXOBJ) ;
  if (name) { check(strlen(name) < 128) ; strcpy(w->o[w->n].name, name) ; w->o[w->n].noname = 0 ; }
  else w->o[w->n].noname = 1 ;
  w->o[w->n].off = (size_t)(s - w->base) ;
  w->o[w->n].len = len ;
  w->n++ ;
  w->next = s + len ;
}

 /* tls_pem_select's predicate: the certificates, say */
static int want_c (char const *name)
{
  return name[0] == 'C' ;
}

static void fuzz_pem (unsigned char const *s, size_t len)
{
  static obj mo[MAXOBJ], ro[MAXOBJ], so[MAXOBJ] ;
  unsigned char *mout = malloc(len + 1), *out = malloc(len ? len : 1) ;
  seen w = { .base = out, .next = out, .cap = len, .o = ro, .n = 0 } ;
  int mn ;
  check(mout && out) ;
  mn = model_pem(s, len, mo, mout) ;
  died = 0 ;
  if (!setjmp(jb)) tls_pem_each("f", (char const *)s, len, out, &record, &w) ;
  if (mn < 0) check(died == UCSPITLS_EXIT_CONF) ;
  else
  {
    check(!died) ;
    check(w.n == mn) ;
    for (int i = 0 ; i < mn ; i++)
    {
      check(ro[i].noname == mo[i].noname && (mo[i].noname || !strcmp(ro[i].name, mo[i].name))) ;
      check(ro[i].len == mo[i].len && !memcmp(out + ro[i].off, mout + mo[i].off, mo[i].len)) ;
    }
  }
   /* tls_pem_select: the objects wanted, the same, one after the other;
      the others not decoded (a key in a certificate file): nothing is
      written past the wanted ones. A file that tls_pem_each refuses may
      pass, when what is wrong is inside an object not wanted. */
  {
    seen v = { .base = out, .next = out, .cap = len, .o = so, .n = 0 } ;
    size_t used = 0 ;
    int k = 0 ;
    memset(out, 0xa5, len) ;
    died = 0 ;
    if (!setjmp(jb)) tls_pem_select("f", (char const *)s, len, out, &want_c, &record, &v) ;
    if (mn >= 0)
    {
      check(!died) ;
      for (int i = 0 ; i < mn ; i++)
      {
        if (!mo[i].noname && !want_c(mo[i].name)) continue ;
        check(k < v.n) ;
        check(so[k].noname == mo[i].noname && (mo[i].noname || !strcmp(so[k].name, mo[i].name))) ;
        check(so[k].len == mo[i].len && !memcmp(out + so[k].off, mout + mo[i].off, mo[i].len)) ;
        used += mo[i].len ;
        k++ ;
      }
      check(k == v.n) ;
      for (size_t b = used ; b < len ; b++) check(out[b] == 0xa5) ;
    }
    else check(!died || died == UCSPITLS_EXIT_CONF) ;
  }
  free(out) ;
  free(mout) ;
}

 /* the model of key_pub: SEC1's ECPrivateKey { 1, key, [0] params, [1]
    BIT STRING point }, PKCS#1's RSAPrivateKey { 0, INTEGER modulus, ... },
    or PKCS#8 { 0, algorithm, OCTET STRING { either } }, TLVs as
    tls_der_next reads them */

#define PUBMAX 512

typedef struct tlv_s { unsigned int tag ; unsigned char const *v ; size_t len ; } tlv ;

static int model_tlv (unsigned char const **s, size_t *n, tlv *t)
{
  size_t len, hl = 2 ;
  if (*n < 2) return 0 ;
  t->tag = (*s)[0] ;
  len = (*s)[1] ;
  if (len >= 0x80)
  {
    size_t k = len - 0x80 ;
    if (k < 1 || k > 3 || *n < 2 + k) return 0 ;
    len = 0 ;
    for (size_t i = 0 ; i < k ; i++) len = len * 256 + (*s)[2 + i] ;
    hl = 2 + k ;
  }
  if (hl + len > *n) return 0 ;
  t->v = *s + hl ; t->len = len ;
  *s += hl + len ; *n -= hl + len ;
  return 1 ;
}

static size_t model_ecpub (unsigned char const *s, size_t n, unsigned char const **q)
{
  tlv seq, ver, t ;
  unsigned char const *p ;
  size_t m ;
  if (!model_tlv(&s, &n, &seq) || seq.tag != 0x30) return 0 ;
  p = seq.v ; m = seq.len ;
  if (!model_tlv(&p, &m, &ver) || ver.tag != 0x02 || ver.len != 1) return 0 ;
  if (ver.v[0] == 0)
  {
    if (!model_tlv(&p, &m, &t)) return 0 ;
    if (t.tag == 0x02)  /* PKCS#1 */
    {
      while (t.len && !t.v[0]) { t.v++ ; t.len-- ; }
      if (!t.len || t.len > PUBMAX) return 0 ;
      *q = t.v ;
      return t.len ;
    }
    if (t.tag != 0x30 || !model_tlv(&p, &m, &t) || t.tag != 0x04) return 0 ;
    return model_ecpub(t.v, t.len, q) ;
  }
  if (ver.v[0] != 1 || !model_tlv(&p, &m, &t) || t.tag != 0x04) return 0 ;
  while (m)
  {
    if (!model_tlv(&p, &m, &t)) return 0 ;
    if (t.tag == 0xa1)
    {
      tlv bits ;
      unsigned char const *b = t.v ;
      size_t bn = t.len ;
      if (!model_tlv(&b, &bn, &bits) || bits.tag != 0x03 || bits.len < 2 || bits.v[0] || bits.len - 1 > PUBMAX) return 0 ;
      *q = bits.v + 1 ;
      return bits.len - 1 ;
    }
  }
  return 0 ;
}

static void fuzz_ecpub (unsigned char const *data, size_t len)
{
  unsigned char *in = malloc(len ? len : 1), *q = malloc(PUBMAX) ;
  unsigned char const *mq = 0 ;
  size_t n, mn ;
  check(in && q) ;
  memcpy(in, data, len) ;
  n = key_pub(in, len, q) ;
  mn = model_ecpub(in, len, &mq) ;
  check(n == mn && n <= PUBMAX) ;
  if (n) check(!memcmp(q, mq, n)) ;
  free(q) ;
  free(in) ;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  static tlscred c ;
  static tlsanchors a ;
  static taload t ;
  unsigned int mode ;
  if (!size) return 0 ;
  mode = data[0] % 6 ;
  file1 = data + 1 ; len1 = size - 1 ; file2 = 0 ; len2 = 0 ;
  for (size_t i = 1 ; i + 3 <= size ; i++)
    if (data[i] == 0xff && data[i + 1] == 0x00 && data[i + 2] == 0xff)
    {
      len1 = i - 1 ; file2 = data + i + 3 ; len2 = size - i - 3 ;
      break ;
    }
  switch (mode)
  {
    case 0 : fuzz_pem(data + 1, size - 1) ; return 0 ;
    case 1 : fuzz_ecpub(data + 1, size - 1) ; return 0 ;
    default : break ;
  }
  died = 0 ;
  if (!setjmp(jb))
  {
    switch (mode)
    {
      case 2 :  /* a pair, the key matched by the point in its file */
      case 3 :  /* by computing (-C) */
        memset(&c, 0, sizeof(c)) ;
        tls_load_cred(&c, 0, "cert", "key", mode == 3) ;
        check(c.chainlen && c.chain && c.certbuf) ;
        for (size_t i = 0 ; i < c.chainlen ; i++)
          check(c.chain[i].data_len && c.chain[i].data >= c.certbuf && c.chain[i].data + c.chain[i].data_len <= c.certbuf + len1) ;
        check(c.keytype == BR_KEYTYPE_RSA || c.keytype == BR_KEYTYPE_EC) ;
        check(c.publen <= sizeof(c.pub)) ;
        tls_cred_free(&c) ;
        check(!c.chain && !c.certbuf) ;
        break ;
      case 4 :  /* CAFILE */
        tls_load_anchors(&a, "ca", 0) ;
        check(a.n && a.ta) ;
        for (size_t i = 0 ; i < a.n ; i++) check(a.ta[i].dn.data) ;
        break ;
      case 5 :  /* a file of CADIR */
        a.ta = 0 ; a.n = 0 ; t.a = &a ; t.strict = 0 ;
        anchors_file(&t, "ca", 1) ;
        for (size_t i = 0 ; i < a.n ; i++) check(a.ta[i].dn.data) ;
        break ;
    }
  }
  else check(died == UCSPITLS_EXIT_CONF) ;
  cleanup() ;
  return 0 ;
}
