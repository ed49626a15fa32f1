#!/usr/bin/env bash
# Runs the libFuzzer targets in tests/fuzz, each for a bounded time, and fails if any of them finds a crash
# or a broken invariant. Not part of ./test.sh: it needs clang and takes minutes (docs/hardening.md).
#
# Usage: tools/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, every target)
#        tools/fuzz.sh --merge [TARGET...]                   add the inputs the runs found that reach new code
#                                                            to tests/fuzz/corpus/fuzz_<target>/ (minimised)
# Targets are the tests/fuzz/fuzz_<name>.c files: gateway, ratelimit, custom_id, timer, schedule, tz, config.
# Builds in build-fuzz/ (clang, -DPEON_FUZZ=ON). New inputs go to build-fuzz/corpus/<target>/, crash inputs to
# build-fuzz/artifacts/<target>/, logs to build-fuzz/logs/<target>.log. A crash input replays with
#   build-fuzz/fuzz/fuzz_<target> build-fuzz/artifacts/<target>/crash-...
# Runs at nice 10, one process per target at a time (the machine is shared).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
source tools/bootstrap.sh build
install_packages clang libclang-rt-dev   # libFuzzer and the sanitizer runtimes

merge=0
if [ "${1:-}" = "--merge" ]; then
  merge=1
  shift
fi
seconds=60
if [ $merge -eq 0 ] && [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds="$1"
  shift
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for source in tests/fuzz/fuzz_*.c; do
    name="$(basename "$source" .c)"
    targets+=("${name#fuzz_}")
  done
fi

build="$root/build-fuzz"
echo "== build-fuzz (clang, libFuzzer + ASan + UBSan)" >&2
nice -n 10 cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DPEON_FUZZ=ON -DPEON_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
nice -n 10 cmake --build "$build" -j"$(nproc)" >&2

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for target in "${targets[@]}"; do
  binary="$build/fuzz/fuzz_$target"
  seeds="$root/tests/fuzz/corpus/fuzz_$target"
  work="$build/corpus/$target"
  [ -x "$binary" ] || { echo "no fuzz target '$target' (tests/fuzz/fuzz_$target.c)" >&2; exit 2; }
  mkdir -p "$seeds" "$work" "$build/artifacts/$target" "$build/logs"
  options=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "-artifact_prefix=$build/artifacts/$target/")
  [ -f "$root/tests/fuzz/fuzz_$target.dict" ] && options+=("-dict=$root/tests/fuzz/fuzz_$target.dict")
  # The Lua host and the config loader log every refused input; their own invariant messages go to stdout.
  case "$target" in custom_id|config) options+=(-close_fd_mask=2) ;; esac
  # The Lua host is one long-lived state: memory it keeps between inputs is not a leak, and checking for one
  # after every input (until libFuzzer gives up after 1000) costs 30x. LeakSanitizer still runs at exit.
  [ "$target" = custom_id ] && options+=(-detect_leaks=0)
  log="$build/logs/$target.log"

  if [ $merge -eq 1 ]; then
    echo "== merge $target: build-fuzz/corpus/$target -> tests/fuzz/corpus/fuzz_$target" >&2
    # Edges only (-use_counters=0): an input joins the tree for reaching new code, not for new hit counts,
    # which keeps tests/fuzz/corpus small; build-fuzz/corpus keeps everything for the next local run.
    nice -n 10 "$binary" -merge=1 -use_counters=0 "${options[@]}" "$seeds" "$work" >"$log" 2>&1 ||
      { failed+=("$target"); continue; }
    grep -E "MERGE-OUTER: [0-9]+ new files" "$log" >&2 || true
    continue
  fi

  echo "== fuzz $target for ${seconds}s" >&2
  status=0
  nice -n 10 "$binary" -max_total_time="$seconds" "${options[@]}" "$work" "$seeds" >"$log" 2>&1 || status=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
  cov="$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)"
  if [ $status -ne 0 ]; then
    echo "FAIL $target (exit $status): see $log" >&2
    grep -E "INVARIANT FAILED|ERROR: |runtime error|SUMMARY" "$log" | head -5 >&2 || true
    ls "$build/artifacts/$target" >&2 || true
    failed+=("$target")
  else
    echo "ok   $target: ${runs:-?} runs, ${rate:-?}/s, $cov" >&2
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzzing passed: ${targets[*]}" >&2
