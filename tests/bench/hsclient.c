/* ISC license. */

/* hsclient.c: the one client that the handshake, STARTTLS, plaintext-rate
   and memory measurements use against every server, so that the client's
   cost is the same for all contenders. BearSSL, TLS 1.2 only,
   ECDHE-ECDSA-AES128-GCM-SHA256 only, ECDHE on P-256 only; the server's
   key is pinned (known-key engine: the ECDSA signature of the key
   exchange is checked, the chain is not), no session resumption unless
   -r: every connection is a full handshake.

     hsclient -p PORT -k SERVERCERT.der [-n NAME] [-m tls|starttls|plain] [-j JOBS] [-t SECS] [-r]
     hsclient -p PORT -k SERVERCERT.der [-n NAME] -H N

   -n NAME: the server name sent in SNI (default localhost), which
   selects the server's certificate; SERVERCERT is the one it selects.

   Rate modes: JOBS processes (default 1) each open connections one after
   another for SECS seconds (default 2): connect; (starttls: read a line,
   send "STARTTLS\r\n", read a line); handshake (not in plain mode); write
   one byte, read it back; close (after a close_notify). Prints one line:
     conns=N fails=N secs=S rate=R total_ms=MEDIAN plain_ms=MEDIAN tls_ms=MEDIAN
   total: connect to echo; plain: connect to the end of the plaintext
   exchange (starttls) or to connect() returning; tls: from there to the
   end of the handshake.

   -r: each job offers again the session of its last full handshake
   (BearSSL's session parameters, by session ID), and the line ends with
   resumed=N, the connections that the server resumed.

   -H N: open N connections, each with a handshake and an echo, keep them
   open, print "ready N" and wait for end of file on stdin. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <bearssl.h>

#define MAXSAMPLES 200000
#define MAXJOBS 64

typedef struct sample_s sample ;
struct sample_s { float total, plain, tls ; } ;

typedef struct shared_s shared ;
struct shared_s
{
  unsigned long conns[MAXJOBS] ;
  unsigned long fails[MAXJOBS] ;
  unsigned long resumed[MAXJOBS] ;
  sample s[MAXJOBS][MAXSAMPLES / MAXJOBS] ;
} ;

enum { M_TLS, M_STARTTLS, M_PLAIN } ;

static int port ;
static char const *sniname = "localhost" ;
static int mode = M_TLS ;
static int resume = 0 ;
static br_ssl_session_parameters saved ;
static int havesaved = 0 ;
static int wasresumed ;
static br_ec_public_key pinned ;
static unsigned char pinned_q[133] ;
static br_ssl_client_context cc ;
static br_x509_knownkey_context kk ;
static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI] ;
static br_ec_impl ec_p256 ;

static void die (char const *what)
{
  fprintf(stderr, "hsclient: fatal: %s: %s\n", what, strerror(errno)) ;
  exit(111) ;
}

static void usage (void)
{
  fputs("hsclient: usage: hsclient -p PORT -k CERT.der [-n NAME] [-m tls|starttls|plain] [-j JOBS] [-t SECS] [-r] | -H N\n", stderr) ;
  exit(100) ;
}

static double now (void)
{
  struct timespec ts ;
  clock_gettime(CLOCK_MONOTONIC, &ts) ;
  return ts.tv_sec + ts.tv_nsec / 1e9 ;
}

static void load_key (char const *file)
{
  static unsigned char der[16384] ;
  br_x509_decoder_context dc ;
  br_x509_pkey const *pk ;
  size_t n ;
  FILE *f = fopen(file, "rb") ;
  if (!f) die(file) ;
  n = fread(der, 1, sizeof(der), f) ;
  fclose(f) ;
  br_x509_decoder_init(&dc, 0, 0) ;
  br_x509_decoder_push(&dc, der, n) ;
  pk = br_x509_decoder_get_pkey(&dc) ;
  if (!pk || pk->key_type != BR_KEYTYPE_EC || pk->key.ec.qlen > sizeof(pinned_q))
  {
    fprintf(stderr, "hsclient: fatal: %s: not a DER certificate with an EC key\n", file) ;
    exit(100) ;
  }
  memcpy(pinned_q, pk->key.ec.q, pk->key.ec.qlen) ;
  pinned.curve = pk->key.ec.curve ;
  pinned.q = pinned_q ;
  pinned.qlen = pk->key.ec.qlen ;
}

static void setup (void)
{
  static uint16_t const suites[] = { BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 } ;
  static br_x509_minimal_context unused ;
  br_ssl_client_zero(&cc) ;
  br_ssl_client_init_full(&cc, &unused, 0, 0) ;
  br_x509_knownkey_init_ec(&kk, &pinned, BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN) ;
  br_ssl_engine_set_x509(&cc.eng, &kk.vtable) ;
  br_ssl_engine_set_versions(&cc.eng, BR_TLS12, BR_TLS12) ;
  br_ssl_engine_set_suites(&cc.eng, suites, 1) ;
   /* offer P-256 alone, so that every server does the same ECDHE.
      BearSSL's client cannot offer X25519 first: whatever its comment
      says, it lists its curves in increasing order (0.6 and its
      development tree), P-256 before X25519, and OpenSSL servers follow
      the client's order; the X25519 rows use openssl s_time */
  ec_p256 = br_ec_p256_m31 ;
  br_ssl_engine_set_ec(&cc.eng, &ec_p256) ;
  br_ssl_engine_set_buffer(&cc.eng, iobuf, sizeof(iobuf), 1) ;
}

