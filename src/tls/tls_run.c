/* ISC license. */

/* tls_run.c: the copy loop, shared by both programs and both modes.
   One process, one iopause loop, non-blocking fds, the BearSSL engine
   driven through its state bits; the engine's own buffers are the only
   buffers, and nothing is allocated here.

   TLS 1.2's close_notify closes both directions, and BearSSL acts on it
   at once: it answers with its own close_notify and stops accepting
   application data. To honour a half-close in either order we watch the
   record headers as they come in (they are in clear in TLS 1.2): when the
   peer's alert record arrives after the handshake, we stop reading there,
   deliver everything before it, give prog EOF, and feed the alert to the
   engine only once prog has finished writing.

   The engine takes one record of plaintext at a time; reading prog's
   pipe 16 KiB at a time would wake prog for every record. So a read
   from prog fills the engine's buffer and, past it, a stage of
   STAGE bytes, from which the next records are taken: one read, and
   one wakeup of prog, per pipeful. Small writes never reach the stage. */

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/error.h>
#include <skalibs/djbunix.h>
#include <skalibs/iopause.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>

#include "tls-internal.h"

#define REC_ALERT 21

 /* the child's last words are fatal ones, but it exits through finish() */
#define strerr_warnf(...) strerr_warn(PROG, ": fatal: ", __VA_ARGS__)
#define strerr_warnfusys(...) strerr_warnsys(PROG, ": fatal: unable to ", __VA_ARGS__)
#define REC_HANDSHAKE 22
#define REC_CCS 20
#define REC_APPDATA 23

 /* Empty records are legal, a few at a time; a flood of them is a peer
    making us work for nothing (OpenSSL draws the line at 32 too). */
#define MAX_EMPTY_RECORDS 32

typedef struct recframe_s recframe, *recframe_ref ;
struct recframe_s
{
  unsigned char hdr[5] ;
  unsigned int hdrlen ;
  unsigned int bodyleft ;
} ;

typedef struct loop_s loop, *loop_ref ;
struct loop_s
{
  br_ssl_engine_context *eng ;
  tlsopts const *o ;
  tlsx509 const *x ;
  tlsfds fd ;            /* -1 once a side is closed */
  tain lastio ;
  uint64_t in ;          /* plaintext bytes delivered to prog */
  uint64_t out ;         /* plaintext bytes taken from prog */
  facts f ;
  unsigned int hsdone : 1 ;
  unsigned int appeof : 1 ;    /* prog closed its output */
  unsigned int netwdone : 1 ;  /* our writing to the network is over */
  unsigned int notified : 1 ;  /* our close_notify is out (-S) */
  unsigned int peereof : 1 ;   /* the peer ended with EOF */
  unsigned int held : 1 ;      /* the peer's alert record is held back */
  unsigned int appwdead : 1 ;  /* prog will not read any more */
  unsigned int active : 1 ;    /* some byte moved in this round */
  unsigned int ccssent : 1 ;   /* our records are encrypted from here on */
  recframe rin ;               /* incoming record framing */
  recframe rout ;              /* outgoing record framing */
  unsigned int overhead ;      /* AEAD bytes in an application record: its body when it is empty */
  unsigned int empties ;       /* consecutive empty application records */
  unsigned char ahead[5] ;     /* read from the network, not yet given to the engine */
  unsigned int aheadlen ;
  unsigned int istart ;        /* read from prog, not yet given to the engine: */
  unsigned int ilen ;          /* stage[istart..istart+ilen) */
  unsigned int ishort : 1 ;    /* the last read from prog did not fill what we offered */
} ;

 /* with the engine's 16 KiB, one default pipeful */
#define STAGE 49152
static unsigned char stage[STAGE] ;

static void finish (loop const *l, int e, char const *end) __attribute__((noreturn)) ;
static void finish (loop const *l, int e, char const *end)
{
  log_end(l->o, &l->f, l->in, l->out, end) ;
  _exit(e) ;
}

