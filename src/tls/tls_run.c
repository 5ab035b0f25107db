/* ISC license. */

/* tls_run.c: the copy loop, shared by both programs and both modes.
   One process, one iopause loop, non-blocking fds, the BearSSL engine
   driven through its state bits; nothing is allocated here.

   Each round: act on how the engine and the four half-streams stand
   (closed, handshake done, prog done writing, the peer done), then move
   whatever can move without waiting, then wait for an fd or a deadline.
   The incoming records are tls_recin.c's, the byte movers tls_io.c's,
   the ends of a connection tls_close.c's. */

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <skalibs/djbunix.h>
#include <skalibs/iopause.h>

#include "tls-internal.h"

tlssession_func *tls_session_done = 0 ;

static void handshake_done (tlsloop *l, tlsready_func *ready, void *ctx)
{
  static char const hex[] = "0123456789abcdef" ;
  br_ssl_session_parameters sp ;
  facts *f = l->f ;
  l->hsdone = 1 ;
  tls_key_end() ;
  br_ssl_engine_get_session_parameters(l->eng, &sp) ;
  f->protocol = "TLSv1.2" ;
  f->cipher = tls_suite_name(sp.cipher_suite) ;
  f->keybits = tls_suite_bits(sp.cipher_suite) ;
  f->role = tls_peer_role ;
  for (size_t i = 0 ; i < sp.session_id_len && i < 32 ; i++)
  {
    f->session[2 * i] = hex[sp.session_id[i] >> 4] ;
    f->session[2 * i + 1] = hex[sp.session_id[i] & 15] ;
  }
  l->overhead = tls_suite_overhead(sp.cipher_suite) ;
  tlsloop_copy_sni(l) ;
  tls_alpn_fact(l->eng, f) ;
  if (l->x) tlsx509_facts(l->x, f) ;
  if (tls_session_done && !(*tls_session_done)(l->eng, f)) tlsloop_die_tls(l, "TLS handshake failed: ", tls_fail_reason, 0) ;
  explicit_bzero(&sp, sizeof(sp)) ;  /* it holds the master secret */
  tain_copynow(&l->lastio) ;
  (*ready)(ctx, f) ;
}

static void closed (tlsloop *l) __attribute__((noreturn)) ;
static void closed (tlsloop *l)
{
  int err = br_ssl_engine_last_error(l->eng) ;
  if (err != BR_ERR_OK) tlsloop_die_engine(l, err) ;
  tlsloop_close_appw(l) ;
  tlsloop_finish(l, 0, "ok") ;
}

 /* the next deadline: the handshake's, the idle one, the end of the
    wait for prog's input to close after its output, and once prog is
    done, how long the peer may leave our last bytes unread */
static void next_deadline (tlsloop const *l, tain const *kdeadline, tain *deadline)
{
  tain t ;
  if (!l->hsdone) { *deadline = *kdeadline ; return ; }
  tain_add_g(deadline, &tain_infinite_relative) ;
  if (l->o->ito)
  {
    tain_from_millisecs(&t, l->o->ito) ;
    tain_add(deadline, &l->lastio, &t) ;
  }
  if (l->progdone)
  {
    tain_from_millisecs(&t, DRAIN_MS) ;
    tain_add(&t, &l->lastnet, &t) ;
    if (tain_less(&t, deadline)) *deadline = t ;
  }
  /* once past, it is for the next round to act on: no wait ends at it */
  if (l->grace && !l->netwdone && !l->notified && tain_future(&l->graceend) && tain_less(&l->graceend, deadline)) *deadline = l->graceend ;
}

static void timed_out (tlsloop const *l, tain const *kdeadline)
{
  tain t ;
  if (!l->hsdone)
  {
    if (!tain_future(kdeadline)) tlsloop_die_timeout(l, "TLS handshake timed out after ", l->o->kto, "timeout") ;
    return ;
  }
  if (l->o->ito)
  {
    tain_from_millisecs(&t, l->o->ito) ;
    tain_add(&t, &l->lastio, &t) ;
    if (!tain_future(&t)) tlsloop_die_timeout(l, "connection idle, closing it after ", l->o->ito, "idle") ;
  }
  if (l->progdone)
  {
    tain_from_millisecs(&t, DRAIN_MS) ;
    tain_add(&t, &l->lastnet, &t) ;
    if (!tain_future(&t)) tlsloop_die_timeout(l, "TLS connection failed: prog is done and the peer has read nothing for ", DRAIN_MS, "idle") ;
  }
}

 /* which fds the engine's state makes us want, and which of them are
    known to be ready */
enum { NETR, NETW, APPR, APPW } ;

