#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through CTest (its summary comes last).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
cd build
exec ctest --output-on-failure -j "$(nproc)" "$@"
