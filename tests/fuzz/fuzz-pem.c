/* ISC license. */

/* fuzz-pem: the certificate, key and anchor loaders (src/tls/tls_load.c: the
   PEM/DER splitter each_object, and tls_load_cred / tls_load_anchors
   with BearSSL's decoders behind them) on arbitrary file contents.

   The loaders end the process (strerr_dief, exit 96) on bad input, which
   is right for them and useless for a fuzzer: here strerr_diev and
   strerr_dievsys are replaced by a longjmp back to the harness, and the
   file reads by a copy of the fuzz input.  What they allocate is tracked
   (malloc/realloc/stralloc, through macros around the included source)
   and freed after each input, whether the loader returned or "died", so
   that the fuzzer's memory stays flat and LeakSanitizer quiet.

   Input: one mode byte, then the file(s): for a certificate plus key, the
   first part up to a 0xff 0x00 0xff separator is the certificate file,
   the rest the key file.  Checked: no crash, no out-of-bounds access; a
   loaded chain is not empty and every certificate has its bytes; a loaded
   anchor set is not empty. */

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <skalibs/stralloc.h>

static void *fz_malloc (size_t) ;
static void *fz_realloc (void *, size_t) ;
static int fz_catb (stralloc *, char const *, size_t) ;
static void fz_safree (stralloc *) ;
static int fz_slurp (stralloc *, char const *) ;

#define malloc fz_malloc
#define realloc fz_realloc
#define stralloc_catb fz_catb
#define stralloc_free fz_safree
#define openslurpclose fz_slurp
#include "../../src/tls/tls_load.c"
#undef malloc
#undef realloc
#undef stralloc_catb
#undef stralloc_free
#undef openslurpclose

 /* the allocations of one run */

#define MAXTRACK 65536
static void *track[MAXTRACK] ;
static size_t ntrack ;

static void forget (void *p)
{
  for (size_t i = 0 ; i < ntrack ; i++) if (track[i] == p) { track[i] = track[--ntrack] ; return ; }
}

static void remember (void *p)
{
  if (!p) return ;
  if (ntrack == MAXTRACK) abort() ;
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

 /* the "files" */

static uint8_t const *file1, *file2 ;
static size_t len1, len2 ;

static int fz_slurp (stralloc *sa, char const *file)
{
  if (!strcmp(file, "cert") || !strcmp(file, "ca")) return fz_catb(sa, (char const *)file1, len1) || !len1 ;
  if (!strcmp(file, "key")) return fz_catb(sa, (char const *)file2, len2) || !len2 ;
  abort() ;
}

 /* dying */

static jmp_buf jb ;
static int dying ;

void strerr_diev (int e, char const *const *a, unsigned int n)
{
  (void)e ; (void)a ; (void)n ;
  dying = 1 ;
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
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  static tlscred c ;
  static tlsanchors a ;
  static chain ch ;
  static keyload k ;
  static br_skey_decoder_context dc ;
  static taload t ;
  static stralloc sa ;
  unsigned int mode ;
  if (!size) return 0 ;
  mode = data[0] % 5 ;
  file1 = data + 1 ; len1 = size - 1 ; file2 = 0 ; len2 = 0 ;
  for (size_t i = 1 ; i + 3 <= size ; i++)
    if (data[i] == 0xff && data[i + 1] == 0x00 && data[i + 2] == 0xff)
    {
      len1 = i - 1 ; file2 = data + i + 3 ; len2 = size - i - 3 ;
      break ;
    }
  dying = 0 ;
  memset(&sa, 0, sizeof(sa)) ;
  if (!setjmp(jb))
  {
    switch (mode)
    {
      case 0 :  /* the splitter alone, collecting certificates */
        ch.c = 0 ; ch.n = 0 ;
        fz_catb(&sa, (char const *)file1, len1) ;
        each_object(&sa, "cert", &add_cert, &ch) ;
        for (size_t i = 0 ; i < ch.n ; i++) if (!ch.c[i].data) abort() ;
        break ;
      case 1 :  /* the splitter with the key decoder */
        k.dc = &dc ; k.found = 0 ;
        fz_catb(&sa, (char const *)file1, len1) ;
        each_object(&sa, "key", &add_key, &k) ;
        break ;
      case 2 :  /* the splitter with the anchor decoder, lenient (CADIR) */
      case 3 :  /* strict (CAFILE) */
        a.ta = 0 ; a.n = 0 ; t.a = &a ; t.strict = mode == 3 ;
        fz_catb(&sa, (char const *)file1, len1) ;
        each_object(&sa, "ca", &add_anchor, &t) ;
        break ;
      case 4 :  /* a whole certificate + key pair, then anchors */
        memset(&c, 0, sizeof(c)) ;
        tls_load_cred(&c, 0, "cert", "key") ;
        if (!c.chainlen || !c.chain) abort() ;
        if (c.keytype != BR_KEYTYPE_RSA && c.keytype != BR_KEYTYPE_EC) abort() ;
        a.ta = 0 ; a.n = 0 ;
        tls_load_anchors(&a, "ca", 0) ;
        if (!a.n) abort() ;
        break ;
    }
  }
  cleanup() ;
  return 0 ;
}
