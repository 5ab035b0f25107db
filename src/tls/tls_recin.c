/* ISC license. */

/* tls_recin.c: the peer's records on their way into the engine.

   Each record's header is read first into our own five bytes and looked
   at before the engine sees it (TLS 1.2 headers are in clear): that is
   where empty records are counted, before the handshake as after it,
   and where a renegotiation is refused.

   An alert record after the handshake is read whole before the engine
   gets a byte of it. BearSSL acts on a close_notify at once -- it
   answers with its own and accepts no more data from us -- so a record
   that completes a close_notify is held back until prog has finished
   writing: that is our half-close. However the peer frames it: alone,
   behind warnings in one record, or split across records (TLS 1.2
   allows a fragmented alert: we follow the alert stream byte by byte,
   as the engine does, and hold the record with its second byte). Every
   other alert record goes to the engine at once: BearSSL passes over
   warnings and fails on fatal alerts. Telling them apart means
   decrypting the record, and the engine's record state must not move
   before the engine itself decrypts it: so we decrypt a copy of that
   state (the engine's 'in' member, a private field of BearSSL 0.6's
   br_ssl_engine_context, whose layout the header gives) and throw the
   copy away. The record and its copy live in static buffers, whose
   pages are touched only by a connection that gets an alert. */

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/error.h>

#include "tls-internal.h"

static unsigned char arec[5 + ALERT_MAX] ;  /* the captured alert record */
static unsigned char abody[ALERT_MAX] ;     /* a copy of its body, decrypted */

static char const *phase (tlsloop const *l)
{
  return l->hsdone ? "TLS connection failed: " : "TLS handshake failed: " ;
}

static void frame_in (tlsloop *l, unsigned char const *s, size_t n)
{
  while (n)
  {
    int h ;
    size_t k = tlsloop_frame_step(&l->rin, s, n, &h) ;
    s += k ; n -= k ;
  }
}

 /* what the header of the next record says, before the engine sees it;
    1: an alert that we read ourselves */
static int record_header (tlsloop *l)
{
  unsigned char type = l->ahead[0] ;
  unsigned int len = ((unsigned int)l->ahead[3] << 8) | l->ahead[4] ;
  int empty = l->hsdone || l->peerccs ? len <= l->overhead : !len ;
  if (!empty) l->empties = 0 ;
  else if (++l->empties > MAX_EMPTY_RECORDS)
    tlsloop_die_tls(l, phase(l), "the peer sent too many empty records", 0) ;
  if ((type == REC_HANDSHAKE || type == REC_CCS) && l->hsdone)
    tlsloop_die_tls(l, phase(l), "the peer attempted a renegotiation, which is refused", 0) ;
  if (type == REC_CCS)
  {
    l->peerccs = 1 ;
    l->overhead = tls_suite_overhead(l->eng->session.cipher_suite) ;
  }
  return l->hsdone && type == REC_ALERT && len <= ALERT_MAX ;
}

 /* what the captured alert record holds: ALERT_CLOSE (it completes a
    close_notify), ALERT_FATAL, or 0 (warnings, or what the engine will
    refuse); *pend gets the alert left incomplete at its end */
#define ALERT_CLOSE 1
#define ALERT_FATAL 2
static int alert_kind (tlsloop const *l, unsigned int *pend)
{
  union { uint64_t u ; void const *p ; unsigned char b[sizeof(l->eng->in)] ; } in ;
  br_sslrec_in_class const **vt = (br_sslrec_in_class const **)(void *)&in ;
  size_t n = l->alertlen - 5, n0 = n ;
  int r = 0 ;
  *pend = l->apend ;
  memcpy(&in, &l->eng->in, sizeof(l->eng->in)) ;
  memcpy(abody, arec + 5, n) ;
  if ((*vt)->check_length((br_sslrec_in_class const *const *)vt, n))
  {
    unsigned char const *p = (*vt)->decrypt(vt, REC_ALERT, ((unsigned int)arec[1] << 8) | arec[2], abody, &n) ;
    /* a broken record goes to the engine, which will say so; in a good
       one, the first close_notify or fatal alert decides: the engine
       acts on it, and on nothing after it */
    if (p) for (size_t i = 0 ; i < n && !r ; i++)
    {
      if (!*pend) { *pend = 0x100 | p[i] ; continue ; }
      if ((*pend & 0xff) == 1 && !p[i]) r = ALERT_CLOSE ;
      else if ((*pend & 0xff) != 1) r = ALERT_FATAL ;
      *pend = 0 ;
    }
  }
  explicit_bzero(&in, sizeof(in)) ;
  explicit_bzero(abody, n0) ;
  return r ;
}

void tlsloop_release_alert (tlsloop *l)
{
  if (l->astate == ALERT_HELD) l->astate = ALERT_FEEDING ;
}

