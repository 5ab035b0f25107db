/* ISC license. */

/* bearssl-speed.c: the crypto ceiling. BearSSL's own TLS 1.2 record
   layer (the code that the engine runs for every record), one core, in
   memory: full 16 KiB application-data records are encrypted, then
   decrypted, with the implementations that br_ssl_engine_set_default_*
   picks on this CPU.

     bearssl-speed [SECS]

   For each of AES-128-GCM and ChaCha20-Poly1305, prints one line:
     suite=NAME enc_MBps=N dec_MBps=N encdec_MBps=N impl=...
   enc: encryption alone; encdec: encrypting and decrypting each record
   on the same core (what one core can push through a tunnel that it
   both encrypts and decrypts); dec is derived from the two. MB = 10^6
   bytes of plaintext. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bearssl.h>

#define RECLEN 16384

static unsigned char buf[BR_SSL_BUFSIZE_OUTPUT + 64] ;

static double now (void)
{
  struct timespec ts ;
  clock_gettime(CLOCK_MONOTONIC, &ts) ;
  return ts.tv_sec + ts.tv_nsec / 1e9 ;
}

typedef struct rec_s rec ;
struct rec_s
{
  br_sslrec_out_class const **out ;
  br_sslrec_in_class const **in ;
  void (*init)(struct rec_s const *) ;  /* both sides back to sequence number 0 */
} ;

 /* one record out, and (if decrypt) back in; dies on a MAC failure */
static void roundtrip (rec const *r, size_t off, int decrypt)
{
  size_t len = RECLEN ;
  unsigned char *p = (*r->out)->encrypt(r->out, 23, 0x0303, buf + off, &len) ;
  if (decrypt)
  {
    size_t plen = len - 5 ;
    if (!(*r->in)->decrypt(r->in, 23, 0x0303, p + 5, &plen) || plen != RECLEN)
    {
      fputs("bearssl-speed: fatal: record did not decrypt\n", stderr) ;
      exit(1) ;
    }
  }
}

static double run (rec const *r, size_t off, int decrypt, double secs)
{
  unsigned long n = 0 ;
  double t0 = now(), t ;
  do
  {
    for (int i = 0 ; i < 64 ; i++) roundtrip(r, off, decrypt) ;
    n += 64 ;
    t = now() ;
  } while (t - t0 < secs) ;
  return n * (double)RECLEN / (t - t0) / 1e6 ;
}

static void report (char const *name, rec const *r, size_t off, double secs, char const *impl)
{
  double enc, encdec ;
  (*r->init)(r) ;
  enc = run(r, off, 0, secs) ;
  (*r->init)(r) ;
  encdec = run(r, off, 1, secs) ;
  double dec = 1 / (1 / encdec - 1 / enc) ;
  printf("suite=%s enc_MBps=%.0f dec_MBps=%.0f encdec_MBps=%.0f impl=%s\n", name, enc, dec, encdec, impl) ;
}

static unsigned char key[32], iv[12] ;
static br_sslrec_gcm_context gout, gin ;
static br_block_ctr_class const *ctr ;
static br_ghash gh ;
static br_sslrec_chapol_context cout, cin ;
static br_chacha20_run cc ;
static br_poly1305_run pc ;

static void gcm_init (rec const *r)
{
  (void)r ;
  br_sslrec_out_gcm_vtable.init(&gout.vtable.out, ctr, key, 16, gh, iv) ;
  br_sslrec_in_gcm_vtable.init(&gin.vtable.in, ctr, key, 16, gh, iv) ;
}

static void chapol_init (rec const *r)
{
  (void)r ;
  br_sslrec_out_chapol_vtable.init(&cout.vtable.out, cc, pc, key, iv) ;
  br_sslrec_in_chapol_vtable.init(&cin.vtable.in, cc, pc, key, iv) ;
}

int main (int argc, char **argv)
{
  double secs = argc > 1 ? atof(argv[1]) : 1.0 ;
  char impl[64] ;
  if (secs <= 0) secs = 1.0 ;
  memset(key, 7, sizeof(key)) ;
  memset(iv, 9, sizeof(iv)) ;
  memset(buf, 0, sizeof(buf)) ;

  ctr = br_aes_x86ni_ctr_get_vtable() ;
  gh = br_ghash_pclmul_get() ;
  snprintf(impl, sizeof(impl), "%s+%s", ctr ? "aes_x86ni" : "aes_ct64", gh ? "ghash_pclmul" : "ghash_ctmul64") ;
  if (!ctr) ctr = &br_aes_ct64_ctr_vtable ;
  if (!gh) gh = &br_ghash_ctmul64 ;
  {
    rec r = { (br_sslrec_out_class const **)&gout.vtable.out, (br_sslrec_in_class const **)&gin.vtable.in, &gcm_init } ;
    report("AES-128-GCM", &r, 5 + 8, secs, impl) ;  /* record header, explicit nonce */
  }

  cc = br_chacha20_sse2_get() ;
  pc = br_poly1305_ctmulq_get() ;
  snprintf(impl, sizeof(impl), "%s+%s", cc ? "chacha20_sse2" : "chacha20_ct", pc ? "poly1305_ctmulq" : "poly1305_ctmul") ;
  if (!cc) cc = &br_chacha20_ct_run ;
  if (!pc) pc = &br_poly1305_ctmul_run ;
  {
    rec r = { (br_sslrec_out_class const **)&cout.vtable.out, (br_sslrec_in_class const **)&cin.vtable.in, &chapol_init } ;
    report("ChaCha20-Poly1305", &r, 5, secs, impl) ;
  }
  return 0 ;
}
