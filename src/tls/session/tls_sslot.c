/* ISC license. */

/* tls_sslot.c: one slot of the server's session store, as bytes. The
   store is read by every TLS child of a service and may have been
   written by anyone with the TLS_UID user's rights, or torn by a write
   cut short: a slot is taken only whole, its checksum (the first 16
   bytes of a SHA-256 over the rest of the slot) right, its lengths in
   bounds, TLS 1.2 and a suite of ours. */

#include <string.h>

#include "tls-session.h"

 /* slot layout: magic(4) check(16) created(8) version(2) suite(2)
    idlen(1) snilen(1) id(32) master(48) sni(255), then zeros */
#define O_CHECK 4
#define O_BODY 20
#define O_CREATED 20
#define O_VERSION 28
#define O_SUITE 30
#define O_IDLEN 32
#define O_SNILEN 33
#define O_ID 34
#define O_MASTER 66
#define O_SNI 114

static void checksum (unsigned char const *slot, unsigned char *out)
{
  br_sha256_context h ;
  unsigned char d[32] ;
  br_sha256_init(&h) ;
  br_sha256_update(&h, slot + O_BODY, SCACHE_SLOT - O_BODY) ;
  br_sha256_out(&h, d) ;
  memcpy(out, d, 16) ;
}

void tls_slot_encode (unsigned char *slot, tlssess const *s)
{
  size_t n = strlen(s->sni) ;
  memset(slot, 0, SCACHE_SLOT) ;
  memcpy(slot, "USE1", 4) ;
  for (unsigned int i = 0 ; i < 8 ; i++) slot[O_CREATED + i] = (unsigned char)(s->created >> (56 - 8 * i)) ;
  slot[O_VERSION] = s->version >> 8 ; slot[O_VERSION + 1] = s->version & 255 ;
  slot[O_SUITE] = s->suite >> 8 ; slot[O_SUITE + 1] = s->suite & 255 ;
  slot[O_IDLEN] = 32 ;
  slot[O_SNILEN] = (unsigned char)n ;
  memcpy(slot + O_ID, s->id, 32) ;
  memcpy(slot + O_MASTER, s->master, 48) ;
  memcpy(slot + O_SNI, s->sni, n) ;
  checksum(slot, slot + O_CHECK) ;
}

int tls_slot_decode (unsigned char const *slot, tlssess *s)
{
  unsigned char c[16] ;
  unsigned int n = slot[O_SNILEN] ;
  if (memcmp(slot, "USE1", 4)) return 0 ;
  checksum(slot, c) ;
  if (memcmp(c, slot + O_CHECK, 16)) return 0 ;
  if (slot[O_IDLEN] != 32 || n > 255 || memchr(slot + O_SNI, 0, n)) return 0 ;
  s->version = ((unsigned int)slot[O_VERSION] << 8) | slot[O_VERSION + 1] ;
  s->suite = ((unsigned int)slot[O_SUITE] << 8) | slot[O_SUITE + 1] ;
  if (s->version != BR_TLS12 || !tls_suite_bits(s->suite)) return 0 ;
  s->created = 0 ;
  for (unsigned int i = 0 ; i < 8 ; i++) s->created = (s->created << 8) | slot[O_CREATED + i] ;
  memcpy(s->id, slot + O_ID, 32) ;
  memcpy(s->master, slot + O_MASTER, 48) ;
  memcpy(s->sni, slot + O_SNI, n) ;
  s->sni[n] = 0 ;
  return 1 ;
}
