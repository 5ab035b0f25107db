/* ISC license. */

/* fuzz-smtp: starttls-smtpd's relay (src/smtp, src/adapt), which reads the SMTP
   client (a peer), the real server, and the facts block of the UCSPI-TLS
   server above it. Three modes, chosen by the first byte:
     - the DATA body (smtp_data_scan), fed in chunks, with the server's
       buffer of any size and drained by any amounts, against a model of
       the rule in smtp_data.c's header: every line end becomes CR LF, a
       lone dot ends the body only as CR LF . CR LF (the body's start
       counts as after CR LF), any other lone dot is sent as "..", the
       rest as it is; the body ends exactly where the model says, with
       exactly the model's bytes (or, when it has not ended, a prefix of
       what the model makes of the input with a CR LF added);
     - the whole relay (smtp_server_parse and smtp_client_parse, driven
       as starttls-smtpd's loop drives them, with buffers of its sizes,
       allocated to them, for ASan): client bytes, server bytes (some
       repeated, for long lines) and writes to either side in the order
       the input says. Checked: every
       buffer stays within itself; what waits for the client is whole
       lines, each ended by LF and at most SMTP_RLINEMAX bytes (a partial
       line there would be glued to the next reply); when the relay goes
       ahead with STARTTLS it holds no client byte past the STARTTLS
       line and reads no more (RFC 3207: no injected command survives);
     - the facts block (adapt_facts_filter, adapt_env), against a model:
       only names of SSL_ and letters, digits, underscores are kept, the
       first of each name, in order, with a warning for each other string
       dropped; the server's environment is ours less the UCSPI-TLS
       variables and every name that the block holds, then the block's
       NAME=VALUE strings. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ucspitls.h"
#include "../../src/smtp/smtp-internal.h"

#define check(c) do { if (!(c)) { fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__) ; abort() ; } } while (0)

static unsigned int warnings ;
void strerr_warnv (char const *const *a, unsigned int n) { (void)a ; (void)n ; warnings++ ; }

static void iobuf_new (iobuf *b, size_t cap)
{
  b->s = malloc(cap ? cap : 1) ;
  check(b->s) ;
  b->pos = b->len = 0 ;
  b->cap = cap ;
}

static void iobuf_ok (iobuf const *b)
{
  check(b->pos <= b->len && b->len <= b->cap) ;
}

 /* n bytes of the buffer are written out: to acc, if given */
static void drain (iobuf *b, size_t n, char *acc, size_t *acclen, size_t accmax)
{
  if (n > iobuf_avail(b)) n = iobuf_avail(b) ;
  if (acc) { check(*acclen + n <= accmax) ; memcpy(acc + *acclen, b->s + b->pos, n) ; *acclen += n ; }
  b->pos += n ;
  if (b->pos == b->len) b->pos = b->len = 0 ;
}

 /* the model of the body: what goes to the server, and where it ends
    (0 when it does not) */
static size_t model_data (char const *s, size_t n, char *out, size_t *o)
{
  size_t i = 0 ;
  int prevbare = 0 ;
  *o = 0 ;
  while (i < n)
  {
    size_t j = i, tl ;
    int crlf ;
    while (j < n && s[j] != '\r' && s[j] != '\n') j++ ;
    if (j == n) break ;
    if (s[j] == '\n') { crlf = 0 ; tl = 1 ; }
    else if (j + 1 == n) break ;   /* a CR, and what follows it is not there yet */
    else if (s[j + 1] == '\n') { crlf = 1 ; tl = 2 ; }
    else { crlf = 0 ; tl = 1 ; }
    if (j - i == 1 && s[i] == '.')
    {
      if (crlf && !prevbare) { memcpy(out + *o, ".\r\n", 3) ; *o += 3 ; return j + tl ; }
      memcpy(out + *o, "..\r\n", 4) ; *o += 4 ;
    }
    else
    {
      memcpy(out + *o, s + i, j - i) ; *o += j - i ;
      memcpy(out + *o, "\r\n", 2) ; *o += 2 ;
    }
    prevbare = !crlf ;
    i = j + tl ;
  }
  return 0 ;
}

