#!/bin/bash
# version: each program's -V prints one line, "PROG VERSION", on stdout
# (VERSION is package/info's), nothing on stderr, and exits 0, with other
# options before it and whatever follows it; nothing else is read or run.
# Its stdout full: one fatal line, exit 111.
. "$(dirname "$0")/lib.sh"

version=$(sed -n 's/^version=//p' "$TOP/package/info")
[ -n "$version" ] || fail "no version in package/info"
for p in ucspitlsd ucspitlsc starttls-smtpd; do
  for args in "-V" "-v0 -V" "-V -C" "-V sh -c 'touch $T/ran'"; do
    [ "$p" = starttls-smtpd ] && [ "$args" = "-v0 -V" ] && args="-r -V"
    eval "with_timeout 10 env -i PATH=\"\$PATH\" $p $args" >"$T/out" 2>"$T/err" </dev/null
    assert_eq 0 "$?" "exit status of $p $args"
    assert_eq "$p $version" "$(cat "$T/out")" "stdout of $p $args"
    assert_eq 1 "$(wc -l <"$T/out")" "lines on stdout of $p $args"
    assert_eq "" "$(cat "$T/err")" "stderr of $p $args"
  done
  [ ! -e "$T/ran" ] || fail "$p -V ran prog"
  with_timeout 10 "$p" -V >/dev/full 2>"$T/err"
  assert_eq 111 "$?" "exit status of $p -V with its stdout full"
  assert_eq "$p: fatal: unable to write the version to stdout: No space left on device" "$(cat "$T/err")" "stderr of $p -V with its stdout full"
done
pass
