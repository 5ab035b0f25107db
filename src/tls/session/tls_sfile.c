/* ISC license. */

/* tls_sfile.c: the client's session file, TLS_SESSION_FILE: one session
   for one destination, chosen by the caller (as libtls's session file).

   After a full handshake the session is written there, atomically (a
   temporary file, mode 0600, renamed over it), with the server name and
   the verification policy it was made under and the server certificate
   that was verified then. It is offered again only under the same name
   and policy; when the server resumes it, the certificate is not sent
   again, and the facts of the stored one are given, as they were.

   The file is checked whole (magic, lengths, a SHA-256 over it all):
   anything else is ignored with a warning, and the handshake is a full
   one, whose session replaces it.

   The outcome of the verification that the policy made then
   (SSL_SERVER_VERIFY, SSL_SERVER_DANE) is stored too: a resumed
   handshake checks no certificate, and gives the first one's facts.

   Layout: magic, u16 name length and name, u16 policy length and
   policy, version (2), suite (2), id length (1) and id (32), master
   secret (48), u8 length and SSL_SERVER_VERIFY, u8 length and
   SSL_SERVER_DANE, u16 certificate length and certificate, SHA-256. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>  /* rename */
#include <string.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/env.h>
#include <skalibs/types.h>

#include "tls-session.h"

#define SFILE_MAGIC "ucspitls session 1\n"
#define SFILE_MAX (sizeof(SFILE_MAGIC) - 1 + 2 + 256 + 2 + 512 + 4 + 1 + 32 + 48 + 1 + 64 + 1 + 16 + 2 + 8192 + 32)

char const *tls_sfile_path = 0 ;
static char const *name = "" ;
static char policy[512] ;
static char sverify[64], sdane[16] ;  /* the stored session's outcome */
static unsigned char offered[32] ;
static int isoffered = 0 ;

void tls_sfile_config (tlsopts const *o, char const *const *envp, char const *id)
{
  tls_sfile_path = env_get2(envp, "TLS_SESSION_FILE") ;
  if (tls_sfile_path && !*tls_sfile_path) strerr_dief(UCSPITLS_EXIT_CONF, "invalid TLS_SESSION_FILE: empty") ;
  name = o->servername ? o->servername : "" ;
  if (strlen(id) >= sizeof(policy)) strerr_dief(UCSPITLS_EXIT_USAGE, "verification policy too long for a session file") ;
  memcpy(policy, id, strlen(id) + 1) ;
}

 /* u8 length and a short string, into out (of max bytes, NUL included) */
static int getstr8 (unsigned char const **s, size_t *len, char *out, size_t max)
{
  size_t n ;
  if (!*len) return 0 ;
  n = **s ;
  if (n >= max || n + 1 > *len) return 0 ;
  for (size_t i = 0 ; i < n ; i++) if ((*s)[1 + i] < 0x20 || (*s)[1 + i] > 0x7e) return 0 ;
  memcpy(out, *s + 1, n) ; out[n] = 0 ;
  *s += n + 1 ; *len -= n + 1 ;
  return 1 ;
}

static size_t put16 (unsigned char *s, size_t v)
{
  s[0] = (unsigned char)(v >> 8) ; s[1] = (unsigned char)v ;
  return 2 ;
}

static int get16 (unsigned char const **s, size_t *len, size_t *v)
{
  if (*len < 2) return 0 ;
  *v = ((size_t)(*s)[0] << 8) | (*s)[1] ;
  *s += 2 ; *len -= 2 ;
  return 1 ;
}

 /* 1: a whole file, for this name and policy (a C string, "name\0policy"
    in want); the session, the certificate (der, of *derlen) */
