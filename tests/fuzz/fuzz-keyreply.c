/* ISC license. */

/* fuzz-keyreply: the two ends of the key process's socketpair. The TLS
   child reads the network and the key process's answers
   (src/tls/tls_keyclient.c: tls_key_select's walk over the chain entries,
   tls_key_sign's signature); the key process reads the TLS child's
   requests (src/tls/tls_key.c: tls_key_main's loop, select_pair,
   sign). Both files are included here, for their static state.

   Two modes, chosen by the first byte:
     - a key process that talks nonsense: the harness plays it on a real
       SOCK_SEQPACKET socketpair (the TLS child's end set where
       tls_key_start would put it): it queues the fuzz input as the one
       answer, then tls_key_select or tls_key_sign asks. Checked against a
       model of the reply format ('n'; 'c' type curve n { len(3) der } * n,
       every entry non-empty, nothing after the last; 'g' signature of at
       most the caller's room; nothing longer than the reader's buffer):
       the request is 's' and the name (cut at 255 bytes), or 'g', the
       hash id and the hash (none sent for a hash over 64 bytes); a reply
       is accepted exactly when the model accepts it, with the model's
       entries, key type and signature, and every byte read lies in the
       reply (ASan: the reader's buffers are static, exactly sized).
       Answers longer than a fuzz input are made by padding (a length
       in the input), so that the 64 KiB bounds are crossed too;
     - a TLS child that talks nonsense: tls_key_main runs in this process
       on requests taken from the input (recv and send are macros; so are
       what isolates the process -- dup2, close_range, prctl, setrlimit
       -- which must not touch the fuzzer's process; _exit is a longjmp).
       The pair is not read from files: tls_load_cred is replaced by one
       that gives a chain that the input shapes (up to 300 certificates,
       or one of about 64 KiB) and a key made once (EC P-256 or RSA 1024).
       Checked against a model: a zero-length request or the end ends it
       with 0; a request over 257 bytes, anything before the select but
       a select, a second select, a name of 256 bytes or with a NUL, a
       sign request with an unknown hash or a hash of the wrong length
       end it with 100; a name that selects no pair is answered 'n' and
       ends it with 0; the pair that the name selects is the one that the
       model picks among CERTFILE/KEYFILE and CERTFILE:name/KEYFILE:name
       (a CERTFILE:name without its KEYFILE:name, too many certificates
       or too long a chain end it with 96); a sign ends it with 0. Then
       what it answered goes back, through the socketpair, to the TLS
       child's reader: the chain read is the chain given, the signature
       read verifies with the key's public half over the hash sent.
   Input: mode byte, then for the first mode a flags byte, two bytes of
   padding, the name up to a NUL (select) or the hash id, room and hash
   length (sign), then the reply; for the second, a flags byte, two
   chain bytes, then requests, each a length byte (0xff: two more bytes
   of length) and its bytes. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/env.h>
#include <skalibs/tai.h>

#include "tls-internal.h"

#define check(c) do { if (!(c)) { fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__) ; abort() ; } } while (0)

 /* the key process, inside this process */
static ssize_t fz_recv (int, void *, size_t, int) ;
static ssize_t fz_send (int, void const *, size_t, int) ;
static void fz_exit (int) __attribute__((noreturn)) ;
#define recv fz_recv
#define send fz_send
#define _exit fz_exit
#define close_range(a, b, c) 0
#define prctl(...) 0
#define setrlimit(a, b) ((void)(b), 0)
#define dup2(a, b) (b)
#define open(...) 0
#define fd_close(fd) ((void)(fd))
#include "../../src/tls/tls_key.c"
#undef recv
#undef send
#undef _exit
#undef close_range
#undef prctl
#undef setrlimit
#undef dup2
#undef open
#undef fd_close

 /* the TLS child's side, as it is */
#include "../../src/tls/tls_keyclient.c"

char const *tls_fail_reason = 0 ;
int tls_fail_quiet = 0 ;

 /* messages go nowhere; dying is a longjmp */
static jmp_buf jb ;
static int exitcode ;

void strerr_warnv (char const *const *a, unsigned int n) { (void)a ; (void)n ; }
void strerr_diev (int e, char const *const *a, unsigned int n) { (void)a ; (void)n ; exitcode = e ; longjmp(jb, 1) ; }
void strerr_dievsys (int e, char const *const *a, unsigned int n) { strerr_diev(e, a, n) ; }
static void fz_exit (int e) { exitcode = e ; longjmp(jb, 1) ; }

 /* the requests that the key process reads, the replies it sends */

