#!/bin/bash
# configure-bearssl-dir: --with-include/--with-lib take a BearSSL from a
# directory of its own (a BearSSL tree: inc/ and build/), and
# SSL_VERSION_LIBRARY then is not the version of Debian's libbearssl-dev
# package: the tree's git revision when it is a clone, nothing otherwise;
# the program built against it links that directory's library.  The
# "other" BearSSL here is a copy of the installed one, in the layout of
# BearSSL's own tree.
. "$(dirname "$0")/lib.sh"

# the directory of the installed bearssl_ssl.h (Debian: /usr/include/bearssl)
inc=$(dirname "$(echo '#include <bearssl.h>' | cc -E -H -x c - 2>&1 >/dev/null | sed -n 's/^\.* \(.*\/bearssl_ssl\.h\)$/\1/p' | head -n 1)")
lib=$(cc -print-file-name=libbearssl.a)
[ -f "$inc/bearssl_ssl.h" ] && [ -f "$lib" ] || fail "no installed BearSSL headers ($inc) and static library ($lib)"

# configure writes config.mak where it runs: a copy of the sources
src=$T/src
mkdir "$src"
(cd "$TOP" && git ls-files -z 2>/dev/null | xargs -0 cp --parents -t "$src" 2>/dev/null) \
  || cp -r "$TOP/configure" "$TOP/Makefile" "$TOP/package" "$TOP/src" "$src"/
[ -x "$src/configure" ] || fail "no configure in the copy"

tree=$T/BearSSL
mkdir -p "$tree/inc" "$tree/build" && cp "$inc"/bearssl*.h "$tree/inc/" && cp "$lib" "$tree/build/" \
  || fail "cannot make the BearSSL tree"

conf() {  # conf ARGS... -> $T/conf.out, config.mak's CPPFLAGS_CONF in $cpp, status in $rc
  rm -f "$src/config.mak"
  (cd "$src" && ./configure "$@") >"$T/conf.out" 2>&1
  rc=$?
  cpp=$(sed -n 's/^CPPFLAGS_CONF := *//p' "$src/config.mak" 2>/dev/null)
}

conf
assert_eq 0 "$rc" "default configure exit"
if dpkg-query -W -f='${Status}' libbearssl-dev 2>/dev/null | grep -q ' ok installed'; then
  assert_contains "$cpp" "-DUCSPITLS_BEARSSL_VERSION=" "the default: Debian's package's version"
fi

conf --with-include="$tree/inc" --with-lib="$tree/build"
assert_eq 0 "$rc" "configure with a BearSSL tree"
assert_contains "$cpp" "-I$tree/inc" "CPPFLAGS_CONF"
case $cpp in *UCSPITLS_BEARSSL_VERSION*) fail "a tree that is not a clone has no version, got: $cpp" ;; esac

git -C "$tree" init -q && git -C "$tree" add -A && \
  git -C "$tree" -c user.name=t -c user.email=t@t commit -qm tree || fail "cannot make the tree a clone"
rev=$(git -C "$tree" rev-parse --short HEAD)
conf --with-include="$tree/inc" --with-lib="$tree/build"
assert_eq 0 "$rc" "configure with a cloned BearSSL tree"
assert_contains "$cpp" "-DUCSPITLS_BEARSSL_VERSION='\"git-$rev\"'" "a clone: its revision"

# the build links the tree's library: its path is on the link line
with_timeout 240 make -C "$src" src/ucspitlsd >"$T/make.out" 2>&1 || fail "build failed: $(tail -5 "$T/make.out")"
assert_contains "$(cat "$T/make.out")" "-L$tree/build" "the link line"
pass