int tls_sfile_decode (unsigned char const *s, size_t len, char const *want, tlssess *ss, unsigned char *der, size_t *derlen, unsigned char *hash)
{
  static char const magic[] = SFILE_MAGIC ;
  unsigned char d[32] ;
  br_sha256_context h ;
  size_t n, m = sizeof(magic) - 1 ;
  char const *wpol = want + strlen(want) + 1 ;
  if (len < m + 32 || memcmp(s, magic, m)) return 0 ;
  br_sha256_init(&h) ;
  br_sha256_update(&h, s, len - 32) ;
  br_sha256_out(&h, d) ;
  if (memcmp(d, s + len - 32, 32)) return 0 ;
  s += m ; len -= m + 32 ;
  if (!get16(&s, &len, &n) || n > 255 || n > len || n != strlen(want) || memcmp(s, want, n)) return 0 ;
  s += n ; len -= n ;
  if (!get16(&s, &len, &n) || n > len || n != strlen(wpol) || memcmp(s, wpol, n)) return 0 ;
  s += n ; len -= n ;
  if (len < 4 + 1 + 32 + 48) return 0 ;
  ss->version = ((unsigned int)s[0] << 8) | s[1] ;
  ss->suite = ((unsigned int)s[2] << 8) | s[3] ;
  if (ss->version != BR_TLS12 || !tls_suite_bits(ss->suite) || s[4] != 32) return 0 ;
  memcpy(ss->id, s + 5, 32) ;
  memcpy(ss->master, s + 37, 48) ;
  s += 85 ; len -= 85 ;
  if (!getstr8(&s, &len, sverify, sizeof(sverify)) || !getstr8(&s, &len, sdane, sizeof(sdane))) return 0 ;
  if (!get16(&s, &len, &n) || !n || n > 8192 || n != len) return 0 ;
  memcpy(der, s, n) ;
  *derlen = n ;
  br_sha256_init(&h) ;
  br_sha256_update(&h, der, n) ;
  br_sha256_out(&h, hash) ;
  return 1 ;
}

 /* before the handshake: the stored session, offered, if it is whole and
    for this name and policy; its certificate kept aside in x */
int tls_sfile_offer (br_ssl_engine_context *eng, tlsx509 *x)
{
  static unsigned char buf[SFILE_MAX + 1] ;
  char want[256 + sizeof(policy)] ;
  br_ssl_session_parameters sp ;
  tlssess ss ;
  ssize_t r ;
  size_t n = strlen(name) ;
  int fd ;
  if (!tls_sfile_path) return 0 ;
  fd = open(tls_sfile_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) ;  /* a FIFO must not hang us */
  if (fd == -1)
  {
    if (errno != ENOENT) strerr_warnwu("open session file ", tls_sfile_path, ": ", strerror(errno), ": ignored") ;
    return 0 ;
  }
  r = 0 ;
  for (;;)
  {
    ssize_t k = fd_read(fd, (char *)buf + r, sizeof(buf) - (size_t)r) ;
    if (k <= 0) { if (k < 0) r = -1 ; break ; }
    r += k ;
    if ((size_t)r == sizeof(buf)) break ;
  }
  fd_close(fd) ;
  if (r < 0)
  {
    strerr_warnwu("read session file ", tls_sfile_path, ": ", strerror(errno), ": ignored") ;
    return 0 ;
  }
  memcpy(want, name, n + 1) ;
  memcpy(want + n + 1, policy, strlen(policy) + 1) ;
  if ((size_t)r > SFILE_MAX || !tls_sfile_decode(buf, (size_t)r, want, &ss, x->der, &x->derlen, x->hash))
  {
    /* another name or policy is no warning: a file of ours, not for this */
    if ((size_t)r <= SFILE_MAX && (size_t)r > sizeof(SFILE_MAGIC) + 32 && !memcmp(buf, SFILE_MAGIC, sizeof(SFILE_MAGIC) - 1))
    {
      unsigned char d[32] ;
      br_sha256_context h ;
      br_sha256_init(&h) ;
      br_sha256_update(&h, buf, (size_t)r - 32) ;
      br_sha256_out(&h, d) ;
      if (!memcmp(d, buf + r - 32, 32)) { explicit_bzero(buf, sizeof(buf)) ; return 0 ; }
    }
    strerr_warnw("session file ", tls_sfile_path, " is not a valid session: ignored") ;
    explicit_bzero(buf, sizeof(buf)) ;
    return 0 ;
  }
  memset(&sp, 0, sizeof(sp)) ;
  memcpy(sp.session_id, ss.id, 32) ;
  sp.session_id_len = 32 ;
  sp.version = ss.version ;
  sp.cipher_suite = ss.suite ;
  memcpy(sp.master_secret, ss.master, 48) ;
  br_ssl_engine_set_session_parameters(eng, &sp) ;
  memcpy(offered, ss.id, 32) ;
  isoffered = 1 ;
  explicit_bzero(&sp, sizeof(sp)) ;
  explicit_bzero(&ss, sizeof(ss)) ;
  explicit_bzero(buf, sizeof(buf)) ;
  return 1 ;
}