static void fuzz_data (uint8_t const *data, size_t size)
{
  static smtp r ;
  char *body, *got, *want ;
  size_t cap, i = 0, glen = 0, wlen, end, k = 0 ;
  int done = 0 ;
  if (size < 2) return ;
  cap = 4 + data[0] * 4 ;   /* the server's buffer: 4 to 1024 bytes */
  k = data[1] ;             /* the chunk and drain sizes, from it */
  data += 2 ; size -= 2 ;
  body = malloc(size + 2) ;
  got = malloc(4 * size + 16) ;
  want = malloc(4 * size + 16) ;
  check(body && got && want) ;
  memcpy(body, data, size) ;
  memset(&r, 0, sizeof(r)) ;
  r.mode = SMTP_MODE_DATA ;
  r.dstate = SMTP_DATA_BOL ;
  iobuf_new(&r.io.sout, cap) ;
  while (i < size && !done)
  {
    size_t chunk = 1 + (k * 7 + i) % 97, took ;
    if (chunk > size - i) chunk = size - i ;
    took = smtp_data_scan(&r, body + i, chunk, &done) ;
    check(took <= chunk) ;
    iobuf_ok(&r.io.sout) ;
    i += took ;
     /* the server reads some; all when the relay could take nothing */
    drain(&r.io.sout, took ? 1 + (k * 13 + i) % (cap + 1) : cap, got, &glen, 4 * size + 16) ;
  }
  drain(&r.io.sout, cap, got, &glen, 4 * size + 16) ;
  end = model_data(body, size, want, &wlen) ;
  if (done)
  {
    check(end && i == end) ;   /* it ends where the model ends it */
    check(glen == wlen && !memcmp(got, want, wlen)) ;
  }
  else
  {
    check(!end && i == size) ;
    body[size] = '\r' ; body[size + 1] = '\n' ;
    model_data(body, size + 2, want, &wlen) ;
    check(glen <= wlen && !memcmp(got, want, glen)) ;
  }
  free(r.io.sout.s) ;
  free(want) ; free(got) ; free(body) ;
}

 /* the relay as the main loop drives it */
static void fuzz_relay (uint8_t const *data, size_t size)
{
  static smtp r ;
  size_t coutline = 0 ;
  if (size < 1) return ;
  memset(&r, 0, sizeof(r)) ;
  r.io.required = data[0] & 1 ;
  r.io.tlsavail = !!(data[0] & 2) ;
  r.io.tls = !!(data[0] & 4) ;
  r.outstanding = 1 ;   /* the greeting */
  iobuf_new(&r.io.cin, SMTP_CIN) ;
  iobuf_new(&r.io.sout, SMTP_SOUT) ;
  iobuf_new(&r.io.sin, SMTP_SIN) ;
  iobuf_new(&r.io.cout, SMTP_COUT) ;
  data++ ; size-- ;
  while (size >= 2 && r.io.phase == ADAPT_PHASE_RELAY)
  {
    unsigned int op = data[0] & 3 ;
    size_t n = data[1] ;
    data += 2 ; size -= 2 ;
    if (op < 2)
    {
       /* bytes from the input; with bit 2, those bytes 32 times over,
          so that a line can be longer than an input */
      static char rep[255 * 32] ;
      iobuf *b = op ? &r.io.sin : &r.io.cin ;
      char const *src = (char const *)data ;
      size_t m ;
      if (n > size) n = size ;
      m = n ;
      if (data[-2] & 4 && n)
      {
        for (size_t i = 0 ; i < 32 * n ; i++) rep[i] = src[i % n] ;
        src = rep ; m = 32 * n ;
      }
      data += n ; size -= n ;
      if (!op && r.io.stopread) m = 0 ;   /* never read again */
      if (m > iobuf_room(b)) m = iobuf_room(b) ;
      if (m) iobuf_put(b, src, m) ;
    }
    else if (op == 2) drain(&r.io.sout, n * 64 + 1, 0, 0, 0) ;
    else
    {
       /* the client reads: its lines */
      size_t m = n * 64 + 1 ;
      if (m > iobuf_avail(&r.io.cout)) m = iobuf_avail(&r.io.cout) ;
      for (size_t i = 0 ; i < m ; i++)
      {
        coutline++ ;
        check(coutline <= SMTP_RLINEMAX) ;
        if (r.io.cout.s[r.io.cout.pos + i] == '\n') coutline = 0 ;
      }
      drain(&r.io.cout, m, 0, 0, 0) ;
    }
    smtp_server_parse(&r) ;
    smtp_client_parse(&r) ;
    iobuf_ok(&r.io.cin) ; iobuf_ok(&r.io.sout) ; iobuf_ok(&r.io.sin) ; iobuf_ok(&r.io.cout) ;
    if (r.io.phase == ADAPT_PHASE_GOAHEAD) check(r.io.stopread && !iobuf_avail(&r.io.cin) && r.io.tlsavail && !r.io.tls) ;
     /* what waits for the client is whole lines */
    if (iobuf_avail(&r.io.cout)) check(r.io.cout.s[r.io.cout.len - 1] == '\n') ;
  }
  free(r.io.cin.s) ; free(r.io.sout.s) ; free(r.io.sin.s) ; free(r.io.cout.s) ;
}

 /* the model of the facts */

