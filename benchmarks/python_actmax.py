#!/usr/bin/env python3
"""Times kenyon.activation_maximisation from Python on the `kenyon bench net` workload and
runs `kenyon bench net` for comparison, printing both (not a test; the goal is Python within
10% of the CLI).

Workload (as `kenyon bench net`): the seeded synthetic connectome of
ratenet::make_synthetic_connectome (140,000 neurons, 3.5M connections, the first 1/50
sensory), MultilayeredNetwork with 5 layers and default parameters, batch 1, input uniform in
[0, 1) on the sensory neurons at time step 0 only, targets 1.0 on the last two neurons at the
last layer, 50 Adam iterations without early stopping. The input draws differ (numpy here,
kenyon's generator in the CLI); the amount of work does not depend on them.

Usage: PYTHONPATH=build/python /usr/bin/python3 benchmarks/python_actmax.py [--cli build/kenyon]
       [--neurons N] [--connections C] [--layers L] [--iterations K] [--repeats R]
"""
import argparse
import json
import pathlib
import subprocess
import sys
import time

import numpy as np

REPO = pathlib.Path(__file__).resolve().parent.parent
try:
    import kenyon  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO / "build" / "python"))
from kenyon import _core  # noqa: E402
from kenyon import activation_maximisation as am  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", default=str(REPO / "build" / "kenyon"))
    ap.add_argument("--neurons", type=int, default=140000)
    ap.add_argument("--connections", type=int, default=3500000)
    ap.add_argument("--layers", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3, help="runs of each; the median is reported")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    t0 = time.perf_counter()
    weights, sensory = _core.ratenet.synthetic_connectome(a.neurons, a.connections, a.seed)
    model = am.MultilayeredNetwork(weights, sensory, num_layers=a.layers)
    build = time.perf_counter() - t0
    n = weights.rows
    x = np.zeros((1, len(sensory), a.layers), np.float32)
    x[0, :, 0] = np.random.default_rng(a.seed).random(len(sensory), dtype=np.float32)
    targets = am.TargetActivation({a.layers - 1: {n - 2: 1.0, n - 1: 1.0}})

    cmd = [a.cli, "bench", "net", "--json", "--neurons", str(a.neurons), "--connections",
           str(a.connections), "--layers", str(a.layers), "--iterations", str(a.iterations),
           "--seed", str(a.seed)]
    # Alternating runs, so that both see the same machine load.
    py_times, cli_times = [], []
    for _ in range(a.repeats):
        t = time.perf_counter()
        res = am.activation_maximisation(model, targets, input_tensor=x, num_iterations=a.iterations,
                                         early_stopping=False, quiet=True)
        py_times.append(time.perf_counter() - t)
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        cli_times.append(json.loads(out[out.index("{"):])["seconds"])
    iterations = len(res[2])

    py, cli = float(np.median(py_times)), float(np.median(cli_times))
    print(f"workload: {n} neurons, {weights.nnz} connections, {a.layers} layers, batch 1, "
          f"{iterations} iterations, {_core.max_threads()} threads (built in {build:.2f} s)")
    print(f"python  kenyon.activation_maximisation: {py:.3f} s (median of {a.repeats}: "
          f"{', '.join(f'{t:.3f}' for t in py_times)})")
    print(f"cli     kenyon bench net:                {cli:.3f} s (median of {a.repeats}: "
          f"{', '.join(f'{t:.3f}' for t in cli_times)})")
    print(f"python / cli = {py / cli:.3f} (medians), {min(py_times) / min(cli_times):.3f} (fastest runs)")


if __name__ == "__main__":
    main()
