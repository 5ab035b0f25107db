"""minitls -- a small TLS 1.2 client in pure Python, for the hostile tests.

One key exchange (ECDHE over X25519) and one suite family
(ECDHE-{ECDSA,RSA}-CHACHA20-POLY1305), no certificate checks: it plays
the attacker, not the victim.  Its point is the record layer, which it
exposes whole, so that a test can send what a real TLS stack never
would: any bytes as SNI, empty records, a handshake record after the
handshake, a record with a broken tag, a hello of an old version.

Python's own ssl module cannot do any of that, and the tests run on the
system python3 (no third-party modules), so the primitives are here:
X25519 (RFC 7748), ChaCha20-Poly1305 (RFC 8439, as TLS uses it: RFC
7905) and the TLS 1.2 PRF with SHA-256.  They are slow and not
constant-time; a test needs a few handshakes, not speed.

    c = Client(socket.create_connection(...))
    c.handshake(sni=b"host\\nname")    # raises Failed on any problem
    c.send_app(b"data")                 # an application-data record
    c.send_record(23, b"")              # an empty one
    c.recv_app()                        # next application data, or None
    c.send_alert(1, 90)                 # a warning alert (user_canceled)
    c.close_notify()                    # the same as send_alert(1, 0)
    c.shutdown_write() / c.reset()      # TCP half-close / RST (SO_LINGER 0)
    c.poll(0.1)                         # what came within 0.1 s, as events

poll() does not block past its timeout, so that a scripted peer can
send and receive in one thread: it returns ("app", data), ("alert",
level, desc) and ("eof", "eof" | "reset") events, in the order of the
wire.
"""

import hashlib
import hmac
import os
import select
import socket
import struct

REC_CCS, REC_ALERT, REC_HANDSHAKE, REC_APP = 20, 21, 22, 23
HS_CLIENT_HELLO, HS_SERVER_HELLO, HS_CERTIFICATE = 1, 2, 11
HS_SERVER_KEY_EXCHANGE, HS_CERTIFICATE_REQUEST, HS_SERVER_HELLO_DONE = 12, 13, 14
HS_CLIENT_KEY_EXCHANGE, HS_FINISHED = 16, 20
SUITES = (0xCCA9, 0xCCA8)  # ECDHE-ECDSA / ECDHE-RSA with CHACHA20-POLY1305-SHA256


class Failed(Exception):
    pass


class PeerAlert(Failed):
    def __init__(self, level, desc):
        Failed.__init__(self, "the server sent alert level %d description %d" % (level, desc))
        self.level, self.desc = level, desc


class PeerClosed(Failed):
    pass


# ---------------------------------------------------------------- X25519

_P = 2 ** 255 - 19


def x25519(k, u):
    k = bytearray(k)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    k = int.from_bytes(k, "little")
    x1 = int.from_bytes(u, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in range(254, -1, -1):
        kt = (k >> t) & 1
        if swap ^ kt:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = kt
        a = (x2 + z2) % _P
        aa = a * a % _P
        b = (x2 - z2) % _P
        bb = b * b % _P
        e = (aa - bb) % _P
        c = (x3 + z3) % _P
        d = (x3 - z3) % _P
        da = d * a % _P
        cb = c * b % _P
        x3 = (da + cb) ** 2 % _P
        z3 = x1 * (da - cb) ** 2 % _P
        x2 = aa * bb % _P
        z2 = e * (aa + 121665 * e) % _P
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, _P - 2, _P) % _P).to_bytes(32, "little")


# ------------------------------------------------------ ChaCha20-Poly1305

_M = 0xffffffff


def _chacha_block(key, counter, nonce):
    st = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]
    st += list(struct.unpack("<8I", key)) + [counter] + list(struct.unpack("<3I", nonce))
    w = st[:]

    def qr(a, b, c, d):
        w[a] = (w[a] + w[b]) & _M
        w[d] ^= w[a]
        w[d] = ((w[d] << 16) & _M) | (w[d] >> 16)
        w[c] = (w[c] + w[d]) & _M
        w[b] ^= w[c]
        w[b] = ((w[b] << 12) & _M) | (w[b] >> 20)
        w[a] = (w[a] + w[b]) & _M
        w[d] ^= w[a]
        w[d] = ((w[d] << 8) & _M) | (w[d] >> 24)
        w[c] = (w[c] + w[d]) & _M
        w[b] ^= w[c]
        w[b] = ((w[b] << 7) & _M) | (w[b] >> 25)

    for _ in range(10):
        qr(0, 4, 8, 12)
        qr(1, 5, 9, 13)
        qr(2, 6, 10, 14)
        qr(3, 7, 11, 15)
        qr(0, 5, 10, 15)
        qr(1, 6, 11, 12)
        qr(2, 7, 8, 13)
        qr(3, 4, 9, 14)
    return struct.pack("<16I", *[(w[i] + st[i]) & _M for i in range(16)])


