/* ISC license. */

/* smtp_data.c: a DATA body on its way to the server. The relay must
   never disagree with the server about where the body ends, and servers
   read bare LF and bare CR each their own way: netqmail's qmail-smtpd
   ends the session at a bare LF; Exim 4.96 with the CVE-2023-51766 fix
   keeps "LF . LF" as body unless the message's first line ended in a
   bare LF; older servers end the body there. So the body is made
   unambiguous before it is relayed: every bare LF and every bare CR
   becomes CR LF, and a line that is a lone dot ends the body only where
   the client sent CR LF . CR LF. A lone dot with a bare line end on
   either side is a line of the body, sent dot-stuffed, so that no server
   takes it for the end: turning it into an end would let a client
   smuggle commands past a server upstream that kept it as body. The
   server sees CR LF line ends only, and one end, where the relay saw
   it. */

#include "smtp-internal.h"

enum
{
  D_BOL = SMTP_DATA_BOL,  /* at the start of a line */
  D_MID,                  /* inside a line */
  D_CR,                   /* a CR, not sent yet */
  D_DOT,                  /* a dot that starts a line, not sent yet */
  D_DOTCR                 /* the same, then a CR */
} ;

#define DATA_STEPMAX 4  /* the most that one step sends: ". . CR LF" */

static void put (smtp *r, char const *s, size_t n)
{
  iobuf_put(&r->io.sout, s, n) ;
}

 /* a line ends: with CR LF, whatever the client ended it with */
static void eol (smtp *r, int bare)
{
  put(r, "\r\n", 2) ;
  r->dstate = D_BOL ;
  r->dbare = bare ;
}

 /* the bytes of a line up to its end, as they are */
static size_t run (smtp *r, char const *s, size_t n)
{
  size_t room = iobuf_room(&r->io.sout), i = 0 ;
  if (n > room) n = room ;
  while (i < n && s[i] != '\r' && s[i] != '\n') i++ ;
  put(r, s, i) ;
  return i ;
}

size_t smtp_data_scan (smtp *r, char const *s, size_t n, int *done)
{
  size_t i = 0 ;
  while (i < n && iobuf_room(&r->io.sout) >= DATA_STEPMAX)
  {
    char c = s[i] ;
    switch (r->dstate)
    {
      case D_BOL :
        if (c != '.') { r->dstate = D_MID ; continue ; }
        r->dstate = D_DOT ;
        break ;
      case D_MID :
        if (c == '\r') r->dstate = D_CR ;
        else if (c == '\n') eol(r, 1) ;
        else { i += run(r, s + i, n - i) ; continue ; }
        break ;
      case D_CR :
        if (c == '\n') { eol(r, 0) ; break ; }
        eol(r, 1) ;  /* a bare CR ended the line: c starts the next */
        continue ;
      case D_DOT :
        if (c == '\r') { r->dstate = D_DOTCR ; break ; }
        if (c == '\n') { put(r, "..", 2) ; eol(r, 1) ; break ; }
        put(r, ".", 1) ;
        r->dstate = D_MID ;
        continue ;
      case D_DOTCR :
        if (c == '\n' && !r->dbare)
        {
          put(r, ".\r\n", 3) ;
          r->dstate = D_BOL ;
          *done = 1 ;
          return i + 1 ;
        }
        put(r, "..", 2) ;
        if (c == '\n') { eol(r, 0) ; break ; }
        eol(r, 1) ;  /* the CR after the dot was bare */
        continue ;
    }
    i++ ;
  }
  return i ;
}
