#!/usr/bin/env bash
# test.sh's sanitizer stage (CI runs it; ASSETFLOW_SANITIZERS=0 skips it locally):
#  - build-asan/: everything with ASan + UBSan (GCC), every CTest test except those listed in
#    ASAN_EXCLUDE below, each with its reason;
#  - build-tsan/: TSan for the executor and the event log (the engine and eventlog modules' tests,
#    the threads of a run and concurrent writers of one database).
# Any report fails the test that triggered it (halt_on_error). Suppressions live in
# tests/sanitizers/*.supp, each entry with its reason. Extra arguments go to both ctest runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS="${JOBS:-$(nproc)}"

# -O1: a sanitizer build is for the tests, not for speed; -g1 gives reports file:line.
configure() {  # <dir> <sanitizers>
  if [ ! -f "$1/CMakeCache.txt" ]; then
    cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DASSETFLOW_SANITIZE="$2" >/dev/null
  fi
}

# The options travel to every process a test starts (the assetflow CLI, its workers, hn-replay).
# handle_segv/abort/sigbus/sigfpe=0: the isolation tests crash plugins on purpose and assert how
# the host reports a worker killed by SIGSEGV / SIGABRT; with ASan's handlers the worker would
# instead exit 1 after a report. A real bug of that kind still dies by the signal and fails.
# allocator_may_return_null=1: the memory-hog plugins ask for more than ASan's allocator allows
# and must see nullptr/bad_alloc, as with glibc, rather than an ASan abort.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:handle_segv=0:handle_abort=0:handle_sigbus=0:handle_sigfpe=0:allocator_may_return_null=1:suppressions=$ROOT/tests/sanitizers/asan.supp"
export LSAN_OPTIONS="suppressions=$ROOT/tests/sanitizers/lsan.supp"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$ROOT/tests/sanitizers/ubsan.supp"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$ROOT/tests/sanitizers/tsan.supp"

# Tests that cannot run under ASan, as a ctest -E regex. Each with its reason:
ASAN_EXCLUDE=(
  # Packages the build tree into .debs and runs them in a clean Debian root, which has no
  # libasan: it tests the release packages (the release stage runs it), not the code.
  deb_install
  # The browser test's budgets (a 10,000-asset graph interactive within 2 s) are timings of a
  # release server; the server's code under ASan is exercised by serve_api.
  ui_e2e
)
exclude_regex() { local IFS='|'; echo "^(${ASAN_EXCLUDE[*]:-none})\$"; }

rc=0
echo "sanitizers: ASan + UBSan build in build-asan/"
configure build-asan address,undefined
cmake --build build-asan -j "$JOBS" >/dev/null
(cd build-asan && ctest --output-on-failure -j "$JOBS" -E "$(exclude_regex)" "$@") || rc=1

echo "sanitizers: TSan build in build-tsan/ (engine, eventlog)"
configure build-tsan thread
cmake --build build-tsan -j "$JOBS" --target engine_test eventlog_test >/dev/null
# setarch -R: TSan's fixed memory layout does not fit every kernel's mmap randomization
# (vm.mmap_rnd_bits = 32 on some); without ASLR it always does.
(cd build-tsan && setarch "$(uname -m)" -R ctest --output-on-failure -j "$JOBS" -R '^(engine|eventlog)$' "$@") || rc=1
exit $rc
