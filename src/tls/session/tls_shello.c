/* ISC license. */

/* tls_shello.c: the server name of a ClientHello, read from the record
   that the engine holds in its input buffer, the way that BearSSL 0.6's
   server reads it (the last host_name entry of 255 bytes or less of the
   last server_name extension; none: ""). BearSSL looks its session cache
   up before it reads the extensions, and a session may resume only
   under the name it was made under: so we read the name ourselves.

   Before encryption, the engine's buffer holds the record header at 0
   and, from 5, the bytes of the record received so far. Only a record
   that is there whole, and a ClientHello that is whole in it, is read;
   anything else is 0: no resumption, a full handshake.

   So is a ClientHello whose ALPN offer names none of -a's protocols:
   BearSSL 0.6 refuses it (no_application_protocol) in a full handshake
   only; resuming, it writes the ServerHello's ALPN extension with the
   name at index -1 of our list, a read out of bounds (a segfault of the
   TLS child, with no word in the log). */

#include <string.h>

#include "tls-session.h"

typedef struct rd_s rd, *rd_ref ;
struct rd_s
{
  unsigned char const *s ;
  size_t n ;
} ;

static int get (rd *r, size_t k, rd *out)
{
  if (r->n < k) return 0 ;
  if (out) { out->s = r->s ; out->n = k ; }
  r->s += k ; r->n -= k ;
  return 1 ;
}

 /* a vector with a length of w bytes */
static int vec (rd *r, unsigned int w, rd *out)
{
  size_t k = 0 ;
  if (r->n < w) return 0 ;
  for (unsigned int i = 0 ; i < w ; i++) k = (k << 8) | r->s[i] ;
  r->s += w ; r->n -= w ;
  return get(r, k, out) ;
}

static int sni_ext (rd *e, char *name)
{
  rd list ;
  if (!vec(e, 2, &list) || e->n) return 0 ;
  while (list.n)
  {
    rd v ;
    unsigned char type = list.s[0] ;
    get(&list, 1, 0) ;
    if (!vec(&list, 2, &v)) return 0 ;
    if (type || v.n > 255) continue ;
    if (memchr(v.s, 0, v.n)) return 0 ;
    memcpy(name, v.s, v.n) ;
    name[v.n] = 0 ;
  }
  return 1 ;
}

 /* 1 when an ALPN extension names none of -a's protocols, or is not
    well formed (BearSSL will say so in a full handshake) */
static int alpn_refused (rd *e)
{
  rd list ;
  if (!vec(e, 2, &list) || e->n || !list.n) return 1 ;
  while (list.n)
  {
    rd v ;
    if (!vec(&list, 1, &v)) return 1 ;
    if (tls_alpn_ours(v.s, v.n)) return 0 ;
  }
  return 1 ;
}

int tls_hello_sni (unsigned char const *buf, size_t len, char *name)
{
  rd r, body, exts ;
  size_t rlen ;
  name[0] = 0 ;
  if (len < 5 || buf[0] != REC_HANDSHAKE || buf[1] != 3) return 0 ;
  rlen = ((size_t)buf[3] << 8) | buf[4] ;
  if (len != 5 + rlen) return 0 ;
  r.s = buf + 5 ; r.n = rlen ;
  if (!r.n || r.s[0] != 1) return 0 ;
  get(&r, 1, 0) ;
  if (!vec(&r, 3, &body)) return 0 ;
  if (!get(&body, 2 + 32, 0) || !vec(&body, 1, 0) || !vec(&body, 2, 0) || !vec(&body, 1, 0)) return 0 ;
  if (!body.n) return 1 ;
  if (!vec(&body, 2, &exts) || body.n) return 0 ;
  while (exts.n)
  {
    rd e ;
    unsigned int type ;
    if (exts.n < 2) return 0 ;
    type = ((unsigned int)exts.s[0] << 8) | exts.s[1] ;
    get(&exts, 2, 0) ;
    if (!vec(&exts, 2, &e)) return 0 ;
    if (!type && !sni_ext(&e, name)) return 0 ;
    if (type == 16 && tls_alpn_strict() && alpn_refused(&e)) return 0 ;
  }
  return 1 ;
}
