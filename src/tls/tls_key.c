/* ISC license. */

/* tls_key.c: the key process of a connection. The TLS child, which
   reads everything the peer sends, never holds the private key: a
   process of its own does, forked before the TLS child reads the
   network, and it does no more than this:

     - it keeps nothing of its parent's fds but its end of a socketpair
       and stderr (0 and 1 are /dev/null): it reads nothing from the
       network or from prog; a stderr that is a socket is /dev/null too,
       since under inetd-style launchers that is the connection;
     - it is not dumpable, has no core file, and dies with its parent;
     - it reads one request to select a pair (the server name that the
       client asked for; the client's own pair on the client side),
       loads that pair only, drops to TLS_UID/TLS_GID, and answers with
       the certificate chain;
     - it reads one request to sign a hash, answers with the signature,
       and exits.

   Any other request, or a request of the wrong size or form, ends it.
   A bad pair ends it with the loader's one-line message and exit 96,
   which the TLS child passes on as its own exit code.

   Messages (SOCK_SEQPACKET, one per request or reply):
     's' name            select ('n': no pair for that name)
     'c' type curve n { len(3) der } * n    the chain
     'g' hashid hash     sign
     'g' signature */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/env.h>

#include "tls-internal.h"

#define dieconf(...) log_dief(UCSPITLS_EXIT_CONF, __VA_ARGS__)

static br_hash_class const *hashclass (unsigned int id, unsigned char const **oid)
{
  switch (id)
  {
    case br_sha1_ID : *oid = BR_HASH_OID_SHA1 ; return &br_sha1_vtable ;
    case br_sha224_ID : *oid = BR_HASH_OID_SHA224 ; return &br_sha224_vtable ;
    case br_sha256_ID : *oid = BR_HASH_OID_SHA256 ; return &br_sha256_vtable ;
    case br_sha384_ID : *oid = BR_HASH_OID_SHA384 ; return &br_sha384_vtable ;
    case br_sha512_ID : *oid = BR_HASH_OID_SHA512 ; return &br_sha512_vtable ;
    default : return 0 ;
  }
}

static void reply (int fd, unsigned char const *s, size_t n)
{
  if (send(fd, s, n, MSG_NOSIGNAL) != (ssize_t)n) _exit(UCSPITLS_EXIT_SYS) ;
}

 /* alone with the socketpair: fd 3 */
static int isolate (int fd)
{
  struct stat st ;
  int null ;
  if (fd != 3)
  {
    if (dup2(fd, 3) == -1) _exit(UCSPITLS_EXIT_SYS) ;
    fd_close(fd) ;
  }
  /* the system call: musl (1.2.3, Debian 12) has no close_range() */
  if (syscall(SYS_close_range, 4, ~0U, 0) == -1) _exit(UCSPITLS_EXIT_SYS) ;
  null = open("/dev/null", O_RDWR) ;
  if (null == -1) _exit(UCSPITLS_EXIT_SYS) ;
  if ((null != 0 && dup2(null, 0) == -1) || (null != 1 && dup2(null, 1) == -1)) _exit(UCSPITLS_EXIT_SYS) ;
  if (null != 2 && fstat(2, &st) == 0 && S_ISSOCK(st.st_mode) && dup2(null, 2) == -1) _exit(UCSPITLS_EXIT_SYS) ;
  if (null > 2) fd_close(null) ;
  return 3 ;
}

static void hygiene (pid_t parent)
{
  struct rlimit nocore = { 0, 0 } ;
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 || setrlimit(RLIMIT_CORE, &nocore) == -1
   || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
    _exit(UCSPITLS_EXIT_SYS) ;
  if (getppid() != parent) _exit(0) ;  /* the parent died before PDEATHSIG was armed */
}

#define CHAIN_MAX TLS_CHAIN_MAX

