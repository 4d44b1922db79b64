#!/usr/bin/env bash
# SDK rows: what a libc++ plugin's own C++ runtime (libc++ static, hidden: how
# assetflow_add_plugin links it) costs against the same plugin on the shared libc++, in load
# time (a whole `assetflow plugins` process loading that one file) and file size.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
own="$BUILD/tests/abi/clang_plugin"
shared="$BUILD/tests/abi/clang_shared"
if [ ! -f "$own/clang_example.so" ] || [ ! -f "$shared/clang_example.so" ]; then
  row "libc++ plugin: own runtime vs shared libc++" "not built (needs clang)" "" "" "" ""
  exit 0
fi
export ASSETFLOW_PLUGIN_PATH=""
t_own=$(median_s 50 "$AF plugins -p $own")
t_shared=$(median_s 50 "$AF plugins -p $shared")
rss=$(peak_rss_mb "$AF" plugins -p "$own")
rss_shared=$(peak_rss_mb "$AF" plugins -p "$shared")
row "load a clang++/libc++ plugin (\`assetflow plugins\`): own static runtime vs shared libc++" \
  "$(fmt_s "$t_own")" "$(fmt_s "$t_shared")" "$(ratio "$t_own" "$t_shared")" "≤ 1.5×" \
  "$rss / $rss_shared MiB"
size_own=$(stat -c %s "$own/clang_example.so")
size_shared=$(stat -c %s "$shared/clang_example.so")
row "libc++ plugin file size: own runtime vs shared libc++" "$((size_own / 1024)) KiB" \
  "$((size_shared / 1024)) KiB" "$(ratio "$size_own" "$size_shared")" "—" "—"
