/* ISC license. */

/* fuzz-session: the readers of session resumption, which read what
   others may have written (src/tls/session/):
     - tls_slot_decode, a slot of the server's store (anyone with the
       TLS_UID user's rights, or a torn write, may have made it): a slot
       that it takes has a 32-byte id, a server name without NUL of at
       most 255 bytes, TLS 1.2 and a suite of ours; and a session made of
       the input, encoded, decodes to itself;
     - tls_hello_sni, the server name of the ClientHello record in the
       engine's buffer (the client chose every byte): at most 255 bytes,
       no read outside the buffer (a wrong name cannot resume a session:
       tls_scache_done checks the engine's own name after the handshake);
     - tls_sfile_decode, the client's session file: a file that it takes
       is for the name and policy asked, and re-reads the same.
   The first byte picks the reader; the buffers are copied to exactly
   sized allocations, so that ASan sees any read past them. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session/tls-session.h"

static void slot (uint8_t const *data, size_t size)
{
  unsigned char *b = malloc(SCACHE_SLOT) ;
  unsigned char again[SCACHE_SLOT] ;
  tlssess s, t ;
  if (!b) abort() ;
  memset(b, 0, SCACHE_SLOT) ;
  memcpy(b, data, size < SCACHE_SLOT ? size : SCACHE_SLOT) ;
  if (tls_slot_decode(b, &s))
  {
    if (s.version != BR_TLS12 || !tls_suite_bits(s.suite) || strlen(s.sni) > 255) abort() ;
  }
  /* a session from the input: through a slot and back */
  memset(&s, 0, sizeof(s)) ;
  if (size >= 8 + 32 + 48)
  {
    size_t n = size - 88 > 255 ? 255 : size - 88 ;
    memcpy(&s.created, data, 8) ;
    memcpy(s.id, data + 8, 32) ;
    memcpy(s.master, data + 40, 48) ;
    memcpy(s.sni, data + 88, n) ;
    s.sni[n] = 0 ;
    s.version = BR_TLS12 ;
    s.suite = BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 ;
    tls_slot_encode(again, &s) ;
    if (!tls_slot_decode(again, &t)) abort() ;
    if (t.created != s.created || memcmp(t.id, s.id, 32) || memcmp(t.master, s.master, 48) || strcmp(t.sni, s.sni)) abort() ;
  }
  free(b) ;
}

static void hello (uint8_t const *data, size_t size)
{
  unsigned char *b = malloc(size ? size : 1) ;
  char name[256] ;
  if (!b) abort() ;
  memcpy(b, data, size) ;
  if (tls_hello_sni(b, size, name) && strlen(name) > 255) abort() ;
  free(b) ;
}

static void sfile (uint8_t const *data, size_t size)
{
  /* the name and policy asked: the input's first string, "pkix:" and it */
  size_t k = 0 ;
  char want[600] ;
  unsigned char *b, der[8192], hash[32] ;
  size_t derlen = 0 ;
  tlssess s ;
  while (k < size && k < 255 && data[k]) k++ ;
  memcpy(want, data, k) ; want[k] = 0 ;
  memcpy(want + k + 1, "pkix:", 5) ; memcpy(want + k + 6, data, k) ; want[2 * k + 6] = 0 ;
  if (k < size) { data += k + 1 ; size -= k + 1 ; } else size = 0 ;
  b = malloc(size ? size : 1) ;
  if (!b) abort() ;
  memcpy(b, data, size) ;
  if (tls_sfile_decode(b, size, want, &s, der, &derlen, hash))
  {
    if (!derlen || derlen > 8192 || s.version != BR_TLS12 || !tls_suite_bits(s.suite)) abort() ;
    if (size < derlen + 32 || memcmp(der, b + size - 32 - derlen, derlen)) abort() ;
  }
  free(b) ;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  if (!size) return 0 ;
  switch (data[0] % 3)
  {
    case 0 : slot(data + 1, size - 1) ; break ;
    case 1 : hello(data + 1, size - 1) ; break ;
    default : sfile(data + 1, size - 1) ; break ;
  }
  return 0 ;
}
