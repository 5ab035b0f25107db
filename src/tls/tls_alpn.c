/* ISC license. */

/* tls_alpn.c: strict ALPN (RFC 7301), -a name[,name...]. The ALPACA
   attacks (USENIX Security 2021) redirect a client's TLS connection to a
   server of another protocol that holds a certificate for the same name;
   a server that refuses a client whose ALPN offer names none of its
   protocols, and a client that refuses a server that selects a protocol
   other than its own, close that door. BearSSL does both with
   BR_OPT_FAIL_ON_ALPN_MISMATCH; a client that sends no ALPN at all is
   served, as RFC 7301 has it (most mail clients send none).

   A server that selects a name that the client did not offer, BearSSL
   0.6 fails with BR_ERR_UNEXPECTED, which says nothing of ALPN, and keeps
   no trace of the name: the client keeps a copy of the ServerHello
   (tls_hello.c), and a failed handshake looks into it, to say which name
   the server selected and to send illegal_parameter, as RFC 8446 4.2
   (and OpenSSL's client) does for an extension that breaks its rules. */

#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "ucspitls.h"
#include "tls-internal.h"

 /* the names, split at their commas: on the heap, of their size, since a
    static buffer of the longest list would sit on pages that an idle
    connection without -a writes for its other variables */
static char *alpnbuf = 0 ;
static char const *alpnnames[UCSPITLS_ALPN_MAX] ;
static size_t alpnn = 0 ;

void tls_alpn_setup (br_ssl_engine_context *eng, char const *list)
{
  size_t n = 0, len = strlen(list) ;
  if (len >= UCSPITLS_ALPN_MAX * 256) return ;  /* opts.c let no such list through */
  free(alpnbuf) ;
  alpnbuf = malloc(len + 1) ;
  if (!alpnbuf) log_diefusys(UCSPITLS_EXIT_SYS, "allocate the ALPN names") ;
  memcpy(alpnbuf, list, len + 1) ;
  alpnnames[n++] = alpnbuf ;
  for (char *s = alpnbuf ; *s && n < UCSPITLS_ALPN_MAX ; s++)
    if (*s == ',') { *s = 0 ; alpnnames[n++] = s + 1 ; }
  alpnn = n ;
  br_ssl_engine_set_protocol_names(eng, alpnnames, n) ;
  br_ssl_engine_add_flags(eng, BR_OPT_FAIL_ON_ALPN_MISMATCH) ;
}

void tls_alpn_fact (br_ssl_engine_context *eng, facts *f)
{
  char const *p = br_ssl_engine_get_selected_protocol(eng) ;
  size_t n = p ? strlen(p) : 0 ;
  /* no name: f->alpn is empty already (the facts start zeroed), and a
     write would dirty a page of the facts that an idle connection
     never needs */
  if (!n) return ;
  if (n >= sizeof(f->alpn)) n = sizeof(f->alpn) - 1 ;
  memcpy(f->alpn, p, n) ;
  f->alpn[n] = 0 ;
}

 /* 1 when the ServerHello selected a name that is not one of ours, and
    that name, escaped for one line, into s (TLS_ALPN_ESCMAX bytes) unless
    s is null */
int tls_alpn_unoffered (char *s)
{
  unsigned char name[255] ;
  size_t n ;
  if (!alpnn) return 0 ;
  n = tls_hello_server_alpn(name) ;
  if (!n || tls_alpn_ours(name, n)) return 0 ;
  if (s) s[facts_escape_bytes(s, TLS_ALPN_ESCMAX - 1, name, n, " ")] = 0 ;  /* a NUL in it too */
  return 1 ;
}

 /* 1 when -a lets the name through: one of its names, or any without -a */
int tls_alpn_ours (unsigned char const *name, size_t n)
{
  if (!alpnn) return 1 ;
  for (size_t i = 0 ; i < alpnn ; i++)
    if (strlen(alpnnames[i]) == n && !memcmp(alpnnames[i], name, n)) return 1 ;
  return 0 ;
}

int tls_alpn_strict (void)
{
  return !!alpnn ;
}
