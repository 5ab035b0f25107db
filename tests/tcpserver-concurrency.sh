#!/bin/bash
# tcpserver-concurrency: under `tcpserver -c 2`, hostile clients that
# close early cannot make our processes pile up.  tests/apps/churn.py
# runs 6 clients in a loop for 6 s, each connection drawing how it ends:
# at once (close or RST), amid the ClientHello, after it, after the
# handshake, after a line, after a warning alert, or normally (a
# half-close, the echo to the end).  prog is echo-wait.py, which waits
# for its TLS child: each connection is then prog, its TLS child and,
# during a handshake, a key process.  tests/apps/conn-sampler.py scans
# the processes every 20 ms: at no moment may more than 3 per admitted
# connection (6) be alive, and all must be gone within 5 s of the
# clients' end.  Immediate mode, then delayed mode (echo-wait's STARTTLS
# prelude, churn.py --starttls).  Last, prog is cat, which exits at
# end-of-file without waiting for its TLS child, as most servers do:
# the child then outlives its connection for as long as it takes to
# finish, and must be gone within 3 s of that; no more than that may
# stay on (the defect this guards against: connections closed by the
# client, whose children stayed for ever while tcpserver admitted more).
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

# round NAME SAMPLER-ARGS OPTS... -- one server (ucspitlsd -K 5000 OPTS
# and prog: echo-wait, or cat with OPTS -i cat), the clients, the sampler
# (conn-sampler.py SAMPLER-ARGS)
round() {
  local name=$1 sargs flags=() prog; shift
  read -ra sargs <<<"$1"; shift
  prog=("$PY" "$APPS/echo-wait.py" "$T/$name.child")
  [ "${*: -1}" = cat ] && { prog=(cat); set -- "${@:1:$#-1}"; }
  case " $* " in *" -i "*) ;; *) flags=(--starttls) ;; esac
  TCPSERVER_OPTS="-c 2" start_tcpserver "$name" ucspitlsd -K 5000 "$@" "${prog[@]}"
  start_bg "${name}_sampler" "$PY" "$APPS/conn-sampler.py" "${sargs[0]}" "$T/$name.stop" 5 "${sargs[@]:1}"
  with_timeout 60 "$PY" "$APPS/churn.py" -p "$PORT" --secs 6 --lanes 6 "${flags[@]}" \
    >"$T/$name.churn" 2>&1 || fail "$name: churn.py: $(tail -n 5 "$T/$name.churn")"
  touch "$T/$name.stop"
  wait_gone "$(eval echo "\$PID_${name}_sampler")" 20 || fail "$name: the sampler did not end"
  say "$name: $(tr '\n' ' ' <"$T/$name.churn")"
  say "$name: $(tr '\n' ' ' <"$T/${name}_sampler.out")"
  grep -q '^total [1-9]' "$T/$name.churn" || fail "$name: no connection made"
  if grep -q '^over ' "$T/${name}_sampler.out"; then
    fail "$name: more than ${sargs[0]} connection processes alive: $(grep '^over ' "$T/${name}_sampler.out" | head -n 3 | tr '\n' '|')"
  fi
  if grep -q '^orphan ' "$T/${name}_sampler.out"; then
    fail "$name: TLS children outlived their connection by more than ${sargs[1]} s: $(grep '^orphan ' "$T/${name}_sampler.out" | head -n 5 | tr '\n' '|')"
  fi
  grep -q '^gone ' "$T/${name}_sampler.out" \
    || fail "$name: processes left 5 s after the clients stopped: $(grep '^left ' "$T/${name}_sampler.out")"
  stop "$name"
}

round imm 6 -i
round del 6
# a prog that does not wait for its TLS child, as most servers: the
# child outlives it (by the time it takes to finish), so the count may
# pass 6 for that moment; what must not happen is a child that stays on
round cat "1000 3" -i cat
pass
