/* ISC license. */

/* fuzz-frame: the copy loop's watch on the peer's record headers (frame_in()
   in src/tls/tls_run.c, included here for its static functions), which holds
   a peer's alert after the handshake and refuses a handshake or
   ChangeCipherSpec record then (a renegotiation).  The bytes come from
   the peer; the chunks they arrive in are arbitrary here (the engine
   asks for a header, then a body, but a read may return less).

   Checked against a byte-at-a-time model of TLS record framing: frame_in()
   ends the connection (here: the longjmp that replaces _exit) exactly when
   the model meets, after the handshake, a type 20 or 22 header, or the
   33rd application-data record in a row that is empty (no longer than
   the suite's AEAD overhead: 16 bytes for ChaCha20-Poly1305, 24 for
   AES-GCM), and not otherwise; "held" is set exactly when the model has met an alert header
   after the handshake; and the header bytes and body length left over
   agree with the model at the end. */

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void fz_exit (int) __attribute__((noreturn)) ;
#define _exit fz_exit
#include "../../src/tls/tls_run.c"
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
  static loop l ;
  static uint8_t const *s ;
  static size_t n, i, dieat ;
  static unsigned int mhdr, mbody, malert, mempty ;
  static unsigned char mtype ;
  int died ;
  if (size < 2) return 0 ;
  memset(&l, 0, sizeof(l)) ;
  l.o = &o ;
  l.hsdone = data[0] & 1 ;
  l.overhead = data[0] & 2 ? 24 : 16 ;
  s = data + 1 ; n = size - 1 ;

   /* the model: where it dies (n if never), alert seen before that */
  mhdr = mbody = malert = mempty = 0 ; mtype = 0 ; dieat = n ;
  for (i = 0 ; i < n ; i++)
  {
    if (mhdr < 5)
    {
      static unsigned char h[5] ;
      h[mhdr++] = s[i] ;
      if (mhdr == 5)
      {
        mtype = h[0] ;
        mbody = (unsigned int)h[3] << 8 | h[4] ;
        if (l.hsdone && mtype == 21) malert = 1 ;
        if (l.hsdone && (mtype == 22 || mtype == 20)) { dieat = i ; break ; }
        if (l.hsdone && mtype == 23)
        {
          if (mbody > l.overhead) mempty = 0 ;
          else if (++mempty > 32) { dieat = i ; break ; }
        }
        if (!mbody) mhdr = 0 ;
      }
    }
    else if (!--mbody) mhdr = 0 ;
  }

   /* frame, in chunks whose sizes the input's own bytes choose */
  died = 0 ;
  i = 0 ;
  if (!setjmp(jb))
  {
    while (i < n)
    {
      size_t k = (s[i] % 23) + 1 ;
      if (k > n - i) k = n - i ;
      frame_in(&l, s + i, k) ;
      i += k ;
    }
  }
  else died = 1 ;

  if (died != (dieat < n)) abort() ;
  if (l.held != malert) abort() ;
  if (!died && (l.rin.hdrlen != mhdr || (mhdr == 5 && l.rin.bodyleft != mbody))) abort() ;
  return 0 ;
}
