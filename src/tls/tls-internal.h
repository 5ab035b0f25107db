/* ISC license. */

/* tls-internal.h: the TLS layer's private interface. Every BearSSL call of
   the project lives in a tls_*.c file that includes this header. */

#ifndef UCSPITLS_TLS_INTERNAL_H
#define UCSPITLS_TLS_INTERNAL_H

#include <sys/types.h>

#include <bearssl.h>

#include <skalibs/strerr.h>
#include <skalibs/tai.h>

#include "ucspitls.h"

 /* DER, one TLV at a time: tls_der.c */

typedef struct tlsder_s tlsder, *tlsder_ref ;
struct tlsder_s
{
  unsigned char const *s ;
  size_t len ;
} ;

extern int tls_der_next (tlsder *, unsigned int *, tlsder *, tlsder *) ;
extern int tls_der_expect (tlsder *, unsigned int, tlsder *) ;

 /* PEM files: tls_pem.c. A file without a BEGIN line is one DER object
    (name NULL). Dies 96 on bad PEM. The decoded bytes go to the buffer
    given, as long as the file. */

typedef void tlspem_func (void *, char const *, char const *, unsigned char const *, size_t) ;
extern int tls_pem_looks (char const *, size_t) ;
extern void tls_pem_each (char const *, char const *, size_t, unsigned char *, tlspem_func *, void *) ;
 /* the objects whose name the predicate wants only; the others are not
    decoded */
typedef int tlspem_want (char const *) ;
extern void tls_pem_select (char const *, char const *, size_t, unsigned char *, tlspem_want *, tlspem_func *, void *) ;

 /* credentials: tls_load.c. Each loader dies 96 naming the file. */

typedef struct tlscred_s tlscred, *tlscred_ref ;
struct tlscred_s
{
  char const *name ;            /* SNI pattern; NULL for the default pair */
  br_x509_certificate *chain ;
  size_t chainlen ;
  unsigned char *certbuf ;      /* the decoded certificate file: the chain's bytes */
  br_x509_decoder_context dec ; /* the first certificate: its public key */
  br_skey_decoder_context key ; /* the decoded private key */
  unsigned int keytype ;        /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
  unsigned char pub[512] ;      /* what the key file carries of the public key: EC, the point; RSA, the modulus */
  size_t publen ;               /* 0 when it carries none */
  unsigned int computed : 1 ;   /* the check computed with the private key: the stack has traces */
} ;

typedef struct tlsanchors_s tlsanchors, *tlsanchors_ref ;
struct tlsanchors_s
{
  br_x509_trust_anchor *ta ;
  size_t n ;
} ;

 /* the bounds of a certificate chain, which the key process passes on
    in one message: 4 bytes, then 3 and the certificate for each */
#define TLS_CHAIN_MAX 65536
#define TLS_CHAIN_MAX_S "65536"
#define TLS_CHAIN_CERTS 255
#define TLS_CHAIN_CERTS_S "255"

 /* full: match the key to the certificate by computing its public key,
    not by the public key that an EC key file carries */
extern void tls_load_cred (tlscred *, char const *, char const *, char const *, int) ;
extern void tls_load_chain (tlscred *, char const *) ;
extern void tls_cred_wipe (tlscred *) ;  /* the private key, gone */
extern void tls_cred_free (tlscred *) ;
extern void tls_load_anchors (tlsanchors *, char const *, char const *) ;

 /* which pair a server name selects: tls_pick.c */

typedef struct tlspair_s tlspair, *tlspair_ref ;
struct tlspair_s
{
  char pattern[256] ;  /* "" for the default pair */
  char const *cert ;
  char const *key ;
} ;

extern int tls_pick (char const *const *, unsigned int, char const *, tlspair *) ;
extern void tls_pairs_check (char const *const *, unsigned int) ;  /* dies 96 */
extern int tls_pair_next (char const *const *, size_t *, tlspair *) ;  /* every named pair, for the check mode */

 /* the key process and the TLS child's side of it: tls_key.c,
    tls_keyclient.c */

extern void tls_key_start (tlsopts const *, char const *const *, int) ;
extern int tls_key_select (char const *, br_x509_certificate const **, size_t *, unsigned int *) ;
extern size_t tls_key_sign (unsigned int, unsigned char const *, size_t, unsigned char *, size_t) ;
extern void tls_key_end (void) ;
extern tain tls_handshake_deadline ;
extern int tls_key_failed ;  /* the key process failed: the handshake must end */
extern void tls_key_main (int, tlsopts const *, char const *const *, int, pid_t) __attribute__((noreturn)) ;
extern unsigned int tls_choose_hash (unsigned int) ;

 /* engine settings common to both sides: tls_engine.c */

extern void tls_engine_setup (br_ssl_engine_context *, int, unsigned char *) ;  /* the buffer: BR_SSL_BUFSIZE_BIDI bytes */
extern char const *tls_suite_name (unsigned int) ;
extern unsigned int tls_suite_overhead (unsigned int) ;  /* AEAD bytes per record */
extern unsigned int tls_suite_bits (unsigned int) ;  /* the cipher's key size */
extern char const *tls_peer_role ;  /* "CLIENT" on the server, "SERVER" on the client */
 /* tls_alpn.c: strict ALPN (-a, checked by opts.c) and its fact */
