/* ISC license. */

/* tls_close.c: how a connection ends. Every way out of the copy loop
   goes through here: the orderly ends (prog closes its output: flush,
   then close_notify or a TCP half-close; prog's input closed once the
   peer is done), the bounded wait for the peer's EOF, and the one-line
   fatal messages with their exit codes.

   TLS 1.2 has no half-close, and BearSSL's br_ssl_engine_close() would
   also discard everything the peer still sends. So we emit the
   close_notify alert as a record of our own, through the engine's
   record layer, and leave the receiving side as it is: with -S always;
   by default (-s) only once prog cannot read any more (it has exited,
   or closed its input too), when nothing that the peer may still send
   could reach it anyway. Senders such as Exim take a TCP end without
   close_notify for a truncation; the bare half-close stays for a prog
   that still reads after closing its output. */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/error.h>
#include <skalibs/iopause.h>
#include <skalibs/types.h>

#include "tls-internal.h"

void tlsloop_finish (tlsloop const *l, int e, char const *end)
{
  if (!l->hsdone) tlsloop_copy_sni(l) ;  /* a handshake cut short: the name that the client sent, if it did */
  log_end(l->o, l->f, l->in, l->out, end) ;
  _exit(e) ;
}

void tlsloop_die_tls (tlsloop const *l, char const *what, char const *why, char const *name)
{
  if (name) tlsloop_warnf(what, why, " (", name, ")") ;
  else tlsloop_warnf(what, why) ;
  tlsloop_finish(l, UCSPITLS_EXIT_TLS, "error") ;
}

void tlsloop_copy_sni (tlsloop const *l)
{
  char const *sni = br_ssl_engine_get_server_name(l->eng) ;
  size_t n ;
  if (!sni) return ;
  n = strlen(sni) ;
  if (n >= sizeof(l->f->sni)) n = sizeof(l->f->sni) - 1 ;
  memcpy(l->f->sni, sni, n) ; l->f->sni[n] = 0 ;
}

/* BearSSL fails some handshakes without a word: a certificate it does
   not accept, a client certificate that is missing. Before our
   ChangeCipherSpec our records are in clear, so we can say why. */
static void send_alert (tlsloop *l, int err)
{
  unsigned char rec[7] = { REC_ALERT, 3, 3, 0, 2, 2, 40 } ;  /* fatal handshake_failure */
  if (l->hsdone || l->ccssent || l->netwdone) return ;
  if (err == BR_ERR_X509_EXPIRED) rec[6] = 45 ;           /* certificate_expired */
  else if (err == BR_ERR_X509_NOT_TRUSTED) rec[6] = 48 ;  /* unknown_ca */
  else if (err > BR_ERR_X509_OK && err < 64) rec[6] = 42 ;  /* bad_certificate */
  else if (err == BR_ERR_UNEXPECTED && tls_alpn_unoffered(0)) rec[6] = 47 ;  /* illegal_parameter */
  else if (err != BR_ERR_NO_CLIENT_AUTH && !tls_fail_reason && !tls_fail_quiet) return ;
  fd_write(l->fd.netw, (char const *)rec, sizeof(rec)) ;  /* best effort: we are failing anyway */
}

/* Exiting with unread bytes on the socket makes the kernel reset the
   connection, and a reset destroys what the peer has not read yet: our
   last records, our alert. So before exiting, half-close if that is not
   done yet, and read to the peer's EOF, for LINGER_MS at most. */
void tlsloop_linger (tlsloop *l)
{
  tain deadline ;
  if (l->peereof) return ;
  if (!l->netwdone && shutdown(l->fd.netw, SHUT_WR) == -1 && errno != ENOTSOCK) return ;
  tain_now_g() ;
  tain_from_millisecs(&deadline, LINGER_MS) ;
  tain_add_g(&deadline, &deadline) ;
  for (;;)
  {
    char junk[4096] ;
    iopause_fd x = { .fd = l->fd.netr, .events = IOPAUSE_READ } ;
    ssize_t r ;
    if (iopause_g(&x, 1, &deadline) <= 0) return ;
    r = fd_read(l->fd.netr, junk, sizeof(junk)) ;
    if (!r || (r == -1 && !error_isagain(errno))) return ;
  }
}

