#!/usr/bin/env python3
"""hostile -- scripted hostile TLS clients, for the hostile-*.sh tests.

usage: hostile.py -p PORT [options] CASE

Options:
  --starttls        speak plaintext first: read the greeting, send
                    STARTTLS, read its 220 reply, then play CASE
  --sni NAME        SNI for the cases that do a handshake (default localhost)
  --timeout SECS    how long to wait for the server to end the connection
                    once the misbehaviour is done (default 20)
  --interval SECS   pause between bytes for "stall" (default 0.5)
  --count N         records for the "empty-*" cases (default 1000)
  --alert N         the alert's description for "alert-*" (default 90,
                    user_canceled)
  --hold SECS       once the server has ended the connection, keep the
                    socket open SECS more before closing it (default 0)

Cases (those marked * first complete a real handshake, with minitls
unless said):
  garbage-text      a line of SMTP instead of a ClientHello
  garbage-binary    256 pseudo-random bytes instead of a ClientHello
  hello-sslv3       a ClientHello for SSL 3.0 only (record and hello 0x0300)
  hello-tls10       a ClientHello for TLS 1.0 only (0x0301), old suites
  hello-tls11       a ClientHello for TLS 1.1 only (0x0302), old suites
  truncated-hello   the ClientHello record cut in half, then EOF
  truncated-app *   an application-data record cut in half, then EOF
  oversized-hello   a handshake record announcing 18433 bytes (> 16384+2048)
  oversized-app *   an application-data record announcing 18433 bytes
  badmac-app *      an application-data record with one ciphertext byte flipped
  badmac-ssl *      the same through Python's ssl (MemoryBIO, AES-GCM)
  reneg-hello *     an encrypted ClientHello record (a renegotiation)
  reneg-ssl *       Python's ssl: an application record re-typed as handshake
  reneg-ccs *       a ChangeCipherSpec record after the handshake
  stall             the ClientHello one byte per --interval until the
                    server closes
  vanish-hello      half the ClientHello, then silence (no FIN, no RST)
  vanish-app *      half an application-data record, then silence
  reset-app *       half an application-data record, then RST
  empty-app *       --count empty application-data records (legal: a
                    traffic-analysis countermeasure), then a line that the
                    server application must echo (exit 0 iff it does)
  empty-flood *     the same, but exit 0 iff the server then ends the
                    connection (within --timeout): a flood must be cut
  empty-idle *      one empty application-data record every 0.25 s, no
                    data, for --timeout seconds or until the server closes
  empty-hs          empty plaintext handshake records, one per 10 ms, for
                    --timeout seconds or until the server closes
  empty-hs-flood    --count empty plaintext handshake records in one
                    write, then the ClientHello; then, if the server
                    answers, the handshake and an echo check
  empty-hs-amid     the same, the empty records between the two halves
                    of the ClientHello (two handshake records)
  empty-hs-stream   empty plaintext handshake records as fast as the
                    server takes them, for --timeout seconds or until
                    it closes
  alert-warning *   "before the alert" line, a warning alert (level 1,
                    --alert), "after the alert" line, all in one write;
                    then, once both lines are echoed, a "last line",
                    a TCP half-close, and everything read to the end
                    (exit 0 iff the server then ends the connection)
  alert-fatal *     "before the alert" line and a fatal alert (level 2,
                    --alert) in one write, then silence
  line-silent *     read one line of application data ("line TEXT"),
                    then silence: no byte, no close, until the server
                    ends the connection

Output, one fact per line: "sent ...", then "closed after S.SSS s (eof
or reset), T.TTT s after connecting" (the server ended the connection,
that long after our last byte) or "open after ...", then "received N
bytes: HEX" (the first 64 bytes), "alert LEVEL DESC" for each plaintext
alert record in them, and "records: TYPES" when they are whole TLS
records ("records: none" for nothing), "not TLS: ..." if not; the empty-*
cases print "echo LINE" for an echo, the alert-* cases "echo LINE" for
each line that comes back.  Exit 0 when the server ended the
connection within --timeout (for empty-app: when it echoed); 1 when it
did not; 2 when the client itself failed (no handshake, ...).
"""

import argparse
import os
import random
import select
import socket
import ssl
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import minitls  # noqa: E402
from minitls import REC_APP, REC_CCS, REC_HANDSHAKE  # noqa: E402

START = time.monotonic()
OLD_SUITES = (0xc009, 0xc00a, 0xc013, 0xc014, 0x002f, 0x0035, 0x000a)


def say(*a):
    print(*a, flush=True)


class ClientError(Exception):
    pass