static uint8_t const *reqs ;
static size_t reqslen ;
static unsigned char replies[2][CHAIN_MAX + 16] ;
static size_t replylen[2] ;
static unsigned int nreplies ;

 /* a request: a length byte (0xff: two more), then its bytes */
static int next_req (uint8_t const **s, size_t *n, uint8_t const **r, size_t *rl)
{
  size_t l ;
  if (!*n) return 0 ;
  l = (*s)[0] ; (*s)++ ; (*n)-- ;
  if (l == 0xff)
  {
    if (*n < 2) return 0 ;
    l = (size_t)(*s)[0] << 8 | (*s)[1] ; *s += 2 ; *n -= 2 ;
  }
  if (l > *n) l = *n ;
  *r = *s ; *rl = l ;
  *s += l ; *n -= l ;
  return 1 ;
}

static ssize_t fz_recv (int fd, void *buf, size_t max, int flags)
{
  uint8_t const *r ;
  size_t rl ;
  check(fd == 3 && flags == MSG_TRUNC) ;
  if (!next_req(&reqs, &reqslen, &r, &rl)) return 0 ;   /* the TLS child is gone */
  memcpy(buf, r, rl < max ? rl : max) ;
  return (ssize_t)rl ;
}

static ssize_t fz_send (int fd, void const *s, size_t n, int flags)
{
  check(fd == 3 && flags == MSG_NOSIGNAL) ;
  check(nreplies < 2 && n <= CHAIN_MAX) ;
  memcpy(replies[nreplies], s, n) ;
  replylen[nreplies++] = n ;
  return (ssize_t)n ;
}

 /* the pair: a key made once, a chain that the input shapes */

static br_skey_decoder_context eckey, rsakey ;
static br_ec_public_key ecpub ;
static br_rsa_public_key rsapub ;
static unsigned char ecpubbuf[BR_EC_KBUF_PUB_MAX_SIZE], rsapubbuf[BR_RSA_KBUF_PUB_SIZE(1024)] ;

static void makekeys (void)
{
  static unsigned char ecpriv[BR_EC_KBUF_PRIV_MAX_SIZE], rsapriv[BR_RSA_KBUF_PRIV_SIZE(1024)], der[4096], d[256] ;
  br_hmac_drbg_context rng ;
  br_ec_private_key esk ;
  br_rsa_private_key rsk ;
  size_t n, dl ;
  br_hmac_drbg_init(&rng, &br_sha256_vtable, "fuzz-keyreply", 13) ;
  check(br_ec_keygen(&rng.vtable, br_ec_get_default(), &esk, ecpriv, BR_EC_secp256r1)) ;
  check(br_ec_compute_pub(br_ec_get_default(), &ecpub, ecpubbuf, &esk)) ;
  n = br_encode_ec_raw_der(der, &esk, &ecpub) ;
  check(n && n <= sizeof(der)) ;
  br_skey_decoder_init(&eckey) ;
  br_skey_decoder_push(&eckey, der, n) ;
  check(br_skey_decoder_key_type(&eckey) == BR_KEYTYPE_EC) ;
  check(br_rsa_keygen_get_default()(&rng.vtable, &rsk, rsapriv, &rsapub, rsapubbuf, 1024, 65537)) ;
  dl = br_rsa_compute_privexp_get_default()(d, &rsk, 65537) ;
  check(dl && dl <= sizeof(d)) ;
  n = br_encode_rsa_raw_der(der, &rsk, &rsapub, d, dl) ;
  check(n && n <= sizeof(der)) ;
  br_skey_decoder_init(&rsakey) ;
  br_skey_decoder_push(&rsakey, der, n) ;
  check(br_skey_decoder_key_type(&rsakey) == BR_KEYTYPE_RSA) ;
}

#define MAXCERTS 300
static unsigned char certbytes[70000] ;
static br_x509_certificate chain[MAXCERTS] ;
static size_t chainlen ;
static unsigned int keytype ;
static char const *loadedcert, *loadedkey ;

 /* flags bit 2: RSA; bit 3: one certificate of about 64 KiB (c0 picks
    how near the bound); else c0 certificates (c0 + 45 with bit 4, up to
    300), each of a length that c1 shapes */