static void die_tls (loop const *l, char const *what, char const *why, char const *name) __attribute__((noreturn)) ;
static void die_tls (loop const *l, char const *what, char const *why, char const *name)
{
  if (name) strerr_warnf(what, why, " (", name, ")") ;
  else strerr_warnf(what, why) ;
  finish(l, UCSPITLS_EXIT_TLS, "error") ;
}

static void copy_sni (loop *l)
{
  char const *sni = br_ssl_engine_get_server_name(l->eng) ;
  size_t n ;
  if (!sni) return ;
  n = strlen(sni) ;
  if (n >= sizeof(l->f.sni)) n = sizeof(l->f.sni) - 1 ;
  memcpy(l->f.sni, sni, n) ; l->f.sni[n] = 0 ;
}

/* BearSSL fails some handshakes without a word: a certificate it does
   not accept, a client certificate that is missing. Before our
   ChangeCipherSpec our records are in clear, so we can say why. */
static void send_alert (loop *l, int err)
{
  unsigned char rec[7] = { REC_ALERT, 3, 3, 0, 2, 2, 40 } ;  /* fatal handshake_failure */
  if (l->hsdone || l->ccssent || l->netwdone) return ;
  if (err == BR_ERR_X509_EXPIRED) rec[6] = 45 ;           /* certificate_expired */
  else if (err == BR_ERR_X509_NOT_TRUSTED) rec[6] = 48 ;  /* unknown_ca */
  else if (err > BR_ERR_X509_OK && err < 64) rec[6] = 42 ;  /* bad_certificate */
  else if (err != BR_ERR_NO_CLIENT_AUTH && !tls_fail_reason) return ;
  fd_write(l->fd.netw, (char const *)rec, sizeof(rec)) ;  /* best effort: we are failing anyway */
}

/* Exiting with unread bytes on the socket makes the kernel reset the
   connection, and a reset destroys what the peer has not read yet: our
   last records, our alert. So before exiting, half-close if that is not
   done yet, and read to the peer's EOF, for a second at most. */
static void linger (loop *l)
{
  tain deadline ;
  if (l->peereof) return ;
  if (!l->netwdone && shutdown(l->fd.netw, SHUT_WR) == -1 && errno != ENOTSOCK) return ;
  tain_now_g() ;
  tain_addsec_g(&deadline, 1) ;
  for (;;)
  {
    char junk[4096] ;
    iopause_fd x = { .fd = l->fd.netr, .events = IOPAUSE_READ } ;
    if (iopause_g(&x, 1, &deadline) <= 0) return ;
    ssize_t r = fd_read(l->fd.netr, junk, sizeof(junk)) ;
    if (!r || (r == -1 && !error_isagain(errno))) return ;
  }
}

static void die_engine (loop *l, int err) __attribute__((noreturn)) ;
static void die_engine (loop *l, int err)
{
  char const *what = l->hsdone ? "TLS connection failed: " : "TLS handshake failed: " ;
  if (!l->hsdone) copy_sni(l) ;
  send_alert(l, err) ;
  linger(l) ;
  if (tls_fail_reason) die_tls(l, what, tls_fail_reason, tls_error_name(err)) ;
  die_tls(l, what, tls_error_text(err), tls_error_name(err)) ;
}

static void die_sys (loop const *l, char const *what) __attribute__((noreturn)) ;
static void die_sys (loop const *l, char const *what)
{
  if (errno == ECONNRESET || errno == ETIMEDOUT)
  {
    char const *s = strerror(errno) ;
    die_tls(l, "network error: ", s, 0) ;
  }
  strerr_warnfusys(what) ;
  finish(l, UCSPITLS_EXIT_SYS, "error") ;
}

 /* Framing: the engine asks for a header, then the body, never more,
    so every chunk that we read stays within one of them; what it gives
    us to write is whole records. Each step consumes up to the end of
    the current header or body, and says when a header is complete. */

