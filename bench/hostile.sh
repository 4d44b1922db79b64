#!/usr/bin/env bash
# Hostile-input rows: what did-you-mean suggestions cost when a manifest is full of unknown
# names (quadratic before the bounded edit distance). `check` exits 2 on these manifests, so
# hyperfine runs with -i. BASELINE_AF=<another build's assetflow> adds its figures (expect
# minutes for an unbounded build; it is stopped after 300 s).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export ASSETFLOW_HOME="$tmp/home"

python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
with open(d + "/unknown-20k.yaml", "w") as f:
    f.write("assets:\n")
    for i in range(20000):
        f.write(f"  a{i}: {{ type: examples/concat, inputs: {{ x: b{i} }} }}\n")
with open(d + "/long-100k.yaml", "w") as f:
    f.write("assets:\n")
    for i in range(100000):
        f.write(f"  asset_{i}: {{ type: examples/constant }}\n")
    f.write("  last: { type: examples/concat, inputs: { x: " + "z" * 20000 + " } }\n")
PY

median_i() {  # median_i RUNS CMD: as median_s, ignoring the exit code
  local runs="$1"; shift
  local json; json=$(mktemp)
  hyperfine -N -i --warmup 1 --runs "$runs" --export-json "$json" "$*" >/dev/null 2>&1
  python3 -c 'import json,sys; print("%.6f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$json"
  rm -f "$json"
}
baseline() {  # baseline MANIFEST: one timed run of $BASELINE_AF, or "—"
  [ -n "${BASELINE_AF:-}" ] || { echo "—"; return; }
  local start end; start=$(date +%s.%N)
  timeout 300 "$BASELINE_AF" --manifest "$1" check >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  python3 -c 'import sys; print("%.6f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$start" "$end"
}

for m in unknown-20k long-100k; do
  case $m in
    unknown-20k) label="\`check\`: 20,000 assets, every input unknown (suggestions)";;
    long-100k) label="\`check\`: a 20,000-char unknown input among 100,000 assets";;
  esac
  t=$(median_i 5 "$AF --manifest $tmp/$m.yaml check")
  rss=$(peak_rss_mb "$AF" --manifest "$tmp/$m.yaml" check)
  b=$(baseline "$tmp/$m.yaml")
  if [ "$b" = "—" ]; then
    row "$label" "$(fmt_s "$t")" "—" "—" "≤ 1 s" "$rss MiB"
  else
    row "$label" "$(fmt_s "$t")" "$(fmt_s "$b") (BASELINE_AF)" "$(ratio "$b" "$t")" "≤ 1 s" "$rss MiB"
  fi
done