void tlsloop_die_engine (tlsloop *l, int err)
{
  char const *what = l->hsdone ? "TLS connection failed: " : "TLS handshake failed: " ;
  if (!l->hsdone) tlsloop_copy_sni(l) ;
  send_alert(l, err) ;
  tlsloop_linger(l) ;
  if (tls_fail_quiet) tlsloop_finish(l, tls_fail_quiet, "error") ;  /* the key process said why */
  if (!l->hsdone && l->x && l->x->err && err == l->x->err)
  {
    /* the certificate failed the client's policy: its own exit code */
    if (l->x->outcome) (*l->x->outcome)(l->x->octx, l->f) ;
    if (l->x->errexit)
    {
      tlsloop_warnf(what, tls_fail_reason ? tls_fail_reason : tls_error_text(err), " (", tls_error_name(err), ")") ;
      tlsloop_finish(l, l->x->errexit, "error") ;
    }
  }
  if (!l->hsdone && err == BR_ERR_UNEXPECTED)
  {
    char name[TLS_ALPN_ESCMAX] ;
    if (tls_alpn_unoffered(name))
    {
      tlsloop_warnf(what, "ALPN: the server selected ", name, ", which -a did not offer (", tls_error_name(err), ")") ;
      tlsloop_finish(l, UCSPITLS_EXIT_TLS, "error") ;
    }
  }
  if (!l->hsdone && tls_hello_no_tls12())
    tlsloop_die_tls(l, what, "the client offered no TLS 1.2, only later versions, which BearSSL does not have", tls_error_name(err)) ;
  if (tls_fail_reason) tlsloop_die_tls(l, what, tls_fail_reason, err ? tls_error_name(err) : 0) ;
  tlsloop_die_tls(l, what, tls_error_text(err), tls_error_name(err)) ;
}

 /* a peer that resets, or is gone when we write, ends the connection at
    once: nothing more can reach it, and what it sent is lost with it */
void tlsloop_die_sys (tlsloop *l, char const *what)
{
  if (errno == ECONNRESET || errno == ETIMEDOUT || errno == EPIPE)
  {
    char const *s = strerror(errno) ;
    tlsloop_die_tls(l, l->hsdone ? "TLS connection failed: network error: " : "TLS handshake failed: network error: ", s, 0) ;
  }
  tlsloop_warnf("unable to ", what, ": ", strerror(errno)) ;
  tlsloop_finish(l, UCSPITLS_EXIT_SYS, "error") ;
}

void tlsloop_die_timeout (tlsloop const *l, char const *what, unsigned int ms, char const *end)
{
  char fmt[UINT_FMT] ;
  fmt[uint_fmt(fmt, ms)] = 0 ;
  tlsloop_warnf(what, fmt, " ms") ;
  tlsloop_finish(l, UCSPITLS_EXIT_TLS, end) ;
}

 /* prog gets EOF; with one socket for both directions, a shutdown */
void tlsloop_close_appw (tlsloop *l)
{
  if (l->fd.appw < 0) return ;
  if (l->appsock) shutdown(l->fd.appw, SHUT_WR) ;
  fd_close(l->fd.appw) ;
  l->fd.appw = -1 ;
}

static void send_close_notify (br_ssl_engine_context *eng)
{
  size_t len ;
  unsigned char *buf = br_ssl_engine_sendapp_buf(eng, &len) ;
  unsigned char rt = eng->record_type_out ;  /* a private field: see the header comment */
  if (!buf || len < 2) return ;
  buf[0] = 1 ; buf[1] = 0 ;  /* warning, close_notify */
  eng->record_type_out = REC_ALERT ;
  br_ssl_engine_sendapp_ack(eng, 2) ;
  br_ssl_engine_flush(eng, 0) ;
  eng->record_type_out = rt ;
}

 /* prog will read no more: its input is closed, or its end of it. An
    exiting prog's output closes before its input (the kernel releases
    its files last fd first), so that the input gets CLOSE_GRACE_MS to
    follow; the loop wakes up when it does (or when the time is up).
    0: prog still reads; -1: it is too early to say. */
static int app_reads_no_more (tlsloop *l)
{
  struct pollfd x = { .fd = l->fd.appw, .events = 0, .revents = 0 } ;
  if (l->fd.appw < 0 || l->appwdead) return 1 ;
  if (poll(&x, 1, 0) == 1 && x.revents & (POLLERR | POLLHUP))
  {
    tlsloop_appw_gone(l) ;
    return 1 ;
  }
  tain_now_g() ;
  if (!l->grace)
  {
    tain_from_millisecs(&l->graceend, CLOSE_GRACE_MS) ;
    tain_add_g(&l->graceend, &l->graceend) ;
    l->grace = 1 ;
  }
  return tain_future(&l->graceend) ? -1 : 0 ;
}

 /* prog has closed its output: flush, then either answer a held
    close_notify, or send ours (-S, or prog reads no more), or
    half-close TCP */
void tlsloop_app_ended (tlsloop *l)
{
  unsigned int st ;
  if (l->netwdone) return ;
  br_ssl_engine_flush(l->eng, 0) ;
  st = br_ssl_engine_current_state(l->eng) ;
  if (st & BR_SSL_SENDREC) return ;
  if (l->astate == ALERT_HELD) { tlsloop_release_alert(l) ; return ; }  /* the engine answers it, and closes */
  if (l->astate != ALERT_NONE) return ;  /* an alert on its way into the engine: what it does comes first */
  if (!l->notified)
  {
    int r = l->o->closenotify ? 1 : app_reads_no_more(l) ;
    if (r < 0) return ;
    if (r)
    {
      if (st & BR_SSL_SENDAPP) { send_close_notify(l->eng) ; l->notified = 1 ; }
      return ;
    }
  }
  if (shutdown(l->fd.netw, SHUT_WR) == -1)
  {
    if (errno == ENOTSOCK) { if (l->fd.netw != l->fd.netr) fd_close(l->fd.netw) ; }
    else if (errno != ENOTCONN) tlsloop_die_sys(l, "shut down the network write side") ;
  }
  l->netwdone = 1 ;
}
