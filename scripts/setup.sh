#!/usr/bin/env bash
# Idempotent set-up: installs the Debian packages assetflow needs (only those missing), then
# configures and builds Release into build/. Safe to run any number of times.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config
  libboost-dev libboost-filesystem-dev libboost-graph-dev
  libyaml-cpp-dev libyaml-dev rapidjson-dev libcurl4-openssl-dev libssl-dev
  libcairo2-dev libfreetype-dev libfontconfig-dev fonts-dejavu-core zlib1g-dev
  libsqlite3-dev libcli11-dev libcpp-httplib-dev doctest-dev
  clang libc++-dev libc++abi-dev
  python3 python3-requests python3-wordcloud hyperfine time
  openssl libnghttp2-dev
  libhowardhinnant-date-dev tzdata
  libinih-dev libpugixml-dev awscli
  chromium
  debootstrap
  slurmctld slurmd slurm-client munge
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# The web UI's npm packages (ui/package-lock.json), when npm is here: without them the build
# embeds a plain page instead of the UI (host/server/CMakeLists.txt).
if command -v npm >/dev/null 2>&1 && [ -f ui/package-lock.json ]; then
  if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    echo "setup: installing the web UI's npm packages (npm ci in ui/)"
    (cd ui && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi

BUILD_DIR="${BUILD_DIR:-build}"
JOBS="${JOBS:-$(nproc)}"
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
