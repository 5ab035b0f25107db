#!/usr/bin/env python3
"""ucspitls-server -- a scripted UCSPI-TLS server on Python's ssl module,
behaving as another UCSPI-TLS server does, for starttls-smtpd's tests.

usage: ucspitls-server.py --style STYLE --cert F --key F [options] prog...

It listens on 127.0.0.1 (a port of the system's choice, printed on the
first line of stdout), forks per connection and runs prog with TCP* and
SSL* variables set, the way the chosen server does:

  sslserver-n  ucspi-ssl's sslserver -n: prog gets the connection on fds
               0 and 1, SSLCTLFD (a socketpair), SSLREADFD, SSLWRITEFD
               (pipes).  On "y" or "Y" the handshake is done; on "Y" the
               facts block is written as its ssl_server_env() makes it
               (SSL_PROTOCOL, SSL_SESSION_ID, SSL_CIPHER, ..., the server
               certificate's SSL_SERVER_* with SSL_SERVER_CERT in PEM,
               and with a client certificate the SSL_CLIENT_* with
               SSL_CLIENT_CERT in PEM), each string ended by a NUL, then
               one more NUL; the control channel is never closed after it
  s6           s6-ucspitlsd: the same fds; the block is SSL_PROTOCOL,
               SSL_CIPHER, SSL_TLS_SNI_SERVERNAME, SSL_PEER_CERT_HASH,
               SSL_PEER_CERT_SUBJECT, a fact that is unset written as its
               bare NAME (no "="), then two more NULs; then the channel
               is closed
  sslserver    ucspi-ssl's sslserver without -n: the handshake is done at
               once, prog gets the decrypted stream on fds 0 and 1 (pipes)
               and SSLCTLFD (open, already used), SSLREADFD and SSLWRITEFD
               naming the pipe fds that were moved to 0 and 1 (closed in
               prog); with --sslenv (its -s) the facts are in prog's
               environment too, as ssl_server_env() sets them

Options:
  --ca FILE        ask for a client certificate (optional), verified
                   against FILE
  --extra STRING   (block styles) one more string for the block, before
                   its end: NAME=VALUE, or anything (repeatable)
  --log FILE       events appended, one per line

The decrypted stream is relayed until prog's output ends; then the
connection is closed.  A failed handshake closes the control channel
with no block.
"""

import argparse
import hashlib
import os
import select
import signal
import socket
import ssl
import subprocess
import sys
import time


def log(args, event):
    if args.log:
        with open(args.log, "a") as f:
            f.write(event + "\n")


def certinfo(pem):
    """What ssl_server_env() tells of a certificate, from openssl x509."""
    def x509(*opts):
        return subprocess.run(["openssl", "x509", "-noout", *opts], input=pem.encode(),
                              capture_output=True, check=True).stdout.decode()
    text = x509("-text")

    def after(label):
        for ln in text.splitlines():
            ln = ln.strip()
            if ln.startswith(label):
                return ln[len(label):].strip()
        return "UNKNOWN"
    return {
        "subject": x509("-subject", "-nameopt", "compat").split("=", 1)[1].strip(),
        "issuer": x509("-issuer", "-nameopt", "compat").split("=", 1)[1].strip(),
        "serial": str(int(x509("-serial").split("=", 1)[1].strip(), 16)),
        "start": x509("-startdate").split("=", 1)[1].strip(),
        "end": x509("-enddate").split("=", 1)[1].strip(),
        "sig": after("Signature Algorithm:"),
        "key": after("Public Key Algorithm:"),
    }


def dn_parts(dn):
    """"/O=x/CN=y" (X509_NAME_oneline) as [("O", "x"), ("CN", "y")]."""
    return [tuple(p.split("=", 1)) for p in dn.split("/")[1:] if "=" in p]


def cert_vars(who, pem):
    """ssl_server_vars() / ssl_client_vars() for WHO (SERVER, CLIENT)."""
    i = certinfo(pem)
    out = [("M_VERSION", "3"), ("M_SERIAL", i["serial"]), ("S_DN", i["subject"])]
    out += [("S_DN_" + ("Email" if k == "emailAddress" else k), v) for k, v in dn_parts(i["subject"])]
    out.append(("I_DN", i["issuer"]))
    out += [("I_DN_" + ("Email" if k == "emailAddress" else k), v) for k, v in dn_parts(i["issuer"])]
    out += [("A_SIG", i["sig"]), ("A_KEY", i["key"]), ("V_START", i["start"]),
            ("V_END", i["end"]), ("CERT", pem)]
    return [("SSL_%s_%s" % (who, k), v) for k, v in out]


def sslserver_facts(tls, server_pem):
    name, _, bits = tls.cipher()
    sess = tls.session
    facts = [("SSL_PROTOCOL", tls.version()),
             ("SSL_SESSION_ID", sess.id.hex() if sess else ""),
             ("SSL_CIPHER", name), ("SSL_CIPHER_EXPORT", "false"),
             ("SSL_CIPHER_USEKEYSIZE", str(bits)), ("SSL_CIPHER_ALGKEYSIZE", str(bits)),
             ("SSL_VERSION_INTERFACE", "ucspi-ssl"), ("SSL_VERSION_LIBRARY", ssl.OPENSSL_VERSION)]
    facts += cert_vars("SERVER", server_pem)
    peer = tls.getpeercert(True)
    if peer:
        facts += cert_vars("CLIENT", ssl.DER_cert_to_PEM_cert(peer))
    return facts


