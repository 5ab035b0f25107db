/* ISC license. */

/* ucspitls.h: what the programs' mains and the TLS layer share.
   Nothing here names a BearSSL type: the mains never touch br_*. */

#ifndef UCSPITLS_H
#define UCSPITLS_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <skalibs/strerr.h>

#define UCSPITLS_EXIT_CONF 96
#define UCSPITLS_EXIT_SETUP 97
#define UCSPITLS_EXIT_TLS 98
#define UCSPITLS_EXIT_POLICY 99  /* ucspitlsc: the certificate fails the verification policy */
#define UCSPITLS_EXIT_USAGE 100
#define UCSPITLS_EXIT_SYS 111

#define UCSPITLS_DEFAULT_KTO 60000

 /* SSL_VERSION_LIBRARY; configure finds BearSSL's version */
#ifdef UCSPITLS_BEARSSL_VERSION
# define UCSPITLS_LIBRARY "BearSSL " UCSPITLS_BEARSSL_VERSION
#else
# define UCSPITLS_LIBRARY "BearSSL"
#endif

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
  unsigned int check : 1 ;       /* -C: check the configuration and exit */
  unsigned int setids : 1 ;      /* TLS_UID and TLS_GID given */
  unsigned int noverify : 1 ;    /* client -n: verification told, not enforced */
  unsigned int uid, gid ;
  char const *servername ;       /* client -k; NULL with -N */
  char const *peer ;             /* for the log lines: IP:PORT or NULL */
  char const *peerenv ;          /* for prog, when the launcher gave no TCPREMOTEIP: peer_env's strings */
  size_t peerenvlen ;
  char const *alpn ;             /* -a: the ALPN names, comma-separated; NULL: no ALPN */
} ;
#define TLSOPTS_ZERO { .kto = UCSPITLS_DEFAULT_KTO, .ito = 0, .verbosity = 1, .closenotify = 0, .strict_eof = 0, .immediate = 0, .keepenv = 0, .clientcert = 0, .snilevel = 1, .check = 0, .setids = 0, .noverify = 0, .uid = 0, .gid = 0, .servername = 0, .peer = 0 }

extern int tlsopts_common (tlsopts *, int, char const *) ;
#define UCSPITLS_ALPN_MAX 16  /* names in an -a list */

 /* TLS_UID, TLS_GID: ids.c */

extern void tlsopts_ids (tlsopts *, char const *const *) ;  /* dies 96 on a half pair */
extern void ids_drop (tlsopts const *, int) ;

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

 /* session facts (spec section 4). The certificate's values come
    escaped already (see facts_escape); the SNI name raw, since the log
    line escapes it its own way. */

#define FACTS_DN_MAX 1024
#define FACTS_ATTR_MAX 256
typedef struct facts_s facts, *facts_ref ;
struct facts_s
{
  char const *protocol ;
  char const *cipher ;
  char const *role ;       /* the peer: "CLIENT" (ucspitlsd) or "SERVER" (ucspitlsc) */
  unsigned int keybits ;   /* the cipher's key size, bits; 0 when no TLS */
  char session[65] ;       /* the session ID, lowercase hex; "" when none */
  char sni[256] ;          /* "" when none */
  char hash[72] ;          /* "SHA256:<hex>"; "" when no peer certificate */
  char subject[FACTS_DN_MAX] ;  /* RFC 4514 */
  char dn[FACTS_DN_MAX] ;       /* "/C=../O=../CN=..", as ucspi-ssl writes it */
  char cn[FACTS_ATTR_MAX] ;
  char email[FACTS_ATTR_MAX] ;
  char issuer[FACTS_DN_MAX] ;   /* as dn */
  char serial[64] ;             /* decimal */
  char vstart[32] ;             /* "Dec  1 07:44:45 2026 GMT" */
  char vend[32] ;
  int resumed ;                 /* the handshake resumed a stored session */
  char const *policy ;          /* the client's policy, for the log line: "pkix", "dane", "none" */
  char verify[64] ;             /* SSL_SERVER_VERIFY: "SUCCESS", "NONE", "FAILED:why"; "" on the server */
  char dane[16] ;               /* SSL_SERVER_DANE: the matching record's "usage selector mtype" */
  char alpn[256] ;              /* the ALPN protocol selected; "" when none */
} ;

#define FACTS_BLOCK_MAX 4096
extern size_t facts_block (facts const *, char *) ;  /* writes <= FACTS_BLOCK_MAX bytes */
extern size_t facts_escape (char *, size_t, char const *, int) ;
extern size_t facts_escape_bytes (char *, size_t, unsigned char const *, size_t, char const *) ;
extern size_t facts_utf8 (unsigned char const *, size_t) ;
extern int facts_is_var (char const *) ;
extern int facts_value_ok (char const *) ;  /* valid UTF-8, no control byte */

 /* called once, when the handshake has completed */
typedef void tlsready_func (void *, facts const *) ;

 /* forks the key process, if any, in the TLS child */
typedef void tlskey_func (tlsopts const *, char const *const *) ;

 /* -V: "prog version" on stdout, exit 0: version.c */
extern void ucspitls_version (void) __attribute__((noreturn)) ;

 /* the TLS layer: src/tls. Loaders die 96 on bad configuration. */

extern void tls_server_load (tlsopts const *, char const *const *) ;
extern void tls_client_load (tlsopts const *, char const *const *) ;
extern void tls_server_check (tlsopts const *, char const *const *) __attribute__((noreturn)) ;
extern void tls_client_check (tlsopts const *, char const *const *) __attribute__((noreturn)) ;
extern tlskey_func tls_server_key ;
extern tlskey_func tls_client_key ;
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

 /* every warning and fatal line of a connection ends with log_tail, the
    peer's address (empty before it is known, and with -C): log.c */

extern char const *log_tail ;
extern void log_peer (tlsopts *, char const *) ;
extern int log_fd2_is_net (int, int) ;
extern void log_fd2_away (int, int) ;  /* fd 2 to /dev/null if it is the connection */
#define log_warnw(...) strerr_warnw(__VA_ARGS__, log_tail)
#define log_warnwusys(...) strerr_warnwu(__VA_ARGS__, ": ", strerror(errno), log_tail)
#define log_warnf(...) strerr_warn(PROG, ": fatal: ", __VA_ARGS__, log_tail)
#define log_dief(e, ...) strerr_dief(e, __VA_ARGS__, log_tail)
#define log_diefu(e, ...) strerr_diefu(e, __VA_ARGS__, log_tail)
#define log_diefusys(e, ...) strerr_diefu(e, __VA_ARGS__, ": ", strerror(errno), log_tail)

 /* the peer's address, from the environment or the socket: peer.c */

#define PEER_ENV_MAX 256
extern char const *peer_string (char const *const *, int) ;
extern size_t peer_env (char const *const *, int, char *) ;

 /* process plumbing shared by both programs: wrapper.c */

typedef void tlsrun_func (tlsopts const *, tlsfds const *, tlsready_func *, void *) ;

extern int wrapper_is_confvar (char const *) ;
extern int wrapper_fds (int, int) ;
extern void wrapper_netok (int) ;
extern void wrapper_nocore (int) ;
extern void wrapper_run (tlsopts const *, char const *const *, char const *const *, int, int, tlskey_func *, tlsrun_func *) __attribute__((noreturn)) ;

#endif
