#!/bin/bash
# install-strip: `make install-strip DESTDIR=... prefix=...` installs the
# three programs stripped (no symbol table) and the three manual pages;
# `make install` installs them with their symbols.  The installed
# programs run (-V).
. "$(dirname "$0")/lib.sh"
command -v readelf >/dev/null 2>&1 || fail "readelf not found (binutils: gcc depends on it)"

for target in install-strip install; do
  d=$T/$target
  with_timeout 300 make -C "$TOP" --no-print-directory "$target" DESTDIR="$d" prefix=/usr >"$T/make-$target.log" 2>&1 ||
    fail "make $target failed: $(tail -n 5 "$T/make-$target.log")"
  for p in ucspitlsd ucspitlsc starttls-smtpd; do
    b=$d/usr/bin/$p
    [ -x "$b" ] || fail "make $target: no $b"
    n=$(readelf -S "$b" | grep -c '\.symtab')
    if [ "$target" = install-strip ]; then
      assert_eq 0 "$n" "symbol tables in $b"
    else
      assert_eq 1 "$n" "symbol tables in $b"
    fi
    assert_eq "$p $(sed -n 's/^version=//p' "$TOP/package/info")" "$("$b" -V)" "$b -V"
    [ -f "$d/usr/share/man/man1/$p.1" ] || fail "make $target: no manual page $p.1"
  done
done
pass
