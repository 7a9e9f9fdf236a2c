#!/usr/bin/env bash
# The sanitizer stages of .ci/run (see docs/fuzzing.md, "Sanitizers").
#   scripts/ci_sanitize.sh asan   every test (C++ and Python) under ASan + UBSan
#   scripts/ci_sanitize.sh tsan   the threaded kernels' tests under ThreadSanitizer
# Build folders and flags: the CMake presets asan-ubsan (build-asan) and tsan (build-tsan).
# Both use clang, which compiles the instrumented code in half GCC's time, with the library
# at -O1 (the tests spend their time in it) and the tests, CLI and bindings at -O0.
# A sanitizer report fails the stage: UBSan is built not to recover, ASan and TSan stop at
# the first report (halt_on_error) and ctest sees the failed test.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: scripts/ci_sanitize.sh asan|tsan}
jobs=${JOBS:-$(nproc)}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

case "$mode" in
asan)
  dir=build-asan
  cmake --preset asan-ubsan -Wno-dev "${launcher[@]}" >/dev/null
  cmake --build "$dir" -j "$jobs"
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  # OpenMPI's own unfreed allocations, in the processes mpirun starts (see the file).
  export LSAN_OPTIONS="suppressions=$PWD/tests/lsan_openmpi.supp"
  # One ctest run for the C++ and the Python tests (the build tree preloads the ASan runtime
  # for python3: tests/CMakeLists.txt), so that the long tests of both share the cores;
  # every test runs even when one fails, so that one report shows every finding.
  ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
    KENYON_REQUIRE_DATA=1 ctest --test-dir "$dir" --output-on-failure -j "$jobs"
  ;;
tsan)
  dir=build-tsan
  # GCC's libgomp is not TSan-instrumented, so every OpenMP barrier would look like a race.
  # Instead: clang with LLVM's libomp and its Archer tool (libarcher.so, loaded through
  # OMPT), which tells TSan about OpenMP's synchronisation (barriers, reductions, tasks), so
  # no suppression is needed. ignore_noninstrumented_modules=1 is Archer's documented
  # setting for a libomp that is not itself built with TSan: it ignores accesses inside
  # libomp's own code, not in kenyon's.
  cmake --preset tsan -Wno-dev "${launcher[@]}" >/dev/null
  cmake --build "$dir" -j "$jobs" --target unit kenyon_cli
  archer=$(clang++ -print-file-name=libarcher.so)
  [ -f "$archer" ] || archer=$(find /usr/lib/llvm-*/lib -name libarcher.so | head -1)
  [ -f "$archer" ] || { echo "ci_sanitize: libarcher.so (LLVM OpenMP) not found" >&2; exit 1; }
  # The tests of the threaded kernels (sparse products, the moth network and its kernel, the
  # rate networks' forward and backward passes, the atlas's batches, experiments and sweeps
  # over seeds, test digits read frozen, the CLI's thread-count checks), with more threads
  # than cores so that the threads interleave.
  filter='multiply_test*:*p2k_kernel*:network.*:ratenet_network*:ratenet_gradcheck.*'
  filter+=':ratenet_atlas.*:experiment.*:rng.*:sde.*:cli_test.RunDoesNotDependOnOmpNumThreads'
  filter+=':cli_test.SweepJsonHasRowsAndIgnoresThreadCount:frozen_reading.*'
  KENYON_REQUIRE_DATA=1 OMP_NUM_THREADS=4 OMP_TOOL_LIBRARIES="$archer" \
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1" \
    "$dir/tests/unit" --gtest_filter="$filter"
  ;;
*)
  echo "usage: scripts/ci_sanitize.sh asan|tsan" >&2
  exit 2
  ;;
esac