static void shape_chain (unsigned int flags, unsigned int c0, unsigned int c1)
{
  keytype = flags & 4 ? BR_KEYTYPE_RSA : BR_KEYTYPE_EC ;
  for (size_t i = 0 ; i < sizeof(certbytes) ; i++) certbytes[i] = (unsigned char)(i * 131 + 7) ;
  if (flags & 8)
  {
    chainlen = 1 ;
    chain[0].data = certbytes ;
    chain[0].data_len = CHAIN_MAX - 7 - 2 + (c0 % 5) ;   /* 65529 is the largest that fits */
    return ;
  }
  chainlen = (c0 ? c0 : 1) + (flags & 16 ? 45 : 0) ;
  {
    size_t off = 0 ;
    for (size_t i = 0 ; i < chainlen ; i++)
    {
      size_t m = 1 + (c1 * (i + 1)) % 233 ;
      chain[i].data = certbytes + off ;
      chain[i].data_len = m ;
      off += m ;
    }
  }
}

void tls_load_cred (tlscred *c, char const *name, char const *certfile, char const *keyfile, int full)
{
  check(!name && !full) ;
  loadedcert = certfile ; loadedkey = keyfile ;
  memset(c, 0, sizeof(*c)) ;
  c->chain = chain ;
  c->chainlen = chainlen ;
  c->keytype = keytype ;
  c->key = keytype == BR_KEYTYPE_EC ? eckey : rsakey ;
}

 /* the model of the key process's choice among these pairs */
static char const *const envp[] =
{
  "CERTFILE=/d/cert", "KEYFILE=/d/key",
  "CERTFILE:*.example.org=/w/cert", "KEYFILE:*.example.org=/w/key",
  "CERTFILE:mail.example.org=/m/cert", "KEYFILE:mail.example.org=/m/key",
  "CERTFILE:nokey.example.net=/n/cert",
  0
} ;

 /* 1 with the cert file, 0 for no pair, -1 to die 96 */
static int model_pick (char const *name, unsigned int level, char const **cert)
{
  size_t n = strlen(name) ;
  char const *dot = strchr(name, '.') ;
  if (*name && level)
  {
    if (!strcasecmp(name, "mail.example.org")) { *cert = "/m/cert" ; return 1 ; }
    if (!strcasecmp(name, "nokey.example.net")) return -1 ;
    if (dot && dot != name && !strcasecmp(dot, ".example.org") && n > 12) { *cert = "/w/cert" ; return 1 ; }
  }
  if (level >= 2) return 0 ;
  *cert = "/d/cert" ;
  return 1 ;
}

static size_t hashlen (unsigned int id)
{
  switch (id)
  {
    case br_sha1_ID : return 20 ;
    case br_sha224_ID : return 28 ;
    case br_sha256_ID : return 32 ;
    case br_sha384_ID : return 48 ;
    case br_sha512_ID : return 64 ;
    default : return 0 ;
  }
}

 /* the TLS child's end of a socketpair, as tls_key_start leaves it; the
    other end, ours, with the reply queued */
static int pair_with_reply (unsigned char const *s, size_t n)
{
  int sv[2] ;
  check(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0) ;
  {
    int sz = 4 * CHAIN_MAX ;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) ;
  }
  check(send(sv[1], s, n, MSG_NOSIGNAL) == (ssize_t)n) ;
  check(ndelay_on(sv[0]) == 0) ;
  keyfd = sv[0] ;
  keypid = 0 ;
  tls_key_failed = 0 ;
  tls_fail_reason = 0 ;
  tain_now_set_stopwatch_g() ;
  tain_addsec_g(&tls_handshake_deadline, 5) ;
  return sv[1] ;
}

 /* what the TLS child asked, and the end of the pair */
static size_t pair_end (int fd, unsigned char *req, size_t max)
{
  ssize_t r = recv(fd, req, max, MSG_DONTWAIT | MSG_TRUNC) ;
  if (r == -1) { check(errno == EAGAIN) ; r = 0 ; }
  check((size_t)r <= max) ;
  close(fd) ;
  if (keyfd >= 0) { close(keyfd) ; keyfd = -1 ; }
  return (size_t)r ;
}

 /* the model of a chain reply of n bytes: 1 and the entries, 0 if bad */
static int model_chain (unsigned char const *s, size_t n, size_t *off, size_t *len, size_t *k)
{
  size_t p = 4 ;
  if (n > CHAIN_MAX || n < 4 || s[0] != 'c' || (s[1] != BR_KEYTYPE_RSA && s[1] != BR_KEYTYPE_EC) || !s[3]) return 0 ;
  *k = s[3] ;
  for (size_t i = 0 ; i < *k ; i++)
  {
    size_t m ;
    if (n - p < 3) return 0 ;
    m = (size_t)s[p] << 16 | (size_t)s[p + 1] << 8 | s[p + 2] ;
    p += 3 ;
    if (!m || m > n - p) return 0 ;
    off[i] = p ; len[i] = m ;
    p += m ;
  }
  return p == n ;
}

 /* tls_key_select on this reply: checks, and the chain read */
