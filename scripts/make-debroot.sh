#!/usr/bin/env bash
# Creates a clean Debian root (debootstrap --variant=minbase, the suite this machine runs) at
# $1, with the tools the packaging test needs inside to build a plugin against the installed
# SDK (cmake, g++, make). Idempotent: a root that is complete (marked by .assetflow-root-ok)
# is left alone. Needs root and the Debian mirror of /etc/apt/sources.list*.
set -euo pipefail
root="$1"
[ -f "$root/.assetflow-root-ok" ] && exit 0
suite="$(. /etc/os-release && echo "$VERSION_CODENAME")"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
rm -rf "$root.partial"
debootstrap --variant=minbase --include=cmake,g++,make,ca-certificates "$suite" "$root.partial" "$mirror"
rm -rf "$root"
mv "$root.partial" "$root"
touch "$root/.assetflow-root-ok"
