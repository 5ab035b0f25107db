/* ISC license. */

/* tls-internal.h: the TLS layer's private interface. Every BearSSL call of
   the project lives in a tls_*.c file that includes this header. */

#ifndef UCSPITLS_TLS_INTERNAL_H
#define UCSPITLS_TLS_INTERNAL_H

#include <bearssl.h>
#include "ucspitls.h"

 /* credentials: tls_load.c. Each loader dies 96 naming the file. */

typedef struct tlscred_s tlscred, *tlscred_ref ;
struct tlscred_s
{
  char const *name ;            /* SNI pattern; NULL for the default pair */
  br_x509_certificate *chain ;
  size_t chainlen ;
  br_skey_decoder_context key ; /* owns the decoded private key */
  unsigned int keytype ;        /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
} ;

typedef struct tlsanchors_s tlsanchors, *tlsanchors_ref ;
struct tlsanchors_s
{
  br_x509_trust_anchor *ta ;
  size_t n ;
} ;

extern void tls_load_cred (tlscred *, char const *, char const *, char const *) ;
extern void tls_load_anchors (tlsanchors *, char const *, char const *) ;

 /* engine settings common to both sides: tls_engine.c */

extern void tls_engine_setup (br_ssl_engine_context *, int, unsigned char *) ;  /* the buffer: BR_SSL_BUFSIZE_BIDI bytes */
extern char const *tls_suite_name (unsigned int) ;
extern char const *tls_error_name (int) ;
extern char const *tls_error_text (int) ;
extern char const *tls_fail_reason ;  /* set by policy code that knows better than the error code */

 /* peer certificate capture around x509_minimal: tls_x509.c */

typedef struct tlsx509_s tlsx509, *tlsx509_ref ;
struct tlsx509_s
{
  br_x509_class const *vtable ;
  br_x509_minimal_context minimal ;
  br_sha256_context sha ;
  br_x509_decoder_context dec ;
  unsigned int idx ;
  int err ;  /* a chain was sent and failed: BearSSL tolerates that with -Y, we do not */
  unsigned int have : 1 ;
  unsigned int dnover : 1 ;
  size_t dnlen ;
  unsigned char dn[1024] ;
  unsigned char hash[32] ;
} ;

extern void tlsx509_init (tlsx509 *, tlsanchors const *) ;
extern void tlsx509_facts (tlsx509 const *, facts *) ;
extern size_t dn_format (unsigned char const *, size_t, char *, size_t) ;

 /* the copy loop: tls_run.c */

extern void tls_run (br_ssl_engine_context *, tlsx509 const *, tlsopts const *, tlsfds const *, tlsready_func *, void *) __attribute__((noreturn)) ;

#endif
