#!/usr/bin/env python3
"""sqmail-smtpd -- stands for s/qmail's qmail-smtpd in what UCSPI-TLS
touches: its conventions and replies as in its sources (aqmail/aQmail:
qmail-smtpd.c setup(), smtp_ehlo, smtp_starttls, modssl_info, smtp_mail,
smtp_rcpt; tls_start.c; smtpdlog.c; received.c; see the research notes,
/work/notes/apps-research.md sections 1, 2, 4).  Run as ucspitlsd's prog,
on fds 0/1 (a UCSPI-TCP server's).  Nothing is queued: each message, as
qmail-queue would get it, goes to the log.

UCSPITLS, read at start (case-insensitive, the whole string):
  unset or "-"   starttls 0: no STARTTLS in EHLO; STARTTLS gets
                 "500 unimplemented (#5.5.1)"
  "" or other    starttls 1: "250-STARTTLS" in EHLO, TLS optional
  "!"            starttls 2: offered, and MAIL before TLS gets
                 "535 STARTTLS required (#5.7.1)"
  "?"            starttls 3: in s/qmail's code the same as "!"
  "@"            starttls 4: as "!"; after TLS with a client certificate
                 the session is authenticated by it: AUTHPROTOCOL=cert,
                 AUTHUSER and TCPREMOTEINFO the certificate's CN (else its
                 DN), protocol ESMTPSA, "Accept::AUTH::cert" logged
On TCPLOCALPORT (TCP6LOCALPORT) 465 TLS is taken to be on already: the
facts must be in the environment (else 454), starttls -1; UCSPITLS is
still read afterwards, as s/qmail does.

STARTTLS: "220 Ready to start TLS (#5.7.0)"; 'Y' on $SSLCTLFD, then
dup2($SSLREADFD, 0) and dup2($SSLWRITEFD, 1) (tls_start.c starttls_init;
a failure: "454 TLS not available due to temporary reason (#5.7.3)" and
exit 1); the facts block read by the reader s/qmail shares with
acceptutils (halfreader.py: it stops about halfway), each fact it gets
put in the environment (end-of-file first: "421 out of memory (#4.3.0)",
exit 1); then modssl_info: SSL_PROTOCOL must be there (else 454),
SSL_CIPHER, SSL_CIPHER_USEKEYSIZE, SSL_CIPHER_ALGKEYSIZE ("unknown" when
absent), and SSL_CLIENT_S_DN: its mere presence, whatever its value,
makes the client a relay client (RELAYCLIENT "") authenticated by its
certificate.  The Received line's "de/crypted with PROTOCOL: CIPHER
[USE/ALG] DN=DN" ("none" without a DN), protocol ESMTPS.  The SMTP state
is reset and buffered plaintext thrown away.

The rest, as s/qmail: commands read up to LF, a CR before it dropped,
the verb case-insensitive; EHLO offers PIPELINING, SMTPUTF8, 8BITMIME;
RCPT to a domain not in $SQMAIL_RCPTHOSTS gets "553 sorry, that domain
isn't in my list of allowed rcpthosts (#5.7.1)" unless the client may
relay ($RELAYCLIENT, or a certificate); LOCALMFCHECK="?" makes a relay
client's MAIL FROM equal SSL_CLIENT_S_DN_Email (with "@"), else "553
sorry, invalid sender address specified (#5.7.1)" at RCPT; DATA ends at
CR LF . CR LF (a bare LF is read as CR LF); "250 ok TIME qp PID".  Its log lines on stderr (smtpdlog.c's, "qmail-smtpd: pid
N Accept::...").  Departures: no control files; AUTH by password is not
there ("504 auth type unimplemented (#5.5.1)" where s/qmail would run
checkpassword); no SPF, RBL, badmailfrom, DNS checks.

Environment (the test's, not s/qmail's):
  SQMAIL_LOG        events appended, one a line: "setup UCSPITLS=...
                    starttls=N" (UCSPITLS as a Python literal, or
                    "(unset)", as read before TLS), "cmd LINE", "fact NAME=VALUE" for each
                    variable the facts reader set, "tlsinfo TEXT",
                    "relayclient yes|no", "message BYTES" (the message
                    as queued, Received line first, a Python literal)
  SQMAIL_RCPTHOSTS  the domains of control/rcpthosts, space-separated
  SQMAIL_GREETING   control/smtpgreeting (default "localhost")
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import halfreader  # noqa: E402

PORT_SMTPS = "465"
CR, LF, DOT = 0x0d, 0x0a, 0x2e


def log(event):
    path = os.environ.get("SQMAIL_LOG")
    if path:
        with open(path, "ab") as f:
            f.write(event.encode("utf-8", "backslashreplace") + b"\n")


class Out:
    """substdio on fd 1: flushed before every read, as saferead does"""

    def __init__(self):
        self.buf = b""

    def put(self, s):
        self.buf += s.encode("utf-8", "surrogateescape")

    def flush(self):
        while self.buf:
            try:
                n = os.write(1, self.buf)
            except OSError:
                os._exit(1)
            self.buf = self.buf[n:]


class In:
    """substdio on fd 0: reads of up to 1024 bytes (BUF_SIZE)"""

    def __init__(self):
        self.buf, self.p = b"", 0

    def get(self):
        if self.p == len(self.buf):
            out.flush()
            try:
                self.buf = os.read(0, 1024)
            except OSError:
                self.buf = b""
            self.p = 0
            if not self.buf:
                os._exit(1)     # die_read
        c = self.buf[self.p]
        self.p += 1
        return c

    def drop(self):             # ssin.p = 0
        self.buf, self.p = b"", 0


out, ssin = Out(), In()


def die(reply):
    out.put(reply)
    out.flush()
    os._exit(1)


def die_starttls():
    die("454 TLS not available due to temporary reason (#5.7.3)\r\n")


def env_get(name):
    return os.environ.get(name)


class Smtpd:
    def __init__(self, childargs):
        self.childargs = childargs
        self.greeting = env_get("SQMAIL_GREETING") or "localhost"
        self.rcpthosts = set((env_get("SQMAIL_RCPTHOSTS") or "").lower().split())
        self.protocol = "ESMTP"
        self.remoteip = env_get("TCP6REMOTEIP") or env_get("TCPREMOTEIP") or "unknown"
        self.local = (env_get("TCP6LOCALHOST") or env_get("TCPLOCALHOST") or env_get("TCP6LOCALIP")
                      or env_get("TCPLOCALIP") or "unknown")
        self.localport = env_get("TCP6LOCALPORT") or env_get("TCPLOCALPORT") or "0"
        self.remotehost = env_get("TCP6REMOTEHOST") or env_get("TCPREMOTEHOST") or "unknown"
        self.remoteinfo = env_get("TCP6REMOTEINFO") or env_get("TCPREMOTEINFO")
        self.relayclient = env_get("RELAYCLIENT")
        self.starttls = self.seentls = self.seenauth = self.smtpauth = 0
        self.tlsinfo = None
        self.dnemail = None
        self.authmethod = ""
        self.seenmail = self.seenhelo = 0
        self.helohost, self.mailfrom, self.rcptto = "", "", []
        self.flagmav = 0
        self.localmf = 4 if env_get("LOCALMFCHECK") == "?" else 0
        auth = env_get("SMTPAUTH")
        if auth is not None:
            self.smtpauth = {"-": 0, "!": 11}.get(auth, 1)
        if self.localport.lower() == PORT_SMTPS:
            if not self.modssl_info():
                die_starttls()
            self.starttls = -1
        ucspitls = None
        if not self.seentls:
            ucspitls = env_get("UCSPITLS")
            if ucspitls is not None:
                self.starttls = {"-": 0, "!": 2, "?": 3, "@": 4}.get(ucspitls, 1)
        log("setup UCSPITLS=%s starttls=%d" % ("(unset)" if ucspitls is None else repr(ucspitls),
                                               self.starttls))

    # --- TLS (tls_start.c, modssl_info)

    def starttls_init(self):
        try:
            os.write(int(env_get("SSLCTLFD")), b"Y")
            os.dup2(int(env_get("SSLREADFD")), 0)
            os.dup2(int(env_get("SSLWRITEFD")), 1)
        except (TypeError, ValueError, OSError):
            return False
        return True

    def starttls_info(self):
        try:
            fd = int(env_get("SSLCTLFD"))
        except (TypeError, ValueError):
            return False
        try:
            block = halfreader.read_block(fd)
        except EOFError:
            die("421 out of memory (#4.3.0)\r\n")
        for name, value in halfreader.parse(block).items():
            name = name.decode("utf-8", "surrogateescape")
            value = value.decode("utf-8", "surrogateescape")
            if not name:
                continue
            os.environ[name] = value
            log("fact %s=%s" % (name, value))
        return True

    def auth_info(self, method):
        os.environ["AUTHPROTOCOL"] = method
        os.environ["AUTHUSER"] = self.remoteinfo
        os.environ["TCPREMOTEINFO"] = self.remoteinfo
        self.protocol += "A"

    def modssl_info(self):
        tlsversion = env_get("SSL_PROTOCOL")
        if tlsversion is None:
            return False
        cipher = env_get("SSL_CIPHER") or "unknown"
        cipherperm = env_get("SSL_CIPHER_ALGKEYSIZE") or "unknown"
        cipherused = env_get("SSL_CIPHER_USEKEYSIZE") or "unknown"
        clientdn = env_get("SSL_CLIENT_S_DN")
        if clientdn is None:
            clientdn = "none"
        else:
            self.seentls, self.seenauth, self.smtpauth, self.relayclient = 3, 2, -1, ""
        self.tlsinfo = "%s: %s [%s/%s] DN=%s" % (tlsversion, cipher, cipherused, cipherperm, clientdn)
        log("tlsinfo " + self.tlsinfo)
        log("relayclient " + ("yes" if self.relayclient is not None else "no"))
        self.protocol += "S"
        if self.seentls == 3 and self.starttls == 4:
            clientcn = env_get("SSL_CLIENT_S_DN_CN")
            self.remoteinfo = clientcn if clientcn is not None else clientdn
            self.dnemail = env_get("SSL_CLIENT_S_DN_Email") or "unknown"
            self.authmethod = "cert"
            self.auth_info(self.authmethod)
        return True

    # --- logging (smtpdlog.c)

    def logline(self, what, frm=None, to=None, info=None):
        s = "qmail-smtpd: pid %d %s P:%s S:%s:%s H:%s" % (
            os.getpid(), what, self.protocol, self.remoteip, self.remotehost, self.helohost)
        if frm is not None:
            s += " F:%s T:%s" % (frm, to)
        if info is not None:
            s += " ?~ '%s'" % info
        os.write(2, (s + "\n").encode("utf-8", "surrogateescape"))

    # --- the commands

    def ehlo(self, arg):
        out.put("250-%s\r\n" % self.greeting)
        out.put("250-PIPELINING\r\n250-SMTPUTF8\r\n250-8BITMIME\r\n")
        if self.starttls > 0 and not self.seentls:
            out.put("250-STARTTLS\r\n")
        if self.smtpauth > 0:
            out.put("250-AUTH LOGIN PLAIN\r\n")
        out.put("250 SIZE 0\r\n")
        self.seenhelo += 1
        self.seenmail = 0
        self.rcptto = []
        self.helohost = arg

    def helo(self, arg):
        out.put("250 %s\r\n" % self.greeting)
        self.seenmail = 0
        self.rcptto = []
        self.seenhelo += 1
        self.helohost = arg

    def do_starttls(self, arg):
        if self.starttls == 0:
            out.put("500 unimplemented (#5.5.1)\r\n")
            return
        out.put("220 Ready to start TLS (#5.7.0)\r\n")
        out.flush()
        if not self.starttls_init():
            die_starttls()
        self.seentls = 2
        if not self.starttls_info() or not self.modssl_info():
            die_starttls()
        self.seenhelo = self.seenmail = 0
        self.helohost, self.mailfrom, self.rcptto = "", "", []
        ssin.drop()
        if self.seenauth == 1:
            self.seenauth = 0

    @staticmethod
    def addrparse(arg):
        i = arg.find("<")
        if i < 0:
            return None
        return arg[i + 1:].split(">", 1)[0]

    def mail(self, arg):
        if self.starttls > 1 and not self.seentls:
            out.put("535 STARTTLS required (#5.7.1)\r\n")
            self.logline("Reject::TLS::missing")
            return
        if self.smtpauth > 10 and not self.seenauth:
            out.put("535 authentication required (#5.7.1)\r\n")
            return
        addr = self.addrparse(arg)
        if addr is None:
            out.put("555 syntax error (#5.5.4)\r\n")
            return
        self.seenmail += 1
        self.rcptto = []
        self.flagmav = 0
        if self.relayclient is not None and self.localmf == 4:
            self.flagmav = 2 if (self.dnemail or "").lower() == addr.lower() and addr else -4
        self.mailfrom = addr
        out.put("250 ok\r\n")

    def rcpt(self, arg):
        if not self.seenmail:
            out.put("503 MAIL first (#5.5.1)\r\n")
            return
        addr = self.addrparse(arg)
        if addr is None:
            out.put("555 syntax error (#5.5.4)\r\n")
            return
        if self.relayclient is None:
            if addr.rsplit("@", 1)[-1].lower() not in self.rcpthosts:
                out.put("553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n")
                self.logline("Reject::SNDR::Invalid_Relay", self.mailfrom, addr)
                return
        else:
            if self.flagmav < 0:
                out.put("553 sorry, invalid sender address specified (#5.7.1)\r\n")
                self.logline("Reject::ORIG::Invalid_Mailfrom", self.mailfrom, addr)
                return
            addr += self.relayclient
        self.rcptto.append(addr)
        if self.seenauth:
            self.logline("Accept::AUTH::" + self.authmethod, self.mailfrom, addr, self.remoteinfo)
        elif self.flagmav > 0:
            self.logline("Accept::ORIG::Local_Sender", self.mailfrom, addr)
        elif self.relayclient is not None:
            self.logline("Accept::SNDR::Relay_Client", self.mailfrom, addr)
        else:
            self.logline("Accept::RCPT::Rcpthosts_Rcptto", self.mailfrom, addr)
        out.put("250 ok\r\n")

    @staticmethod
    def safe(s):
        return "".join(c if c.isascii() and (c.isalnum() or c in " .@%+/=:-") else "?" for c in s)

    def received(self):
        """received.c, the date as date822fmt writes it"""
        s = "Received: from " + self.safe(self.remotehost)
        if self.helohost and self.helohost.lower() != self.remotehost.lower():
            s += " (HELO " + self.safe(self.helohost) + ")"
        s += " (" + (self.safe(self.remoteinfo) + "@" if self.remoteinfo else "") + self.safe(self.remoteip) + ")"
        if self.tlsinfo is not None:
            s += "\n  de/crypted with " + self.tlsinfo
        t = time.gmtime()
        s += "\n  by %s with %s; %d %s %d %02d:%02d:%02d -0000\n" % (
            self.safe(self.local), self.protocol, t.tm_mday, time.strftime("%b", t), t.tm_year,
            t.tm_hour, t.tm_min, t.tm_sec)
        return s.encode("utf-8", "surrogateescape")

    def data(self, arg):
        if not self.seenmail:
            out.put("503 MAIL first (#5.5.1)\r\n")
            return
        if not self.rcptto:
            out.put("503 RCPT first (#5.5.1)\r\n")
            return
        self.seenmail = 0
        out.put("354 go ahead\r\n")
        body = bytearray()
        # blast(): state 1 after CR LF, 2 after CR LF ".", 3 after CR LF
        # "." CR, 4 after a CR not yet written, 0 elsewhere; a LF without
        # a CR before it is read as CR LF (substdio_seek back); the
        # message is stored with LF line ends, a leading dot dropped
        state, seencr, pending = 1, False, None
        while True:
            ch, pending = (ssin.get(), None) if pending is None else (pending, None)
            if ch == LF and not seencr:
                pending, ch = LF, CR
            seencr = ch == CR
            if state in (0, 1, 2) and ch == LF:
                die("451 Bare Line Feeds (LF) are not accepted in SMTP; CRLF is required according to RFC 2822.\r\n")
            if state == 0:
                if ch == CR:
                    state = 4
                    continue
            elif state == 1:
                if ch == DOT:
                    state = 2
                    continue
                if ch == CR:
                    state = 4
                    continue
                state = 0
            elif state == 2:
                if ch == CR:
                    state = 3
                    continue
                state = 0
            elif state == 3:
                if ch == LF:
                    break
                body += b".\r"
                if ch == CR:
                    state = 4
                    continue
                state = 0
            elif state == 4:
                if ch == LF:
                    state = 1
                elif ch != CR:
                    body.append(CR)
                    state = 0
            body.append(ch)
        log("message %r" % (self.received() + bytes(body)))
        out.put("250 ok %d qp %d\r\n" % (int(time.time()), os.getpid()))

    def auth(self, arg):
        if not self.smtpauth or not self.childargs:
            out.put("503 auth not available (#5.3.3)\r\n")
        elif self.seenauth:
            out.put("503 you're already authenticated (#5.5.0)\r\n")
        elif self.seenmail:
            out.put("503 no auth during mail transaction (#5.5.0)\r\n")
        else:
            out.put("504 auth type unimplemented (#5.5.1)\r\n")

    def quit(self, arg):
        out.put("221 %s\r\n" % self.greeting)
        out.flush()
        os._exit(0)

    def rset(self, arg):
        self.seenmail = 0
        self.mailfrom, self.rcptto = "", []
        ssin.drop()
        out.put("250 flushed\r\n")

    def run(self):
        out.put("220 %s ESMTP\r\n" % self.greeting)
        table = {"rcpt": self.rcpt, "mail": self.mail, "data": self.data, "auth": self.auth,
                 "quit": self.quit, "helo": self.helo, "ehlo": self.ehlo, "rset": self.rset,
                 "help": lambda a: out.put("214 s/qmail home page: http://fehcom.de/sqmail.html\r\n"),
                 "noop": lambda a: out.put("250 ok\r\n"),
                 "vrfy": lambda a: out.put("252 send some mail, i'll try my best\r\n"),
                 "starttls": self.do_starttls}
        while True:
            line = bytearray()
            while True:
                c = ssin.get()
                if c == 0x0a:
                    break
                line.append(c)
            if line.endswith(b"\r"):
                del line[-1]
            text = line.decode("utf-8", "surrogateescape")
            log("cmd " + text)
            verb, _, arg = text.partition(" ")
            table.get(verb.lower(), lambda a: out.put("500 unimplemented (#5.5.1)\r\n"))(arg.lstrip(" "))


if __name__ == "__main__":
    Smtpd(sys.argv[1:]).run()