static size_t mnamelen (char const *s) { size_t n = 0 ; while (s[n] && s[n] != '=') n++ ; return n ; }

static int mfactname (char const *s, size_t n)
{
  if (n < 5 || strncmp(s, "SSL_", 4)) return 0 ;
  for (size_t i = 4 ; i < n ; i++)
    if (!strchr("_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", s[i]) || !s[i]) return 0 ;
  return 1 ;
}

static int msame (char const *a, char const *b)
{
  size_t n = mnamelen(a) ;
  return n == mnamelen(b) && !strncmp(a, b, n) ;
}

static void fuzz_facts (uint8_t const *data, size_t size)
{
  static char const *const envp[] = { "PATH=/bin", "SSLCTLFD=5", "SSLREADFD=6", "SSLWRITEFD=7", "UCSPITLS=", "UCSPITLS",
    "SSL_PROTOCOL=plain", "SSL_CLIENT_S_DN=/CN=old", "SSL_CIPHER", "TCPREMOTEIP=127.0.0.1", 0 } ;
  char *block = malloc(size + 1), *want = malloc(size + 1) ;
  char const **kept = malloc((size + 1) * sizeof(char const *)) ;
  char const **e ;
  size_t len = size + 1, wl = 0, nk = 0, drops = 0, n, j ;
  check(block && want && kept) ;
  memcpy(block, data, size) ;
  block[size] = 0 ;   /* its strings whole, as adapt_ctl.c gives them */
  for (size_t i = 0 ; i < len ; i += strlen(block + i) + 1)
  {
    char const *s = block + i ;
    int dup = 0 ;
    if (!mfactname(s, mnamelen(s))) { drops++ ; continue ; }
    for (size_t k = 0 ; k < nk ; k++) if (msame(kept[k], s)) dup = 1 ;
    if (dup) continue ;
    kept[nk++] = s ;
    memcpy(want + wl, s, strlen(s) + 1) ;
    wl += strlen(s) + 1 ;
  }
  warnings = 0 ;
  n = adapt_facts_filter(block, len) ;
  check(n == wl && !memcmp(block, want, wl) && warnings == drops) ;
  e = adapt_env(envp, block, n) ;
  j = 0 ;
  for (char const *const *p = envp ; *p ; p++)
  {
    int drop = !strncmp(*p, "SSLCTLFD=", 9) || !strncmp(*p, "SSLREADFD=", 10) || !strncmp(*p, "SSLWRITEFD=", 11)
      || !strncmp(*p, "UCSPITLS=", 9) || !strcmp(*p, "UCSPITLS") ;
    for (size_t i = 0 ; i < n && !drop ; i += strlen(block + i) + 1) if (msame(*p, block + i)) drop = 1 ;
    if (drop) continue ;
    check(e[j] == *p) ;
    j++ ;
  }
  for (size_t i = 0 ; i < n ; i += strlen(block + i) + 1)
    if (strchr(block + i, '=')) { check(e[j] == block + i) ; j++ ; }
  check(!e[j]) ;
  free(e) ;
  free(kept) ; free(want) ; free(block) ;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  if (!size) return 0 ;
  switch (data[0] % 3)
  {
    case 0 : fuzz_data(data + 1, size - 1) ; break ;
    case 1 : fuzz_relay(data + 1, size - 1) ; break ;
    case 2 : fuzz_facts(data + 1, size - 1) ; break ;
  }
  return 0 ;
}
