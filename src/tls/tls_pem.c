/* ISC license. */

/* tls_pem.c: the objects of a PEM file, decoded. Every connection reads
   a certificate and a key, so this is on the per-connection path: a
   plain base64 decoder, a few instructions a byte (BearSSL's PEM decoder
   is a byte-code machine, several hundred a byte). A file that holds no
   "-----BEGIN " line is taken as one DER object.

   The decoded bytes go to a buffer that the caller gives, as long as
   the file: nothing is allocated here, so that a key's bytes are only
   where the caller can wipe them. An object that the caller does not
   want (a key in a certificate file) is skipped, not decoded: its bytes
   are then only in the file's text, which the caller wipes. */

#include <string.h>

#include "tls-internal.h"

#define dieconf(...) log_dief(UCSPITLS_EXIT_CONF, __VA_ARGS__)

static int b64 (unsigned char c)
{
  if (c >= 'A' && c <= 'Z') return c - 'A' ;
  if (c >= 'a' && c <= 'z') return c - 'a' + 26 ;
  if (c >= '0' && c <= '9') return c - '0' + 52 ;
  if (c == '+') return 62 ;
  if (c == '/') return 63 ;
  return -1 ;
}

static int starts (char const *s, size_t len, char const *prefix)
{
  size_t n = strlen(prefix) ;
  return len >= n && !memcmp(s, prefix, n) ;
}

 /* the end of the line that starts at s: its LF, or the end of the file */
static size_t linelen (char const *s, size_t len)
{
  char const *nl = memchr(s, '\n', len) ;
  return nl ? (size_t)(nl - s) : len ;
}

 /* the base64 body of one object, up to its END line; returns the
    length of what it consumed, or 0 if it never ends */
static size_t body (char const *file, char const *s, size_t len, unsigned char *out, size_t *outlen)
{
  size_t i = 0, n = 0 ;
  unsigned int acc = 0, bits = 0, pad = 0 ;  /* acc: the bits not yet output, fewer than 8 */
  while (i < len)
  {
    size_t ll = linelen(s + i, len - i) ;
    if (starts(s + i, ll, "-----END "))
    {
      if (bits >= 6 || acc) dieconf("invalid PEM data in ", file) ;  /* a lone character, or stray bits */
      *outlen = n ;
      return i + ll + (i + ll < len) ;
    }
    for (size_t j = 0 ; j < ll ; j++)
    {
      unsigned char c = s[i + j] ;
      int v ;
      if (c == ' ' || c == '\t' || c == '\r') continue ;
      if (c == '=') { pad++ ; if (pad > 2) dieconf("invalid PEM data in ", file) ; continue ; }
      v = b64(c) ;
      if (v < 0 || pad) dieconf("invalid PEM data in ", file) ;
      acc = (acc << 6) | (unsigned int)v ;
      bits += 6 ;
      if (bits >= 8)
      {
        bits -= 8 ;
        out[n++] = (unsigned char)(acc >> bits) ;
        acc &= (1u << bits) - 1 ;
      }
    }
    i += ll + 1 ;
  }
  return 0 ;
}

int tls_pem_looks (char const *s, size_t len)
{
  static char const tag[] = "-----BEGIN " ;
  size_t n = sizeof(tag) - 1 ;
  for (size_t i = 0 ; i + n <= len ; i++) if (!memcmp(s + i, tag, n)) return 1 ;
  return 0 ;
}

/* past an object not wanted: the length up to and with its END line, 0
   if it never ends */
static size_t skip (char const *s, size_t len)
{
  size_t i = 0 ;
  while (i < len)
  {
    size_t ll = linelen(s + i, len - i) ;
    if (starts(s + i, ll, "-----END ")) return i + ll + (i + ll < len) ;
    i += ll + 1 ;
  }
  return 0 ;
}

void tls_pem_each (char const *file, char const *s, size_t len, unsigned char *out, tlspem_func *f, void *ctx)
{
  tls_pem_select(file, s, len, out, 0, f, ctx) ;
}

void tls_pem_select (char const *file, char const *s, size_t len, unsigned char *out, tlspem_want *want, tlspem_func *f, void *ctx)
{
  size_t i = 0 ;
  if (!tls_pem_looks(s, len))
  {
    memcpy(out, s, len) ;
    (*f)(ctx, file, 0, out, len) ;
    return ;
  }
  while (i < len)
  {
    size_t ll = linelen(s + i, len - i) ;
    if (starts(s + i, ll, "-----BEGIN "))
    {
      char name[128] ;
      char const *nm = s + i + 11 ;
      size_t m = ll - 11, k, outlen ;
      while (m && (nm[m - 1] == '\r' || nm[m - 1] == ' ')) m-- ;
      if (m < 5 || memcmp(nm + m - 5, "-----", 5)) dieconf("invalid PEM data in ", file) ;
      m -= 5 ;
      if (m >= sizeof(name)) m = sizeof(name) - 1 ;
      memcpy(name, nm, m) ; name[m] = 0 ;
      i += ll + 1 ;
      if (i > len) dieconf("truncated PEM object in ", file) ;
      if (want && !(*want)(name))
      {
        k = skip(s + i, len - i) ;
        if (!k) dieconf("truncated PEM object in ", file) ;
        i += k ;
        continue ;
      }
      k = body(file, s + i, len - i, out, &outlen) ;
      if (!k) dieconf("truncated PEM object in ", file) ;
      (*f)(ctx, file, name, out, outlen) ;
      out += outlen ;
      i += k ;
    }
    else i += ll + 1 ;
  }
}
