#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through CTest; then the sanitizer stage
# (scripts/sanitizers.sh: ASan + UBSan and TSan builds and their tests), which
# ASSETFLOW_SANITIZERS=0 skips. Exit status: non-zero if any test of either failed.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
# The S3 tests start moto's server (tests/s3/moto_server.py): say what is missing up front.
if ! python3 -c 'import moto, flask, boto3' 2>/dev/null; then
  echo "test.sh: the S3 tests need moto's server mode in python3, and it is missing:" >&2
  python3 -c 'import moto, flask, boto3' 2>&1 | tail -1 >&2 || true
  echo "test.sh: install it with: pip install 'moto[server]' boto3   (the s3_io test will fail)" >&2
fi
rc=0
(cd build && ctest --output-on-failure -j "$(nproc)" "$@") || rc=1
if [ "${ASSETFLOW_SANITIZERS:-1}" != 0 ]; then
  scripts/sanitizers.sh "$@" || rc=1
fi
exit $rc