static size_t rec_step (recframe *f, unsigned char const *s, size_t n, int *hdrdone)
{
  size_t k ;
  *hdrdone = 0 ;
  if (f->hdrlen < 5)
  {
    k = 5 - f->hdrlen ;
    if (k > n) k = n ;
    memcpy(f->hdr + f->hdrlen, s, k) ;
    f->hdrlen += k ;
    if (f->hdrlen < 5) return k ;
    f->bodyleft = ((unsigned int)f->hdr[3] << 8) | f->hdr[4] ;
    *hdrdone = 1 ;
  }
  else
  {
    k = n < f->bodyleft ? n : f->bodyleft ;
    f->bodyleft -= k ;
  }
  if (!f->bodyleft) f->hdrlen = 0 ;
  return k ;
}

static void inbound_header (loop *l, unsigned char type, unsigned int len)
{
  if (!l->hsdone) return ;
  if (type == REC_APPDATA)
  {
    if (len > l->overhead) l->empties = 0 ;
    else if (++l->empties > MAX_EMPTY_RECORDS)
      die_tls(l, "TLS connection failed: ", "the peer sent too many empty records", 0) ;
  }
  else if (type == REC_ALERT) l->held = 1 ;
  else if (type == REC_HANDSHAKE || type == REC_CCS)
    die_tls(l, "TLS connection failed: ", "the peer attempted a renegotiation, which is refused", 0) ;
}

static void frame_in (loop *l, unsigned char const *s, size_t n)
{
  while (n)
  {
    int h ;
    size_t k = rec_step(&l->rin, s, n, &h) ;
    if (h) inbound_header(l, l->rin.hdr[0], l->rin.bodyleft) ;
    s += k ; n -= k ;
  }
}

 /* outgoing: only to know whether our ChangeCipherSpec has gone out */
static void frame_out (loop *l, unsigned char const *s, size_t n)
{
  while (n)
  {
    int h ;
    size_t k = rec_step(&l->rout, s, n, &h) ;
    if (h && l->rout.hdr[0] == REC_CCS) l->ccssent = 1 ;
    s += k ; n -= k ;
  }
}

 /* TLS 1.2 has no half-close; BearSSL's own br_ssl_engine_close() would
    also discard everything the peer still sends. For -S we emit the
    close_notify alert as a record of its own, through the engine's record
    layer, and leave the receiving side as it is. */

static void send_close_notify (br_ssl_engine_context *eng)
{
  size_t len ;
  unsigned char *buf = br_ssl_engine_sendapp_buf(eng, &len) ;
  unsigned char rt = eng->record_type_out ;
  if (!buf || len < 2) return ;
  buf[0] = 1 ; buf[1] = 0 ;  /* warning, close_notify */
  eng->record_type_out = REC_ALERT ;
  br_ssl_engine_sendapp_ack(eng, 2) ;
  br_ssl_engine_flush(eng, 0) ;
  eng->record_type_out = rt ;
}

static void close_appw (loop *l)
{
  if (l->fd.appw >= 0) { fd_close(l->fd.appw) ; l->fd.appw = -1 ; }
}

static void handshake_done (loop *l, tlsready_func *ready, void *ctx)
{
  br_ssl_session_parameters sp ;
  l->hsdone = 1 ;
  br_ssl_engine_get_session_parameters(l->eng, &sp) ;
  l->f.protocol = "TLSv1.2" ;
  l->f.cipher = tls_suite_name(sp.cipher_suite) ;
  /* ChaCha20-Poly1305: the tag; AES-GCM: explicit nonce and tag */
  l->overhead = strstr(l->f.cipher, "CHACHA") ? 16 : 24 ;
  copy_sni(l) ;
  if (l->x) tlsx509_facts(l->x, &l->f) ;
  tain_copynow(&l->lastio) ;
  (*ready)(ctx, &l->f) ;
}

 /* What happens once prog has closed its output: flush, then either
    answer a held close_notify, or send ours (-S), or half-close TCP. */