def _chacha20(key, counter, nonce, data):
    out = bytearray()
    for i in range(0, len(data), 64):
        ks = _chacha_block(key, counter + i // 64, nonce)
        out += bytes(a ^ b for a, b in zip(data[i:i + 64], ks))
    return bytes(out)


def _poly1305(key, msg):
    r = int.from_bytes(key[:16], "little") & 0x0ffffffc0ffffffc0ffffffc0fffffff
    s = int.from_bytes(key[16:], "little")
    p = (1 << 130) - 5
    acc = 0
    for i in range(0, len(msg), 16):
        acc = (acc + int.from_bytes(msg[i:i + 16] + b"\x01", "little")) * r % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def _pad16(b):
    return b"\0" * (-len(b) % 16)


def _tag(key, nonce, ct, aad):
    otk = _chacha_block(key, 0, nonce)[:32]
    return _poly1305(otk, aad + _pad16(aad) + ct + _pad16(ct) + struct.pack("<QQ", len(aad), len(ct)))


def aead_seal(key, nonce, plaintext, aad):
    ct = _chacha20(key, 1, nonce, plaintext)
    return ct + _tag(key, nonce, ct, aad)


def aead_open(key, nonce, data, aad):
    if len(data) < 16:
        raise Failed("record too short for its tag")
    ct, tag = data[:-16], data[-16:]
    if not hmac.compare_digest(_tag(key, nonce, ct, aad), tag):
        raise Failed("bad record tag from the server")
    return _chacha20(key, 1, nonce, ct)


# ------------------------------------------------------------------- PRF

def prf(secret, label, seed, n):
    seed = label + seed
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(secret, a, hashlib.sha256).digest()
        out += hmac.new(secret, a + seed, hashlib.sha256).digest()
    return out[:n]


# ------------------------------------------------------------- messages

def u8(n):
    return struct.pack("!B", n)


def u16(n):
    return struct.pack("!H", n)


def u24(n):
    return struct.pack("!I", n)[1:]


def vec8(b):
    return u8(len(b)) + b


def vec16(b):
    return u16(len(b)) + b


def hs_msg(typ, body):
    return u8(typ) + u24(len(body)) + body


def record_header(typ, length, version=0x0303):
    return u8(typ) + u16(version) + u16(length)


def client_hello(random, sni=None, version=0x0303, suites=SUITES, extensions=True):
    """A ClientHello handshake message (with its 4-byte header).  sni:
    raw bytes, sent as they are (no check at all)."""
    body = u16(version) + random + vec8(b"")
    body += vec16(b"".join(u16(s) for s in suites)) + vec8(b"\x00")
    if extensions:
        ext = b""
        if sni is not None:
            ext += u16(0) + vec16(vec16(u8(0) + vec16(sni)))
        ext += u16(10) + vec16(vec16(u16(29)))          # supported_groups: x25519
        ext += u16(11) + vec16(vec8(b"\x00"))             # ec_point_formats: uncompressed
        sigalgs = (0x0403, 0x0503, 0x0401, 0x0501, 0x0804, 0x0201, 0x0203)
        ext += u16(13) + vec16(vec16(b"".join(u16(a) for a in sigalgs)))
        ext += u16(0xff01) + vec16(vec8(b""))            # renegotiation_info, initial
        body += vec16(ext)
    return hs_msg(HS_CLIENT_HELLO, body)


class Client:
    """The client end of one connection.  Every raw byte read from the
    socket is kept in .raw_in (a test can look for plaintext in it)."""

    def __init__(self, sock):
        self.sock = sock
        self.rbuf = b""
        self.raw_in = bytearray()
        self.wkey = self.rkey = None
        self.wiv = self.riv = None
        self.wseq = self.rseq = 0
        self.transcript = b""
        self.hsbuf = b""
        self.appbuf = b""
        self.cipher_on_read = False
        self.cipher_on_write = False
        self.suite = None
        self.eof = None          # how the server's stream ended, for poll

    # -- the record layer

    def seal(self, typ, payload, version=0x0303):
        """The bytes of one record carrying payload (encrypted once our
        ChangeCipherSpec is out), consuming one sequence number."""
        if not self.cipher_on_write:
            return record_header(typ, len(payload), version) + payload
        nonce = bytes(a ^ b for a, b in zip(self.wiv, b"\0\0\0\0" + struct.pack("!Q", self.wseq)))
        aad = struct.pack("!Q", self.wseq) + u8(typ) + u16(version) + u16(len(payload))
        self.wseq += 1
        ct = aead_seal(self.wkey, nonce, payload, aad)
        return record_header(typ, len(ct), version) + ct

    def send_raw(self, data):
        self.sock.sendall(data)

    def send_record(self, typ, payload, version=0x0303):
        self.send_raw(self.seal(typ, payload, version))

    def send_app(self, data):
        self.send_record(REC_APP, data)

    def _fill(self, n):
        while len(self.rbuf) < n:
            try:
                b = self.sock.recv(65536)
            except ConnectionResetError:
                b = b""
            if not b:
                raise PeerClosed("the server closed the connection (%d bytes pending)" % len(self.rbuf))
            self.raw_in += b
            self.rbuf += b

    def read_record(self):
        """(type, plaintext) of the next record; raises PeerAlert for an
        alert (after decryption), PeerClosed at end-of-file."""
        self._fill(5)
        typ, ver, length = struct.unpack("!BHH", self.rbuf[:5])
        self._fill(5 + length)
        body, self.rbuf = self.rbuf[5:5 + length], self.rbuf[5 + length:]
        if self.cipher_on_read:
            nonce = bytes(a ^ b for a, b in zip(self.riv, b"\0\0\0\0" + struct.pack("!Q", self.rseq)))
            aad = struct.pack("!Q", self.rseq) + u8(typ) + u16(ver) + u16(length - 16)
            self.rseq += 1
            body = aead_open(self.rkey, nonce, body, aad)
        if typ == REC_ALERT and len(body) == 2:
            raise PeerAlert(body[0], body[1])
        return typ, body

    def read_hs(self):
        """The next handshake message: (type, body, whole message)."""
        while True:
            if len(self.hsbuf) >= 4:
                n = int.from_bytes(self.hsbuf[1:4], "big")
                if len(self.hsbuf) >= 4 + n:
                    m, self.hsbuf = self.hsbuf[:4 + n], self.hsbuf[4 + n:]
                    return m[0], m[4:], m
            typ, body = self.read_record()
            if typ == REC_CCS:
                raise Failed("unexpected ChangeCipherSpec")
            if typ != REC_HANDSHAKE:
                raise Failed("expected a handshake record, got type %d" % typ)
            self.hsbuf += body

    # -- the handshake

    def handshake(self, sni=None, hello=None, sent=0):
        """A full TLS 1.2 handshake.  hello: the ClientHello to send
        instead of the default one (a handshake message).  sent: the
        caller has sent the first SENT bytes of HELLO already, in records
        of its own; only the rest goes out, in one record."""
        if hello is None:
            hello = client_hello(os.urandom(32), sni)
        crandom = hello[6:38]
        self.send_record(REC_HANDSHAKE, hello[sent:], version=0x0301)
        self.transcript = hello

        typ, body, m = self.read_hs()
        if typ != HS_SERVER_HELLO:
            raise Failed("expected ServerHello, got %d" % typ)
        self.transcript += m
        srandom = body[2:34]
        sidlen = body[34]
        self.suite = struct.unpack("!H", body[35 + sidlen:37 + sidlen])[0]
        if self.suite not in SUITES:
            raise Failed("server chose suite %04x" % self.suite)

        server_pub = None
        certreq = False
        while True:
            typ, body, m = self.read_hs()
            self.transcript += m
            if typ == HS_SERVER_KEY_EXCHANGE:
                if body[0] != 3 or struct.unpack("!H", body[1:3])[0] != 29:
                    raise Failed("server key exchange not on x25519")
                server_pub = body[4:4 + body[3]]
            elif typ == HS_CERTIFICATE_REQUEST:
                certreq = True
            elif typ == HS_SERVER_HELLO_DONE:
                break
            elif typ != HS_CERTIFICATE:
                raise Failed("unexpected handshake message %d" % typ)
        if server_pub is None:
            raise Failed("no ServerKeyExchange")

        out = b""
        if certreq:
            m = hs_msg(HS_CERTIFICATE, u24(0))
            self.transcript += m
            out += self.seal(REC_HANDSHAKE, m)
        priv = os.urandom(32)
        pub = x25519(priv, (9).to_bytes(32, "little"))
        pms = x25519(priv, server_pub)
        m = hs_msg(HS_CLIENT_KEY_EXCHANGE, vec8(pub))
        self.transcript += m
        out += self.seal(REC_HANDSHAKE, m)
        master = prf(pms, b"master secret", crandom + srandom, 48)
        kb = prf(master, b"key expansion", srandom + crandom, 32 + 32 + 12 + 12)
        self.wkey, self.rkey, self.wiv, self.riv = kb[:32], kb[32:64], kb[64:76], kb[76:88]
        out += self.seal(REC_CCS, b"\x01")
        self.cipher_on_write = True
        vd = prf(master, b"client finished", hashlib.sha256(self.transcript).digest(), 12)
        m = hs_msg(HS_FINISHED, vd)
        self.transcript += m
        out += self.seal(REC_HANDSHAKE, m)
        self.send_raw(out)

        typ, body = self.read_record()
        if typ != REC_CCS:
            raise Failed("expected ChangeCipherSpec, got record type %d" % typ)
        self.cipher_on_read = True
        typ, body, m = self.read_hs()
        want = prf(master, b"server finished", hashlib.sha256(self.transcript).digest(), 12)
        if typ != HS_FINISHED or body != want:
            raise Failed("bad server Finished")
        self.master = master

    # -- application data

    def recv_app(self):
        """The next non-empty application data, or None once the server
        has ended (close_notify or end-of-file)."""
        while True:
            try:
                typ, body = self.read_record()
            except PeerClosed:
                return None
            except PeerAlert as e:
                if e.desc == 0:
                    return None
                raise
            if typ == REC_APP and body:
                return body
            if typ != REC_APP:
                raise Failed("unexpected record type %d after the handshake" % typ)

    # -- the end of a connection, and alerts

    def send_alert(self, level, desc):
        self.send_record(REC_ALERT, u8(level) + u8(desc))

    def close_notify(self):
        self.send_alert(1, 0)

    def shutdown_write(self):
        self.sock.shutdown(socket.SHUT_WR)

    def reset(self):
        """Close with an RST: SO_LINGER with a zero time-out."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def poll(self, timeout, limit=262144):
        """The records that arrive within TIMEOUT seconds (0: only what is
        there already), decrypted, as a list of events: ("app", data) for
        application data (empty records left out), ("alert", level, desc),
        ("eof", "eof" or "reset") last once the server's side has ended
        (every call from then on ends with it).  Waits at most TIMEOUT for the first bytes, then takes
        whatever else is readable at once, up to LIMIT bytes in all (a
        server that writes for ever would keep it reading)."""
        events = []
        wait = timeout
        got = 0
        while not self.eof and got < limit:
            r, _, _ = select.select([self.sock], [], [], wait)
            if not r:
                break
            try:
                b = self.sock.recv(min(65536, limit - got))
            except ConnectionResetError:
                self.eof = "reset"
                break
            except BlockingIOError:
                break
            if not b:
                self.eof = "eof"
                break
            self.raw_in += b
            self.rbuf += b
            got += len(b)
            wait = 0
        while len(self.rbuf) >= 5:
            n = struct.unpack("!H", self.rbuf[3:5])[0]
            if len(self.rbuf) < 5 + n:
                break
            try:
                typ, body = self.read_record()
            except PeerAlert as e:
                events.append(("alert", e.level, e.desc))
                continue
            if typ == REC_APP:
                if body:
                    events.append(("app", body))
            else:
                raise Failed("unexpected record type %d after the handshake" % typ)
        if self.eof:
            events.append(("eof", self.eof))
        return events

    def recv_line(self):
        while b"\n" not in self.appbuf:
            b = self.recv_app()
            if b is None:
                return None
            self.appbuf += b
        line, self.appbuf = self.appbuf.split(b"\n", 1)
        return line + b"\n"
