/* ISC license. */

/* tls_io.c: moving bytes between the engine and three of the four fds
   (the fourth, the network's read side, is tls_recin.c's), and the
   record framing that both directions share.

   The engine takes one record of plaintext at a time; reading prog's
   pipe 16 KiB at a time would wake prog for every record. So a read
   from prog fills the engine's buffer and, past it, a stage of STAGE
   bytes, from which the next records are taken: one read, and one
   wakeup of prog, per pipeful. Small writes never reach the stage. */

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/error.h>

#include "tls-internal.h"

 /* with the engine's 16 KiB, one default pipeful */
#define STAGE 49152
static unsigned char stage[STAGE] ;

 /* Framing: the engine asks for a header, then the body, never more,
    so every chunk that we give it stays within one of them; what it
    gives us to write is whole records. Each step consumes up to the end
    of the current header or body, and says when a header is complete. */

size_t tlsloop_frame_step (recframe *f, unsigned char const *s, size_t n, int *hdrdone)
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

 /* outgoing: only to know whether our ChangeCipherSpec has gone out */
void tlsloop_frame_out (tlsloop *l, unsigned char const *s, size_t n)
{
  while (n)
  {
    int h ;
    size_t k = tlsloop_frame_step(&l->rout, s, n, &h) ;
    if (h && l->rout.hdr[0] == REC_CCS) l->ccssent = 1 ;
    s += k ; n -= k ;
  }
}

/* Each tlsloop_* mover moves bytes once and returns whether the fd may
   still be ready: a short transfer or EAGAIN means that the next
   attempt should wait for iopause. */

int tlsloop_netw (tlsloop *l)
{
  size_t len ;
  unsigned char *buf = br_ssl_engine_sendrec_buf(l->eng, &len) ;
  ssize_t w ;
  if (!buf) return 0 ;
  w = fd_write(l->fd.netw, (char const *)buf, len) ;
  if (w == -1)
  {
    if (error_isagain(errno)) return 0 ;
    /* EPIPE, ECONNRESET: the peer is gone; exiting closes prog's pipes */
    tlsloop_die_sys(l, "write to the network") ;
  }
  tain_copynow(&l->lastnet) ;
  tlsloop_frame_out(l, buf, w) ;
  br_ssl_engine_sendrec_ack(l->eng, w) ;
  return (size_t)w == len ;
}

int tlsloop_appr (tlsloop *l)
{
  size_t len, k ;
  unsigned char *buf = br_ssl_engine_sendapp_buf(l->eng, &len) ;
  int more ;
  if (!buf) return 0 ;
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
      tlsloop_die_sys(l, "read from prog") ;
    }
    if (!r)
    {
      fd_close(l->fd.appr) ;
      l->fd.appr = -1 ;
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

 /* prog does not read any more: what the peer sends is dropped */
static void appw_dead (tlsloop *l)
{
  tlsloop_close_appw(l) ;
  l->appwdead = 1 ;
}

int tlsloop_appw (tlsloop *l)
{
  size_t len ;
  unsigned char *buf = br_ssl_engine_recvapp_buf(l->eng, &len) ;
  ssize_t w ;
  if (!buf) return 0 ;
  w = fd_write(l->fd.appw, (char const *)buf, len) ;
  if (w == -1)
  {
    if (error_isagain(errno)) return 0 ;
    if (errno != EPIPE) tlsloop_die_sys(l, "write to prog") ;
    appw_dead(l) ;
    return 0 ;
  }
  l->active = 1 ;
  l->in += w ;
  br_ssl_engine_recvapp_ack(l->eng, w) ;
  return (size_t)w == len ;
}

 /* iopause saw prog's input end closed, with nothing to write to it */
void tlsloop_appw_gone (tlsloop *l)
{
  appw_dead(l) ;
}

 /* Data that nobody can take any more is dropped, so that the engine
    keeps going in the other direction. */
void tlsloop_discard (tlsloop *l)
{
  size_t len ;
  unsigned int st = br_ssl_engine_current_state(l->eng) ;
  if (l->netwdone && (st & BR_SSL_SENDREC) && br_ssl_engine_sendrec_buf(l->eng, &len))
    br_ssl_engine_sendrec_ack(l->eng, len) ;
  if (l->appwdead && (st & BR_SSL_RECVAPP) && br_ssl_engine_recvapp_buf(l->eng, &len))
    br_ssl_engine_recvapp_ack(l->eng, len) ;
}
