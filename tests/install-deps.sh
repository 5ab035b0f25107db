#!/bin/bash
# install-deps: package/install-deps, the first half of README's two
# newcomer commands.  With every package of its lists installed (a dpkg-query
# stand-in says so), it is silent, exits 0 and runs no
# apt-get.  With packages missing (a dpkg-query stand-in first in PATH
# says "make" was never installed and "swaks" was removed, its
# configuration left), not root (as nobody), it names exactly those on
# one line of stderr and exits 1, running no apt-get; as root, it runs
# apt-get update once and installs exactly those, without recommends (an
# apt-get stand-in records its arguments); when apt-get fails, it says so
# and exits 111.  It never removes a package: where installing one would
# (the apt-get stand-in's simulation says that exim4-daemon-light would
# remove postfix, as Debian's does), that one is left out with a warning
# naming what it would remove, not named as missing, not installed; the
# rest is, with apt-get's --no-remove.  A copy of package/ is used, open
# to nobody (the source tree may not be, as under /root).
. "$(dirname "$0")/lib.sh"

chmod 755 "$T" || fail "chmod $T"
cp -r "$TOP/package" "$T/package" && chmod -R a+rX "$T/package" || fail "cannot copy package/"
mkdir "$T/bin" "$T/fakebin" || fail "mkdir"

# dpkg-query stand-in in bin: everything is installed (on this machine
# install-deps may have left a package out, exim4-daemon-light where
# postfix is)
printf '#!/bin/sh\nprintf "install ok installed"\n' >"$T/bin/dpkg-query"
# apt-get stand-in, in both: records its arguments (a simulation's, -s,
# in sim.log) and fails when $T/apt-fail exists; its simulation removes
# postfix when exim4-daemon-light is installed
cat >"$T/bin/apt-get" <<EOF
#!/bin/sh
if [ "\$1" = -s ]; then
  echo "\$*" >>"$T/sim.log"
  for p; do
    case \$p in
      -*|install) ;;
      exim4-daemon-light) echo "Remv postfix [3.7.11-0+deb12u1]"; echo "Inst \$p (4.96-15+deb12u6 Debian:12.8/stable [amd64])" ;;
      *) echo "Inst \$p (1 Debian:12.8/stable [amd64])" ;;
    esac
  done
  exit 0
fi
echo "\$*" >>"$T/apt.log"
[ ! -e "$T/apt-fail" ]
EOF
: >"$T/apt.log" && : >"$T/sim.log" && chmod 666 "$T/apt.log" "$T/sim.log" || fail "apt.log"
cp "$T/bin/apt-get" "$T/fakebin/apt-get"
# dpkg-query stand-in: make is unknown, swaks removed, exim4-daemon-light
# too when $T/no-exim exists, the rest installed
cat >"$T/fakebin/dpkg-query" <<EOF
#!/bin/sh
for p; do :; done
[ -e "$T/no-exim" ] && [ "\$p" = exim4-daemon-light ] && exit 1
EOF
cat >>"$T/fakebin/dpkg-query" <<'EOF'
case $p in
  make) echo "dpkg-query: no packages found matching $p" >&2; exit 1 ;;
  swaks) printf 'deinstall ok config-files' ;;
  *) printf 'install ok installed' ;;
esac
EOF
chmod 755 "$T/bin" "$T/fakebin" "$T/bin/apt-get" "$T/bin/dpkg-query" "$T/fakebin/apt-get" "$T/fakebin/dpkg-query" || fail "chmod"

# as_user BIN CMD... -- CMD as nobody (or as this user, when not root),
# with BIN first in PATH; stderr in $T/err, stdout in $T/out, status in $rc
as_user() {
  local bin=$1; shift
  if [ "$(id -u)" = 0 ]; then
    with_timeout 30 setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups \
      env PATH="$bin:$PATH" HOME=/ "$@" >"$T/out" 2>"$T/err"
  else
    PATH="$bin:$PATH" with_timeout 30 "$@" >"$T/out" 2>"$T/err"
  fi
  rc=$?
}
as_root() {
  local bin=$1; shift
  PATH="$bin:$PATH" with_timeout 30 "$@" >"$T/out" 2>"$T/err"
  rc=$?
}

