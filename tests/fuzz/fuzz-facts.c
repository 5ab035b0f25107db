/* ISC license. */

/* fuzz-facts: the facts block (src/ucspi/facts.c) as a peer can shape it,
   and its escaping.

   The facts come the way the TLS child makes them: the SNI name (any
   bytes but NUL), and the peer certificate's DER (arbitrary here) through
   tlsx509_facts (src/tls/tls_x509.c: subject, issuer, CN, email, serial,
   dates); the protocol, suite, key size, session id and role are ours,
   the input picks among them. Then the block is turned into prog's
   environment the way both modes do (make_env, src/ucspi/wrapper.c,
   included here for its static functions).

   Checked:
     - facts_utf8 at every offset of the input, and facts_escape_bytes on
       the whole input (any max, with and without an extra character to
       escape), against a model of the rule: printable ASCII other than
       backslash, and valid UTF-8 of U+00A0 and up, pass; every other
       byte is \xNN, lowercase. The length returned is the whole
       escape's; what is written is the longest run of whole characters
       and escapes that fits, and nothing past it;
     - facts_escape (the log line's, space escaped too): a C string of at
       most max bytes, the escape of the longest prefix of its input
       whose escape fits;
     - the block: at most FACTS_BLOCK_MAX bytes, NAME=VALUE strings each
       ended by a NUL, one more NUL at the end; the names documented
       ones, in the documented order, each once; each value exactly the
       fact (the SNI name escaped by the rule), with no control byte, no
       byte of 0x80 and up outside valid UTF-8 of U+00A0 and up, and a
       backslash only where an escape starts; a fact
       left out only when it is unset, empty, or does not fit; and
       SSL_PADDING only when the halfway reader needs it;
     - the halfway reader (facts.c's header comment): SSL_PROTOCOL,
       SSL_CIPHER and, when present, the role's S_DN, S_DN_CN and
       S_DN_Email, the k-th string (from 1) with its NUL at offset q,
       have 2(q - k) < len - 1; and a model of that reader's loop gets
       those very strings, with their values;
     - prog's environment from the block: one variable per string in
       both modes (every string is a fact that fact_ok lets through),
       none of the wrapper's own, no stale fact from outside.
   Input: a flags byte, a byte of max for the escapes, the SNI name up to
   a NUL, the session id's bytes up to a NUL, then the DER. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/ucspi/wrapper.c"
#include "tls-internal.h"

#define check(c) do { if (!(c)) { fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__) ; abort() ; } } while (0)

 /* the warnings of make_env have nowhere to go: they are counted */
static unsigned int warnings ;
void strerr_warnv (char const *const *a, unsigned int n) { (void)a ; (void)n ; warnings++ ; }

 /* valid UTF-8 of a code point U+00A0 and up at s: its length, or 0 */
