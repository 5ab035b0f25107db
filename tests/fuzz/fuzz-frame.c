/* ISC license. */

/* fuzz-frame: the copy loop's watch on the peer's record headers
   (record_header() in src/tls/tls_recin.c, included here for its static
   functions) and the record framing that follows each header
   (tlsloop_frame_step() in src/tls/tls_io.c).  The bytes come from the
   peer; the chunks they arrive in are arbitrary here (the engine asks
   for a header, then a body, but a read may return less).

   Checked against a byte-at-a-time model of TLS record framing: the
   connection ends (here: the longjmp that replaces _exit) exactly when
   the model meets, after the handshake, a type 20 or 22 header, or the
   33rd empty record in a row, before the handshake as after it (empty:
   no body in clear, or no longer than the suite's AEAD overhead once
   the peer's records are encrypted: after the handshake, or after its
   ChangeCipherSpec), and not otherwise; record_header() says "read this
   one yourself" exactly for an alert of at most ALERT_MAX bytes after
   the handshake; and the header bytes and body length left over agree
   with the model at the end. */

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void fz_exit (int) __attribute__((noreturn)) ;
#define _exit fz_exit
#include "../../src/tls/tls_recin.c"
#include "../../src/tls/tls_close.c"
#undef _exit

static jmp_buf jb ;

void fz_exit (int e)
{
  longjmp(jb, e ? e : 1) ;
}

 /* the messages have nowhere to go */
void strerr_warnv (char const *const *a, unsigned int n) { (void)a ; (void)n ; }
void strerr_warnvsys (char const *const *a, unsigned int n) { (void)a ; (void)n ; }

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  static tlsopts const o = TLSOPTS_ZERO ;
  static br_ssl_engine_context eng ;
  static tlsloop l ;
  static facts f ;  /* the end line's, as tls_run gives it */
  static uint8_t const *s ;
  static size_t n, i, dieat ;
  static unsigned int mhdr, mbody, mempty, mccs, mcaptures, captures ;
  static unsigned char h[5] ;
  int died ;
  if (size < 2) return 0 ;
  memset(&l, 0, sizeof(l)) ;
  memset(&f, 0, sizeof(f)) ;
  l.o = &o ;
  l.f = &f ;
  l.eng = &eng ;
  l.hsdone = data[0] & 1 ;
  l.overhead = data[0] & 2 ? 24 : 16 ;
  s = data + 1 ; n = size - 1 ;

   /* the model: where it dies (n if never), the alerts it captures */
  mhdr = mbody = mempty = mccs = mcaptures = 0 ; dieat = n ;
  for (i = 0 ; i < n ; i++)
  {
    if (mhdr < 5)
    {
      h[mhdr++] = s[i] ;
      if (mhdr == 5)
      {
        unsigned int over = l.hsdone ? l.overhead : 24 ;  /* tls_suite_overhead() of no suite */
        int empty ;
        mbody = (unsigned int)h[3] << 8 | h[4] ;
        empty = l.hsdone || mccs ? mbody <= over : !mbody ;
        if (!empty) mempty = 0 ;
        else if (++mempty > 32) { dieat = i ; break ; }
        if (l.hsdone && (h[0] == 22 || h[0] == 20)) { dieat = i ; break ; }
        if (h[0] == 20) mccs = 1 ;
        if (l.hsdone && h[0] == 21 && mbody <= ALERT_MAX) mcaptures++ ;
        if (!mbody) mhdr = 0 ;
      }
    }
    else if (!--mbody) mhdr = 0 ;
  }

   /* frame, in chunks whose sizes the input's own bytes choose: a header
      is collected whole, then looked at, then given to the framing */
  died = 0 ;
  captures = 0 ;
  i = 0 ;
  if (!setjmp(jb))
  {
    while (i < n)
    {
      size_t k = (s[i] % 23) + 1 ;
      if (k > n - i) k = n - i ;
      while (k)
      {
        if (!l.rin.hdrlen)
        {
          size_t m = 5 - l.aheadlen < k ? 5 - l.aheadlen : k ;
          memcpy(l.ahead + l.aheadlen, s + i, m) ;
          l.aheadlen += m ; i += m ; k -= m ;
          if (l.aheadlen < 5) continue ;
          captures += record_header(&l) ;
          l.aheadlen = 0 ;
          frame_in(&l, l.ahead, 5) ;
        }
        else
        {
          int hd ;
          size_t m = tlsloop_frame_step(&l.rin, s + i, k, &hd) ;
          i += m ; k -= m ;
        }
      }
    }
  }
  else died = 1 ;

  if (died != (dieat < n)) abort() ;
  if (captures != mcaptures) abort() ;
  if (!died)
  {
    unsigned int hdr = l.rin.hdrlen ? l.rin.hdrlen : l.aheadlen ;
    if (hdr != mhdr || (mhdr == 5 && l.rin.bodyleft != mbody)) abort() ;
  }
  return 0 ;
}