static int low_read (void *ctx, unsigned char *buf, size_t len)
{
  for (;;)
  {
    ssize_t r = read(*(int *)ctx, buf, len) ;
    if (r > 0) return (int)r ;
    if (!r) return -1 ;
    if (errno != EINTR) return -1 ;
  }
}

static int low_write (void *ctx, unsigned char const *buf, size_t len)
{
  for (;;)
  {
    ssize_t w = write(*(int *)ctx, buf, len) ;
    if (w > 0) return (int)w ;
    if (w == -1 && errno == EINTR) continue ;
    return -1 ;
  }
}

static int opensock (void)
{
  struct sockaddr_in sa ;
  int one = 1 ;
  int fd = socket(AF_INET, SOCK_STREAM, 0) ;
  if (fd == -1) die("socket") ;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ;
  memset(&sa, 0, sizeof(sa)) ;
  sa.sin_family = AF_INET ;
  sa.sin_port = htons(port) ;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK) ;
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) { close(fd) ; return -1 ; }
  return fd ;
}

 /* read one line byte by byte: nothing past it may be consumed */
static int readline (int fd)
{
  char c ;
  for (size_t i = 0 ; i < 512 ; i++)
  {
    if (read(fd, &c, 1) != 1) return -1 ;
    if (c == '\n') return 0 ;
  }
  return -1 ;
}

 /* One session. Returns the fd (still open) or -1; fills *smp. With
   keep, no close_notify: the connection stays up. */
static int session (sample *smp, int keep)
{
  br_sslio_context io ;
  unsigned char c = 'x' ;
  double t0 = now(), t1, t2 ;
  int fd = opensock() ;
  if (fd == -1) return -1 ;
  if (mode == M_STARTTLS)
  {
    static char const cmd[] = "STARTTLS\r\n" ;
    if (readline(fd) == -1
     || write(fd, cmd, sizeof(cmd) - 1) != sizeof(cmd) - 1
     || readline(fd) == -1) goto fail ;
  }
  t1 = now() ;
  if (mode == M_PLAIN)
  {
    if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1) goto fail ;
    t2 = now() ;
  }
  else
  {
    if (resume && havesaved) br_ssl_engine_set_session_parameters(&cc.eng, &saved) ;
    if (!br_ssl_client_reset(&cc, sniname, resume && havesaved)) goto fail ;
    br_sslio_init(&io, &cc.eng, &low_read, &fd, &low_write, &fd) ;
    if (br_sslio_flush(&io) == -1) goto fail ;  /* runs the handshake */
    t2 = now() ;
    if (br_ssl_engine_get_ecdhe_curve(&cc.eng) != BR_EC_secp256r1) goto fail ;
    if (resume)
    {
      br_ssl_session_parameters sp ;
      br_ssl_engine_get_session_parameters(&cc.eng, &sp) ;
      wasresumed = havesaved && sp.session_id_len && sp.session_id_len == saved.session_id_len
        && !memcmp(sp.session_id, saved.session_id, sp.session_id_len) ;
      if (!wasresumed) { saved = sp ; havesaved = 1 ; }
    }
    if (br_sslio_write_all(&io, &c, 1) == -1 || br_sslio_flush(&io) == -1
     || br_sslio_read(&io, &c, 1) != 1) goto fail ;
     /* a close_notify, sent without waiting for the answer */
    if (!keep) br_ssl_engine_close(&cc.eng) ;
    while (!keep)
    {
      size_t len ;
      unsigned char *b = br_ssl_engine_sendrec_buf(&cc.eng, &len) ;
      if (!b) break ;
      if (low_write(&fd, b, len) <= 0) break ;
      br_ssl_engine_sendrec_ack(&cc.eng, len) ;
    }
  }
  smp->total = (float)(now() - t0) ;
  smp->plain = (float)(t1 - t0) ;
  smp->tls = (float)(t2 - t1) ;
  return fd ;
 fail:
  close(fd) ;
  return -1 ;
}

