#!/usr/bin/env bash
# S3 rows: PUT and GET of 1,000 × 1 KB and 1 × 100 MiB assets through s3_io/s3_io_manager
# against the local S3-protocol server (moto, SigV4 enforced: tests/s3/moto_server.py), beside
# the AWS CLI (Debian's /usr/bin/aws) moving the same bytes to and from the same server.
#   PUT  assetflow: `materialize --all` of examples/bytes assets stored in S3 (each small one
#        staged and published: PUT + server-side COPY + DELETE; the 100 MiB one multipart in
#        8 MiB parts), event log included; AWS CLI: `aws s3 cp --recursive` of the same files.
#   GET  assetflow: one examples/concat step reading the inputs from S3 and writing them to a
#        file on tmpfs (fs_io, fsync off); AWS CLI: `aws s3 cp --recursive` to tmpfs.
# Concurrency: assetflow -j 10, the AWS CLI's default 10 concurrent requests.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
AWS=/usr/bin/aws
if [ ! -x "$AWS" ] || ! python3 -c 'import moto, flask, boto3' 2>/dev/null; then
  row "S3 PUT/GET through s3_io_manager" "skipped: needs /usr/bin/aws (awscli) and python3 moto" "" "" "" ""
  exit 0
fi
tmp=$(mktemp -d)
shm=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
python3 "$BENCH_ROOT/tests/s3/moto_server.py" --bucket assetflow-bench >"$tmp/moto.out" 2>"$tmp/moto.err" &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null; rm -rf "$tmp" "$shm"' EXIT
for _ in $(seq 300); do grep -q '^ready ' "$tmp/moto.out" && break; sleep 0.1; done
read -r _ port key secret < "$tmp/moto.out"
export AWS_ENDPOINT_URL="http://127.0.0.1:${port#port=}" AWS_ACCESS_KEY_ID="${key#access_key=}"
export AWS_SECRET_ACCESS_KEY="${secret#secret_key=}" AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE
# Debian's AWS CLI (2.9) predates AWS_ENDPOINT_URL: it gets the endpoint as an option.
AWS="$AWS --endpoint-url $AWS_ENDPOINT_URL"
J=10

# Manifests: 1,000 small assets and one large, stored in S3; sinks that read them back.
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
res = ('resources:\n'
       '  io_manager: { type: s3_io/s3_io_manager, config: { bucket: assetflow-bench, prefix: af } }\n'
       f'  local: {{ type: fs_io/fs_io_manager, config: {{ base_dir: "{d}/sink", fsync: false }} }}\n')
small = "".join(f"  s{i:04d}: {{ type: examples/bytes, config: {{ size: 1024 }} }}\n" for i in range(1000))
big = "  big: { type: examples/bytes, config: { size: 104857600, chunk: 1048576 } }\n"
inputs = ", ".join(f"s{i:04d}: s{i:04d}" for i in range(1000))
sinks = (f"  small_sink: {{ type: examples/concat, inputs: {{ {inputs} }}, io_manager: local,"
         " config: { separator: '' } }\n"
         "  big_sink: { type: examples/concat, inputs: { b: big }, io_manager: local, config: { separator: '' } }\n")
open(f"{d}/small.yaml", "w").write(res + "assets:\n" + small)
open(f"{d}/big.yaml", "w").write(res + "assets:\n" + big)
open(f"{d}/all.yaml", "w").write(res + "assets:\n" + small + big + sinks)
PY
# The same bytes as files for the AWS CLI.
mkdir -p "$shm/small" "$shm/big"
python3 - "$shm" <<'PY'
import sys
d = sys.argv[1]
pattern = bytes(i % 251 for i in range(1 << 20))
for i in range(1000):
    open(f"{d}/small/s{i:04d}", "wb").write(pattern[:1024])
with open(f"{d}/big/big", "wb") as f:
    for _ in range(100):
        f.write(pattern)
PY

af() { echo "$AF --home $1 --manifest $2 -q materialize $3 -j $J"; }
put_small=$(median_s 3 "$(af "$shm/h1" "$tmp/small.yaml" --all)")
cli_put_small=$(median_s 3 "$AWS s3 cp --quiet --recursive $shm/small s3://assetflow-bench/cli/small")
row "S3 PUT 1,000 × 1 KB assets (moto, SigV4), -j $J vs AWS CLI" "$(fmt_s "$put_small")" "\`aws s3 cp --recursive\`: $(fmt_s "$cli_put_small")" "$(ratio "$put_small" "$cli_put_small")" "—" "$(peak_rss_mb $(af "$shm/h1" "$tmp/small.yaml" --all)) / $(peak_rss_mb $AWS s3 cp --quiet --recursive "$shm/small" s3://assetflow-bench/cli/small) MiB"

put_big=$(median_s 3 "$(af "$shm/h2" "$tmp/big.yaml" --all)")
cli_put_big=$(median_s 3 "$AWS s3 cp --quiet $shm/big/big s3://assetflow-bench/cli/big")
row "S3 PUT 1 × 100 MiB asset (multipart, 8 MiB parts) vs AWS CLI" "$(fmt_s "$put_big")" "\`aws s3 cp\`: $(fmt_s "$cli_put_big")" "$(ratio "$put_big" "$cli_put_big")" "—" "$(peak_rss_mb $(af "$shm/h2" "$tmp/big.yaml" --all)) / $(peak_rss_mb $AWS s3 cp --quiet "$shm/big/big" s3://assetflow-bench/cli/big) MiB"

# GET: the inputs are materialized once into one home, then only the sinks run.
$AF --home "$shm/h3" --manifest "$tmp/all.yaml" -q materialize --all -j $J >/dev/null
get_small=$(median_s 3 "$(af "$shm/h3" "$tmp/all.yaml" "--select small_sink")")
cli_get_small=$(median_s 3 "$AWS s3 cp --quiet --recursive s3://assetflow-bench/cli/small $shm/get_small")
row "S3 GET 1,000 × 1 KB assets (one step reading 1,000 inputs) vs AWS CLI" "$(fmt_s "$get_small")" "\`aws s3 cp --recursive\`: $(fmt_s "$cli_get_small")" "$(ratio "$get_small" "$cli_get_small")" "—" "$(peak_rss_mb $(af "$shm/h3" "$tmp/all.yaml" "--select small_sink")) / $(peak_rss_mb $AWS s3 cp --quiet --recursive s3://assetflow-bench/cli/small "$shm/get_small") MiB"

get_big=$(median_s 3 "$(af "$shm/h3" "$tmp/all.yaml" "--select big_sink")")
cli_get_big=$(median_s 3 "$AWS s3 cp --quiet s3://assetflow-bench/cli/big $shm/get_big")
row "S3 GET 1 × 100 MiB asset (ranged GETs of 8 MiB) vs AWS CLI" "$(fmt_s "$get_big")" "\`aws s3 cp\`: $(fmt_s "$cli_get_big")" "$(ratio "$get_big" "$cli_get_big")" "—" "$(peak_rss_mb $(af "$shm/h3" "$tmp/all.yaml" "--select big_sink")) / $(peak_rss_mb $AWS s3 cp --quiet s3://assetflow-bench/cli/big "$shm/get_big") MiB"
