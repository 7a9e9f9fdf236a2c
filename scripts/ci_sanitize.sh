#!/usr/bin/env bash
# The sanitizer stages of .ci/run (see docs/fuzzing.md, "Sanitizers").
#   scripts/ci_sanitize.sh asan   every unit test (C++ and Python) under ASan + UBSan
#   scripts/ci_sanitize.sh tsan   the threaded kernels' tests under ThreadSanitizer
# Build folders: build-asan, build-tsan (as the CMake presets name them). -O1 -g keeps the
# builds and the runs fast enough for CI while the reports keep line numbers.
# A sanitizer report fails the stage: UBSan is built not to recover, ASan and TSan stop at
# the first report (halt_on_error) and ctest sees the failed test.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: scripts/ci_sanitize.sh asan|tsan}
jobs=${JOBS:-2}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
common=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DKENYON_BUILD_BENCHMARKS=OFF -Wno-dev "${launcher[@]}")

case "$mode" in
asan)
  dir=build-asan
  # GCC, as in the Release build: libasan and libubsan come with it. -fexpensive-optimizations
  # (part of -O2) lets GCC fuse multiplies and adds as the Release build does, so that the
  # numbers match it: a reference case of training (ratenet_train_loss.custom_huber) sits on a
  # threshold that rounding without fused multiply-adds crosses.
  cmake -S . -B "$dir" "${common[@]}" -DKENYON_SANITIZE=address,undefined \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -fexpensive-optimizations -g -fno-sanitize-recover=undefined" >/dev/null
  cmake --build "$dir" -j "$jobs"
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  # The C++ tests (and the CLI they run) with leak detection on. Both halves run even when
  # the first fails, so that one report shows every finding.
  status=0
  ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" -E '^python\.' || status=$?
  # The Python tests load the ASan-built extension into Debian's uninstrumented python3. The
  # ASan runtime must be the first library loaded, so it is preloaded (GCC's libasan, the one
  # the extension is linked against), and libstdc++ with it: python3 does not link it, and
  # ASan's __cxa_throw interceptor must find the real one at start-up, or the first C++
  # exception aborts the interpreter. Leak detection is off for these: the interpreter and
  # numpy keep allocations until exit by design, which LeakSanitizer would report as leaks of
  # Python rather than of kenyon (kenyon's own leaks are caught by the C++ tests above, which
  # run the same library). The CLI the Python tests start inherits the preload; harmless.
  LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)" \
    ASAN_OPTIONS=detect_leaks=0 \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" -R '^python\.' || status=$?
  exit "$status"
  ;;
tsan)
  dir=build-tsan
  # GCC's libgomp is not TSan-instrumented, so every OpenMP barrier would look like a race.
  # Instead: clang with LLVM's libomp and its Archer tool (libarcher.so, loaded through
  # OMPT), which tells TSan about OpenMP's synchronisation (barriers, reductions, tasks), so
  # no suppression is needed. ignore_noninstrumented_modules=1 is Archer's documented
  # setting for a libomp that is not itself built with TSan: it ignores accesses inside
  # libomp's own code, not in kenyon's.
  cmake -S . -B "$dir" "${common[@]}" -DCMAKE_CXX_COMPILER="${TSAN_CXX:-clang++}" \
    -DKENYON_SANITIZE=thread -DKENYON_BUILD_PYTHON=OFF \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g -Wno-pass-failed" >/dev/null
  cmake --build "$dir" -j "$jobs" --target unit kenyon_cli
  archer=$("${TSAN_CXX:-clang++}" -print-file-name=libarcher.so)
  [ -f "$archer" ] || archer=$(find /usr/lib/llvm-*/lib -name libarcher.so | head -1)
  [ -f "$archer" ] || { echo "ci_sanitize: libarcher.so (LLVM OpenMP) not found" >&2; exit 1; }
  # The tests of the threaded kernels (sparse products, the moth network and its kernel, the
  # rate networks' forward and backward passes, experiments and sweeps over seeds, the CLI's
  # thread-count checks), with more threads than cores so that the threads interleave.
  filter='multiply_test*:*p2k_kernel*:network.*:ratenet_network*:ratenet_gradcheck.*'
  filter+=':experiment.*:rng.*:sde.*:cli_test.RunDoesNotDependOnOmpNumThreads'
  filter+=':cli_test.SweepJsonHasRowsAndIgnoresThreadCount'
  OMP_NUM_THREADS=4 OMP_TOOL_LIBRARIES="$archer" \
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1" \
    "$dir/tests/unit" --gtest_filter="$filter"
  ;;
*)
  echo "usage: scripts/ci_sanitize.sh asan|tsan" >&2
  exit 2
  ;;
esac
