/* ISC license. */

/* version.c: -V, for the three programs: one line "prog version" on
   stdout, exit 0, nothing else read or done. The version is
   package/info's, which the Makefile gives as UCSPITLS_VERSION. */

#include <unistd.h>

#include <skalibs/buffer.h>
#include <skalibs/strerr.h>

#include "ucspitls.h"

#ifndef UCSPITLS_VERSION
#error "UCSPITLS_VERSION is package/info's version, given by the Makefile"
#endif

void ucspitls_version (void)
{
  if (buffer_puts(buffer_1, PROG) < 0 || buffer_putsflush(buffer_1, " " UCSPITLS_VERSION "\n") < 0)
    strerr_diefu1sys(UCSPITLS_EXIT_SYS, "write the version to stdout") ;
  _exit(0) ;
}