static int do_select (char const *name, unsigned char const *rep, size_t n, br_x509_certificate const **ch, size_t *chl, unsigned int *kt)
{
  static size_t off[256], len[256] ;
  unsigned char req[512] ;
  size_t k = 0, rl, nl = strlen(name) > 255 ? 255 : strlen(name) ;
  int fd = pair_with_reply(rep, n), r, want ;
  r = tls_key_select(name, ch, chl, kt) ;
  rl = pair_end(fd, req, sizeof(req)) ;
  check(rl == nl + 1 && req[0] == 's' && !memcmp(req + 1, name, nl)) ;
  want = model_chain(rep, n, off, len, &k) ;
  check(r == want) ;
  if (r)
  {
    check(*chl == k && *kt == rep[1] && !tls_key_failed) ;
    for (size_t i = 0 ; i < k ; i++)
      check((*ch)[i].data_len == len[i] && !memcmp((*ch)[i].data, rep + off[i], len[i])) ;
  }
  else if (n == 1 && rep[0] == 'n') check(!tls_key_failed && tls_fail_reason) ;
  else check(tls_key_failed && tls_fail_reason) ;
  return r ;
}

 /* tls_key_sign on this reply */
static size_t do_sign (unsigned int id, unsigned char const *hv, size_t hvlen, size_t max, unsigned char const *rep, size_t n, unsigned char *out)
{
  unsigned char req[512] ;
  int fd = pair_with_reply(rep, n) ;
  size_t r = tls_key_sign(id, hv, hvlen, out, max), rl ;
  rl = pair_end(fd, req, sizeof(req)) ;
  if (hvlen > 64) { check(!r && !rl) ; return 0 ; }
  check(rl == hvlen + 2 && req[0] == 'g' && req[1] == (unsigned char)id && !memcmp(req + 2, hv, hvlen)) ;
  if (n < 2 || n > 1 + 512 || rep[0] != 'g' || n - 1 > max) { check(!r && tls_key_failed && tls_fail_reason) ; return 0 ; }
  check(r == n - 1 && !memcmp(out, rep + 1, r) && !tls_key_failed) ;
  return r ;
}

static void hostile_key (uint8_t const *data, size_t size)
{
  static unsigned char rep[3 * CHAIN_MAX] ;
  unsigned int flags ;
  size_t pad, n ;
  if (size < 3) return ;
  flags = data[0] ;
  pad = (size_t)data[1] << 8 | data[2] ;
  data += 3 ; size -= 3 ;
  if (!(flags & 1))
  {
    char name[300] ;
    size_t nl = 0 ;
    br_x509_certificate const *ch ;
    size_t chl ;
    unsigned int kt ;
    while (nl < size && nl < sizeof(name) - 1 && data[nl]) { name[nl] = (char)data[nl] ; nl++ ; }
    name[nl] = 0 ;
    if (nl < size) nl++ ;
    n = size - nl ;
    memcpy(rep, data + nl, n) ;
     /* padding: the reply made longer, with its last entry */
    if (flags & 2)
    {
      size_t want = (size_t)pad * 2 ;
      if (want > sizeof(rep)) want = sizeof(rep) ;
      if (want > n) { memset(rep + n, 0x5a, want - n) ; n = want ; }
      if (flags & 4 && n >= 7)   /* and its last entry's length said so */
      {
        size_t m = n - 7 ;
        rep[0] = 'c' ; rep[1] = BR_KEYTYPE_EC ; rep[2] = 23 ; rep[3] = 1 ; rep[4] = (unsigned char)(m >> 16) ; rep[5] = (unsigned char)(m >> 8) ; rep[6] = (unsigned char)m ;
      }
    }
    do_select(name, rep, n, &ch, &chl, &kt) ;
  }
  else
  {
    unsigned char *o ;
    unsigned int id ;
    size_t max, hvlen ;
    if (size < 3) return ;
    id = data[0] ;
    max = data[1] * 2 + (flags >> 1 & 1) ;
    hvlen = data[2] ;
    data += 3 ; size -= 3 ;
    if (hvlen > size) hvlen = size ;
    n = size - hvlen ;
    memcpy(rep, data + hvlen, n) ;
    if (flags & 4 && pad > n && pad < sizeof(rep)) { memset(rep + n, 0x5a, pad - n) ; n = pad ; }
    o = malloc(max ? max : 1) ;   /* the caller's room, exactly */
    check(o) ;
    do_sign(id, data, hvlen, max, rep, n, o) ;
    free(o) ;
  }
}

