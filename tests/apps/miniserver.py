"""miniserver -- the server end of minitls, for tests of ucspitlsc.

A TLS 1.2 server in pure Python on minitls's primitives and record layer:
one suite (ECDHE-RSA-CHACHA20-POLY1305), X25519, an RSA key in PKCS#1
(signatures RSASSA-PKCS1-v1_5 with SHA-256), no client certificate, no
session resumption, no checks of what it is not told to check.  It plays
a server whose records a test must shape itself (an alert split across
records, alerts coalesced in one record), which Python's ssl cannot do.

    s = Server(sock, cert_pem_path, pkcs1_key_path)
    s.handshake()                     # raises minitls.Failed on any problem
    s.handshake(alpn=b"name")         # the ServerHello selects NAME by ALPN,
                                      # whether the client offered it or not
    s.offered                         # the client's ALPN names (None: no offer)
    then the methods of minitls.Client: seal, send_raw, send_app, poll, ...
"""

import base64
import hashlib
import os
import struct

import minitls
from minitls import (REC_ALERT, REC_CCS, REC_HANDSHAKE, HS_CLIENT_HELLO, HS_SERVER_HELLO,
                     HS_CERTIFICATE, HS_SERVER_KEY_EXCHANGE, HS_SERVER_HELLO_DONE,
                     HS_CLIENT_KEY_EXCHANGE, HS_FINISHED, hs_msg, prf, u8, u16, u24, vec8, vec16,
                     x25519)

SUITE = 0xCCA8  # ECDHE-RSA-CHACHA20-POLY1305-SHA256
SHA256_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
EXT_ALPN = 16


def hello_extensions(body, i):
    """{type: data} of the extensions of a ClientHello BODY from offset I
    (just past its compression methods); {} when it has none."""
    out = {}
    if i + 2 > len(body):
        return out
    end = i + 2 + struct.unpack("!H", body[i:i + 2])[0]
    i += 2
    while i + 4 <= end:
        typ, n = struct.unpack("!HH", body[i:i + 4])
        out[typ] = body[i + 4:i + 4 + n]
        i += 4 + n
    return out


def alpn_names(data):
    """The names of an ALPN extension's ProtocolNameList."""
    names, i = [], 2
    while i < len(data):
        names.append(bytes(data[i + 1:i + 1 + data[i]]))
        i += 1 + data[i]
    return names


def pem_objects(path, label):
    """The DER of every PEM object LABEL in the file at PATH."""
    out, cur = [], None
    with open(path) as f:
        for ln in f:
            ln = ln.strip()
            if ln == "-----BEGIN %s-----" % label:
                cur = []
            elif ln == "-----END %s-----" % label and cur is not None:
                out.append(base64.b64decode("".join(cur)))
                cur = None
            elif cur is not None:
                cur.append(ln)
    return out


def der_ints(der):
    """The INTEGERs of a DER SEQUENCE of INTEGERs (a PKCS#1 private key)."""
    def tlv(b, i):
        tag, n = b[i], b[i + 1]
        i += 2
        if n & 0x80:
            k = n & 0x7f
            n = int.from_bytes(b[i:i + k], "big")
            i += k
        return tag, b[i:i + n], i + n
    tag, body, _ = tlv(der, 0)
    if tag != 0x30:
        raise minitls.Failed("the key is not a DER SEQUENCE")
    ints, i = [], 0
    while i < len(body):
        tag, v, i = tlv(body, i)
        if tag == 0x02:
            ints.append(int.from_bytes(v, "big"))
    return ints