static void app_ended (loop *l, unsigned int st)
{
  if (l->netwdone) return ;
  br_ssl_engine_flush(l->eng, 0) ;
  st = br_ssl_engine_current_state(l->eng) ;
  if (st & BR_SSL_SENDREC) return ;
  if (l->held) { l->held = 0 ; return ; }  /* the engine will answer it and close */
  if (l->o->closenotify && !l->notified)
  {
    if (st & BR_SSL_SENDAPP) { send_close_notify(l->eng) ; l->notified = 1 ; }
    return ;
  }
  if (shutdown(l->fd.netw, SHUT_WR) == -1)
  {
    if (errno == ENOTSOCK) { if (l->fd.netw != l->fd.netr) fd_close(l->fd.netw) ; }
    else if (errno != ENOTCONN) die_sys(l, "shut down the network write side") ;
  }
  l->netwdone = 1 ;
}

/* Each do_* moves bytes once and returns whether the fd may still be
   ready: a short transfer or EAGAIN means that the next attempt should
   wait for iopause. */

static int do_netr (loop *l)
{
  size_t len ;
  unsigned char *buf = br_ssl_engine_recvrec_buf(l->eng, &len) ;
  struct iovec v[2] ;
  ssize_t r ;
  if (!buf) return 1 ;
  if (l->aheadlen)
  {
    size_t k = l->aheadlen < len ? l->aheadlen : len ;
    memcpy(buf, l->ahead, k) ;
    memmove(l->ahead, l->ahead + k, l->aheadlen - k) ;
    l->aheadlen -= k ;
    frame_in(l, buf, k) ;
    br_ssl_engine_recvrec_ack(l->eng, k) ;
    return 1 ;
  }
  /* The body goes straight into the engine; the next record's header,
     if it is there already, into l->ahead: one read per record. */
  v[0].iov_base = buf ; v[0].iov_len = len ;
  v[1].iov_base = l->ahead ; v[1].iov_len = sizeof(l->ahead) ;
  r = fd_readv(l->fd.netr, v, l->rin.hdrlen == 5 ? 2 : 1) ;
  if (r == -1)
  {
    if (error_isagain(errno)) return 0 ;
    die_sys(l, "read from the network") ;
  }
  if (!r)
  {
    if (!l->hsdone) die_tls(l, "TLS handshake failed: ", "the peer closed the connection", 0) ;
    if (l->rin.hdrlen) die_tls(l, "TLS connection failed: ", "the peer closed the connection in the middle of a record", 0) ;
    if (l->o->strict_eof) die_tls(l, "TLS connection failed: ", "the peer closed the connection without close_notify", 0) ;
    l->peereof = 1 ;
    return 0 ;
  }
  /* ciphertext alone is not activity for -I: empty records would keep
     a connection alive forever */
  if ((size_t)r > len) { l->aheadlen = r - len ; r = len ; }
  frame_in(l, buf, r) ;
  br_ssl_engine_recvrec_ack(l->eng, r) ;
  return l->aheadlen || (size_t)r == len ;
}

static int do_netw (loop *l)
{
  size_t len ;
  unsigned char *buf = br_ssl_engine_sendrec_buf(l->eng, &len) ;
  ssize_t w ;
  if (!buf) return 1 ;
  w = fd_write(l->fd.netw, (char const *)buf, len) ;
  if (w == -1)
  {
    if (error_isagain(errno)) return 0 ;
    if (errno != EPIPE) die_sys(l, "write to the network") ;
    l->netwdone = 1 ;  /* the peer reads no more: that direction is over */
    return 0 ;
  }
  l->active = 1 ;
  frame_out(l, buf, w) ;
  br_ssl_engine_sendrec_ack(l->eng, w) ;
  return (size_t)w == len ;
}

