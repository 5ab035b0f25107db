#!/bin/bash
# configure-static: configure links statically by default when it can,
# falls back to shared libraries when it cannot, and says which in its
# last line and in config.mak (STATIC_LDFLAGS); --disable-static asks for
# shared libraries; --enable-static where static linking fails is an
# error that names what is missing.  "Cannot" is a compiler that refuses
# -static (a wrapper around cc).  Then a build from config.mak: the
# default makes a static ucspitlsd, --disable-static a dynamic one.
. "$(dirname "$0")/lib.sh"

# configure writes config.mak where it runs: a copy of the sources
src=$T/src
mkdir "$src"
(cd "$TOP" && git ls-files -z 2>/dev/null | xargs -0 cp --parents -t "$src" 2>/dev/null) \
  || cp -r "$TOP/configure" "$TOP/Makefile" "$TOP/package" "$TOP/src" "$src"/
[ -x "$src/configure" ] || fail "no configure in the copy"

cat >"$T/cc-nostatic" <<'EOS'
#!/bin/sh
for a; do [ "$a" = -static ] && { echo "cc-nostatic: no static libraries here" >&2; exit 1; }; done
exec cc "$@"
EOS
chmod +x "$T/cc-nostatic"

conf() {  # conf CC ARGS... -> $T/conf.out, config.mak's STATIC_LDFLAGS in $static, status in $rc
  rm -f "$src/config.mak"
  (cd "$src" && CC=$1 ./configure "${@:2}") >"$T/conf.out" 2>&1
  rc=$?
  static=$(sed -n 's/^STATIC_LDFLAGS := *//p' "$src/config.mak" 2>/dev/null)
}

conf cc
assert_eq 0 "$rc" "default configure exit"
assert_eq -static "$static" "default STATIC_LDFLAGS"
assert_contains "$(tail -n 1 "$T/conf.out")" "static linking: yes" "default configure's last line"

conf cc --disable-static
assert_eq 0 "$rc" "--disable-static exit"
assert_eq "" "$static" "--disable-static STATIC_LDFLAGS"
assert_contains "$(tail -n 1 "$T/conf.out")" "static linking: no"

conf "$T/cc-nostatic"
assert_eq 0 "$rc" "default configure without static libraries"
assert_eq "" "$static" "fallback STATIC_LDFLAGS"
assert_contains "$(cat "$T/conf.out")" "checking whether the programs link statically... no"

conf "$T/cc-nostatic" --enable-static
assert_eq 1 "$rc" "--enable-static without static libraries"
assert_contains "$(cat "$T/conf.out")" "configure: error: --enable-static: static libraries of libc, skalibs or BearSSL are missing"
[ ! -e "$src/config.mak" ] || fail "config.mak written although configure failed"

# the builds
conf cc
with_timeout 240 make -C "$src" programs >"$T/make1.out" 2>&1 || fail "static build failed: $(tail -5 "$T/make1.out")"
ldd "$src/src/ucspitlsd" >"$T/ldd1" 2>&1
assert_contains "$(cat "$T/ldd1")" "not a dynamic executable" "default build"
make -C "$src" clean >/dev/null 2>&1
conf cc --disable-static
with_timeout 240 make -C "$src" programs >"$T/make2.out" 2>&1 || fail "shared build failed: $(tail -5 "$T/make2.out")"
assert_contains "$(ldd "$src/src/ucspitlsd" 2>&1)" "libc.so" "--disable-static build"
pass