def starttls_prelude(sock):
    """Greeting, STARTTLS, 220; reads one byte at a time so that nothing
    past the reply is consumed."""
    def line():
        b = b""
        while not b.endswith(b"\n"):
            c = sock.recv(1)
            if not c:
                raise ClientError("end-of-file in the plaintext dialogue (have %r)" % b)
            b += c
        return b
    g = line()
    if not g.startswith(b"220"):
        raise ClientError("bad greeting %r" % g)
    sock.sendall(b"STARTTLS\r\n")
    r = line()
    if not r.startswith(b"220"):
        raise ClientError("bad STARTTLS reply %r" % r)
    say("starttls " + r.decode().strip())


def wait_close(sock, mark, timeout, already=b""):
    """Read until the server ends the connection; report it."""
    got = bytearray(already)
    deadline = time.monotonic() + timeout
    closed = False
    how = "eof"
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            continue
        try:
            b = sock.recv(65536)
        except ConnectionResetError:
            b, how = b"", "reset"
        if not b:
            closed = True
            break
        got += b
    now = time.monotonic()
    el, total = now - mark, now - START
    say(("closed after %.3f s (%s), %.3f s after connecting" % (el, how, total)) if closed
        else ("open after %.3f s, %.3f s after connecting" % (el, total)))
    report_bytes(bytes(got))
    return closed


def report_bytes(got):
    say("received %d bytes: %s" % (len(got), got[:64].hex()))
    # what came back must be TLS records (an alert at most), never text
    types, i = [], 0
    while i + 5 <= len(got) and 20 <= got[i] <= 23 and got[i + 1] in (0, 3):
        n = struct.unpack("!H", got[i + 3:i + 5])[0]
        if i + 5 + n > len(got):
            break
        if got[i] == 21 and n == 2:
            say("alert %d %d" % (got[i + 5], got[i + 6]))
        types.append(str(got[i]))
        i += 5 + n
    if i < len(got):
        say("not TLS: %d bytes at offset %d are not a whole record" % (len(got) - i, i))
    else:
        say("records: %s" % (" ".join(types) or "none"))


def send_quietly(sock, data):
    """Send what the server still takes: it may well close first."""
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        say("send interrupted: the server closed")


def hello_record(sni, version=0x0303, suites=minitls.SUITES):
    h = minitls.client_hello(os.urandom(32), sni, version=version, suites=suites)
    return minitls.record_header(REC_HANDSHAKE, len(h), 0x0301 if version >= 0x0301 else version) + h


def do_handshake(sock, sni):
    c = minitls.Client(sock)
    try:
        c.handshake(sni=sni)
    except minitls.Failed as e:
        raise ClientError("handshake failed: %s" % e)
    say("handshake done")
    return c


def echo_check(c, line):
    c.send_app(line)
    try:
        got = c.recv_line()
    except minitls.Failed as e:
        raise ClientError("no echo: %s" % e)
    say("echo %s" % (got.decode("utf-8", "replace").strip() if got is not None else "(eof)"))
    return got == line


# ---- Python's ssl through MemoryBIO: a real stack whose bytes we can
# intercept before they reach the socket

def ssl_bio_handshake(sock, sni):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256")
    return bio_handshake(sock, ctx, server_hostname=sni)


