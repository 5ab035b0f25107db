/* ISC license. */

/* ucspitls.h: what the programs' mains and the TLS layer share.
   Nothing here names a BearSSL type: the mains never touch br_*. */

#ifndef UCSPITLS_H
#define UCSPITLS_H

#include <stddef.h>
#include <stdint.h>

#define UCSPITLS_EXIT_CONF 96
#define UCSPITLS_EXIT_SETUP 97
#define UCSPITLS_EXIT_TLS 98
#define UCSPITLS_EXIT_USAGE 100
#define UCSPITLS_EXIT_SYS 111

#define UCSPITLS_DEFAULT_KTO 60000

 /* options shared by both sides */

typedef struct tlsopts_s tlsopts, *tlsopts_ref ;
struct tlsopts_s
{
  unsigned int kto ;          /* -K: handshake limit, ms; 0 = none */
  unsigned int ito ;          /* -I: idle limit once TLS is up, ms; 0 = none */
  unsigned int verbosity ;    /* -v */
  unsigned int closenotify : 1 ; /* -S */
  unsigned int strict_eof : 1 ;  /* -J */
  unsigned int immediate : 1 ;   /* -i */
  unsigned int keepenv : 1 ;     /* -Z */
  unsigned int clientcert : 2 ;  /* server: 0 none, 1 ask (-Y), 2 require (-y); client: 1 send (-y) */
  unsigned int snilevel : 2 ;    /* server -k */
  char const *servername ;       /* client -k; NULL with -N */
  char const *peer ;             /* for the log line: IP:PORT or NULL */
} ;
#define TLSOPTS_ZERO { .kto = UCSPITLS_DEFAULT_KTO, .ito = 0, .verbosity = 1, .closenotify = 0, .strict_eof = 0, .immediate = 0, .keepenv = 0, .clientcert = 0, .snilevel = 1, .servername = 0, .peer = 0 }

extern int tlsopts_common (tlsopts *, int, char const *) ;

 /* the four fds of the copy loop */

typedef struct tlsfds_s tlsfds, *tlsfds_ref ;
struct tlsfds_s
{
  int netr ;  /* ciphertext from the peer */
  int netw ;  /* ciphertext to the peer */
  int appr ;  /* plaintext from prog */
  int appw ;  /* plaintext to prog */
  int appsock ;  /* appr and appw are two fds of one socket */
} ;

 /* session facts (spec section 4), raw: escaping happens when they are written out */

#define FACTS_SUBJECT_MAX 1024
typedef struct facts_s facts, *facts_ref ;
struct facts_s
{
  char const *protocol ;
  char const *cipher ;
  char sni[256] ;          /* "" when none */
  char hash[72] ;          /* "SHA256:<hex>", "" when no peer certificate */
  char subject[FACTS_SUBJECT_MAX] ; /* "" when no peer certificate */
} ;

#define FACTS_BLOCK_MAX 4096
extern size_t facts_block (facts const *, char *) ;  /* writes <= FACTS_BLOCK_MAX bytes */
extern size_t facts_escape (char *, size_t, char const *, int) ;
extern int facts_is_var (char const *) ;

 /* called once, when the handshake has completed */
typedef void tlsready_func (void *, facts const *) ;

 /* the TLS layer: src/tls. Loaders die 96 on bad configuration. */

extern void tls_server_load (tlsopts const *, char const *const *) ;
extern void tls_client_load (tlsopts const *, char const *const *) ;
extern void tls_server_run (tlsopts const *, tlsfds const *, tlsready_func *, void *) __attribute__((noreturn)) ;
extern void tls_client_run (tlsopts const *, tlsfds const *, tlsready_func *, void *) __attribute__((noreturn)) ;

 /* SNI name matching: sni.c */

extern int sni_match (char const *, char const *) ;

 /* the control channel: ctl.c */

typedef struct ctlstate_s ctlstate, *ctlstate_ref ;
struct ctlstate_s
{
  int fd ;
  int block ;  /* write the facts block before closing ('Y') */
} ;

extern int ctl_wait (int) ;
extern tlsready_func ctl_ready ;

 /* the end-of-connection line for -v2: log.c */

extern void log_end (tlsopts const *, facts const *, uint64_t, uint64_t, char const *) ;
extern void log_start (void) ;

 /* process plumbing shared by both programs: wrapper.c */

typedef void tlsrun_func (tlsopts const *, tlsfds const *, tlsready_func *, void *) ;

extern int wrapper_is_confvar (char const *) ;
extern void wrapper_run (tlsopts const *, char const *const *, char const *const *, int, int, tlsrun_func *) __attribute__((noreturn)) ;

#endif