# everything installed: silent, 0, no apt-get
for who in as_user as_root; do
  [ "$who" = as_root ] && [ "$(id -u)" != 0 ] && continue
  "$who" "$T/bin" sh "$T/package/install-deps" build test demo
  assert_eq 0 "$rc" "$who, all installed: exit status (stderr: $(cat "$T/err"))"
  assert_eq "" "$(cat "$T/out" "$T/err")" "$who, all installed: output"
  assert_eq "" "$(cat "$T/apt.log")" "$who, all installed: apt-get calls"
done

# not root, two missing: named, exit 1, no apt-get
as_user "$T/fakebin" sh "$T/package/install-deps" build test
assert_eq 1 "$rc" "not root, packages missing: exit status"
assert_eq "install-deps: fatal: missing Debian packages: make swaks (as root: apt-get install make swaks)" \
  "$(cat "$T/err")" "not root, packages missing: stderr"
assert_eq "" "$(cat "$T/out")" "not root, packages missing: stdout"
assert_eq "" "$(cat "$T/apt.log")" "not root, packages missing: apt-get calls"

if [ "$(id -u)" = 0 ]; then
  # as root, two missing: update once, install those two
  as_root "$T/fakebin" sh "$T/package/install-deps" build test
  assert_eq 0 "$rc" "root, packages missing: exit status (stderr: $(cat "$T/err"))"
  assert_eq "install-deps: installing: make swaks" "$(cat "$T/err")" "root, packages missing: stderr"
  assert_eq "-q update
-q install -y --no-install-recommends --no-remove make swaks" "$(cat "$T/apt.log")" "root, packages missing: apt-get calls"

  # exim4-daemon-light missing too, and it would remove postfix: left
  # out, said, the rest installed
  : >"$T/apt.log" && touch "$T/no-exim"
  as_root "$T/fakebin" sh "$T/package/install-deps" build test
  assert_eq 0 "$rc" "root, a package that would remove one: exit status (stderr: $(cat "$T/err"))"
  assert_eq "install-deps: warning: not installing exim4-daemon-light: it would remove postfix (installed here); what needs exim4-daemon-light is skipped
install-deps: installing: make swaks" "$(cat "$T/err")" "root, a package that would remove one: stderr"
  assert_eq "-q update
-q install -y --no-install-recommends --no-remove make swaks" "$(cat "$T/apt.log")" "root, a package that would remove one: apt-get calls"
  rm -f "$T/no-exim"

  # apt-get fails: 111, said
  : >"$T/apt.log" && touch "$T/apt-fail"
  as_root "$T/fakebin" sh "$T/package/install-deps" build
  assert_eq 111 "$rc" "root, apt-get failing: exit status"
  assert_contains "$(cat "$T/err")" "install-deps: fatal: apt-get update failed" "root, apt-get failing: stderr"
else
  say "not root: the root cases are not run"
fi

# not root, exim4-daemon-light missing too, and it would remove postfix:
# not named, said why
: >"$T/apt.log" && touch "$T/no-exim"
as_user "$T/fakebin" sh "$T/package/install-deps" build test
assert_eq 1 "$rc" "not root, a package that would remove one: exit status"
assert_eq "install-deps: warning: not installing exim4-daemon-light: it would remove postfix (installed here); what needs exim4-daemon-light is skipped
install-deps: fatal: missing Debian packages: make swaks (as root: apt-get install make swaks)" \
  "$(cat "$T/err")" "not root, a package that would remove one: stderr"
assert_eq "" "$(cat "$T/apt.log")" "not root, a package that would remove one: apt-get calls"
rm -f "$T/no-exim"

# usage: no list, an unknown list
as_user "$T/bin" sh "$T/package/install-deps"
assert_eq 100 "$rc" "no list: exit status"
as_user "$T/bin" sh "$T/package/install-deps" nosuchlist
assert_eq 100 "$rc" "unknown list: exit status"
assert_contains "$(cat "$T/err")" "install-deps: fatal: no package list" "unknown list: stderr"
pass
