#!/bin/bash
# smtpd-smtplib: Python's smtplib, starttls() with the chain and the name
# verified, sends a message through starttls-smtpd.  STARTTLS is offered
# before TLS and not after, CHUNKING never (starttls-smtpd does not follow
# BDAT).  The body is relayed byte for byte: 8-bit bytes, a NUL, a
# 20000-byte line, lines that are commands or dots; exim stores it with LF
# line ends (and would store a bare CR as LF too, so there is none).
. "$(dirname "$0")/lib.sh"
certs
start_smtpd srv

cat >"$T/send.py" <<'PYEOF'
import smtplib, ssl, sys
port, ca, spool = int(sys.argv[1]), sys.argv[2], sys.argv[3]
body = (b"8-bit: \xc3\xa9\xff\x80\x01\r\n"
        b"a NUL: [\x00]\r\n"
        b"STARTTLS\r\n"
        b"MAIL FROM:<not@a.command>\r\n"
        b".\r\n"
        b"..\r\n"
        b"." + b"x" * 20000 + b"\r\n"
        b"last line\r\n")
msg = b"Subject: smtpd-smtplib\r\n\r\n" + body
s = smtplib.SMTP("localhost", port, local_hostname="py.example", timeout=20)
s.ehlo()
assert s.has_extn("starttls"), "no STARTTLS before TLS"
assert not s.has_extn("chunking"), "CHUNKING offered"
s.starttls(context=ssl.create_default_context(cafile=ca))
s.ehlo()
assert not s.has_extn("starttls"), "STARTTLS offered inside TLS"
print("cipher:", s.sock.cipher()[0])
refused = s.sendmail("a@example.org", ["b@mx.test"], msg)
assert not refused, refused
code, _ = s.quit()
assert code == 221, code
import glob
for h in glob.glob(spool + "/*-H"):
    if b"Subject: smtpd-smtplib" in open(h, "rb").read():
        d = open(h[:-2] + "-D", "rb").read().split(b"\n", 1)[1]
        want = body.replace(b"\r\n", b"\n")
        if d != want:
            print("body differs:\n got  %r\n want %r" % (d[:300], want[:300]))
            sys.exit(1)
        print("body ok, %d bytes" % len(d))
        sys.exit(0)
print("message not in the spool")
sys.exit(1)
PYEOF
with_timeout 30 "$PY" "$T/send.py" "$PORT" "$CA" "$EXIM_SPOOL" >"$T/py.log" 2>&1 \
  || fail "smtplib session failed: $(tail -n 5 "$T/py.log")"
assert_file_contains "$T/py.log" "body ok"
assert_file_not_contains "$EXIM_LOG" "not@a.command" "exim's log"
wait_lines "$T/srv.status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/srv.status")" "starttls-smtpd's exit status"
pass