/* A close_notify is held, and so is a fatal alert once our side is
   done: it is how a peer that wanted our close_notify ends (OpenSSL
   sends decode_error on our half-close), as final as its EOF; -J
   makes it an error, like that EOF. */
static void alert_complete (tlsloop *l)
{
  int k = alert_kind(l, &l->apend) ;
  l->alertfed = 0 ;
  if (k == ALERT_FATAL && l->netwdone && !l->o->strict_eof) k = ALERT_CLOSE ;
  l->astate = k == ALERT_CLOSE ? ALERT_HELD : ALERT_FEEDING ;
}

 /* EOF from the peer (r == 0), an error, or EAGAIN; returns 0 */
static int read_ended (tlsloop *l, ssize_t r, int midrecord)
{
  if (r == -1)
  {
    if (error_isagain(errno)) return 0 ;
    tlsloop_die_sys(l, "read from the network") ;
  }
  if (!l->hsdone) tlsloop_die_tls(l, phase(l), "the peer closed the connection", 0) ;
  if (midrecord) tlsloop_die_tls(l, phase(l), "the peer closed the connection in the middle of a record", 0) ;
  if (l->o->strict_eof) tlsloop_die_tls(l, phase(l), "the peer closed the connection without close_notify", 0) ;
  l->peereof = 1 ;
  return 0 ;
}

static int read_alert (tlsloop *l)
{
  ssize_t r = fd_read(l->fd.netr, (char *)arec + l->alertlen, l->alertneed - l->alertlen) ;
  if (r <= 0) return read_ended(l, r, 1) ;
  l->alertlen += r ;
  if (l->alertlen < l->alertneed) return 0 ;
  alert_complete(l) ;
  return 1 ;
}

 /* bytes that we hold, to the engine */
static int feed (tlsloop *l, unsigned char *buf, size_t len, unsigned char const *s, size_t n)
{
  size_t k = n < len ? n : len ;
  memcpy(buf, s, k) ;
  frame_in(l, buf, k) ;
  br_ssl_engine_recvrec_ack(l->eng, k) ;
  return (int)k ;
}

/* Each call moves bytes once and returns whether the fd may still be
   ready. The engine asks for a header, then for the body, never more. */
int tlsloop_netr (tlsloop *l)
{
  size_t len ;
  unsigned char *buf ;
  struct iovec v[2] ;
  ssize_t r ;
  if (l->astate == ALERT_READING) return read_alert(l) ;
  buf = br_ssl_engine_recvrec_buf(l->eng, &len) ;
  if (!buf) return 0 ;
  if (l->astate == ALERT_FEEDING)
  {
    l->alertfed += feed(l, buf, len, arec + l->alertfed, l->alertlen - l->alertfed) ;
    if (l->alertfed == l->alertlen) l->astate = ALERT_NONE ;
    return 1 ;
  }
  if (!l->rin.hdrlen)  /* a record starts: its header comes to us first */
  {
    if (l->aheadlen < 5)
    {
      r = fd_read(l->fd.netr, (char *)l->ahead + l->aheadlen, 5 - l->aheadlen) ;
      if (r <= 0) return read_ended(l, r, l->aheadlen > 0) ;
      l->aheadlen += r ;
      if (l->aheadlen < 5) return 0 ;
    }
    if (record_header(l))
    {
      memcpy(arec, l->ahead, 5) ;
      l->alertlen = 5 ;
      l->alertneed = 5 + (((unsigned int)l->ahead[3] << 8) | l->ahead[4]) ;
      l->aheadlen = 0 ;
      l->astate = ALERT_READING ;
      if (l->alertneed == 5) alert_complete(l) ;
      return 1 ;
    }
  }
  if (l->rin.hdrlen < 5)  /* the header, to the engine */
  {
    int k = feed(l, buf, len, l->ahead, l->aheadlen) ;
    l->aheadlen -= k ;
    memmove(l->ahead, l->ahead + k, l->aheadlen) ;
    return 1 ;
  }
  /* the body goes straight into the engine; the next record's header,
     if it is there already, into l->ahead: one read per record */
  v[0].iov_base = buf ; v[0].iov_len = len ;
  v[1].iov_base = l->ahead ; v[1].iov_len = sizeof(l->ahead) ;
  r = fd_readv(l->fd.netr, v, len == l->rin.bodyleft ? 2 : 1) ;
  if (r <= 0) return read_ended(l, r, 1) ;
  if ((size_t)r > len) { l->aheadlen = r - len ; r = len ; }
  frame_in(l, buf, r) ;
  if (!l->peerccs && l->rin.hdr[0] == REC_HANDSHAKE) tls_hello_take(buf, r) ;
  br_ssl_engine_recvrec_ack(l->eng, r) ;
  return l->aheadlen || (size_t)r == len ;
}
