/* ISC license. */

/* tls-session.h: TLS 1.2 session-ID resumption, both sides.

   Server (tls_scache.c, tls_shello.c): a store of sessions shared by
   every connection of a service, a fixed-size file of slots that each
   TLS child reads and writes with pread/pwrite under a byte-range lock
   of one set of slots, given to BearSSL as its session cache.
   Client (tls_sfile.c): one session in a file per destination. */

#ifndef UCSPITLS_TLS_SESSION_H
#define UCSPITLS_TLS_SESSION_H

#include "../tls-internal.h"

#define SCACHE_SLOT 512
#define SCACHE_WAYS 4
#define SCACHE_SETS 512
#define SCACHE_ROOM "2048"  /* SCACHE_SETS * SCACHE_WAYS, for messages */
#define SCACHE_HDR SCACHE_SLOT
#define SCACHE_SIZE (SCACHE_HDR + (size_t)SCACHE_SETS * SCACHE_WAYS * SCACHE_SLOT)
#define SCACHE_MAGIC "ucspitls session store 1\n"
#define SCACHE_LIFETIME_DEFAULT 3600
#define SCACHE_LIFETIME_MAX 86400

 /* one session, as a slot holds it, and as the client's file holds it */
typedef struct tlssess_s tlssess, *tlssess_ref ;
struct tlssess_s
{
  uint64_t created ;            /* seconds since the epoch */
  unsigned int version ;
  unsigned int suite ;
  unsigned char id[32] ;
  unsigned char master[48] ;
  char sni[256] ;               /* a C string, "" for none */
} ;

 /* the slot format: tls_sslot.c. decode returns 1 for a slot that is
    whole (magic, checksum, lengths, a suite of ours, TLS 1.2) */
extern void tls_slot_encode (unsigned char *, tlssess const *) ;
extern int tls_slot_decode (unsigned char const *, tlssess *) ;

 /* the server's store: tls_scache.c */
typedef struct tlsscache_s tlsscache, *tlsscache_ref ;
struct tlsscache_s
{
  br_ssl_session_cache_class const *vtable ;
  int fd ;                      /* -1: no store, or not usable */
  tlsx509 const *x ;            /* the client certificate, if asked for */
  unsigned int noresume : 1 ;   /* -y: every session must show a certificate */
  unsigned int loaded : 1 ;     /* a session of the store was given to the engine */
  unsigned char id[32] ;        /* its id */
  char sni[256] ;               /* its server name */
} ;

extern char const *tls_scache_path ;
extern unsigned int tls_scache_lifetime ;
extern void tls_scache_config (char const *const *) ;  /* dies 96 */
extern int tls_scache_open (char const *, int) ;       /* an fd, or -1 after a warning (or a fatal line, with -C) */
extern void tls_scache_init (tlsscache *, tlsx509 const *, int) ;
extern void tls_scache_check (tlsopts const *, char const *const *) ;  /* -C; dies 96 */
extern int tls_scache_done (tlsscache *, br_ssl_engine_context const *, facts *) ;

 /* the server name of the ClientHello in the engine's input buffer, as
    BearSSL will read it: tls_shello.c. 1 found ("" for none), 0 when the
    buffer does not hold a whole ClientHello in one record, or when its
    ALPN offer names none of -a's protocols: no resumption, either way */
extern int tls_hello_sni (unsigned char const *, size_t, char *) ;

 /* the client's session file: tls_sfile.c */
extern char const *tls_sfile_path ;
extern void tls_sfile_config (tlsopts const *, char const *const *, char const *) ;  /* the policy's id: tls_client_policy_id */
extern int tls_sfile_offer (br_ssl_engine_context *, tlsx509 *) ;
extern int tls_sfile_done (br_ssl_engine_context const *, tlsx509 *, facts *) ;
extern int tls_sfile_decode (unsigned char const *, size_t, char const *, tlssess *, unsigned char *, size_t *, unsigned char *) ;

#endif