static int do_appr (loop *l)
{
  size_t len, k ;
  unsigned char *buf = br_ssl_engine_sendapp_buf(l->eng, &len) ;
  int more ;
  if (!buf) return 1 ;
  if (l->ilen)
  {
    k = l->ilen < len ? l->ilen : len ;
    memcpy(buf, stage + l->istart, k) ;
    l->istart += k ; l->ilen -= k ;
    more = l->ilen || !l->ishort ;
  }
  else
  {
    struct iovec v[2] = { { .iov_base = buf, .iov_len = len }, { .iov_base = stage, .iov_len = STAGE } } ;
    ssize_t r = fd_readv(l->fd.appr, v, 2) ;
    if (r == -1)
    {
      if (error_isagain(errno)) { br_ssl_engine_flush(l->eng, 0) ; return 0 ; }
      die_sys(l, "read from prog") ;
    }
    if (!r)
    {
      fd_close(l->fd.appr) ; l->fd.appr = -1 ;
      l->appeof = 1 ;
      return 0 ;
    }
    l->active = 1 ;
    l->out += r ;
    l->ishort = (size_t)r < len + STAGE ;
    if ((size_t)r > len) { l->istart = 0 ; l->ilen = r - len ; k = len ; }
    else k = r ;
    more = k == len ;
  }
  br_ssl_engine_sendapp_ack(l->eng, k) ;
  if (more) return 1 ;
  br_ssl_engine_flush(l->eng, 0) ;  /* prog paused: send what we have */
  return 0 ;
}

static int do_appw (loop *l)
{
  size_t len ;
  unsigned char *buf = br_ssl_engine_recvapp_buf(l->eng, &len) ;
  ssize_t w ;
  if (!buf) return 1 ;
  w = fd_write(l->fd.appw, (char const *)buf, len) ;
  if (w == -1)
  {
    if (error_isagain(errno)) return 0 ;
    if (errno != EPIPE) die_sys(l, "write to prog") ;
    close_appw(l) ;
    l->appwdead = 1 ;
    return 0 ;
  }
  l->active = 1 ;
  l->in += w ;
  br_ssl_engine_recvapp_ack(l->eng, w) ;
  return (size_t)w == len ;
}

 /* Data that nobody can take any more is dropped, so that the engine
    keeps going in the other direction. */

static void discard (loop *l, unsigned int st)
{
  size_t len ;
  if (l->netwdone && (st & BR_SSL_SENDREC) && br_ssl_engine_sendrec_buf(l->eng, &len))
    br_ssl_engine_sendrec_ack(l->eng, len) ;
  if (l->appwdead && (st & BR_SSL_RECVAPP) && br_ssl_engine_recvapp_buf(l->eng, &len))
    br_ssl_engine_recvapp_ack(l->eng, len) ;
}

static void die_timeout (loop const *l, char const *what, unsigned int ms, char const *end) __attribute__((noreturn)) ;
static void die_timeout (loop const *l, char const *what, unsigned int ms, char const *end)
{
  char fmt[UINT_FMT] ;
  fmt[uint_fmt(fmt, ms)] = 0 ;
  strerr_warnf(what, fmt, " ms") ;
  finish(l, UCSPITLS_EXIT_TLS, end) ;
}

 /* which fds the engine's state makes us want, and which of them are
    known to be ready */
enum { NETR, NETW, APPR, APPW } ;

