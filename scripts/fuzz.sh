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
#   FUZZ_JOBS      build jobs (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-300}
dir=${FUZZ_BUILD_DIR:-build-fuzz}
all=$(sed -n 's/^set(kenyon_fuzzers \(.*\)/\1/p;s/^ *\([a-z_ ]*\))$/\1/p' fuzz/CMakeLists.txt | tr '\n' ' ')
targets=${FUZZ_TARGETS:-$all}

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# -O1 -g: the usual fuzzing trade-off of speed against build time and readable reports.
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_CXX_COMPILER="${FUZZ_CXX:-clang++}" "${launcher[@]}" -DKENYON_BUILD_FUZZERS=ON \
  -DKENYON_BUILD_TESTS=OFF -DKENYON_BUILD_PYTHON=OFF -DKENYON_BUILD_CLI=OFF \
  -DKENYON_BUILD_BENCHMARKS=OFF -DKENYON_NATIVE=OFF -Wno-dev >/dev/null
cmake --build "$dir" -j "${FUZZ_JOBS:-2}" --target $(printf 'fuzz_%s ' $targets)

failed=()
summary=()
for t in $targets; do
  mkdir -p "$dir/corpus/$t" "$dir/findings/$t" "$dir/logs"
  log="$dir/logs/$t.log"
  echo "== fuzz_$t: ${seconds}s"
  # Leaks are findings too (LeakSanitizer is on). -timeout: one input may take 30 s at most.
  if ! "$dir/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$dir/findings/$t/" \
      "$dir/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
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
