#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang, ASan + UBSan) in $FUZZ_BUILD_DIR and runs each
# for $FUZZ_SECONDS seconds, starting from the committed seeds (fuzz/corpus/<target>, read
# only) and the corpus grown by earlier runs ($FUZZ_BUILD_DIR/corpus/<target>). A finding
# (crash, sanitizer report, exception other than kenyon::error, leak, timeout) stops that
# target, is saved as $FUZZ_BUILD_DIR/findings/<target>/crash-* (or leak-, timeout-, oom-)
# and makes this script fail after the others have run. See docs/fuzzing.md.
#   FUZZ_SECONDS   seconds per target (default 300)
#   FUZZ_TARGETS   space-separated target names (default: all, see fuzz/CMakeLists.txt)
#   FUZZ_BUILD_DIR build folder (default build-fuzz)
#   FUZZ_JOBS      build jobs, and targets run at once (default: the number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-300}
dir=${FUZZ_BUILD_DIR:-build-fuzz}
all=$(sed -n 's/^set(kenyon_fuzzers \(.*\)/\1/p;s/^ *\([a-z_ ]*\))$/\1/p' fuzz/CMakeLists.txt | tr '\n' ' ')
targets=${FUZZ_TARGETS:-$all}
jobs=${FUZZ_JOBS:-$(nproc)}

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# The fuzz preset: -O1 with line tables, the usual trade-off of speed against build time,
# with reports that keep file and line.
cmake --preset fuzz -B "$dir" -DCMAKE_CXX_COMPILER="${FUZZ_CXX:-clang++}" "${launcher[@]}" \
  -Wno-dev >/dev/null
cmake --build "$dir" -j "$jobs" --target $(printf 'fuzz_%s ' $targets)

# One target per core at a time: libFuzzer runs single-threaded.
run_target() {
  local t=$1 log="$dir/logs/$1.log"
  mkdir -p "$dir/corpus/$t" "$dir/findings/$t" "$dir/logs"
  echo "== fuzz_$t: ${seconds}s"
  # Leaks are findings too (LeakSanitizer is on). -timeout: one input may take 30 s at most.
  if "$dir/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$dir/findings/$t/" \
      "$dir/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
    rm -f "$dir/logs/$t.failed"
  else
    touch "$dir/logs/$t.failed"
  fi
}
running=0
for t in $targets; do
  if ((running >= jobs)); then
    wait -n
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
wait

failed=()
summary=()
for t in $targets; do
  log="$dir/logs/$t.log"
  if [ -e "$dir/logs/$t.failed" ]; then
    failed+=("$t")
    tail -n 60 "$log"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  summary+=("$(printf '%-18s %10s execs  corpus %5s files' "$t" "${runs:-?}" \
    "$(find "$dir/corpus/$t" -type f | wc -l)")")
done
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "fuzz: findings in: ${failed[*]} (inputs under $dir/findings/, logs under $dir/logs/)" >&2
  exit 1
fi