def bio_handshake(sock, ctx, **wrap):
    """CTX's handshake over SOCK, either side (WRAP: wrap_bio's
    arguments); hostile-server.py plays the server side with it."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, **wrap)
    while True:
        try:
            obj.do_handshake()
            sock.sendall(out.read())
            break
        except ssl.SSLWantReadError:
            sock.sendall(out.read())
            b = sock.recv(65536)
            if not b:
                raise ClientError("end-of-file in the handshake")
            inc.write(b)
    say("handshake done (ssl %s %s)" % (obj.version(), obj.cipher()[0]))
    return obj, inc, out


def ssl_record(obj, out, data):
    obj.write(data)
    rec = out.read()
    if len(rec) < 5 or rec[0] != REC_APP or len(rec) != 5 + struct.unpack("!H", rec[3:5])[0]:
        raise ClientError("expected one application-data record from ssl, got %s" % rec[:16].hex())
    return bytearray(rec)


# ---- the cases

def run(a, sock):
    sni = a.sni.encode()
    case = a.case
    mark = time.monotonic()

    if case == "garbage-text":
        sock.sendall(b"EHLO hostile.example\r\nMAIL FROM:<a@example.org>\r\n")
        say("sent SMTP commands")
    elif case == "garbage-binary":
        rnd = random.Random(1234)
        data = bytes([0x80 | rnd.randrange(128)]) + bytes(rnd.randrange(256) for _ in range(255))
        send_quietly(sock, data)
        say("sent 256 pseudo-random bytes, first %02x" % data[0])
    elif case.startswith("hello-"):
        v = {"hello-sslv3": 0x0300, "hello-tls10": 0x0301, "hello-tls11": 0x0302}[case]
        sock.sendall(hello_record(sni, version=v, suites=OLD_SUITES))
        say("sent a ClientHello for version %04x only" % v)
    elif case == "truncated-hello":
        r = hello_record(sni)
        sock.sendall(r[:len(r) // 2])
        sock.shutdown(socket.SHUT_WR)
        say("sent %d of %d bytes of the ClientHello record, then EOF" % (len(r) // 2, len(r)))
    elif case == "oversized-hello":
        send_quietly(sock, minitls.record_header(REC_HANDSHAKE, 18433, 0x0301) + b"\x01" + b"\0" * 18432)
        say("sent a handshake record of length 18433")
    elif case == "stall":
        r = hello_record(sni)
        say("sending %d bytes, one per %.2f s" % (len(r), a.interval))
        for i, byte in enumerate(r):
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            mark = time.monotonic()
            rr, _, _ = select.select([sock], [], [], a.interval)
            if rr:
                say("server reacted after %d bytes" % (i + 1))
                break
        else:
            say("the whole ClientHello went out, the server never reacted")
        return wait_close(sock, mark, a.timeout)
    elif case == "vanish-hello":
        r = hello_record(sni)
        sock.sendall(r[:len(r) // 2])
        say("sent %d of %d bytes of the ClientHello record, then silence" % (len(r) // 2, len(r)))
    elif case == "empty-hs":
        n = 0
        end = time.monotonic() + a.timeout
        while time.monotonic() < end:
            try:
                sock.sendall(minitls.record_header(REC_HANDSHAKE, 0, 0x0301))
            except (BrokenPipeError, ConnectionResetError):
                break
            n += 1
            mark = time.monotonic()
            rr, _, _ = select.select([sock], [], [], 0.01)
            if rr:
                break
        say("sent %d empty handshake records, one per 10 ms" % n)
        return wait_close(sock, mark, 2.0)
    elif case in ("empty-hs-flood", "empty-hs-amid"):
        h = minitls.client_hello(os.urandom(32), sni)
        empties = minitls.record_header(REC_HANDSHAKE, 0, 0x0301) * a.count
        half = len(h) // 2 if case == "empty-hs-amid" else 0
        pre = minitls.record_header(REC_HANDSHAKE, half, 0x0301) + h[:half] if half else b""
        c = minitls.Client(sock)
        send_quietly(sock, pre + empties)
        say("sent %d empty handshake records%s" % (a.count, " amid the ClientHello" if half else ""))
        try:
            c.handshake(hello=h, sent=half)
        except (minitls.Failed, OSError) as e:
            say("no handshake: %s" % e)
            return wait_close(sock, time.monotonic(), a.timeout, bytes(c.rbuf))
        say("handshake done")
        try:
            ok = echo_check(c, b"after the empty records\n")
        except (ClientError, OSError) as e:
            raise ClientError("after the handshake: %s" % e)
        if not ok:
            raise ClientError("no echo after the handshake")
        c.shutdown_write()
        return wait_close(sock, time.monotonic(), a.timeout, bytes(c.rbuf))
    elif case == "empty-hs-stream":
        n = 0
        chunk = minitls.record_header(REC_HANDSHAKE, 0, 0x0301) * 200
        end = time.monotonic() + a.timeout
        while time.monotonic() < end:
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            n += 200
            mark = time.monotonic()
            rr, _, _ = select.select([sock], [], [], 0)
            if rr:
                break
        say("sent %d empty handshake records" % n)
        return wait_close(sock, mark, 5.0)
    elif case in ("badmac-ssl", "reneg-ssl"):
        obj, inc, out = ssl_bio_handshake(sock, a.sni)
        rec = ssl_record(obj, out, b"good line\n")
        sock.sendall(bytes(rec))
        # the echo first: the forged record must not race prog's answer
        rr, _, _ = select.select([sock], [], [], 10)
        if not rr:
            say("no echo of the good line within 10 s")
        rec = ssl_record(obj, out, b"this record will not make it\n")
        if case == "badmac-ssl":
            rec[5 + 8 + 3] ^= 0x01   # past the header and GCM's explicit nonce
            say("sent an AES-GCM record with one ciphertext byte flipped")
        else:
            rec[0] = REC_HANDSHAKE
            say("sent an encrypted record typed as handshake (22)")
        sock.sendall(bytes(rec))
        mark = time.monotonic()
    else:
        c = do_handshake(sock, sni)
        if case == "truncated-app":
            r = c.seal(REC_APP, b"x" * 100)
            sock.sendall(r[:60])
            sock.shutdown(socket.SHUT_WR)
            say("sent 60 of %d bytes of an application record, then EOF" % len(r))
        elif case == "oversized-app":
            send_quietly(sock, minitls.record_header(REC_APP, 18433) + b"\0" * 18433)
            say("sent an application record of length 18433")
        elif case == "badmac-app":
            r = bytearray(c.seal(REC_APP, b"a line that will not make it\n"))
            r[7] ^= 0x40
            sock.sendall(bytes(r))
            say("sent an application record with one ciphertext byte flipped")
        elif case == "reneg-hello":
            hello = minitls.client_hello(os.urandom(32), sni)
            c.send_record(REC_HANDSHAKE, hello)
            say("sent an encrypted ClientHello (renegotiation)")
        elif case == "reneg-ccs":
            c.send_record(REC_CCS, b"\x01")
            say("sent a ChangeCipherSpec record after the handshake")
        elif case == "vanish-app":
            r = c.seal(REC_APP, b"x" * 100)
            sock.sendall(r[:60])
            say("sent 60 of %d bytes of an application record, then silence" % len(r))
        elif case == "reset-app":
            r = c.seal(REC_APP, b"x" * 100)
            sock.sendall(r[:60])
            time.sleep(0.2)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            say("sent 60 of %d bytes of an application record, then RST" % len(r))
            return True
        elif case in ("empty-app", "empty-flood"):
            t0 = time.monotonic()
            for i in range(a.count):
                try:
                    c.send_record(REC_APP, b"")
                except (BrokenPipeError, ConnectionResetError):
                    say("the server closed after %d empty records" % i)
                    return wait_close(sock, time.monotonic(), a.timeout, bytes(c.rbuf))
            say("sent %d empty application records in %.1f s" % (a.count, time.monotonic() - t0))
            try:
                ok = echo_check(c, b"after the empty records\n")
            except (ClientError, OSError) as e:
                say("after the empty records: %s" % e)
                ok = False
            if case == "empty-app":
                return ok
            mark = time.monotonic()
            return wait_close(sock, mark, a.timeout, bytes(c.rbuf))
        elif case == "alert-warning":
            c.send_raw(c.seal(REC_APP, b"before the alert\n") + c.seal(minitls.REC_ALERT, bytes([1, a.alert]))
                       + c.seal(REC_APP, b"after the alert\n"))
            say("sent a line, a warning alert %d, a line" % a.alert)
            for _ in range(2):
                line = c.recv_line()
                say("echo %s" % (line.decode().strip() if line else "(eof)"))
                if line is None:
                    return wait_close(sock, time.monotonic(), a.timeout, bytes(c.rbuf))
            c.send_app(b"last line\n")
            c.shutdown_write()
            say("sent the last line, then a TCP half-close")
            mark = time.monotonic()
            while True:
                try:
                    line = c.recv_line()
                except minitls.Failed as e:
                    say("after the half-close: %s" % e)
                    line = None
                if line is None:
                    break
                say("echo %s" % line.decode().strip())
            return wait_close(sock, mark, a.timeout, bytes(c.rbuf))
        elif case == "alert-fatal":
            c.send_raw(c.seal(REC_APP, b"before the alert\n") + c.seal(minitls.REC_ALERT, bytes([2, a.alert])))
            say("sent a line and a fatal alert %d" % a.alert)
        elif case == "line-silent":
            line = c.recv_line()
            say("line %s" % (line.decode().strip() if line is not None else "(eof)"))
            mark = time.monotonic()
            return wait_close(sock, mark, a.timeout, bytes(c.rbuf))
        elif case == "empty-idle":
            n = 0
            end = time.monotonic() + a.timeout
            while time.monotonic() < end:
                try:
                    c.send_record(REC_APP, b"")
                except (BrokenPipeError, ConnectionResetError):
                    break
                n += 1
                mark = time.monotonic()
                rr, _, _ = select.select([sock], [], [], 0.25)
                if rr:
                    break
            say("sent %d empty application records, one per 0.25 s" % n)
            return wait_close(sock, mark, 2.0)
        else:
            raise ClientError("unknown case %r" % case)
        mark = time.monotonic()
    return wait_close(sock, mark, a.timeout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("--starttls", action="store_true")
    ap.add_argument("--sni", default="localhost")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--alert", type=int, default=90)
    ap.add_argument("--hold", type=float, default=0)
    ap.add_argument("case")
    a = ap.parse_args()
    global START
    try:
        sock = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout + 10)
        START = time.monotonic()
        if a.starttls:
            starttls_prelude(sock)
            START = time.monotonic()
        ok = run(a, sock)
        if a.hold and ok:
            time.sleep(a.hold)
    except (ClientError, OSError, ssl.SSLError) as e:
        say("hostile: client error: %s" % e)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