void tls_run (br_ssl_engine_context *eng, tlsx509 const *x, tlsopts const *o, tlsfds const *fds, tlsready_func *ready, void *ctx)
{
  static facts f ;
  tlsloop l = { .eng = eng, .o = o, .x = x, .fd = *fds, .f = &f, .appsock = !!fds->appsock } ;  /* everything else starts at zero */
  int rdy[4] = { 0, 0, 0, 0 } ;
  tain kdeadline ;
  if (ndelay_on(l.fd.netr) == -1 || ndelay_on(l.fd.netw) == -1
   || ndelay_on(l.fd.appr) == -1 || ndelay_on(l.fd.appw) == -1)
    tlsloop_die_sys(&l, "set fds non-blocking") ;
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
  tls_handshake_deadline = kdeadline ;
  tain_copynow(&l.lastio) ;

  for (;;)
  {
    int want[4] ;
    int fdof[4] = { l.fd.netr, l.fd.netw, l.fd.appr, l.fd.appw } ;
    iopause_fd xs[5] ;
    unsigned int n = 0, idx[5] ;
    tain deadline ;
    int r, any = 0 ;
    unsigned int st = br_ssl_engine_current_state(eng) ;

    if (st & BR_SSL_CLOSED) closed(&l) ;
    /* checked after every record, so before our Finished can go out */
    if (!l.hsdone && l.x && l.x->err) tlsloop_die_engine(&l, l.x->err) ;
    if (!l.hsdone && tls_key_failed) tlsloop_die_engine(&l, br_ssl_engine_last_error(eng)) ;
    if (!l.hsdone && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))) handshake_done(&l, ready, ctx) ;
    if (l.appeof) tlsloop_app_ended(&l) ;
    tlsloop_discard(&l) ;
    st = br_ssl_engine_current_state(eng) ;
    if (st & BR_SSL_CLOSED) continue ;
    /* the peer is done and everything is delivered: prog gets EOF */
    if ((l.peereof || l.astate == ALERT_HELD) && !(st & BR_SSL_RECVAPP)) tlsloop_close_appw(&l) ;
    if (l.appeof && l.fd.appw < 0 && !l.progdone) { l.progdone = 1 ; tain_copynow(&l.lastnet) ; }
    if (l.progdone && l.netwdone)
    {
      tlsloop_linger(&l) ;  /* the rest of a held alert, or of the peer's data, is unread */
      tlsloop_finish(&l, 0, "ok") ;
    }

    want[NETW] = (st & BR_SSL_SENDREC) && !l.netwdone ;
    want[NETR] = ((st & BR_SSL_RECVREC) || l.astate == ALERT_READING) && !l.peereof && l.astate != ALERT_HELD ;
    want[APPR] = (st & BR_SSL_SENDAPP) && !l.appeof && !l.notified ;
    want[APPW] = (st & BR_SSL_RECVAPP) && l.fd.appw >= 0 ;
    /* bytes that we hold need no read */
    if (want[NETR] && (l.astate == ALERT_FEEDING || (l.aheadlen && (l.rin.hdrlen || l.aheadlen == 5)))) rdy[NETR] = 1 ;

    /* move what can move without asking iopause first */
    l.active = 0 ;
    if (want[NETW] && rdy[NETW]) { rdy[NETW] = tlsloop_netw(&l) ; any = 1 ; }
    if (want[APPW] && rdy[APPW]) { rdy[APPW] = tlsloop_appw(&l) ; any = 1 ; }
    if (want[NETR] && rdy[NETR]) { rdy[NETR] = tlsloop_netr(&l) ; any = 1 ; }
    if (want[APPR] && rdy[APPR]) { rdy[APPR] = tlsloop_appr(&l) ; any = 1 ; }
    if (any)
    {
      tain_now_g() ;
      if (l.active) tain_copynow(&l.lastio) ;
      timed_out(&l, &kdeadline) ;
      continue ;
    }

    for (unsigned int i = 0 ; i < 4 ; i++) if (want[i])
    {
      xs[n].fd = fdof[i] ;
      xs[n].events = i == NETR || i == APPR ? IOPAUSE_READ : IOPAUSE_WRITE ;
      idx[n++] = i ;
    }
    /* prog's input, even with nothing to write to it: its end closed
       means that prog will never read again */
    if (!want[APPW] && l.fd.appw >= 0)
    {
      xs[n].fd = l.fd.appw ;
      xs[n].events = 0 ;
      idx[n++] = 4 ;
    }
    next_deadline(&l, &kdeadline, &deadline) ;
    r = iopause_g(xs, n, &deadline) ;
    if (r == -1) tlsloop_die_sys(&l, "iopause") ;
    if (!r) { timed_out(&l, &kdeadline) ; continue ; }
    for (unsigned int i = 0 ; i < n ; i++)
    {
      if (idx[i] == 4) { if (xs[i].revents & IOPAUSE_EXCEPT) tlsloop_appw_gone(&l) ; }
      else if (xs[i].revents & (xs[i].events | IOPAUSE_EXCEPT)) rdy[idx[i]] = 1 ;
    }
  }
}
