#!/usr/bin/env bash
# Installs libpayup into PREFIX: lib/libpayup.so.VERSION (SONAME libpayup.so.MAJOR) with its
# libpayup.so.MAJOR and libpayup.so links, lib/libpayup.a, include/payup.h, include/payup_php.h and
# lib/pkgconfig/payup.pc. Builds the release libraries first.
#
#   bindings/c/install.sh PREFIX            e.g. /usr/local, or $HOME/.local
#
# Then:  gcc app.c $(pkg-config --cflags --libs payup)                                  (shared)
#        gcc app.c $(pkg-config --cflags payup) PREFIX/lib/libpayup.a $(pkg-config --libs-only-l --static payup | sed 's/-lpayup//')
set -euo pipefail
prefix=${1:?usage: install.sh PREFIX}
cd "$(dirname "$0")/../.."

# The native libraries a static link needs, as rustc reports them for this target.
native=$(cargo rustc --release -p payup-ffi --lib --crate-type staticlib -- --print native-static-libs 2>&1 \
  | sed -n 's/.*native-static-libs: //p' | tail -n 1)
cargo build --release -p payup-ffi
rel=${CARGO_TARGET_DIR:-target}/release  # where cargo put the build
[ -n "$native" ] || native="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
version=$(sed -n 's/^#define PAYUP_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' include/payup.h | paste -sd.)

install -d "$prefix/lib/pkgconfig" "$prefix/include"
# The real file is libpayup.so.<version>; libpayup.so.<major> (the SONAME programs record) and libpayup.so
# (what -lpayup finds at link time) point to it.
major=${version%%.*}
install -m 0755 "$rel/libpayup.so" "$prefix/lib/libpayup.so.$version"
ln -sfn "libpayup.so.$version" "$prefix/lib/libpayup.so.$major"
ln -sfn "libpayup.so.$version" "$prefix/lib/libpayup.so"
install -m 0644 "$rel/libpayup.a" "$prefix/lib/"
install -m 0644 include/payup.h include/payup_php.h "$prefix/include/"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" -e "s|@NATIVE_STATIC_LIBS@|$native|" \
  bindings/c/payup.pc.in > "$prefix/lib/pkgconfig/payup.pc"
echo "installed libpayup $version into $prefix"