class Server(minitls.Client):
    def __init__(self, sock, cert, key):
        minitls.Client.__init__(self, sock)
        self.chain = pem_objects(cert, "CERTIFICATE")
        keys = pem_objects(key, "RSA PRIVATE KEY")
        if not self.chain or not keys:
            raise minitls.Failed("no certificate or no PKCS#1 RSA key")
        _, self.n, _, self.d = der_ints(keys[0])[:4]
        self.offered = None

    def sign(self, msg):
        k = (self.n.bit_length() + 7) // 8
        t = SHA256_INFO + hashlib.sha256(msg).digest()
        em = b"\0\1" + b"\xff" * (k - len(t) - 3) + b"\0" + t
        return pow(int.from_bytes(em, "big"), self.d, self.n).to_bytes(k, "big")

    def handshake(self, alpn=None):
        """The server's side of a full handshake.  alpn: a name that the
        ServerHello selects (RFC 7301), offered by the client or not, as
        a server that plays another protocol would (ALPACA)."""
        typ, body, m = self.read_hs()
        if typ != HS_CLIENT_HELLO:
            raise minitls.Failed("expected ClientHello, got %d" % typ)
        crandom = body[2:34]
        i = 34 + 1 + body[34]
        n = struct.unpack("!H", body[i:i + 2])[0]
        suites = [struct.unpack("!H", body[i + 2 + j:i + 4 + j])[0] for j in range(0, n, 2)]
        if SUITE not in suites:
            raise minitls.Failed("the client does not offer ECDHE-RSA-CHACHA20-POLY1305")
        i += 2 + n
        ext = hello_extensions(body, i + 1 + body[i])
        self.offered = alpn_names(ext[EXT_ALPN]) if EXT_ALPN in ext else None
        self.transcript = m
        srandom = os.urandom(32)
        out = []
        sh = u16(0x0303) + srandom + vec8(b"") + u16(SUITE) + u8(0)
        if alpn is not None:
            sh += vec16(u16(EXT_ALPN) + vec16(vec16(vec8(alpn))))
        m = hs_msg(HS_SERVER_HELLO, sh)
        out.append(m)
        certs = b"".join(u24(len(c)) + c for c in self.chain)
        out.append(hs_msg(HS_CERTIFICATE, u24(len(certs)) + certs))
        priv = os.urandom(32)
        pub = x25519(priv, (9).to_bytes(32, "little"))
        params = u8(3) + u16(29) + vec8(pub)
        sig = self.sign(crandom + srandom + params)
        out.append(hs_msg(HS_SERVER_KEY_EXCHANGE, params + u8(4) + u8(1) + u16(len(sig)) + sig))
        out.append(hs_msg(HS_SERVER_HELLO_DONE, b""))
        for m in out:
            self.transcript += m
        self.send_record(REC_HANDSHAKE, b"".join(out))

        typ, body, m = self.read_hs()
        if typ != HS_CLIENT_KEY_EXCHANGE:
            raise minitls.Failed("expected ClientKeyExchange, got %d" % typ)
        self.transcript += m
        pms = x25519(priv, body[1:1 + body[0]])
        master = prf(pms, b"master secret", crandom + srandom, 48)
        kb = prf(master, b"key expansion", srandom + crandom, 32 + 32 + 12 + 12)
        self.rkey, self.wkey, self.riv, self.wiv = kb[:32], kb[32:64], kb[64:76], kb[76:88]
        typ, body = self.read_record()
        if typ != REC_CCS:
            raise minitls.Failed("expected ChangeCipherSpec, got record type %d" % typ)
        self.cipher_on_read = True
        want = prf(master, b"client finished", hashlib.sha256(self.transcript).digest(), 12)
        typ, body, m = self.read_hs()
        if typ != HS_FINISHED or body != want:
            raise minitls.Failed("bad client Finished")
        self.transcript += m
        vd = prf(master, b"server finished", hashlib.sha256(self.transcript).digest(), 12)
        out = self.seal(REC_CCS, b"\x01")
        self.cipher_on_write = True
        out += self.seal(REC_HANDSHAKE, hs_msg(HS_FINISHED, vd))
        self.send_raw(out)
        self.master = master


__all__ = ["Server", "REC_ALERT"]