extern void tls_alpn_setup (br_ssl_engine_context *, char const *) ;
extern void tls_alpn_fact (br_ssl_engine_context *, facts *) ;
#define TLS_ALPN_ESCMAX (4 * 255 + 1)  /* a name escaped, each byte in 4 at most */
extern int tls_alpn_strict (void) ;  /* -a was given */
extern int tls_alpn_ours (unsigned char const *, size_t) ;  /* a name that -a lets through */
extern int tls_alpn_unoffered (char *) ;  /* the ServerHello selected a name we did not offer */
extern char const *tls_error_name (int) ;
extern char const *tls_error_text (int) ;
extern char const *tls_fail_reason ;  /* set by policy code that knows better than the error code */
extern int tls_fail_quiet ;  /* an exit code: the reason has been told already (by the key process) */

 /* what the client's hello offered, for a failed handshake's message:
    tls_hello.c (the server sets tls_hello_want) */

extern int tls_hello_want ;
extern void tls_hello_take (unsigned char const *, size_t) ;
extern int tls_hello_no_tls12 (void) ;
extern size_t tls_hello_server_alpn (unsigned char *) ;  /* the client's copy is the ServerHello */

 /* peer certificate capture around x509_minimal: tls_x509.c */

typedef struct tlsx509_s tlsx509, *tlsx509_ref ;
struct tlsx509_s
{
  br_x509_class const *vtable ;
  br_x509_minimal_context minimal ;
  br_sha256_context sha ;
  unsigned int idx ;
  int err ;  /* a chain was sent and failed: BearSSL tolerates that with -Y, we do not */
  unsigned int have : 1 ;
  unsigned int derover : 1 ;  /* the peer's certificate is longer than der */
  size_t derlen ;
  unsigned char der[8192] ;   /* the peer's certificate, for the facts */
  unsigned char hash[32] ;
  br_x509_class const **inner ;  /* the engine that decides: minimal, or a client policy */
  void (*outcome) (void const *, facts *) ;  /* the policy's facts, and on failure its exit code */
  void const *octx ;
  int errexit ;  /* the exit code of a chain that fails: 0 for 98 */
} ;

extern void tlsx509_init (tlsx509 *, tlsanchors const *) ;
extern void tlsx509_facts (tlsx509 const *, facts *) ;
extern void tlsx509_minimal_init (br_x509_minimal_context *, br_x509_trust_anchor const *, size_t) ;  /* every hash and signature we have */

 /* the client's verification policies: x509/, with their own header
    (x509/x509-internal.h). The policy's identity, for what must not
    cross policies (a session resumed), once tls_client_load has run: */
extern size_t tls_client_policy_id (char *, size_t) ;

 /* distinguished names: tls_dn.c */
#define DN_RFC4514 0
#define DN_ONELINE 1
#define DN_PLAIN 2
extern size_t dn_format (unsigned char const *, size_t, char *, size_t, int) ;
extern size_t dn_attr (unsigned char const *, size_t, unsigned char const *, size_t, char *, size_t) ;

 /* certificate fields: tls_cert.c */

typedef struct tlscertinfo_s tlscertinfo, *tlscertinfo_ref ;
struct tlscertinfo_s
{
  tlsder serial ;
  tlsder issuer ;    /* the whole Name, tag included */
  tlsder subject ;
  int64_t notbefore ;  /* seconds since the epoch */
  int64_t notafter ;
} ;

extern int tls_cert_info (unsigned char const *, size_t, tlscertinfo *) ;
extern size_t tls_time_fmt (int64_t, char *) ;  /* 24 bytes and a NUL */
extern size_t tls_serial_fmt (tlsder const *, char *, size_t) ;

 /* the copy loop: tls_run.c (the loop), tls_recin.c (incoming records),
    tls_io.c (moving bytes), tls_close.c (how a connection ends) */


 /* what tls_run asks at the end of the handshake, if set (session
    resumption, src/tls/session): the facts' resumed flag; 0 means the
    session must not go on */
typedef int tlssession_func (br_ssl_engine_context const *, facts *) ;
extern tlssession_func *tls_session_done ;

extern void tls_run (br_ssl_engine_context *, tlsx509 const *, tlsopts const *, tlsfds const *, tlsready_func *, void *) __attribute__((noreturn)) ;

#define REC_CCS 20
#define REC_ALERT 21
#define REC_HANDSHAKE 22
#define REC_APPDATA 23

 /* Empty records are legal, a few at a time; a flood of them is a peer
    making us work for nothing (OpenSSL draws the line at 32 too). */
#define MAX_EMPTY_RECORDS 32

 /* a captured alert record: as long as a record may be (2^14 + 2048,
    RFC 5246 6.2.3), since a peer may put many alerts in one record */
#define ALERT_MAX 18432

 /* once prog is gone: how long we read for the peer's EOF after our last
    byte, and how long the peer may leave our last bytes unread */
