/* ISC license. */

/* smtp-internal.h: what the parts of starttls-smtpd share. The relay
   sits between the SMTP client and the real server and reads just enough
   of each direction to keep count: the client's command lines and the
   end of its DATA body, the server's reply lines. The main loop
   (starttls-smtpd.c) moves the bytes; smtp_client.c, smtp_data.c and
   smtp_server.c decide what happens to them. */

#ifndef SMTP_INTERNAL_H
#define SMTP_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

#include <skalibs/tai.h>

#define SMTP_LINEMAX 4096    /* a client command line, CRLF included (RFC 5321: 512) */
#define SMTP_RLINEMAX 4096   /* a server reply line, CRLF included; longer ones are cut */
#define SMTP_CIN 32768       /* client input */
#define SMTP_SOUT 32768      /* to the server */
#define SMTP_SIN SMTP_RLINEMAX  /* server output: one reply line */
#define SMTP_COUT 16384      /* to the client: two reply lines and ours, at least */
#define SMTP_MYREPLY 128     /* room kept for a reply of our own */
#define SMTP_FACTSMAX 65536  /* the facts block: sslserver's carries PEM certificates */

 /* a linear buffer: the bytes are s[pos..len) */
typedef struct iobuf_s iobuf, *iobuf_ref ;
struct iobuf_s
{
  char *s ;
  size_t pos ;
  size_t len ;
  size_t cap ;
} ;

#define iobuf_avail(b) ((b)->len - (b)->pos)
#define iobuf_room(b) ((b)->cap - (b)->len + (b)->pos)
extern void iobuf_put (iobuf *, char const *, size_t) ;  /* caller checked the room */
extern void iobuf_compact (iobuf *) ;

 /* how the client's bytes are read */
enum smtp_mode_e
{
  SMTP_MODE_CMD,   /* command lines */
  SMTP_MODE_DATA,  /* a DATA body, until the lone dot */
  SMTP_MODE_AUTH,  /* one AUTH response line, not a command */
  SMTP_MODE_SKIP   /* the rest of a line too long, thrown away */
} ;

#define SMTP_DATA_BOL 0  /* the DATA scanner at the start of a line */

 /* a forwarded command whose reply decides how to read what follows:
    nothing more is parsed until the server has answered everything */
enum smtp_hold_e
{
  SMTP_HOLD_NONE,
  SMTP_HOLD_EHLO,  /* its reply gets STARTTLS added */
  SMTP_HOLD_DATA,  /* 354: a body follows */
  SMTP_HOLD_AUTH   /* 334: a response line follows */
} ;

enum smtp_phase_e
{
  SMTP_PHASE_RELAY,     /* relaying */
  SMTP_PHASE_GOAHEAD,   /* 220 queued for STARTTLS: flush it, then write Y */
  SMTP_PHASE_HANDSHAKE  /* Y written: reading the facts block */
} ;

typedef struct smtp_s smtp, *smtp_ref ;
struct smtp_s
{
  iobuf cin ;    /* from the client */
  iobuf sout ;   /* to the server's stdin */
  iobuf sin ;    /* from the server's stdout */
  iobuf cout ;   /* to the client */
  unsigned int outstanding ;  /* replies the server still owes, its greeting included */
  unsigned int ehlolines ;    /* lines of the EHLO reply seen */
  unsigned int ehlokept ;     /* and kept */
  size_t pendlen ;            /* the last kept EHLO line, held back */
  char pend[SMTP_RLINEMAX] ;
  unsigned char mode ;        /* enum smtp_mode_e */
  unsigned char hold ;        /* enum smtp_hold_e */
  unsigned char phase ;       /* enum smtp_phase_e */
  unsigned char dstate ;      /* where the DATA scanner is in a line */
  unsigned char rtype ;       /* how the current reply is relayed */
  unsigned int required : 1 ; /* -r */
  unsigned int tlsavail : 1 ; /* we run under a UCSPI-TLS server */
  unsigned int tls : 1 ;      /* TLS is on */
  unsigned int stopread : 1 ; /* never read the plaintext client again */
  unsigned int cineof : 1 ;   /* the client has ended */
  unsigned int inreply : 1 ;  /* a continuation line was seen */
  unsigned int swallow : 1 ;  /* drop the next reply: the fresh server's greeting */
  unsigned int dbare : 1 ;    /* the body's last line end was bare */
  unsigned int cutting : 1 ;  /* the tail of a server line too long, skipped */
} ;

 /* a session of starttls-smtpd: the relay, its fds, the server's
    processes, the facts block */
typedef struct smtpd_s smtpd, *smtpd_ref ;
struct smtpd_s
{
  smtp r ;
  int cr, cw ;        /* the client: 0 and 1, then SSLREADFD and SSLWRITEFD */
  int sr, sw ;        /* the server's stdout and stdin; -1 when closed */
  int ctl, tlsr, tlsw ;
  int cwdead ;        /* the client cannot be written to any more */
  int eofseen ;       /* the server's output has ended */
  pid_t pid ;         /* the server */
  pid_t oldpid ;      /* the plaintext server, ended at the switch */
  unsigned int timeout ;
  tain deadline ;
  char const *const *argv ;
  char const *const *envp ;
  size_t blocklen ;   /* the facts block read so far */
  size_t blockend ;   /* where its strings end, as far as they are whole */
  char block[SMTP_FACTSMAX] ;
} ;

#define SMTP_EXIT_HANDSHAKE 98  /* the TLS handshake failed */
#define SMTP_EXIT_TIMEOUT 99    /* the client was idle too long */

 /* smtp_client.c: parse what the client sent, forward it or answer it.
    Returns 1 when it stopped for want of client input, 0 otherwise. */
extern int smtp_client_parse (smtp *) ;
extern void smtp_answer (smtp *, char const *) ;

 /* smtp_data.c: pass on the DATA body in s[0..n), made unambiguous, as
    far as there is room; sets *done at its end. Returns what it took */
extern size_t smtp_data_scan (smtp *, char const *, size_t, int *) ;

 /* smtp_facts.c: the facts block's strings (its end excluded) filtered
    in place, with a warning for each one dropped: returns the new length.
    The real server's environment: ours, less the UCSPI-TLS fds, with the
    block's facts (allocated; the strings are envp's and the block's) */
extern size_t smtp_facts_filter (char *, size_t) ;
extern char const **smtp_env (char const *const *, char const *, size_t) ;

 /* smtp_ctl.c: the UCSPI-TLS side. setup reads the environment; ask
    writes 'Y' once the 220 has gone out; read reads the facts block,
    and returns 1 when it is whole and the session has switched to TLS */
extern void smtp_ctl_setup (smtpd *) ;
extern void smtp_ctl_ask (smtpd *) ;
extern int smtp_ctl_read (smtpd *) ;

 /* smtp_proc.c: the real server's processes. spawn starts one on pipes;
    close closes the pipes; end also ends it and waits; reap_old reaps
    the plaintext one (now: kills it first); finish ends the session
    with the server's exit code */
extern void smtp_proc_spawn (smtpd *) ;
extern void smtp_proc_close (smtpd *) ;
extern void smtp_proc_end (smtpd *) ;
extern void smtp_proc_reap_old (smtpd *, int) ;
extern void smtp_proc_finish (smtpd *) __attribute__((noreturn)) ;

 /* smtp_server.c: relay the server's replies, keep count, fix EHLO */
extern void smtp_server_parse (smtp *) ;

#endif
