/* ISC license. */

/* adapt-internal.h: the core that the STARTTLS adapters share
   (starttls-smtpd, starttls-pop3d). The core runs the real server on
   pipes, moves the bytes between it and the client in one iopause loop,
   speaks UCSPI-TLS at the switch, ends the plaintext server and starts a
   fresh one on the TLS stream with the filtered facts in its
   environment. A protocol module (src/smtp, src/pop3) reads the bytes
   that the core holds: its command grammar decides what is forwarded,
   answered or refused, its reply parser what reaches the client. */

#ifndef ADAPT_INTERNAL_H
#define ADAPT_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

#include <skalibs/tai.h>

#define ADAPT_CIN 32768      /* client input */
#define ADAPT_SOUT 32768     /* to the server */
#define ADAPT_SIN 4096       /* server output: one reply line */
#define ADAPT_COUT 16384     /* to the client: two reply lines and ours, at least */
#define ADAPT_FACTSMAX 65536 /* the facts block: sslserver's carries PEM certificates */

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
extern int iobuf_passline (iobuf *, iobuf *, int *) ;
extern void iobuf_compact (iobuf *) ;

enum adapt_phase_e
{
  ADAPT_PHASE_RELAY,     /* relaying */
  ADAPT_PHASE_GOAHEAD,   /* our go-ahead queued: flush it, then write Y */
  ADAPT_PHASE_HANDSHAKE  /* Y written: reading the facts block */
} ;

 /* what the core and a protocol module share: the four buffers and the
    state of the switch. A module's own state is a struct that starts
    with one of these */
typedef struct relay_s relay, *relay_ref ;
struct relay_s
{
  iobuf cin ;    /* from the client */
  iobuf sout ;   /* to the server's stdin */
  iobuf sin ;    /* from the server's stdout */
  iobuf cout ;   /* to the client */
  unsigned char phase ;       /* enum adapt_phase_e */
  unsigned int required : 1 ; /* -r */
  unsigned int tlsavail : 1 ; /* we run under a UCSPI-TLS server */
  unsigned int tls : 1 ;      /* TLS is on */
  unsigned int stopread : 1 ; /* never read the plaintext client again */
  unsigned int cineof : 1 ;   /* the client has ended */
  unsigned int endserver : 1 ; /* the module ends the session: once the
                                  client has its last line, the server is
                                  sent SIGTERM (some, such as imap4d on a
                                  pipe, never end at the end of their input) */
} ;

 /* a protocol module, as the core calls it */
typedef struct adapt_proto_s adapt_proto, *adapt_proto_ref ;
struct adapt_proto_s
{
  int (*client) (relay *) ;        /* parse the client's bytes: 1 when it wants more */
  void (*server) (relay *) ;       /* relay the server's lines */
  void (*ended) (relay *) ;        /* the server's output has ended */
  void (*switched) (relay *) ;     /* TLS is on, a fresh server runs */
  char const *timeout ;            /* the line sent to an idle client */
} ;

 /* a session: the relay, its fds, the server's processes, the facts */
typedef struct adapt_s adapt, *adapt_ref ;
struct adapt_s
{
  relay *r ;
  adapt_proto const *proto ;
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
  char block[ADAPT_FACTSMAX] ;
} ;

#define ADAPT_ZERO(rel, pr) { .r = (rel), .proto = (pr), .cr = 0, .cw = 1, .sr = -1, .sw = -1, .ctl = -1, .tlsr = -1, .tlsw = -1, .timeout = 1200 }

#define ADAPT_EXIT_HANDSHAKE 98  /* the TLS handshake failed */
#define ADAPT_EXIT_TIMEOUT 99    /* the client was idle too long */

 /* adapt_options.c: parse the command line into the session (-r, -t,
    the server's argv and envp; -V prints the version and exits, a bad
    one exits 100): returns 1 when -p was given (allowed if withp) */
extern int adapt_options (adapt *, int, char const *const *, char const *const *, char const *, int) ;

 /* adapt_loop.c: set up the fds and the buffers, spawn the server, relay
    until the session is over; exits with the server's exit code */
extern void adapt_main (adapt *) __attribute__((noreturn)) ;

 /* adapt_facts.c: the facts block's strings (its end excluded) filtered
    in place, with a warning for each one dropped: returns the new length.
    The real server's environment: ours, less the UCSPI-TLS fds, with the
    block's facts (allocated; the strings are envp's and the block's) */
extern size_t adapt_facts_filter (char *, size_t) ;
extern char const **adapt_env (char const *const *, char const *, size_t) ;

 /* adapt_ctl.c: the UCSPI-TLS side. setup reads the environment; ask
    writes 'Y' once the go-ahead has gone out; read reads the facts
    block, and returns 1 when it is whole and the session has switched */
extern void adapt_ctl_setup (adapt *) ;
extern void adapt_ctl_ask (adapt *) ;
extern int adapt_ctl_read (adapt *) ;

 /* adapt_proc.c: the real server's processes. spawn starts one on pipes;
    close closes the pipes; end also ends it and waits; reap_old reaps
    the plaintext one (now: kills it first); finish ends the session
    with the server's exit code */
extern void adapt_proc_spawn (adapt *) ;
extern void adapt_proc_close (adapt *) ;
extern void adapt_proc_end (adapt *) ;
extern void adapt_proc_reap_old (adapt *, int) ;
extern void adapt_proc_finish (adapt *) __attribute__((noreturn)) ;

#endif