void tls_run (br_ssl_engine_context *eng, tlsx509 const *x, tlsopts const *o, tlsfds const *fds, tlsready_func *ready, void *ctx)
{
  loop l = { .eng = eng, .o = o, .x = x, .fd = *fds } ;  /* everything else starts at zero */
  int rdy[4] = { 0, 0, 0, 0 } ;
  tain kdeadline ;
  if (ndelay_on(l.fd.netr) == -1 || ndelay_on(l.fd.netw) == -1
   || ndelay_on(l.fd.appr) == -1 || ndelay_on(l.fd.appw) == -1)
    die_sys(&l, "set fds non-blocking") ;
  /* records are whole messages: Nagle would hold the handshake's last
     flight back for a delayed ACK. Not a socket (tests, pipes): no matter. */
  {
    int one = 1 ;
    setsockopt(l.fd.netw, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ;
  }
  tain_now_g() ;
  if (o->kto)
  {
    tain_from_millisecs(&kdeadline, o->kto) ;
    tain_add_g(&kdeadline, &kdeadline) ;
  }
  else tain_add_g(&kdeadline, &tain_infinite_relative) ;
  tain_copynow(&l.lastio) ;

  for (;;)
  {
    int want[4] ;
    int fdof[4] = { l.fd.netr, l.fd.netw, l.fd.appr, l.fd.appw } ;
    iopause_fd x[4] ;
    unsigned int n = 0, idx[4] ;
    tain deadline ;
    int r, any = 0 ;
    unsigned int st = br_ssl_engine_current_state(eng) ;

    if (st & BR_SSL_CLOSED)
    {
      int err = br_ssl_engine_last_error(eng) ;
      if (err != BR_ERR_OK) die_engine(&l, err) ;
      close_appw(&l) ;
      finish(&l, 0, "ok") ;
    }
    /* checked after every record, so before our Finished can go out */
    if (!l.hsdone && l.x && l.x->err) die_engine(&l, l.x->err) ;
    if (!l.hsdone && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))) handshake_done(&l, ready, ctx) ;
    if (l.appeof) { app_ended(&l, st) ; st = br_ssl_engine_current_state(eng) ; }
    discard(&l, st) ;
    st = br_ssl_engine_current_state(eng) ;
    if ((l.peereof || l.held) && !(st & BR_SSL_RECVAPP)) close_appw(&l) ;
    if (l.appeof && l.netwdone && (l.peereof || l.held) && l.fd.appw < 0)
    {
      linger(&l) ;  /* the rest of the held alert is still unread */
      finish(&l, 0, "ok") ;
    }
    if (st & BR_SSL_CLOSED) continue ;

    want[NETW] = (st & BR_SSL_SENDREC) && !l.netwdone ;
    want[NETR] = (st & BR_SSL_RECVREC) && !l.peereof && !l.held ;
    want[APPR] = (st & BR_SSL_SENDAPP) && !l.appeof && !l.notified ;
    want[APPW] = (st & BR_SSL_RECVAPP) && l.fd.appw >= 0 ;
    if (want[NETR] && l.aheadlen) rdy[NETR] = 1 ;

    /* move what can move without asking iopause first */
    l.active = 0 ;
    if (want[NETW] && rdy[NETW]) { rdy[NETW] = do_netw(&l) ; any = 1 ; }
    if (want[APPW] && rdy[APPW]) { rdy[APPW] = do_appw(&l) ; any = 1 ; }
    if (want[NETR] && rdy[NETR]) { rdy[NETR] = do_netr(&l) ; any = 1 ; }
    if (want[APPR] && rdy[APPR]) { rdy[APPR] = do_appr(&l) ; any = 1 ; }
    if (any)
    {
      tain_now_g() ;
      if (l.active) tain_copynow(&l.lastio) ;
      if (!l.hsdone && !tain_future(&kdeadline)) die_timeout(&l, "TLS handshake timed out after ", o->kto, "timeout") ;
      continue ;
    }

    for (unsigned int i = 0 ; i < 4 ; i++) if (want[i])
    {
      x[n].fd = fdof[i] ;
      x[n].events = i == NETR || i == APPR ? IOPAUSE_READ : IOPAUSE_WRITE ;
      idx[n++] = i ;
    }
    if (!l.hsdone) deadline = kdeadline ;
    else if (o->ito)
    {
      tain_from_millisecs(&deadline, o->ito) ;
      tain_add(&deadline, &l.lastio, &deadline) ;
    }
    else tain_add_g(&deadline, &tain_infinite_relative) ;

    r = iopause_g(x, n, &deadline) ;
    if (r == -1) die_sys(&l, "iopause") ;
    if (!r)
    {
      if (!l.hsdone) die_timeout(&l, "TLS handshake timed out after ", o->kto, "timeout") ;
      if (o->ito && !tain_future(&deadline)) die_timeout(&l, "connection idle, closing it after ", o->ito, "idle") ;
      continue ;
    }
    for (unsigned int i = 0 ; i < n ; i++)
      if (x[i].revents & (x[i].events | IOPAUSE_EXCEPT)) rdy[idx[i]] = 1 ;
  }
}
