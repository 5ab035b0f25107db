/* ISC license. */
#include "tls-session.h"
char const *tls_sfile_path = 0 ;
