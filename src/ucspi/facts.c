/* ISC license. */

/* facts.c: the session facts as a block of NAME=VALUE strings, each
   ended by a NUL, the block ended by one more NUL (spec section 4), and
   the escaping of every value that a peer chose.

   Escaping: a value is read as UTF-8. Printable ASCII, and valid UTF-8
   sequences of code points U+00A0 and up, stay as they are; every other
   byte -- C0 controls, DEL, C1 controls whether raw or UTF-8-encoded,
   bytes that are not valid UTF-8 -- and the backslash come out as \xNN
   (lowercase hex). A peer can thus never end a string early, start a
   variable of its own, or drive a terminal that reads the log.

   Layout: s/qmail and acceptutils share a reader that stops about
   halfway through the block (its loop bound is j < len - j - 1): the
   k-th string, whose NUL is at offset q, is read only if 2(q - k) is
   less than len - 1. So the facts that those applications need come
   first -- SSL_PROTOCOL, SSL_CIPHER, and the peer certificate's subject
   as SSL_CLIENT_S_DN with its CN and email -- and when what follows them
   is too short, SSL_PADDING, a fact that means nothing, makes the block
   long enough. A correct reader sees one more variable. */

#include <string.h>

#include <skalibs/types.h>

#include "ucspitls.h"

static char const *const names[] =
{
  "SSL_PROTOCOL", "SSL_CIPHER", "SSL_TLS_SNI_SERVERNAME", "SSL_ALPN_PROTOCOL", "SSL_PEER_CERT_HASH", "SSL_PEER_CERT_SUBJECT",
  "SSL_CIPHER_USEKEYSIZE", "SSL_CIPHER_ALGKEYSIZE", "SSL_SESSION_ID", "SSL_VERSION_LIBRARY", "SSL_PADDING",
  "SSL_SERVER_VERIFY", "SSL_SERVER_DANE", 0
} ;

static char const *const certnames[] = { "S_DN", "S_DN_CN", "S_DN_Email", "I_DN", "M_SERIAL", "V_START", "V_END", 0 } ;

static int is (char const *s, char const *name, size_t n)
{
  return !strncmp(s, name, n) && (!s[n] || s[n] == '=') ;
}

int facts_is_var (char const *s)
{
  if (strncmp(s, "SSL_", 4)) return 0 ;  /* every name below starts so: one comparison for most of an environment */
  for (char const *const *p = names ; *p ; p++) if (is(s, *p, strlen(*p))) return 1 ;
  if (!strncmp(s, "SSL_CLIENT_", 11) || !strncmp(s, "SSL_SERVER_", 11))
    for (char const *const *p = certnames ; *p ; p++) if (is(s + 11, *p, strlen(*p))) return 1 ;
  return 0 ;
}

 /* the length of a valid UTF-8 sequence at s of a code point U+00A0 and
    up (not a surrogate, not past U+10FFFF, not overlong); 0 otherwise */
size_t facts_utf8 (unsigned char const *s, size_t n)
{
  unsigned int c = s[0], cp, k ;
  if (c < 0xc2 || c > 0xf4) return 0 ;
  k = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4 ;
  if (n < k) return 0 ;
  cp = c & (0x7f >> k) ;
  for (unsigned int i = 1 ; i < k ; i++)
  {
    if ((s[i] & 0xc0) != 0x80) return 0 ;
    cp = (cp << 6) | (s[i] & 0x3f) ;
  }
  if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0 ;
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0) return 0 ;
  return k ;
}

 /* a value that our escaping may have written: valid UTF-8, no control
    byte (C0, DEL, C1), nothing else; what the parent that execs prog
    takes from the TLS child's block */
int facts_value_ok (char const *v)
{
  unsigned char const *p = (unsigned char const *)v ;
  size_t n = strlen(v), i = 0 ;
  while (i < n)
  {
    size_t k = p[i] >= 0x80 ? facts_utf8(p + i, n - i) : p[i] >= 0x20 && p[i] != 0x7f ;
    if (!k) return 0 ;
    i += k ;
  }
  return 1 ;
}

 /* src[0..n) escaped into dst (at most max bytes, no NUL added); extra:
    more characters to write as \xNN. Returns the length that the whole
    escaped value takes, which may be more than max: then only what fits,
    in whole characters and escapes, was written. */
size_t facts_escape_bytes (char *dst, size_t max, unsigned char const *src, size_t n, char const *extra)
{
  static char const hex[] = "0123456789abcdef" ;
  size_t o = 0, i = 0 ;
  int full = 0 ;
  while (i < n)
  {
    unsigned char c = src[i] ;
    size_t k = c >= 0x80 ? facts_utf8(src + i, n - i) : 0 ;
    if (k || (c >= 0x20 && c < 0x7f && c != '\\' && !(extra && c && strchr(extra, c))))
    {
      if (!k) k = 1 ;
      if (!full && o + k <= max) memcpy(dst + o, src + i, k) ; else full = 1 ;
      o += k ; i += k ;
    }
    else
    {
      char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] } ;
      if (!full && o + 4 <= max) memcpy(dst + o, e, 4) ; else full = 1 ;
      o += 4 ; i++ ;
    }
  }
  return o ;
}

 /* a C string escaped into dst (at most max bytes, NUL included, whole
    escapes only); for the log line, space as well, so that a value can
    never look like a field. Returns the length written. */