static void select_pair (int fd, tlscred *c, tlsopts const *o, char const *const *envp, int isserver, unsigned char const *name, size_t n)
{
  unsigned char out[CHAIN_MAX] ;
  char sni[256] ;
  tlspair pr ;
  size_t len = 4 ;
  if (n >= sizeof(sni) || memchr(name, 0, n)) _exit(UCSPITLS_EXIT_USAGE) ;
  memcpy(sni, name, n) ; sni[n] = 0 ;
  if (isserver)
  {
    if (!tls_pick(envp, o->snilevel, sni, &pr)) { reply(fd, (unsigned char const *)"n", 1) ; _exit(0) ; }
  }
  else
  {
    pr.cert = env_get2(envp, "CERTFILE") ;
    pr.key = env_get2(envp, "KEYFILE") ;
    if (!pr.cert || !pr.key) _exit(UCSPITLS_EXIT_CONF) ;
  }
  tls_load_cred(c, 0, pr.cert, pr.key, 0) ;
  ids_drop(o, 1) ;
  if (c->chainlen > 255) dieconf("too many certificates in ", pr.cert) ;
  out[0] = 'c' ;
  out[1] = (unsigned char)c->keytype ;
  out[2] = c->keytype == BR_KEYTYPE_EC ? (unsigned char)br_skey_decoder_get_ec(&c->key)->curve : 0 ;
  out[3] = (unsigned char)c->chainlen ;
  for (size_t i = 0 ; i < c->chainlen ; i++)
  {
    size_t m = c->chain[i].data_len ;
    if (m > sizeof(out) - len - 3) dieconf("certificate chain too long in ", pr.cert) ;
    out[len++] = (unsigned char)(m >> 16) ; out[len++] = (unsigned char)(m >> 8) ; out[len++] = (unsigned char)m ;
    memcpy(out + len, c->chain[i].data, m) ;
    len += m ;
  }
  reply(fd, out, len) ;
}

static void sign (int fd, tlscred const *c, unsigned int id, unsigned char const *hv, size_t n)
{
  unsigned char out[1 + 512] ;
  unsigned char const *oid ;
  br_hash_class const *hc = hashclass(id, &oid) ;
  size_t len ;
  if (!hc || n != ((hc->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK)) _exit(UCSPITLS_EXIT_USAGE) ;
  if (c->keytype == BR_KEYTYPE_EC)
    len = br_ecdsa_sign_asn1_get_default()(br_ec_get_default(), hc, hv, br_skey_decoder_get_ec(&c->key), out + 1) ;
  else
  {
    br_rsa_private_key const *sk = br_skey_decoder_get_rsa(&c->key) ;
    len = (sk->n_bitlen + 7) >> 3 ;
    if (len > sizeof(out) - 1 || !br_rsa_pkcs1_sign_get_default()(oid, hv, n, sk, out + 1)) len = 0 ;
  }
  if (!len) _exit(UCSPITLS_EXIT_SETUP) ;
  out[0] = 'g' ;
  reply(fd, out, len + 1) ;
}

void tls_key_main (int fd, tlsopts const *o, char const *const *envp, int isserver, pid_t parent)
{
  tlscred c ;
  int selected = 0 ;
  memset(&c, 0, sizeof(c)) ;
  hygiene(parent) ;
  fd = isolate(fd) ;
  for (;;)
  {
    unsigned char req[1 + 256] ;
    ssize_t r = recv(fd, req, sizeof(req), MSG_TRUNC) ;
    if (r == -1 && errno == EINTR) continue ;
    if (r <= 0) _exit(0) ;  /* the TLS child is done, or gone */
    if ((size_t)r > sizeof(req)) _exit(UCSPITLS_EXIT_USAGE) ;
    if (req[0] == 's' && !selected)
    {
      select_pair(fd, &c, o, envp, isserver, req + 1, r - 1) ;
      selected = 1 ;
    }
    else if (req[0] == 'g' && selected && r >= 2)
    {
      sign(fd, &c, req[1], req + 2, r - 2) ;
      _exit(0) ;
    }
    else _exit(UCSPITLS_EXIT_USAGE) ;
  }
}
