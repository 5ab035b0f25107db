/* ISC license. */

/* fuzz-facts: facts_escape and facts_block (src/ucspi/facts.c), fed with what
   a peer chooses: the SNI name (any bytes but NUL) and the certificate
   subject (arbitrary DER, through dn_format as tls_x509.c does it); and
   the block turned into prog's environment the way immediate mode does
   (make_env, src/ucspi/wrapper.c, included here for its static functions).

   Checked: facts_escape never writes past max, NUL-terminates, lets no
   control byte, no backslash (and for the log no space) through unescaped,
   and gives exactly the escape of a prefix of its input; the block is at
   most FACTS_BLOCK_MAX bytes, well formed (NAME=VALUE strings, each
   NUL-ended, one more NUL at the end), names known ones in order, each
   value either absent or exactly the escape of the whole fact (the
   subject: exactly what dn_format made of it), with no control byte;
   and the environment built from it holds exactly one SSL_* variable per
   string of the block, and none of the wrapper's own (SSLCTLFD...),
   whatever the peer put in its values. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/ucspi/wrapper.c"
#include "tls-internal.h"   /* dn_format */

static char const *const names[] = { "SSL_PROTOCOL", "SSL_CIPHER", "SSL_TLS_SNI_SERVERNAME", "SSL_PEER_CERT_HASH", "SSL_PEER_CERT_SUBJECT" } ;

 /* what facts_escape must escape */
static int special (unsigned char c, int forlog)
{
  return c < 0x20 || c == 0x7f || c == '\\' || (forlog && c == ' ') ;
}

 /* the escape of s, with all the room it needs */
static size_t escape_all (char *dst, char const *s, int forlog)
{
  static char const hex[] = "0123456789abcdef" ;
  size_t n = 0 ;
  for (; *s ; s++)
  {
    unsigned char c = *s ;
    if (special(c, forlog)) { dst[n++] = '\\' ; dst[n++] = 'x' ; dst[n++] = hex[c >> 4] ; dst[n++] = hex[c & 15] ; }
    else dst[n++] = c ;
  }
  dst[n] = 0 ;
  return n ;
}

 /* take up to max bytes of input, up to the next NUL, as a C string */
static size_t take (char *dst, size_t max, uint8_t const **data, size_t *size)
{
  size_t n = 0 ;
  while (*size && n < max && **data) { dst[n++] = **data ; (*data)++ ; (*size)-- ; }
  if (*size) { (*data)++ ; (*size)-- ; }
  dst[n] = 0 ;
  return n ;
}

static void check_escape (char const *src, size_t max, int forlog)
{
  char *dst = malloc(max ? max : 1) ;
  char *full = malloc(strlen(src) * 4 + 1) ;
  size_t n ;
  if (!dst || !full) abort() ;
  n = facts_escape(dst, max, src, forlog) ;
  if (max)
  {
    size_t k = 0, m ;
    if (n >= max || dst[n] || strlen(dst) != n) abort() ;
    for (size_t i = 0 ; i < n ; i++)
    {
      unsigned char c = dst[i] ;
      if (c < 0x20 || c == 0x7f || (forlog && c == ' ')) abort() ;
      if (c == '\\' && (i + 3 >= n || dst[i + 1] != 'x')) abort() ;  /* a backslash only starts \xNN */
    }
     /* dst is the escape of some prefix of src: find that prefix */
    for (m = 0 ; k < n && src[m] ; m++)
      k += special((unsigned char)src[m], forlog) ? 4 : 1 ;
    if (k != n) abort() ;
    {
      char *pre = strndup(src, m) ;
      if (!pre) abort() ;
      escape_all(full, pre, forlog) ;
      if (strcmp(full, dst)) abort() ;
      free(pre) ;
    }
  }
  else if (n) abort() ;
  free(full) ;
  free(dst) ;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  facts f = { .protocol = "TLSv1.2", .cipher = "ECDHE-ECDSA-AES128-GCM-SHA256" } ;
  char block[FACTS_BLOCK_MAX + 64] ;
  char esc[FACTS_SUBJECT_MAX * 4 + 1] ;
  char const *values[5] ;
  size_t len, max, i = 0, want = 0 ;
  unsigned int flags ;
  if (size < 3) return 0 ;
  flags = data[0] ;
  max = data[1] | (size_t)(data[2] & 7) << 8 ;
  data += 3 ; size -= 3 ;
  take(f.sni, sizeof(f.sni) - 1, &data, &size) ;
  take(f.hash, sizeof(f.hash) - 1, &data, &size) ;
  if (flags & 1) f.protocol = 0 ;
  if (flags & 2) f.cipher = 0 ;
  check_escape(f.sni, max, flags & 4) ;
   /* the rest is the subject's DER, as the peer's certificate has it */
  if (!dn_format(data, size, f.subject, sizeof(f.subject)))
    memcpy(f.subject, "(unparsable)", 13) ;

  memset(block, 'Z', sizeof(block)) ;
  len = facts_block(&f, block) ;
  if (!len || len > FACTS_BLOCK_MAX) abort() ;
  if (block[len - 1]) abort() ;
  for (size_t k = len ; k < sizeof(block) ; k++) if (block[k] != 'Z') abort() ;  /* nothing past len */
  values[0] = f.protocol ; values[1] = f.cipher ; values[2] = f.sni ; values[3] = f.hash ; values[4] = f.subject ;
  for (unsigned int k = 0 ; k < 5 && i < len - 1 ; k++)
  {
    size_t nl = strlen(names[k]) ;
    char const *s = block + i ;
    size_t sl = strnlen(s, len - 1 - i) ;
    if (sl == len - 1 - i) abort() ;   /* every string NUL-ended before the final NUL */
    if (strncmp(s, names[k], nl) || s[nl] != '=')
    {
      if (values[k] && *values[k] && k < 2) abort() ;  /* our own facts are never left out */
      continue ;
    }
    if (!values[k] || !*values[k]) abort() ;  /* a name for an unset fact */
    if (k == 4) strcpy(esc, values[k]) ;  /* dn_format's string, as it is */
    else escape_all(esc, values[k], 0) ;
    if (strcmp(s + nl + 1, esc)) abort() ;  /* a value is whole and exact */
    for (size_t j = 0 ; j < sl ; j++) if ((unsigned char)s[j] < 0x20 || s[j] == 0x7f) abort() ;
    i += sl + 1 ;
    want++ ;
  }
  if (i != len - 1) abort() ;  /* then the final NUL, and nothing else */

   /* the environment that prog would get */
  {
    tlsopts o = TLSOPTS_ZERO ;
    char const *envp[] = { "PATH=/bin", "SSL_PROTOCOL=stale", "SSLCTLFD=9", "CERTFILE=/x", "SSL_EVIL=1", 0 } ;
    char const **e = make_env(&o, envp, block, len) ;
    size_t ssl = 0 ;
    for (char const **p = e ; *p ; p++)
    {
      if (is_ctlvar(*p) || wrapper_is_confvar(*p)) abort() ;
      if (facts_is_var(*p)) ssl++ ;
      if (!strcmp(*p, "SSL_PROTOCOL=stale")) abort() ;
    }
    if (ssl != want) abort() ;
    free(e) ;
  }
  return 0 ;
}
