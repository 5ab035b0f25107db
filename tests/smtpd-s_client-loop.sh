#!/bin/bash
# smtpd-s_client-loop: openssl s_client -starttls smtp, 200 sessions in a
# row through starttls-smtpd and exim, each bounded: every one verifies
# the chain and the name, gets the EHLO reply of the fresh exim inside TLS
# (no STARTTLS in it), and ends; 0 hangs, and the whole run within a
# fixed time.  Each session ends by closing its side (exim lingers 200 ms
# after a QUIT, waiting for that close: 200 sessions need not wait it).
. "$(dirname "$0")/lib.sh"
certs
start_smtpd srv

cat >"$T/loop.py" <<'PYEOF'
import os, select, subprocess, sys, time
port, ca, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
cmd = ["openssl", "s_client", "-starttls", "smtp", "-connect", "127.0.0.1:" + port,
       "-CAfile", ca, "-verify_return_error", "-servername", "localhost", "-brief", "-crlf"]
hangs = bad = 0
for i in range(runs):
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    out, state, err = b"", 0, None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            err = "hang"
            break
        r, _, _ = select.select([p.stdout], [], [], left)
        if not r:
            continue
        c = os.read(p.stdout.fileno(), 65536)
        out += c
        if state == 0 and b"Verification: OK" in out:
            p.stdin.write(b"EHLO loop.example\n")
            p.stdin.flush()
            state = 1
        if state == 1 and b"\n250 HELP" in out:
            p.stdin.close()
            state = 2
        if not c:
            break
    if err is None:
        try:
            p.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            err = "hang"
    if err is None and state != 2:
        err = "no EHLO reply inside TLS"
    if err is None and b"STARTTLS" in out.split(b"Verification: OK", 1)[1]:
        err = "STARTTLS offered inside TLS"
    if err is not None:
        p.kill()
        p.wait()
        if err == "hang":
            hangs += 1
        else:
            bad += 1
        sys.stdout.write("session %d: %s\n%s\n" % (i + 1, err, out.decode("latin-1")))
print("%d sessions, %d hangs, %d failures" % (runs, hangs, bad))
sys.exit(0 if hangs == 0 and bad == 0 else 1)
PYEOF

runs=${SMTPD_LOOP_RUNS:-200}
start=$(date +%s)
with_timeout 110 "$PY" "$T/loop.py" "$PORT" "$CA" "$runs" >"$T/loop.log" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
say "$(tail -n 1 "$T/loop.log") in ${secs}s"
[ "$rc" = 0 ] || fail "s_client loop failed (status $rc): $(head -n 20 "$T/loop.log")"
assert_file_contains "$T/loop.log" "$runs sessions, 0 hangs, 0 failures"
# every starttls-smtpd ended by itself, with exim's status (1: the client
# left without QUIT), none with an error of its own
wait_lines "$T/srv.status" "$runs" 20
assert_eq "$runs" "$(grep -c '^exit [01]$' "$T/srv.status")" "starttls-smtpd exits with exim's status"
pass
