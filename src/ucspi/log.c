/* ISC license. */

/* log.c: with -v2, one line per connection, at its end:
   peer, SNI, protocol, suite, bytes each way, duration, the client's
   verification policy and its outcome, how it ended. */

#include <stdint.h>

#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>

#include "ucspitls.h"

static tain start ;

void log_start (void)
{
  tain_now_set_stopwatch_g() ;
  tain_copynow(&start) ;
}

void log_end (tlsopts const *o, facts const *f, uint64_t in, uint64_t out, char const *end)
{
  char fin[UINT64_FMT] ;
  char fout[UINT64_FMT] ;
  char fsec[UINT_FMT] ;
  char fms[4] ;
  char sni[sizeof(f->sni) * 4] ;
  char verify[sizeof(f->verify) * 4] ;
  tain d ;
  int ms ;
  if (o->verbosity < 2) return ;
  tain_now_g() ;
  tain_sub(&d, &STAMP, &start) ;
  ms = tain_to_millisecs(&d) ;
  if (ms < 0) ms = 0 ;
  fin[uint64_fmt(fin, in)] = 0 ;
  fout[uint64_fmt(fout, out)] = 0 ;
  fsec[uint_fmt(fsec, (unsigned int)ms / 1000)] = 0 ;
  fms[0] = '0' + (ms % 1000) / 100 ;
  fms[1] = '0' + (ms % 100) / 10 ;
  fms[2] = '0' + ms % 10 ;
  fms[3] = 0 ;
  if (!facts_escape(sni, sizeof(sni), f->sni, 1)) sni[0] = '-', sni[1] = 0 ;
  if (!facts_escape(verify, sizeof(verify), f->verify, 1)) verify[0] = '-', verify[1] = 0 ;
  strerr_warn(PROG, ": info: peer=", o->peer ? o->peer : "-",
    " sni=", sni,
    " protocol=", f->protocol ? f->protocol : "-",
    " cipher=", f->cipher ? f->cipher : "-",
    " in=", fin, " out=", fout,
    " duration=", fsec, ".", fms,
    f->policy ? " policy=" : "", f->policy ? f->policy : "",
    f->policy ? " verify=" : "", f->policy ? verify : "",
    " end=", end) ;
}
