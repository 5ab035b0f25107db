/* ISC license. */

/* x509-internal.h: the client's verification policies. TLSA records as
   the agent found them in DNS (tls_tlsa.c), matched against the chain
   (tls_dane.c), and the policy engine that wraps PKIX or DANE and says
   how it ended (tls_verify.c). */

#ifndef UCSPITLS_X509_INTERNAL_H
#define UCSPITLS_X509_INTERNAL_H

#include "../tls-internal.h"

#define TLSA_MAX 64
typedef struct tlsarec_s tlsarec, *tlsarec_ref ;
struct tlsarec_s
{
  unsigned char usage ;
  unsigned char selector ;
  unsigned char mtype ;
  unsigned char const *data ;
  size_t len ;
} ;

typedef struct tlsa_s tlsa, *tlsa_ref ;
struct tlsa_s
{
  tlsarec rec[TLSA_MAX] ;
  size_t n ;
  size_t usable ;         /* DANE-TA(2) and DANE-EE(3) with known selector and type */
  unsigned char id[32] ;  /* SHA-256 of the records: the policy's identity */
} ;

typedef struct tlsaerr_s tlsaerr, *tlsaerr_ref ;
struct tlsaerr_s
{
  size_t index ;        /* the bad record, from 1 */
  char const *start ;   /* its text */
  size_t len ;
  char const *why ;
} ;

extern int tls_tlsa_parse (char const *, tlsa *, unsigned char *, size_t, tlsaerr *) ;  /* buffer: strlen / 2 + 1 bytes */
extern int tls_tlsa_usable (tlsarec const *) ;
extern int tls_tlsa_load (char const *const *, tlsa *) ;  /* dies 100 on a malformed TLSA */

#define TLSCHAIN_MAX 32768
#define TLSCHAIN_CERTS 10
typedef struct tlschain_s tlschain, *tlschain_ref ;
struct tlschain_s
{
  unsigned char buf[TLSCHAIN_MAX] ;
  size_t off[TLSCHAIN_CERTS] ;
  size_t len[TLSCHAIN_CERTS] ;
  unsigned int n ;         /* whole certificates held */
  unsigned int seen ;      /* certificates sent */
  unsigned int over : 1 ;  /* the current one did not fit */
} ;

extern int tls_cert_spki (unsigned char const *, size_t, tlsder *) ;
extern int tls_dane_match (tlsarec const *, unsigned char const *, size_t) ;

enum tlsverdict_e { TLSV_NONE, TLSV_SUCCESS, TLSV_FAILED } ;
enum tlspolicykind_e { TLSP_NOTHING, TLSP_PKIX, TLSP_DANE } ;

typedef struct tlspolicy_s tlspolicy, *tlspolicy_ref ;
struct tlspolicy_s
{
  br_x509_class const *vtable ;
  unsigned int kind ;           /* enum tlspolicykind_e: what is checked */
  unsigned int enforce : 1 ;    /* 0 with -n: the outcome is told, never enforced */
  char const *name ;            /* -k; NULL with -N */
  tlsanchors const *anchors ;
  tlsa const *tlsa ;
  br_x509_minimal_context pkix ;
  br_x509_decoder_context dec ; /* the leaf's key, when no chain check gives it */
  tlschain *chain ;             /* DANE only */
  unsigned int idx ;            /* certificates so far */
  int err ;                     /* how the check ended: 0 or a BR_ERR_X509_* */
  unsigned int verdict ;        /* enum tlsverdict_e */
  tlsarec const *match ;
  br_x509_pkey const *pkey ;
  unsigned int usages ;
  char reason[160] ;            /* for the fatal line, when enforced */
} ;

extern void tls_policy_init (tlspolicy *, unsigned int, int, char const *, tlsanchors const *, tlsa const *, tlschain *) ;
extern size_t tls_policy_id (tlspolicy const *, char *, size_t) ;  /* "pkix:NAME", "dane:HEX:NAME", "none", "none+pkix:NAME", ... */
extern void tls_policy_outcome (void const *, facts *) ;
extern char const *tls_policy_kind_name (tlspolicy const *) ;
extern int tls_dane_check (tlspolicy *) ;

#endif