#define LINGER_MS 1000
#define DRAIN_MS 10000

 /* prog closed its output: how long its input may take to close too
    (an exiting process's files are released last fd first: its output
    before its input) before we take it for a prog that still reads */
#define CLOSE_GRACE_MS 100

typedef struct recframe_s recframe, *recframe_ref ;
struct recframe_s
{
  unsigned char hdr[5] ;
  unsigned int hdrlen ;
  unsigned int bodyleft ;
} ;

enum alertstate_e { ALERT_NONE, ALERT_READING, ALERT_FEEDING, ALERT_HELD } ;

typedef struct tlsloop_s tlsloop, *tlsloop_ref ;
struct tlsloop_s
{
  br_ssl_engine_context *eng ;
  tlsopts const *o ;
  tlsx509 const *x ;
  tlsfds fd ;            /* -1 once a side is closed */
  tain lastio ;          /* the last byte of data, either way */
  tain lastnet ;         /* the last byte written to the network */
  tain graceend ;        /* prog's output closed: when its input is taken as open */
  uint64_t in ;          /* plaintext bytes delivered to prog */
  uint64_t out ;         /* plaintext bytes taken from prog */
  facts *f ;             /* static: its pages are touched only once there are facts */
  unsigned int hsdone : 1 ;
  unsigned int appeof : 1 ;    /* prog closed its output */
  unsigned int netwdone : 1 ;  /* our writing to the network is over */
  unsigned int notified : 1 ;  /* our close_notify is out (-S, or prog reads no more) */
  unsigned int grace : 1 ;     /* graceend is set */
  unsigned int peereof : 1 ;   /* the peer ended with EOF */
  unsigned int appwdead : 1 ;  /* prog will not read any more */
  unsigned int active : 1 ;    /* some byte of data moved in this round */
  unsigned int ccssent : 1 ;   /* our records are encrypted from here on */
  unsigned int peerccs : 1 ;   /* the peer's records are encrypted from here on */
  unsigned int ishort : 1 ;    /* the last read from prog did not fill what we offered */
  unsigned int progdone : 1 ;  /* prog closed its output, and its input is closed */
  unsigned int appsock : 1 ;   /* appr and appw are one socket (two fds): closing appw is a shutdown */
  recframe rin ;               /* incoming record framing, as fed to the engine */
  recframe rout ;              /* outgoing record framing */
  unsigned int overhead ;      /* AEAD bytes in a record: its body when it is empty */
  unsigned int empties ;       /* consecutive empty records */
  unsigned char ahead[5] ;     /* the next record's header, not yet given to the engine */
  unsigned int aheadlen ;
  unsigned int apend ;         /* 0x100 | level of an alert whose description is in a later record */
  unsigned int alertlen ;      /* bytes of it read */
  unsigned int alertneed ;     /* its whole length */
  unsigned int alertfed ;      /* bytes of it given to the engine */
  unsigned char astate ;       /* enum alertstate_e */
  unsigned int istart ;        /* read from prog, not yet given to the engine: */
  unsigned int ilen ;          /* stage[istart..istart+ilen) */
} ;

 /* tls_recin.c */
extern int tlsloop_netr (tlsloop *) ;
extern void tlsloop_release_alert (tlsloop *) ;

 /* tls_io.c */
extern int tlsloop_netw (tlsloop *) ;
extern int tlsloop_appr (tlsloop *) ;
extern int tlsloop_appw (tlsloop *) ;
extern void tlsloop_appw_gone (tlsloop *) ;
extern void tlsloop_discard (tlsloop *) ;
extern void tlsloop_frame_out (tlsloop *, unsigned char const *, size_t) ;
extern size_t tlsloop_frame_step (recframe *, unsigned char const *, size_t, int *) ;

 /* tls_close.c */
extern void tlsloop_close_appw (tlsloop *) ;
extern void tlsloop_app_ended (tlsloop *) ;
extern void tlsloop_linger (tlsloop *) ;
extern void tlsloop_finish (tlsloop const *, int, char const *) __attribute__((noreturn)) ;
extern void tlsloop_die_tls (tlsloop const *, char const *, char const *, char const *) __attribute__((noreturn)) ;
extern void tlsloop_die_engine (tlsloop *, int) __attribute__((noreturn)) ;
extern void tlsloop_die_sys (tlsloop *, char const *) __attribute__((noreturn)) ;
extern void tlsloop_die_timeout (tlsloop const *, char const *, unsigned int, char const *) __attribute__((noreturn)) ;
extern void tlsloop_copy_sni (tlsloop const *) ;

 /* the child's last words are fatal ones, but it exits through tlsloop_finish() */
#define tlsloop_warnf(...) log_warnf(__VA_ARGS__)

 /* no anchors: the same status and line from a run and from -C */
#define TLS_NOANCHORS_CLIENT "CAFILE or CADIR must be set: the server's certificate cannot be checked without anchors (or give TLSA records, or -n for no verification)"
#define TLS_NOANCHORS_SERVER "CAFILE or CADIR must be set to check client certificates"

#endif
