/* ISC license. */

/* tls_keyclient.c: the TLS child's side of the key process (tls_key.c).
   BearSSL asks for the certificate chain and for the one signature of
   the handshake from inside its state machine; those two questions go
   to the key process, and the answer is waited for, within what is
   left of the handshake's time (-K). A key process that is gone, slow
   or talks nonsense fails the handshake, with a line that says so. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <skalibs/djbunix.h>
#include <skalibs/error.h>
#include <skalibs/iopause.h>
#include <skalibs/types.h>

#include "tls-internal.h"

#define CHAIN_MAX TLS_CHAIN_MAX

tain tls_handshake_deadline ;
int tls_key_failed = 0 ;
static int keyfd = -1 ;
static pid_t keypid = 0 ;

void tls_key_start (tlsopts const *o, char const *const *envp, int isserver)
{
  int sv[2] ;
  pid_t parent = getpid() ;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
    log_diefusys(UCSPITLS_EXIT_SYS, "create a socketpair for the key process") ;
  keypid = fork() ;
  if (keypid == -1) log_diefusys(UCSPITLS_EXIT_SYS, "fork the key process") ;
  if (!keypid)
  {
    fd_close(sv[0]) ;
    tls_key_main(sv[1], o, envp, isserver, parent) ;
  }
  fd_close(sv[1]) ;
  keyfd = sv[0] ;
  if (ndelay_on(keyfd) == -1) log_diefusys(UCSPITLS_EXIT_SYS, "set the key process's socket non-blocking") ;
}

 /* why the key process did not answer */
static void gone (void)
{
  static char msg[64] ;
  int wstat ;
  size_t n ;
  tls_key_failed = 1 ;
  fd_close(keyfd) ;
  keyfd = -1 ;
  if (!keypid || waitpid(keypid, &wstat, 0) != keypid) { tls_fail_reason = "the key process is gone" ; return ; }
  keypid = 0 ;
  if (WIFEXITED(wstat) && WEXITSTATUS(wstat) == UCSPITLS_EXIT_CONF)
  {
    tls_fail_quiet = UCSPITLS_EXIT_CONF ;  /* it said what is wrong with the pair */
    return ;
  }
  n = strlen(WIFSIGNALED(wstat) ? "the key process was killed by signal " : "the key process exited ") ;
  memcpy(msg, WIFSIGNALED(wstat) ? "the key process was killed by signal " : "the key process exited ", n) ;
  n += uint_fmt(msg + n, WIFSIGNALED(wstat) ? (unsigned int)WTERMSIG(wstat) : (unsigned int)WEXITSTATUS(wstat)) ;
  msg[n] = 0 ;
  tls_fail_reason = msg ;
}

static ssize_t failed (char const *why)
{
  tls_fail_reason = why ;
  tls_key_failed = 1 ;
  return -1 ;
}

/* sends the question, waits for the answer: its length (read without
   taking it), or -1 */
static ssize_t ask (unsigned char const *req, size_t n, size_t max)
{
  if (keyfd < 0) return failed("the key process is gone") ;
  if (send(keyfd, req, n, MSG_NOSIGNAL) != (ssize_t)n) { gone() ; return -1 ; }
  for (;;)
  {
    unsigned char c ;
    iopause_fd x = { .fd = keyfd, .events = IOPAUSE_READ } ;
    ssize_t r = iopause_g(&x, 1, &tls_handshake_deadline) ;
    if (r == -1)
    {
      if (errno == EINTR) continue ;
      return failed("unable to wait for the key process") ;
    }
    if (!r) return failed("the key process did not answer in time") ;
    r = recv(keyfd, &c, 1, MSG_PEEK | MSG_TRUNC) ;
    if (r == -1 && error_isagain(errno)) continue ;
    if (r <= 0) { gone() ; return -1 ; }
    if ((size_t)r > max) return failed("the key process gave an answer too long") ;
    return r ;
  }
}

 /* takes the answer that ask saw, n bytes */
static ssize_t answer (unsigned char *rep, size_t n)
{
  if (recv(keyfd, rep, n, 0) != (ssize_t)n) { gone() ; return -1 ; }
  return n ;
}

static ssize_t roundtrip (unsigned char const *req, size_t n, unsigned char *rep, size_t max)
{
  ssize_t r = ask(req, n, max) ;
  return r < 0 ? r : answer(rep, r) ;
}

static int bad (void)
{
  failed("the key process gave a malformed answer") ;
  return 0 ;
}

int tls_key_select (char const *name, br_x509_certificate const **chain, size_t *chainlen, unsigned int *keytype)
{
  static unsigned char *buf = 0 ;
  static br_x509_certificate *certs = 0 ;
  unsigned char req[1 + 255] ;
  size_t n = name ? strlen(name) : 0, pos = 4, k ;
  ssize_t r ;
  if (n > 255) n = 255 ;
  req[0] = 's' ;
  memcpy(req + 1, name, n) ;
  r = ask(req, n + 1, CHAIN_MAX) ;
  if (r < 0) return 0 ;
   /* the chain and the engine's view of it, on the heap and of their
      size, for as long as the engine reads them: a static buffer of
      CHAIN_MAX would be written on pages of its own in every TLS child */
  free(certs) ; certs = 0 ;
  free(buf) ;
  buf = malloc(r) ;
  if (!buf) { failed("unable to allocate memory for the certificate chain") ; return 0 ; }
  r = answer(buf, r) ;
  if (r < 0) return 0 ;
  if (r == 1 && buf[0] == 'n')
  {
    tls_fail_reason = "no certificate for the server name that the client asked for" ;
    return 0 ;
  }
  if (r < 4 || buf[0] != 'c' || (buf[1] != BR_KEYTYPE_RSA && buf[1] != BR_KEYTYPE_EC) || !buf[3]) return bad() ;
  k = buf[3] ;
  certs = malloc(k * sizeof(br_x509_certificate)) ;
  if (!certs) { failed("unable to allocate memory for the certificate chain") ; return 0 ; }
  for (size_t i = 0 ; i < k ; i++)
  {
    size_t m ;
    if ((size_t)r - pos < 3) return bad() ;
    m = ((size_t)buf[pos] << 16) | ((size_t)buf[pos + 1] << 8) | buf[pos + 2] ;
    pos += 3 ;
    if (!m || m > (size_t)r - pos) return bad() ;
    certs[i].data = buf + pos ;
    certs[i].data_len = m ;
    pos += m ;
  }
  if (pos != (size_t)r) return bad() ;
  *chain = certs ;
  *chainlen = k ;
  *keytype = buf[1] ;
  return 1 ;
}

size_t tls_key_sign (unsigned int hashid, unsigned char const *hv, size_t hvlen, unsigned char *out, size_t max)
{
  unsigned char req[2 + 64] ;
  unsigned char rep[1 + 512] ;
  ssize_t r ;
  if (hvlen > 64) return 0 ;
  req[0] = 'g' ;
  req[1] = (unsigned char)hashid ;
  memcpy(req + 2, hv, hvlen) ;
  r = roundtrip(req, hvlen + 2, rep, sizeof(rep)) ;
  if (r < 0) return 0 ;
  if (r < 2 || rep[0] != 'g' || (size_t)r - 1 > max) return bad() ;
  memcpy(out, rep + 1, r - 1) ;
  return r - 1 ;
}

 /* the handshake is over: the key process goes, whatever it was doing */
void tls_key_end (void)
{
  if (keyfd >= 0) { fd_close(keyfd) ; keyfd = -1 ; }
  if (keypid) { waitpid(keypid, 0, 0) ; keypid = 0 ; }
}