static void hostile_child (uint8_t const *data, size_t size)
{
  tlsopts o = TLSOPTS_ZERO ;
  unsigned int flags, isserver ;
  uint8_t const *s ;
  size_t n, m ;
  int want = 0, selected = 0, wantreply = 0 ;
  char const *wcert = 0 ;
  uint8_t const *r ;
  size_t rl ;
  char sni[260] = "" ;
  unsigned int sid = 0 ;
  uint8_t const *shv = 0 ;
  size_t shvlen = 0 ;
  if (size < 3) return ;
  flags = data[0] ;
  isserver = !(flags & 1) ;
  o.snilevel = flags >> 5 & 3 ;
  if (o.snilevel == 3) o.snilevel = 1 ;
  shape_chain(flags, data[1], data[2]) ;
  data += 3 ; size -= 3 ;

   /* the model's run over the requests */
  s = data ; n = size ;
  for (;;)
  {
    if (!next_req(&s, &n, &r, &rl) || !rl) { want = 0 ; break ; }
    if (rl > 257) { want = 100 ; break ; }
    if (r[0] == 's' && !selected)
    {
      int p = 1 ;
      if (rl - 1 >= 256 || memchr(r + 1, 0, rl - 1)) { want = 100 ; break ; }
      memcpy(sni, r + 1, rl - 1) ; sni[rl - 1] = 0 ;
      if (isserver) p = model_pick(sni, o.snilevel, &wcert) ;
      else wcert = "/d/cert" ;
      if (p < 0) { want = 96 ; break ; }
      if (!p) { want = 0 ; wantreply = -1 ; break ; }
      m = 4 ;
      for (size_t i = 0 ; i < chainlen ; i++) m += 3 + chain[i].data_len ;
      if (chainlen > 255 || m > CHAIN_MAX) { want = 96 ; break ; }
      selected = 1 ; wantreply = 1 ;
    }
    else if (r[0] == 'g' && selected && rl >= 2)
    {
      if (!hashlen(r[1]) || rl - 2 != hashlen(r[1])) { want = 100 ; break ; }
      sid = r[1] ; shv = r + 2 ; shvlen = rl - 2 ;
      want = 0 ; wantreply = 2 ;
      break ;
    }
    else { want = 100 ; break ; }
  }

   /* the real run */
  reqs = data ; reqslen = size ;
  nreplies = 0 ;
  exitcode = -1 ;
  loadedcert = loadedkey = 0 ;
  if (!setjmp(jb)) tls_key_main(5, &o, envp, isserver, getppid()) ;
  check(exitcode == want) ;
  if (wantreply == -1) { check(nreplies == 1 && replylen[0] == 1 && replies[0][0] == 'n') ; return ; }
  if (wantreply >= 1) check(loadedcert && !strcmp(loadedcert, wcert) && loadedkey) ;
  check(nreplies == (unsigned int)(wantreply > 0 ? wantreply : 0)) ;
  if (!nreplies) return ;

   /* its answers, back through the socketpair to the TLS child's reader */
  {
    br_x509_certificate const *ch ;
    size_t chl ;
    unsigned int kt ;
    check(do_select(sni, replies[0], replylen[0], &ch, &chl, &kt)) ;
    check(chl == chainlen && kt == keytype) ;
    for (size_t i = 0 ; i < chl ; i++) check(ch[i].data_len == chain[i].data_len && !memcmp(ch[i].data, chain[i].data, chain[i].data_len)) ;
  }
  if (nreplies == 2)
  {
    unsigned char sig[512], h[64] ;
    size_t sl = do_sign(sid, shv, shvlen, sizeof(sig), replies[1], replylen[1], sig) ;
    unsigned char const *oid ;
    check(sl && hashclass(sid, &oid)) ;
    if (keytype == BR_KEYTYPE_EC)
    {
       /* BearSSL's verifier cannot take a hash that is 0 as a number
          (u1 G is the point at infinity); its signer signs it */
      size_t z = 0 ;
      while (z < shvlen && z < 32 && !shv[z]) z++ ;
      if (z < shvlen && z < 32) check(br_ecdsa_vrfy_asn1_get_default()(br_ec_get_default(), shv, shvlen, &ecpub, sig, sl)) ;
    }
    else
    {
      check(br_rsa_pkcs1_vrfy_get_default()(sig, sl, oid, shvlen, &rsapub, h)) ;
      check(!memcmp(h, shv, shvlen)) ;
    }
  }
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  static int init = 0 ;
  if (!init) { makekeys() ; init = 1 ; }
  if (size < 1) return 0 ;
  if (data[0] & 1) hostile_child(data + 1, size - 1) ;
  else hostile_key(data + 1, size - 1) ;
  return 0 ;
}