static void save (br_ssl_session_parameters const *sp, tlsx509 const *x, facts const *f)
{
  static unsigned char buf[SFILE_MAX] ;
  static char tmp[4096] ;
  br_sha256_context h ;
  size_t len = sizeof(SFILE_MAGIC) - 1, n = strlen(name), m = strlen(policy), pl = strlen(tls_sfile_path) ;
  char fmt[UINT_FMT] ;
  int fd ;
  if (sp->session_id_len != 32 || !x->have || x->derover || !x->derlen || pl + 6 + UINT_FMT > sizeof(tmp)) return ;
  memcpy(buf, SFILE_MAGIC, len) ;
  len += put16(buf + len, n) ; memcpy(buf + len, name, n) ; len += n ;
  len += put16(buf + len, m) ; memcpy(buf + len, policy, m) ; len += m ;
  len += put16(buf + len, sp->version) ;
  len += put16(buf + len, sp->cipher_suite) ;
  buf[len++] = 32 ;
  memcpy(buf + len, sp->session_id, 32) ; len += 32 ;
  memcpy(buf + len, sp->master_secret, 48) ; len += 48 ;
  buf[len++] = (unsigned char)strlen(f->verify) ; memcpy(buf + len, f->verify, strlen(f->verify)) ; len += strlen(f->verify) ;
  buf[len++] = (unsigned char)strlen(f->dane) ; memcpy(buf + len, f->dane, strlen(f->dane)) ; len += strlen(f->dane) ;
  len += put16(buf + len, x->derlen) ;
  memcpy(buf + len, x->der, x->derlen) ; len += x->derlen ;
  br_sha256_init(&h) ;
  br_sha256_update(&h, buf, len) ;
  br_sha256_out(&h, buf + len) ;
  len += 32 ;
  memcpy(tmp, tls_sfile_path, pl) ;
  memcpy(tmp + pl, ".tmp.", 5) ;
  fmt[uint_fmt(fmt, (unsigned int)getpid())] = 0 ;
  memcpy(tmp + pl + 5, fmt, strlen(fmt) + 1) ;
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) ;
  if (fd == -1) { strerr_warnwu("create ", tmp, ": ", strerror(errno), ": session not saved") ; goto end ; }
  if (allwrite(fd, (char *)buf, len) != len || close(fd) == -1)
  {
    strerr_warnwu("write ", tmp, ": ", strerror(errno), ": session not saved") ;
    unlink(tmp) ;
    goto end ;
  }
  if (rename(tmp, tls_sfile_path) == -1)
  {
    strerr_warnwu("rename ", tmp, " to ", tls_sfile_path, ": ", strerror(errno), ": session not saved") ;
    unlink(tmp) ;
  }
 end:
  explicit_bzero(buf, sizeof(buf)) ;
}

 /* after the handshake: resumed, the stored certificate's facts; new,
    the session saved */
int tls_sfile_done (br_ssl_engine_context const *eng, tlsx509 *x, facts *f)
{
  br_ssl_session_parameters sp ;
  br_ssl_engine_get_session_parameters(eng, &sp) ;
  f->resumed = isoffered && sp.session_id_len == 32 && !memcmp(sp.session_id, offered, 32) ;
  if (f->resumed)
  {
    x->have = 1 ; x->derover = 0 ;
    tlsx509_facts(x, f) ;
    memcpy(f->verify, sverify, sizeof(sverify)) ;
    memcpy(f->dane, sdane, sizeof(sdane)) ;
  }
  else save(&sp, x, f) ;
  explicit_bzero(&sp, sizeof(sp)) ;
  return 1 ;
}