static int cmpf (void const *a, void const *b)
{
  float x = *(float const *)a, y = *(float const *)b ;
  return x < y ? -1 : x > y ;
}

static double median (float *v, size_t n)
{
  if (!n) return 0 ;
  qsort(v, n, sizeof(float), &cmpf) ;
  return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2 ;
}

static void hold (unsigned long n)
{
  unsigned long ok = 0 ;
  char c ;
  for (unsigned long i = 0 ; i < n ; i++)
  {
    sample s ;
    if (session(&s, 1) >= 0) ok++ ;  /* the fd stays open on purpose */
  }
  printf("ready %lu\n", ok) ;
  fflush(stdout) ;
  while (read(0, &c, 1) > 0) ;
  exit(ok == n ? 0 : 1) ;
}

int main (int argc, char **argv)
{
  int jobs = 1, opt ;
  double secs = 2, t0, t1 ;
  unsigned long holdn = 0, conns = 0, fails = 0, resumed = 0, per ;
  char const *cert = 0 ;
  shared *sh ;
  float *v ;
  size_t nv = 0 ;

  while ((opt = getopt(argc, argv, "p:k:n:m:j:t:H:r")) != -1)
    switch (opt)
    {
      case 'p' : port = atoi(optarg) ; break ;
      case 'k' : cert = optarg ; break ;
      case 'n' : sniname = optarg ; break ;
      case 'm' :
        if (!strcmp(optarg, "tls")) mode = M_TLS ;
        else if (!strcmp(optarg, "starttls")) mode = M_STARTTLS ;
        else if (!strcmp(optarg, "plain")) mode = M_PLAIN ;
        else usage() ;
        break ;
      case 'j' : jobs = atoi(optarg) ; break ;
      case 't' : secs = atof(optarg) ; break ;
      case 'H' : holdn = strtoul(optarg, 0, 10) ; break ;
      case 'r' : resume = 1 ; break ;
      default : usage() ;
    }
  if (!port || !cert || jobs < 1 || jobs > MAXJOBS || secs <= 0) usage() ;
  load_key(cert) ;
  setup() ;
  if (holdn) hold(holdn) ;

  per = MAXSAMPLES / MAXJOBS ;
  sh = mmap(0, sizeof(shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0) ;
  if (sh == MAP_FAILED) die("mmap") ;
  t0 = now() ;
  for (int j = 0 ; j < jobs ; j++)
  {
    pid_t pid = fork() ;
    if (pid == -1) die("fork") ;
    if (!pid)
    {
      double end = t0 + secs ;
      while (now() < end)
      {
        sample s ;
        int fd = session(&s, 0) ;
        if (fd == -1) { sh->fails[j]++ ; continue ; }
        close(fd) ;
        if (resume && wasresumed) sh->resumed[j]++ ;
        if (sh->conns[j] < per) sh->s[j][sh->conns[j]] = s ;
        sh->conns[j]++ ;
      }
      _exit(0) ;
    }
  }
  while (wait(0) > 0 || errno == EINTR) ;
  t1 = now() ;
  v = malloc(MAXSAMPLES * sizeof(float)) ;
  if (!v) die("malloc") ;
  for (int j = 0 ; j < jobs ; j++) { conns += sh->conns[j] ; fails += sh->fails[j] ; resumed += sh->resumed[j] ; }
  printf("conns=%lu fails=%lu secs=%.3f rate=%.1f", conns, fails, t1 - t0, conns / (t1 - t0)) ;
  for (int k = 0 ; k < 3 ; k++)
  {
    static char const *const names[3] = { "total_ms", "plain_ms", "tls_ms" } ;
    nv = 0 ;
    for (int j = 0 ; j < jobs ; j++)
      for (unsigned long i = 0 ; i < sh->conns[j] && i < per ; i++)
        v[nv++] = k == 0 ? sh->s[j][i].total : k == 1 ? sh->s[j][i].plain : sh->s[j][i].tls ;
    printf(" %s=%.3f", names[k], median(v, nv) * 1000) ;
  }
  if (resume) printf(" resumed=%lu", resumed) ;
  printf("\n") ;
  return conns ? 0 : 1 ;
}
