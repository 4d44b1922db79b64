#!/usr/bin/env bash
# The packages as a user gets them (CTest `deb_install`, labels slow and packaging):
#   1. CPack builds assetflow_<v>_<arch>.deb and assetflow-sdk_<v>_all.deb;
#   2. `cmake --install` lays out exactly the files the two packages hold;
#   3. both are installed with apt into a copy of a clean Debian root (debootstrap, cached by
#      scripts/make-debroot.sh), which brings their dependencies from the Debian mirror;
#   4. inside it: `assetflow plugins` finds the shipped plugins in the system plugin directory
#      with no flag, and the newcomer's journey runs (new plugin -> build against the
#      installed SDK -> its test -> materialize).
# Usage: deb_install_test.sh BUILD_DIR WORK_DIR MAKE_DEBROOT. Exit 77 (skipped) without root
# or without debootstrap and the mirror.
set -euo pipefail
build="$(cd "$1" && pwd)"
work="$2"
make_root="$3"
base="${AF_DEBROOT_BASE:-$build/debroot-base}"

[ "$(id -u)" -eq 0 ] || { echo "skipped: chroot needs root"; exit 77; }
command -v debootstrap >/dev/null || { echo "skipped: debootstrap is not installed"; exit 77; }

root="$work/root"
cleanup() {
  mountpoint -q "$root/proc" 2>/dev/null && umount "$root/proc"
  return 0
}
trap cleanup EXIT
cleanup
rm -rf "$work"
mkdir -p "$work/debs"

# 1. The packages.
cpack --config "$build/CPackConfig.cmake" -B "$work/debs" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; exit 1; }
version="$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")"
cli_deb="$(ls "$work"/debs/assetflow_"$version"_*.deb)"
sdk_deb="$work/debs/assetflow-sdk_${version}_all.deb"
[ -f "$sdk_deb" ] || { echo "no $sdk_deb"; ls "$work/debs"; exit 1; }
dpkg-deb -f "$cli_deb" Depends | grep -q "libyaml-cpp" ||
  { echo "assetflow's Depends lacks its libraries: $(dpkg-deb -f "$cli_deb" Depends)"; exit 1; }
dpkg-deb -f "$sdk_deb" Depends | grep -q "rapidjson-dev" || { echo "assetflow-sdk lacks rapidjson-dev"; exit 1; }

# 2. `cmake --install` puts the same files in the same places (prefix /usr in the packages).
cmake --install "$build" --prefix "$work/prefix" >/dev/null
(cd "$work/prefix" && find . -type f | sed 's|^\./||' | sort) >"$work/install.files"
for deb in "$cli_deb" "$sdk_deb"; do dpkg-deb -c "$deb"; done |
  awk '$1 !~ /^d/ {print $6}' | sed 's|^\./usr/||' | grep -v '^share/doc/.*/copyright$' |
  sort >"$work/deb.files"
diff -u "$work/deb.files" "$work/install.files" ||
  { echo "cmake --install and the packages differ (above)"; exit 1; }
for f in bin/assetflow lib/assetflow/plugins/fs_io.so lib/assetflow/plugins/hackernews.so \
         include/assetflow/assetflow.h include/assetflow/testing/harness.hpp \
         lib/cmake/AssetflowSDK/AssetflowSDKConfig.cmake; do
  grep -qx "$f" "$work/install.files" || { echo "the install lacks $f"; exit 1; }
done

# 3. A clean Debian root, and apt.
"$make_root" "$base" >"$work/debootstrap.log" 2>&1 ||
  { echo "skipped: cannot make a Debian root (mirror unreachable?):"; tail -5 "$work/debootstrap.log"; exit 77; }
cp -a "$base" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$cli_deb" "$sdk_deb" "$root/tmp/"
mount -t proc proc "$root/proc"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 /bin/sh -ec "$1"; }
in_root "! command -v assetflow"  # clean: nothing of ours before the install
in_root "apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
  --no-install-recommends /tmp/$(basename "$cli_deb") /tmp/$(basename "$sdk_deb") >/tmp/apt.log" ||
  { tail -20 "$root/tmp/apt.log"; exit 1; }

# 4. A working assetflow and SDK inside.
out="$(in_root "assetflow --version")"
[ "$out" = "assetflow $version" ] || { echo "assetflow --version: '$out'"; exit 1; }
out="$(in_root "cd /tmp && assetflow plugins")"
for p in fs_io/fs_io_manager hackernews/top_stories wordcloud/markdown_report; do
  echo "$out" | grep -q "$p" || { echo "assetflow plugins lacks $p:"; echo "$out"; exit 1; }
done
echo "$out" | grep -q "/usr/lib/assetflow/plugins/fs_io.so" ||
  { echo "not loaded from the system plugin directory:"; echo "$out"; exit 1; }
in_root "mkdir -p /tmp/journey && cd /tmp/journey && assetflow new plugin demo --lang c >/dev/null &&
  cd demo && cmake -S . -B build >/dev/null && cmake --build build >/dev/null &&
  ctest --test-dir build --output-on-failure >/dev/null &&
  assetflow materialize --all -m manifests -p build/plugins >/tmp/materialize.log"
stored="$(cat "$root/tmp/journey/demo/.assetflow/storage/demo_greeting")"
[ "$stored" = "hello, demo" ] || { echo "stored: '$stored'"; exit 1; }
cleanup
rm -rf "$root"  # 650 MB; kept when a step failed, to look into
echo "deb_install: ok ($(basename "$cli_deb"), $(basename "$sdk_deb"))"
