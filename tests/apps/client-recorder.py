#!/usr/bin/env python3
"""client-recorder -- a raw TLS server that keeps every byte it receives.

usage: client-recorder.py [--immediate] CERT KEY DIR

Listens on 127.0.0.1, on a port of the kernel's choosing, which it prints
on stdout (one line) once it listens.  It serves one connection at a
time, until it is killed; connection N (from 1) leaves in DIR:

  N.pre   the plaintext bytes received before the switch (STARTTLS mode)
  N.raw   every byte received from the switch on, exactly as it came off
          the wire: TLS records, or whatever else the client sent
  N.log   events, one per line:
            sni NAME | sni none       what the ClientHello asked for
            handshake ok VERSION CIPHER
            handshake error REASON
            line TEXT                 a line decrypted after the handshake
            end                       the connection is over

STARTTLS mode (the default) speaks enough SMTP in plaintext: a 220
greeting, an EHLO reply offering STARTTLS, "220 2.0.0 Ready to start TLS";
then the handshake, with the certificate CERT (and KEY).  --immediate
starts with the handshake.  After a successful handshake it answers the
commands of an SMTP transaction (EHLO, MAIL, RCPT, DATA, NOOP, QUIT) over
TLS.  After a failed one it goes on reading, and recording, until the
client closes.

$RECORDER_INJECT, if set, goes out in plaintext in the same write as the
STARTTLS reply, right after it (each two-character sequence backslash-n
in it becoming CR LF): a response injection, which a client must never
act on.

The handshake runs on memory BIOs: the socket is read by this program
only, so N.raw holds the very bytes the client put on the wire.
"""

import os
import socket
import ssl
import sys


class Conn:
    def __init__(self, sock, ctx, base):
        self.sock, self.ctx, self.base = sock, ctx, base
        self.plain = b""
        self.raw = open(base + ".raw", "wb", buffering=0)
        self.pre = open(base + ".pre", "wb", buffering=0)
        self.logf = open(base + ".log", "a", buffering=1)
        self.sni = None
        self.tls = None
        self.inc = ssl.MemoryBIO()
        self.out = ssl.MemoryBIO()
        self.buf = b""

    def log(self, text):
        self.logf.write(text + "\n")

    # plaintext, one byte at a time: never read past the STARTTLS line
    def plain_line(self):
        line = b""
        while not line.endswith(b"\n"):
            b = self.sock.recv(1)
            if not b:
                return None
            self.pre.write(b)
            line += b
        return line.rstrip(b"\r\n").decode("utf-8", "replace")

    def plain_send(self, text):
        self.sock.sendall(text.encode() + b"\r\n")

    def flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def recv_raw(self):
        data = self.sock.recv(16384)
        self.raw.write(data)
        if data:
            self.inc.write(data)
        else:
            self.inc.write_eof()
        return data

    def handshake(self):
        def on_sni(obj, name, ctx):
            self.sni = name
        self.ctx.sni_callback = on_sni
        self.tls = self.ctx.wrap_bio(self.inc, self.out, server_side=True)
        err = None
        while err is None:
            try:
                self.tls.do_handshake()
                self.flush()
                break
            except ssl.SSLWantReadError:
                try:
                    self.flush()
                    if not self.recv_raw():
                        err = "eof"
                except OSError as e:
                    err = str(e)
            except ssl.SSLError as e:
                err = e.reason or str(e)
                try:
                    self.flush()
                except OSError:
                    pass
            except OSError as e:
                err = str(e)
        self.log("sni %s" % (self.sni or "none"))
        if err is not None:
            self.log("handshake error %s" % err)
            return False
        self.log("handshake ok %s %s" % (self.tls.version(), self.tls.cipher()[0]))
        return True

    def tls_line(self):
        while b"\n" not in self.buf:
            try:
                self.buf += self.tls.read(16384)
                continue
            except ssl.SSLWantReadError:
                pass
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return None
            if not self.recv_raw():
                try:
                    self.buf += self.tls.read(16384)
                except ssl.SSLError:
                    return None
                if b"\n" not in self.buf:
                    return None
        line, self.buf = self.buf.split(b"\n", 1)
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        self.log("line " + text)
        return text

    def tls_send(self, text):
        self.tls.write(text.encode() + b"\r\n")
        self.flush()

    def drain(self):
        while self.recv_raw():
            pass

    def serve(self, immediate):
        if not immediate:
            self.plain_send("220 recorder.example ESMTP recorder")
            while True:
                line = self.plain_line()
                if line is None:
                    return
                verb = line.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    self.plain_send("250-recorder.example")
                    self.plain_send("250 STARTTLS")
                elif verb == "STARTTLS":
                    inject = os.environ.get("RECORDER_INJECT", "")
                    self.sock.sendall(b"220 2.0.0 Ready to start TLS\r\n"
                                      + inject.encode().replace(b"\\n", b"\r\n"))
                    break
                else:
                    self.plain_send("530 5.7.0 Must issue a STARTTLS command first")
        if not self.handshake():
            self.drain()
            return
        while True:
            line = self.tls_line()
            if line is None:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.tls_send("250-recorder.example")
                self.tls_send("250 8BITMIME")
            elif verb in ("MAIL", "RCPT", "NOOP"):
                self.tls_send("250 2.0.0 Ok")
            elif verb == "DATA":
                self.tls_send("354 go ahead")
                while True:
                    l2 = self.tls_line()
                    if l2 is None:
                        return
                    if l2 == ".":
                        break
                self.tls_send("250 2.0.0 Ok: queued")
            elif verb == "QUIT":
                self.tls_send("221 2.0.0 Bye")
                self.drain()
                return
            else:
                self.tls_send("500 5.5.2 what?")


def main():
    args = sys.argv[1:]
    immediate = False
    if args[:1] == ["--immediate"]:
        immediate = True
        args = args[1:]
    if len(args) != 3:
        sys.stderr.write("usage: client-recorder.py [--immediate] CERT KEY DIR\n")
        return 100
    cert, key, outdir = args
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    print(lsock.getsockname()[1], flush=True)
    n = 0
    while True:
        sock, _ = lsock.accept()
        n += 1
        sock.settimeout(30)
        c = Conn(sock, ctx, os.path.join(outdir, str(n)))
        try:
            c.serve(immediate)
        except (OSError, ssl.SSLError) as e:
            c.log("error %s" % e)
        c.log("end")
        sock.close()


if __name__ == "__main__":
    sys.exit(main())
