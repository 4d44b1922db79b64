#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through CTest; then the sanitizer stage
# (scripts/sanitizers.sh: ASan + UBSan and TSan builds and their tests), which
# ASSETFLOW_SANITIZERS=0 skips. Exit status: non-zero if any test of either failed.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
rc=0
(cd build && ctest --output-on-failure -j "$(nproc)" "$@") || rc=1
if [ "${ASSETFLOW_SANITIZERS:-1}" != 0 ]; then
  scripts/sanitizers.sh "$@" || rc=1
fi
exit $rc