static size_t model_utf8 (unsigned char const *s, size_t n)
{
  unsigned long cp ;
  size_t k ;
  if (s[0] >= 0xc0 && s[0] < 0xe0) { k = 2 ; cp = s[0] & 0x1f ; }
  else if (s[0] >= 0xe0 && s[0] < 0xf0) { k = 3 ; cp = s[0] & 0x0f ; }
  else if (s[0] >= 0xf0 && s[0] < 0xf8) { k = 4 ; cp = s[0] & 0x07 ; }
  else return 0 ;
  if (n < k) return 0 ;
  for (size_t i = 1 ; i < k ; i++)
  {
    if (s[i] < 0x80 || s[i] > 0xbf) return 0 ;
    cp = cp << 6 | (s[i] & 0x3f) ;
  }
  if (cp < 0xa0 || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0 ;
  return k ;
}

 /* the escape of s[0..n), unit by unit: units[] the length of each
    unit's output; returns the whole length */
static size_t model_escape (char *dst, unsigned char const *s, size_t n, int space, size_t *units, size_t *nunits)
{
  static char const hex[] = "0123456789abcdef" ;
  size_t o = 0, u = 0 ;
  for (size_t i = 0 ; i < n ; )
  {
    size_t k = model_utf8(s + i, n - i) ;
    if (k) { memcpy(dst + o, s + i, k) ; o += k ; i += k ; units[u++] = k ; continue ; }
    if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\' && !(space && s[i] == ' ')) { dst[o++] = s[i++] ; units[u++] = 1 ; continue ; }
    dst[o++] = '\\' ; dst[o++] = 'x' ; dst[o++] = hex[s[i] >> 4] ; dst[o++] = hex[s[i] & 15] ;
    i++ ; units[u++] = 4 ;
  }
  *nunits = u ;
  return o ;
}

static void check_escape_bytes (unsigned char const *s, size_t n, size_t max, int space)
{
  char *want = malloc(4 * n + 1), *dst = malloc(max + 16) ;
  size_t *units = malloc((n + 1) * sizeof(size_t)), nu, len, r, fit = 0 ;
  check(want && dst && units) ;
  len = model_escape(want, s, n, space, units, &nu) ;
  memset(dst, 'Z', max + 16) ;
  r = facts_escape_bytes(dst, max, s, n, space ? " " : 0) ;
  check(r == len) ;
  for (size_t i = 0 ; i < nu && fit + units[i] <= max ; i++) fit += units[i] ;
  check(!memcmp(dst, want, fit)) ;
  for (size_t i = fit ; i < max + 16 ; i++) check(dst[i] == 'Z') ;   /* nothing past the last unit that fits */
  check(facts_escape_bytes(0, 0, s, n, space ? " " : 0) == len) ;   /* the length alone, as facts_block asks */
  free(units) ; free(dst) ; free(want) ;
}

 /* facts_escape: the escape of the longest prefix whose escape fits */
static void check_escape (char const *src, size_t max)
{
  size_t n = strlen(src), m = n, nu, r ;
  char *want = malloc(4 * n + 1), *dst = malloc(max ? max : 1) ;
  size_t *units = malloc((n + 1) * sizeof(size_t)) ;
  check(want && dst && units) ;
  r = facts_escape(dst, max, src, 1) ;
  if (!max) check(!r) ;
  else
  {
     /* the escape of src[0..m): the whole units of src before m as they
        are escaped in src, then 4 bytes for each byte of a UTF-8
        sequence that m cuts (alone, no byte of it is valid) */
    unsigned char const *u = (unsigned char const *)src ;
    size_t len, b = 0, pb = 0, best = 0 ;
    for (m = 0 ; m <= n ; m++)
    {
      while (b < m)
      {
        size_t k = model_utf8(u + b, n - b) ;
        size_t ik = k ? k : 1, ok = k ? k : u[b] >= 0x20 && u[b] < 0x7f && u[b] != '\\' && u[b] != ' ' ? 1 : 4 ;
        if (b + ik > m) break ;
        b += ik ; pb += ok ;
      }
      if (pb + 4 * (m - b) <= max - 1) best = m ;
    }
    len = model_escape(want, u, best, 1, units, &nu) ;
    check(len <= max - 1) ;
    want[len] = 0 ;
    check(r == len && !memcmp(dst, want, len + 1)) ;
  }
  free(units) ; free(dst) ; free(want) ;
}

 /* a value as the block may carry it: no control byte, UTF-8 only of
    U+00A0 and up, a backslash only where an escape starts (\xNN; in the
    RFC 4514 subject also \ before a character that it escapes) */
static int ishex (char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ; }

static void check_clean (char const *v, int rfc4514)
{
  size_t n = strlen(v) ;
  for (size_t i = 0 ; i < n ; )
  {
    unsigned char c = v[i] ;
    if (c >= 0x80) { size_t k = model_utf8((unsigned char const *)v + i, n - i) ; check(k) ; i += k ; continue ; }
    check(c >= 0x20 && c != 0x7f) ;
    if (c == '\\')
    {
      if (i + 3 < n && v[i + 1] == 'x' && ishex(v[i + 2]) && ishex(v[i + 3])) { i += 4 ; continue ; }
      check(rfc4514 && i + 1 < n && strchr("\",+;<>=# ", v[i + 1])) ;
      i += 2 ;
      continue ;
    }
    i++ ;
  }
}

 /* the reader that stops halfway: its loop, as a model; what it puts */
typedef struct put_s { char name[64] ; size_t nlen ; char const *v ; size_t vlen ; } put ;

static unsigned int halfway (char const *b, size_t len, put *out, unsigned int max)
{
  size_t x = 0, j, ns = 0 ;
  unsigned int k = 0 ;
  char const *vstart = 0 ;
  for (j = 0 ; j + 1 < len && x < len ; j++)
  {
    if (b[x] != '=') { ns++ ; x++ ; continue ; }
    x++ ;
    vstart = b + x ;
    for (; 2 * j + 1 < len && x < len ; j++)
    {
      if (b[x]) { x++ ; continue ; }
      x++ ;
      if (k < max && ns < sizeof(out[k].name))
      {
        memcpy(out[k].name, vstart - 1 - ns, ns) ;
        out[k].nlen = ns ;
        out[k].v = vstart ;
        out[k].vlen = (size_t)(b + x - 1 - vstart) ;
        k++ ;
      }
      ns = 0 ;
      break ;
    }
  }
  return k ;
}

typedef struct want_s { char name[40] ; char const *value ; int essential ; int raw ; } want ;

static char const *const protocols[] = { "TLSv1.2", "TLSv1.0", 0 } ;
static char const *const ciphers[] = { "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305", 0 } ;
static char const *const roles[] = { 0, "CLIENT", "SERVER", 0 } ;

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  static tlsx509 x ;
  static facts f ;
  static char block[FACTS_BLOCK_MAX + 64] ;
  static char esni[sizeof(f.sni) * 4 + 1] ;
  static want w[20] ;
  static put got[32] ;
  char bits[16] = "" ;
  unsigned int flags, nw = 0, ng, k ;
  size_t max, len, cur, i, need, q ;
  int padded ;
  uint8_t const *p ;
  size_t left ;
  if (size < 2) return 0 ;
  flags = data[0] ;
  max = data[1] ;

   /* the escapes, on the whole input */
  for (i = 0 ; i < size ; i++) check(facts_utf8(data + i, size - i) == model_utf8(data + i, size - i)) ;
  check_escape_bytes(data, size, max, flags & 1) ;
  check_escape_bytes(data, size, 4 * size, !(flags & 1)) ;

  memset(&f, 0, sizeof(f)) ;
  p = data + 2 ; left = size - 2 ;
  for (i = 0 ; left && *p && i < sizeof(f.sni) - 1 ; i++, p++, left--) f.sni[i] = (char)*p ;
  f.sni[i] = 0 ;
  while (left && *p) { p++ ; left-- ; }  /* a longer name is cut, as tls_close.c does */
  if (left) { p++ ; left-- ; }
  check_escape(f.sni, max) ;
  for (i = 0 ; left && *p && i < 32 ; i++, p++, left--)
  {
    static char const hex[] = "0123456789abcdef" ;
    f.session[2 * i] = hex[*p >> 4] ; f.session[2 * i + 1] = hex[*p & 15] ;
  }
  while (left && *p) { p++ ; left-- ; }
  if (left) { p++ ; left-- ; }

  f.protocol = protocols[flags >> 1 & 1] ;
  if (flags & 4) f.protocol = 0 ;
  f.cipher = flags & 8 ? 0 : ciphers[flags >> 4 & 1] ;
  f.role = roles[flags >> 5 & 3] ;
  f.keybits = flags & 0x80 ? 0 : 128 + (flags & 2) * 64 ;

   /* the peer's certificate, as tls_x509.c keeps it */
  x.have = left || !(flags & 1) ;
  x.derover = left > sizeof(x.der) ;
  x.derlen = x.derover ? sizeof(x.der) : left ;
  memcpy(x.der, p, x.derlen) ;
  for (i = 0 ; i < 32 ; i++) x.hash[i] = (unsigned char)(i * 37 + size) ;
  tlsx509_facts(&x, &f) ;
  check(strnlen(f.hash, sizeof(f.hash)) < sizeof(f.hash) && strnlen(f.subject, sizeof(f.subject)) < sizeof(f.subject)
     && strnlen(f.dn, sizeof(f.dn)) < sizeof(f.dn) && strnlen(f.cn, sizeof(f.cn)) < sizeof(f.cn)
     && strnlen(f.email, sizeof(f.email)) < sizeof(f.email) && strnlen(f.issuer, sizeof(f.issuer)) < sizeof(f.issuer)
     && strnlen(f.serial, sizeof(f.serial)) < sizeof(f.serial) && strnlen(f.vstart, sizeof(f.vstart)) < sizeof(f.vstart)
     && strnlen(f.vend, sizeof(f.vend)) < sizeof(f.vend)) ;

   /* what the block must hold, in order */
#define W(nm, val, ess, rw) do { snprintf(w[nw].name, sizeof(w[nw].name), "%s", nm) ; w[nw].value = (val) ; w[nw].essential = (ess) ; w[nw].raw = (rw) ; nw++ ; } while (0)
#define WR(nm, val, ess) do { snprintf(w[nw].name, sizeof(w[nw].name), "SSL_%s_%s", f.role, nm) ; w[nw].value = (val) ; w[nw].essential = (ess) ; w[nw].raw = 0 ; nw++ ; } while (0)
  if (f.keybits) snprintf(bits, sizeof(bits), "%u", f.keybits) ;
  W("SSL_PROTOCOL", f.protocol, 1, 0) ;
  W("SSL_CIPHER", f.cipher, 1, 0) ;
  if (f.role) { WR("S_DN", f.dn, 1) ; WR("S_DN_CN", f.cn, 1) ; WR("S_DN_Email", f.email, 1) ; }
  W("SSL_CIPHER_USEKEYSIZE", bits, 0, 0) ;
  W("SSL_CIPHER_ALGKEYSIZE", bits, 0, 0) ;
  W("SSL_TLS_SNI_SERVERNAME", f.sni, 0, 1) ;
  W("SSL_PEER_CERT_HASH", f.hash, 0, 0) ;
  W("SSL_PEER_CERT_SUBJECT", f.subject, 0, 0) ;
  if (f.role) { WR("I_DN", f.issuer, 0) ; WR("M_SERIAL", f.serial, 0) ; WR("V_START", f.vstart, 0) ; WR("V_END", f.vend, 0) ; }
  W("SSL_SESSION_ID", f.session, 0, 0) ;
  W("SSL_SERVER_VERIFY", f.verify, 0, 0) ;
  W("SSL_SERVER_DANE", f.dane, 0, 0) ;
  W("SSL_VERSION_LIBRARY", f.protocol ? UCSPITLS_LIBRARY : 0, 0, 0) ;

  memset(block, 'Z', sizeof(block)) ;
  len = facts_block(&f, block) ;
  check(len && len <= FACTS_BLOCK_MAX && !block[len - 1]) ;
  for (i = len ; i < sizeof(block) ; i++) check(block[i] == 'Z') ;   /* nothing past len */

   /* walk the block against what it must hold */
  cur = 0 ; k = 0 ; need = 0 ; padded = 0 ;
  for (unsigned int j = 0 ; j < nw ; j++)
  {
    char const *v = w[j].value ;
    char const *s = block + cur ;
    size_t nl = strlen(w[j].name), vl, sl ;
    if (!v || !*v) continue ;
    if (w[j].raw)
    {
      size_t units[sizeof(f.sni)], nu ;
      esni[model_escape(esni, (unsigned char const *)v, strlen(v), 0, units, &nu)] = 0 ;
      v = esni ;
    }
    vl = strlen(v) ;
    sl = nl + 1 + vl + 1 ;
    if (cur + sl + 1 > FACTS_BLOCK_MAX) continue ;  /* does not fit: left out */
    check(cur + sl < len) ;
    check(!strncmp(s, w[j].name, nl) && s[nl] == '=' && !strcmp(s + nl + 1, v)) ;
    check_clean(s + nl + 1, !strcmp(w[j].name, "SSL_PEER_CERT_SUBJECT")) ;
    cur += sl ;
    k++ ;
    q = cur - 1 ;
    if (w[j].essential)
    {
      check(2 * (q - k) < len - 1) ;   /* the halfway reader reads it */
      need = 2 * (q - k) + 2 ;
    }
  }
  padded = cur + 1 < need ;
  if (cur + 1 < need)
  {
    size_t pad = need - (cur + 1) ;
    if (pad < 13) pad = 13 ;
    check(cur + pad + 1 <= FACTS_BLOCK_MAX) ;   /* the first facts are bounded: it always fits */
    check(!strncmp(block + cur, "SSL_PADDING=", 12) && strspn(block + cur + 12, ".") == pad - 13 && !block[cur + pad - 1]) ;
    cur += pad ;
    k++ ;
  }
  check(cur + 1 == len) ;   /* then the final NUL, and nothing else */

   /* the halfway reader gets every string up to the last first fact, whole */
  ng = halfway(block, len, got, sizeof(got) / sizeof(got[0])) ;
  {
    size_t off = 0 ;
    for (unsigned int j = 0 ; j < ng ; j++)
    {
      size_t sl = strlen(block + off) ;
      char const *eq = strchr(block + off, '=') ;
      check(eq && (size_t)(eq - block - off) == got[j].nlen && !memcmp(got[j].name, block + off, got[j].nlen)) ;
      check(got[j].v == eq + 1 && got[j].vlen == strlen(eq + 1)) ;
      off += sl + 1 ;
    }
    off = 0 ;
    for (unsigned int j = 0 ; j < k ; j++)
    {
      size_t sl = strlen(block + off) ;
      for (unsigned int e = 0 ; e < nw ; e++)
        if (w[e].essential && !strncmp(block + off, w[e].name, strlen(w[e].name)) && block[off + strlen(w[e].name)] == '=')
          check(j < ng) ;   /* a first fact that the reader missed */
      off += sl + 1 ;
    }
  }

   /* the environment that prog would get, in both modes */
  for (int mode = 0 ; mode < 2 ; mode++)
  {
    tlsopts o = TLSOPTS_ZERO ;
    char const *envp[] = { "PATH=/bin", "SSL_PROTOCOL=stale", "SSL_CLIENT_S_DN=/CN=stale", "SSLCTLFD=9", "CERTFILE=/x", "SSL_EVIL=1", "UCSPITLS=", 0 } ;
    char const **e ;
    size_t ssl = 0 ;
    o.immediate = mode ;
    warnings = 0 ;
    e = make_env(&o, envp, block, len, 0) ;
    check(!warnings) ;   /* no string of ours is dropped */
    for (char const **pp = e ; *pp ; pp++)
    {
      check(!is_ctlvar(*pp) && !wrapper_is_confvar(*pp)) ;
      check(strcmp(*pp, "SSL_PROTOCOL=stale") && strcmp(*pp, "SSL_CLIENT_S_DN=/CN=stale")) ;
      if (facts_is_var(*pp)) { check(*pp >= block && *pp < block + len) ; ssl++ ; }
    }
    /* every fact of the block, but SSL_PADDING in immediate mode */
    check(ssl == k - (mode && padded)) ;
    free(e) ;
  }
  return 0 ;
}