def s6_block(tls, sni):
    name = tls.cipher()[0]
    peer = tls.getpeercert(True)
    out = [b"SSL_PROTOCOL=" + tls.version().encode(), b"SSL_CIPHER=" + name.encode()]
    out.append(b"SSL_TLS_SNI_SERVERNAME" + (b"=" + sni.encode() if sni else b""))
    out.append(b"SSL_PEER_CERT_HASH" + (b"=SHA256:" + hashlib.sha256(peer).hexdigest().encode() if peer else b""))
    subj = certinfo(ssl.DER_cert_to_PEM_cert(peer))["subject"] if peer else None
    out.append(b"SSL_PEER_CERT_SUBJECT" + (b"=" + subj.encode() if subj else b""))
    return out


def block_bytes(strings, extra, tail):
    return b"".join(s + b"\0" for s in strings + [e.encode("latin-1") for e in extra]) + tail


def relay(tls, rfd, wfd):
    """Network to prog's wfd, prog's rfd to the network, until prog's
    output ends."""
    while True:
        ready = [tls] if tls.pending() else select.select([tls, rfd] if wfd is not None else [rfd], [], [])[0]
        if tls in ready and wfd is not None:
            try:
                data = tls.recv(16384)
            except (ssl.SSLError, OSError):
                data = b""
            if data:
                os.write(wfd, data)
            else:
                os.close(wfd)
                wfd = None
        if rfd in ready:
            data = os.read(rfd, 16384)
            if not data:
                return
            try:
                tls.sendall(data)
            except (ssl.SSLError, OSError):
                return


def handshake(args, ctx, conn):
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError) as e:
        log(args, "handshake failed: %s" % e)
        return None
    log(args, "handshake ok %s %s" % (tls.version(), tls.cipher()[0]))
    return tls


def serve(args, ctx, conn, peer):
    server_pem = open(args.cert).read()
    server_pem = server_pem[:server_pem.index("-----END CERTIFICATE-----") + 26]
    env = dict(os.environ)
    env.update(PROTO="TCP", TCPREMOTEIP=peer[0], TCPREMOTEPORT=str(peer[1]),
               TCPLOCALIP="127.0.0.1", TCPLOCALPORT=str(conn.getsockname()[1]))
    ctl, ctl_prog = socket.socketpair()
    r_prog, w_us = os.pipe()
    r_us, w_prog = os.pipe()
    env.update(SSLCTLFD=str(ctl_prog.fileno()), SSLREADFD=str(r_prog), SSLWRITEFD=str(w_prog))

    if args.style == "sslserver":
        tls = handshake(args, ctx, conn)
        if tls is None:
            return 1
        if args.sslenv:
            env.update(sslserver_facts(tls, server_pem))
        # the pipes are moved to 0 and 1: their numbers name closed fds
        p = subprocess.Popen(args.prog, env=env, stdin=r_prog, stdout=w_prog,
                             pass_fds=(ctl_prog.fileno(),))
        ctl_prog.close()
        os.close(r_prog)
        os.close(w_prog)
        relay(tls, r_us, w_us)
        tls.close()
        p.wait()
        ctl.close()
        return 0

    p = subprocess.Popen(args.prog, env=env, stdin=conn.fileno(), stdout=conn.fileno(),
                         pass_fds=(ctl_prog.fileno(), r_prog, w_prog))
    ctl_prog.close()
    os.close(r_prog)
    os.close(w_prog)
    b = ctl.recv(1)
    log(args, "control %r" % b)
    if b not in (b"y", b"Y"):
        ctl.close()
        p.wait()
        return 0
    sni = []
    ctx.sni_callback = lambda sock, name, c: sni.append(name) and None
    tls = handshake(args, ctx, conn)
    if tls is None:
        ctl.close()
        os.close(w_us)
        os.close(r_us)
        p.wait()
        return 1
    if b == b"Y":
        if args.style == "s6":
            data = block_bytes(s6_block(tls, sni[0] if sni else None), args.extra, b"\0\0")
        else:
            strings = [("%s=%s" % kv).encode("latin-1") for kv in sslserver_facts(tls, server_pem)]
            data = block_bytes(strings, args.extra, b"\0")
        ctl.sendall(data)
        log(args, "block %d bytes" % len(data))
    if args.style == "s6":
        ctl.close()
    relay(tls, r_us, w_us)
    tls.close()
    p.wait()
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--style", required=True, choices=("sslserver-n", "s6", "sslserver"))
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--ca")
    ap.add_argument("--extra", action="append", default=[])
    ap.add_argument("--sslenv", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("prog", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if not args.prog:
        ap.error("no prog")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.ca:
        ctx.load_verify_locations(args.ca)
        ctx.verify_mode = ssl.CERT_OPTIONAL
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    print(lsock.getsockname()[1], flush=True)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        conn, peer = lsock.accept()
        if os.fork() == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            lsock.close()
            conn.setblocking(True)
            try:
                rc = serve(args, ctx, conn, peer)
            except Exception as e:  # the test must see it
                log(args, "error %r" % e)
                rc = 111
            os._exit(rc)
        conn.close()
        time.sleep(0)


if __name__ == "__main__":
    sys.exit(main())
