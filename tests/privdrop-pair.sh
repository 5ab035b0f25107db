#!/bin/bash
# privdrop-pair: TLS_UID and TLS_GID come as a pair (spec section 8).
# One without the other would leave the TLS child with gid 0 (TLS_UID
# alone) or uid 0 (TLS_GID alone), silently; so either alone is a
# configuration error: exit 96 with one line that names both variables,
# found before prog runs (prog never starts).  Both programs, both modes.
# A control: the pair given whole runs prog.
. "$(dirname "$0")/lib.sh"
certs

uid=12345 gid=12346

# attempt NAME PROG OPTS... -- run PROG with a configuration that is good
# but for the ids given in $ids; prog touches $T/NAME.ran; status and
# stderr in $T/NAME.rc, $T/NAME.err
attempt() {
  local name=$1 prog=$2; shift 2
  rm -f "$T/$name.ran"
  # shellcheck disable=SC2086  # $ids: the VAR=VALUE words of this case
  env -u TLS_UID -u TLS_GID $ids CERTFILE="$SRV_CERT" KEYFILE="$SRV_KEY" CAFILE="$CA" \
    timeout --foreground -k 2 20 "$prog" "$@" touch "$T/$name.ran" \
    </dev/null 6</dev/null 7>/dev/null >"$T/$name.out" 2>"$T/$name.err"
  echo $? >"$T/$name.rc"
}

# refused NAME PROG OPTS... -- the half-given pair is refused
refused() {
  local name=$1 prog=$2
  attempt "$@"
  assert_eq 96 "$(cat "$T/$name.rc")" "$name: exit status of $prog with $ids"
  [ ! -e "$T/$name.ran" ] || fail "$name: prog ran ($prog with $ids)"
  assert_eq 1 "$(wc -l <"$T/$name.err")" "$name: lines on stderr: [$(cat "$T/$name.err")]"
  grep -q "^$prog: fatal: " "$T/$name.err" || fail "$name: not a fatal line: $(cat "$T/$name.err")"
  assert_file_contains "$T/$name.err" TLS_UID "$name: the message"
  assert_file_contains "$T/$name.err" TLS_GID "$name: the message"
}

n=0
for ids in "TLS_UID=$uid" "TLS_GID=$gid"; do
  for mode in "" -i; do
    n=$((n + 1))
    # shellcheck disable=SC2086  # $mode: no word or -i
    refused "d$n" ucspitlsd $mode
    # shellcheck disable=SC2086
    refused "c$n" ucspitlsc $mode -k localhost
  done
done

# control: the whole pair (as root, the TLS child drops to it; otherwise
# it says that it ignores it); prog runs, in delayed mode, and declines
ids="TLS_UID=$uid TLS_GID=$gid"
attempt pair_d ucspitlsd
[ -e "$T/pair_d.ran" ] || fail "ucspitlsd with the whole pair: prog did not run: $(cat "$T/pair_d.err")"
attempt pair_c ucspitlsc -k localhost
[ -e "$T/pair_c.ran" ] || fail "ucspitlsc with the whole pair: prog did not run: $(cat "$T/pair_c.err")"
wait_no_ucspitlsd
pass
