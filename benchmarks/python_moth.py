#!/usr/bin/env python3
"""The default MothNet run through Python against the CLI.

Times the default experiment (10 training digits per class, 1 sniff, 15 validation digits
per class, seed 0) three ways, each `--repeats` times, and prints the medians:

- cli:      `build/kenyon moth run --json` as a subprocess (process start, MNIST, run);
- run:      `kenyon.moth.run()` (the same library call, from Python);
- mothnet:  pymoth's steps through `kenyon.moth.MothNet` (load_mnist, load_moth, load_exp,
            simulate, collect_stats, score_moth_on_MNIST, score_knn, score_svm), no figures.

"wall" is measured outside (the caller's clock); "library" is the run's own
`wall_seconds` (digits, network, simulation, readout, classifiers, baselines), which
excludes process start and reading MNIST. The goal is Python within 10% of the CLI.

Usage: PYTHONPATH=build/python /usr/bin/python3 benchmarks/python_moth.py [--repeats N]
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "build" / "python"))

from kenyon import moth  # noqa: E402


def time_cli(cli, settings):
    start = time.perf_counter()
    out = subprocess.run([cli, "moth", "run", "--json", "--train-per-class",
                          str(settings["train_per_class"]), "--seed", str(settings["seed"])],
                         check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - start
    d = json.loads(out)
    return wall, d["wall_seconds"], d["accuracy"]


def time_run(settings):
    start = time.perf_counter()
    d = moth.run(**settings)
    return time.perf_counter() - start, d["wall_seconds"], d["accuracy"]


def time_mothnet(settings):
    start = time.perf_counter()
    m = moth.MothNet({"tr_per_class": settings["train_per_class"], "seed": settings["seed"],
                      "n_thumbnails": 0, "show_acc_plots": False, "show_time_plots": False,
                      "show_roc_plots": False, "verbose": False})
    fa = m.load_mnist()
    train_X, test_X, train_y, test_y = m.train_test_split(fa)
    m.load_moth()
    m.load_exp()
    sim = m.simulate(fa)
    stats = m.collect_stats(sim, m.experiment_params, m._class_labels, False, False)
    m.score_moth_on_MNIST(stats)
    m.score_knn(train_X, train_y, test_X, test_y)
    m.score_svm(train_X, train_y, test_X, test_y)
    return time.perf_counter() - start, float("nan"), m.output_trained_log_loss["total_acc"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cli", default=os.environ.get("KENYON_CLI", str(REPO / "build" / "kenyon")))
    ap.add_argument("--train-per-class", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    settings = {"train_per_class": args.train_per_class, "seed": args.seed}
    rows = {"cli": [], "run": [], "mothnet": []}
    for _ in range(args.repeats):  # interleaved, so that load changes hit all three alike
        rows["cli"].append(time_cli(args.cli, settings))
        rows["run"].append(time_run(settings))
        rows["mothnet"].append(time_mothnet(settings))
    print(f"MothNet, {args.train_per_class} training digits per class, seed {args.seed}, "
          f"median of {args.repeats} (s)")
    print(f"  {'path':<9} {'wall':>8} {'library':>8} {'accuracy':>9}")
    med = {}
    for name, r in rows.items():
        wall = statistics.median(x[0] for x in r)
        lib = statistics.median(x[1] for x in r)
        med[name] = (wall, lib)
        print(f"  {name:<9} {wall:8.3f} {lib:8.3f} {r[0][2]:8.1f}%")
    for name in ("run", "mothnet"):
        print(f"  {name} / cli, wall: {med[name][0] / med['cli'][0]:.3f}")
    print(f"  run / cli, library: {med['run'][1] / med['cli'][1]:.3f}")


if __name__ == "__main__":
    main()