size_t facts_escape (char *dst, size_t max, char const *src, int forlog)
{
  size_t n, need ;
  if (!max) return 0 ;
  n = strlen(src) ;
  need = facts_escape_bytes(dst, max - 1, (unsigned char const *)src, n, forlog ? " " : 0) ;
  if (need > max - 1)
  {
    /* cut at a whole character or escape: escape again, one byte less at a time */
    while (n && facts_escape_bytes(dst, max - 1, (unsigned char const *)src, --n, forlog ? " " : 0) > max - 1) ;
    need = facts_escape_bytes(dst, max - 1, (unsigned char const *)src, n, forlog ? " " : 0) ;
  }
  dst[need] = 0 ;
  return need ;
}

typedef struct block_s block, *block_ref ;
struct block_s
{
  char *s ;
  size_t len ;
  unsigned int k ;      /* strings so far */
  size_t need ;         /* the length that the halfway reader needs */
} ;

 /* NAME=VALUE\\0, if it fits whole (leaving room for the final NUL);
    the SNI name is the one value escaped here */
static void add (block *b, char const *pre, char const *name, char const *value, int raw, int essential)
{
  size_t p = pre ? strlen(pre) : 0, n = strlen(name), m ;
  if (!value || !*value) return ;
  m = raw ? facts_escape_bytes(0, 0, (unsigned char const *)value, strlen(value), 0) : strlen(value) ;
  if (b->len + p + n + 1 + m + 1 + 1 > FACTS_BLOCK_MAX) return ;
  if (p) { memcpy(b->s + b->len, pre, p) ; b->len += p ; }
  memcpy(b->s + b->len, name, n) ; b->len += n ;
  b->s[b->len++] = '=' ;
  if (raw) facts_escape_bytes(b->s + b->len, m, (unsigned char const *)value, strlen(value), 0) ;
  else memcpy(b->s + b->len, value, m) ;
  b->len += m ;
  b->s[b->len++] = 0 ;
  b->k++ ;
  if (essential) b->need = 2 * (b->len - 1 - b->k) + 2 ;
}

size_t facts_block (facts const *f, char *s)
{
  block b = { .s = s, .len = 0, .k = 0, .need = 0 } ;
  char pre[16] = "SSL_" ;
  char bits[UINT_FMT] ;
  if (f->role) { size_t n = strlen(f->role) ; memcpy(pre + 4, f->role, n) ; pre[4 + n] = '_' ; pre[5 + n] = 0 ; }
  bits[f->keybits ? uint_fmt(bits, f->keybits) : 0] = 0 ;
  add(&b, 0, "SSL_PROTOCOL", f->protocol, 0, 1) ;
  add(&b, 0, "SSL_CIPHER", f->cipher, 0, 1) ;
  if (f->role)
  {
    add(&b, pre, "S_DN", f->dn, 0, 1) ;
    add(&b, pre, "S_DN_CN", f->cn, 0, 1) ;
    add(&b, pre, "S_DN_Email", f->email, 0, 1) ;
  }
  /* how the client's policy judged the certificate: with -n the one word
     that says it failed, so before the long facts that may fill the block
     (a server's certificate may make them as long as we keep them), where
     it always fits; not essential, as the halfway reader has no use of it */
  add(&b, 0, "SSL_SERVER_VERIFY", f->verify, 0, 0) ;
  add(&b, 0, "SSL_SERVER_DANE", f->dane, 0, 0) ;
  add(&b, 0, "SSL_CIPHER_USEKEYSIZE", bits, 0, 0) ;
  add(&b, 0, "SSL_CIPHER_ALGKEYSIZE", bits, 0, 0) ;
  add(&b, 0, "SSL_TLS_SNI_SERVERNAME", f->sni, 1, 0) ;
  add(&b, 0, "SSL_ALPN_PROTOCOL", f->alpn, 1, 0) ;
  add(&b, 0, "SSL_PEER_CERT_HASH", f->hash, 0, 0) ;
  add(&b, 0, "SSL_PEER_CERT_SUBJECT", f->subject, 0, 0) ;
  if (f->role)
  {
    add(&b, pre, "I_DN", f->issuer, 0, 0) ;
    add(&b, pre, "M_SERIAL", f->serial, 0, 0) ;
    add(&b, pre, "V_START", f->vstart, 0, 0) ;
    add(&b, pre, "V_END", f->vend, 0, 0) ;
  }
  add(&b, 0, "SSL_SESSION_ID", f->session, 0, 0) ;
  if (f->protocol) add(&b, 0, "SSL_VERSION_LIBRARY", UCSPITLS_LIBRARY, 0, 0) ;
  if (b.len + 1 < b.need)
  {
    size_t pad = b.need - (b.len + 1) ;
    if (pad < 13) pad = 13 ;  /* "SSL_PADDING=" and its NUL */
    if (b.len + pad + 1 > FACTS_BLOCK_MAX) pad = 0 ;  /* cannot happen: the first facts are bounded */
    if (pad)
    {
      memcpy(s + b.len, "SSL_PADDING=", 12) ;
      memset(s + b.len + 12, '.', pad - 13) ;
      b.len += pad ;
      s[b.len - 1] = 0 ;
    }
  }
  s[b.len++] = 0 ;
  return b.len ;
}
