"""Crash safety and --resume: a real `kenyon` process is stopped midway by a real SIGINT or
SIGTERM, must exit 130 or 143 leaving only complete files, and `--resume` must then finish
with exactly the numbers of an uninterrupted run. `kenyon rerun` repeats a recorded run.

`kenyon net train` likewise. The signal is sent when the process shows progress on disk (a checkpoint, a finished run),
never after a fixed delay, so a slow or loaded machine changes only where it stops."""
import json
import os
import signal
import subprocess
import time

import pytest

from test_moth import needs_mnist

# Fields that legitimately differ between two runs: times, and how the run was invoked.
VARYING = {"load_seconds", "network_seconds", "seconds", "peak_rss_mb", "wall_seconds",
           "iterations_per_second", "working_directory", "command_line", "configuration",
           "threads"}

MAXIMISE = ["net", "maximise", "--connectome", "larva", "--target", "MBON:5=1.0", "--layers",
            "6", "--iterations", "400", "--no-early-stopping", "--threads", "1", "-q",
            "--save-every", "20"]
SWEEP = ["moth", "sweep", "--train-per-class", "1,2", "--seeds", "3"]


def without_varying(value):
    if isinstance(value, dict):
        return {k: without_varying(v) for k, v in value.items() if k not in VARYING}
    if isinstance(value, list):
        return [without_varying(v) for v in value]
    return value


def same_results(a, b, summary):
    """Every file of folder a (and its subfolders) is in b with the same bytes, except the
    summary JSON, whose numbers must be equal."""
    names = sorted(str(p.relative_to(a)) for p in a.rglob("*") if p.is_file())
    assert names == sorted(str(p.relative_to(b)) for p in b.rglob("*") if p.is_file())
    for name in names:
        if name == summary or name.endswith("sweep.json"):
            assert without_varying(json.loads((a / name).read_text())) == \
                without_varying(json.loads((b / name).read_text())), name
        else:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    return names


def stop_when(args, ready, sig, timeout=300):
    """Starts `kenyon args`, sends `sig` once ready() is true, and returns (exit code,
    stderr). Fails if the process ends before it shows progress."""
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    while not ready():
        assert p.poll() is None, f"ended before showing progress: {p.stderr.read()}"
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.005)
    p.send_signal(sig)
    _, err = p.communicate(timeout=timeout)
    return p.returncode, err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_maximise_stopped_and_resumed_matches_an_uninterrupted_run(cli, tmp_path, sig):
    """SIGKILL cannot be caught: the run continues from its last periodic checkpoint, which
    the atomic writes keep whole."""
    full, part = tmp_path / "full", tmp_path / "part"
    subprocess.run([cli, *MAXIMISE, "--out", str(full)], check=True, capture_output=True)
    assert not (full / "checkpoint.json").exists()

    checkpoint = part / "checkpoint.json"
    code, err = stop_when([cli, *MAXIMISE, "--out", str(part)], checkpoint.exists, sig)
    if sig == signal.SIGKILL:
        assert code == -sig
        # The checkpoint, perhaps with a temporary file a write in progress left.
        assert all(p.name.startswith("checkpoint.json") for p in part.iterdir())
    else:
        assert code == 128 + sig, err
        assert ("SIGINT" if sig == signal.SIGINT else "SIGTERM") in err and "--resume" in err
        # Only the checkpoint, complete: no partial results.
        assert sorted(p.name for p in part.iterdir()) == ["checkpoint.json"]
    saved = json.loads(checkpoint.read_text())
    assert 20 <= saved["state"]["iterations"] < 400
    assert saved["kenyon_version"] and saved["configuration"]["iterations"] == "400"

    done = subprocess.run([cli, *MAXIMISE, "--out", str(part), "--resume"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    names = same_results(full, part, "summary.json")
    assert "optimised_input.npy" in names and "losses.csv" in names
    assert len((part / "losses.csv").read_text().splitlines()) == 401


def test_training_stopped_and_resumed_matches_an_uninterrupted_run(cli, tmp_path):
    import numpy as np
    import pandas as pd

    import kenyon.datasets as kd

    larva = kd.larva()
    x = np.zeros((4, len(larva.sensory_indices()), 4), np.float32)
    x[0, :40, 0], x[1, 40:120, 1], x[2, 10:90, 2], x[3, :, 0] = 1, 0.7, 0.5, 0.3
    np.save(tmp_path / "x.npy", x)
    mbon = list(larva.select("MBON")[:6])
    pd.DataFrame({"batch": np.repeat(range(4), 6), "neuron_idx": mbon * 4, "layer": 3,
                  "value": np.repeat([0.2, 0.6, 0.4, 0.1], 6)}).to_csv(tmp_path / "t.csv",
                                                                        index=False)
    args = [cli, "net", "train", "--connectome", "larva", "--layers", "4", "--input",
            str(tmp_path / "x.npy"), "--targets", str(tmp_path / "t.csv"), "--epochs", "600",
            "--threads", "1", "-q", "--save-every", "5"]
    full, part = tmp_path / "full", tmp_path / "part"
    subprocess.run([*args, "--out", str(full)], check=True, capture_output=True)
    code, err = stop_when([*args, "--out", str(part)], (part / "checkpoint.json").exists,
                          signal.SIGTERM)
    assert code == 143 and "epochs" in err, err
    assert sorted(p.name for p in part.iterdir()) == ["checkpoint.json"]
    saved = json.loads((part / "checkpoint.json").read_text())
    assert saved["inputs"][str(tmp_path / "t.csv")]["bytes"] == (tmp_path / "t.csv").stat().st_size

    # The same options but other targets in the same file: refused, naming the file.
    targets = (tmp_path / "t.csv").read_text()
    (tmp_path / "t.csv").write_text(targets.replace("0.6", "0.7"))
    changed = subprocess.run([*args, "--out", str(part), "--resume"], capture_output=True,
                             text=True)
    assert changed.returncode == 2, changed.stderr
    assert f"{tmp_path / 't.csv'}: has changed since the stopped run read it" in changed.stderr
    assert sorted(p.name for p in part.iterdir()) == ["checkpoint.json"]

    (tmp_path / "t.csv").write_text(targets)
    done = subprocess.run([*args, "--out", str(part), "--resume"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert same_results(full, part, "summary.json") == ["history.csv", "parameters.csv",
                                                        "summary.json"]


def test_resume_refuses_other_options(cli, tmp_path):
    part = tmp_path / "part"
    code, _ = stop_when([cli, *MAXIMISE, "--out", str(part)],
                        (part / "checkpoint.json").exists, signal.SIGINT)
    assert code == 130
    args = [a if a != "MBON:5=1.0" else "MBON:5=0.5" for a in MAXIMISE]
    other = subprocess.run([cli, *args, "--out", str(part), "--resume"], capture_output=True,
                           text=True)
    assert other.returncode == 2
    assert "--target" in other.stderr and "--resume" in other.stderr
    assert sorted(p.name for p in part.iterdir()) == ["checkpoint.json"]


@needs_mnist
def test_sweep_stopped_and_resumed_matches_an_uninterrupted_run(cli, tmp_path):
    full, part = tmp_path / "full", tmp_path / "part"
    subprocess.run([cli, *SWEEP, "--threads", "2", "--out", str(full)], check=True,
                   capture_output=True)
    runs = part / "runs"

    def a_run_finished():
        return runs.is_dir() and any(n.startswith("train") for n in os.listdir(runs))

    # One thread: the signal comes after the first run, so at most one more finishes.
    code, err = stop_when([cli, *SWEEP, "--threads", "1", "--out", str(part)], a_run_finished,
                          signal.SIGINT)
    assert code == 130, err
    assert "of 6 runs" in err
    assert sorted(p.name for p in part.iterdir()) == ["runs"]
    finished = sorted(p.name for p in runs.iterdir() if p.name.startswith("train"))
    assert 1 <= len(finished) < 6
    for name in finished:  # complete records
        assert set(json.loads((runs / name).read_text())) >= {"accuracy", "svm", "seed"}

    other = subprocess.run([cli, *SWEEP[:-1], "4", "--out", str(part), "--resume"],
                           capture_output=True, text=True)
    assert other.returncode == 2 and "--seeds" in other.stderr, other.stderr

    # The thread count may change on resume: it changes the order of the runs only.
    done = subprocess.run([cli, *SWEEP, "--threads", "2", "--out", str(part), "--resume"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    names = same_results(full, part, "results.json")
    assert {"accuracy.csv", "accuracy.svg", "results.json", "runs/train2_seed2.json"} <= set(names)


@needs_mnist
def test_a_second_signal_ends_at_once(cli, tmp_path):
    runs = tmp_path / "out" / "runs"
    p = subprocess.Popen([cli, "moth", "sweep", "--train-per-class", "20", "--seeds", "3",
                          "--threads", "1", "--out", str(tmp_path / "out")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not (runs.is_dir() and any(n.startswith("train") for n in os.listdir(runs))):
        assert p.poll() is None
        time.sleep(0.005)
    p.send_signal(signal.SIGINT)  # the run under way (seconds) would be finished first
    time.sleep(0.3)
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=300) == -signal.SIGTERM
    assert not (tmp_path / "out" / "results.json").exists()


def test_rerun_repeats_a_maximisation(cli, tmp_path):
    first, again = tmp_path / "first", tmp_path / "again"
    args = ["net", "maximise", "--connectome", "larva", "--target", "MBON:4=1.0", "--layers",
            "5", "--iterations", "30", "--seed", "3", "--init", "guess", "-q", "--threads", "1"]
    subprocess.run([cli, *args, "--out", str(first)], check=True, capture_output=True)
    summary = json.loads((first / "summary.json").read_text())
    assert summary["kenyon_version"]
    assert summary["command_line"] == args + ["--out", str(first)]
    assert summary["configuration"]["seed"] == "3"
    assert summary["configuration"]["learning-rate"] == "0.1"  # defaults too
    subprocess.run([cli, "rerun", str(first / "summary.json"), "--out", str(again)], check=True,
                   capture_output=True)
    same_results(first, again, "summary.json")


@needs_mnist
def test_rerun_repeats_a_moth_run(cli, tmp_path):
    first, again = tmp_path / "first", tmp_path / "again"
    subprocess.run([cli, "moth", "run", "--train-per-class", "1", "--seed", "5", "--out",
                    str(first)], check=True, capture_output=True)
    results = json.loads((first / "results.json").read_text())
    assert results["seed"] == 5 and results["configuration"]["seed"] == "5"
    subprocess.run([cli, "rerun", str(first / "results.json"), "--out", str(again)],
                   check=True, capture_output=True)
    same_results(first, again, "results.json")


def forward_of_relative_input(cli, folder):
    """Runs `kenyon net forward --input x.npy --out first` in `folder`; returns the input
    array and first/summary.json."""
    import numpy as np

    import kenyon.datasets as kd

    x = np.zeros((1, len(kd.larva().sensory_indices()), 3), np.float32)
    x[0, :5, 0] = 1
    np.save(folder / "x.npy", x)
    subprocess.run([cli, "net", "forward", "--connectome", "larva", "--layers", "3", "-q",
                    "--input", "x.npy", "--out", "first"], cwd=folder, check=True,
                   capture_output=True)
    return x, json.loads((folder / "first" / "summary.json").read_text())


def test_rerun_reads_relative_paths_from_the_original_directory(cli, tmp_path):
    _, summary = forward_of_relative_input(cli, tmp_path)
    assert summary["working_directory"] == str(tmp_path)
    (tmp_path / "other").mkdir()
    # --input x.npy is read from tmp_path; --out again is made in other/.
    subprocess.run([cli, "rerun", "../first/summary.json", "--out", "again"],
                   cwd=tmp_path / "other", check=True, capture_output=True)
    same_results(tmp_path / "first", tmp_path / "other" / "again", "summary.json")


def test_rerun_refuses_changed_or_missing_inputs(cli, tmp_path):
    import numpy as np

    x, summary = forward_of_relative_input(cli, tmp_path)
    assert set(summary["inputs"]) == {"x.npy"}  # larva is shipped: its version is kenyon's
    assert summary["inputs"]["x.npy"]["bytes"] == (tmp_path / "x.npy").stat().st_size
    assert len(summary["inputs"]["x.npy"]["xxh3"]) == 16

    x[0, 5, 0] = 1  # the same shape, other numbers
    np.save(tmp_path / "x.npy", x)
    rerun = [cli, "rerun", str(tmp_path / "first" / "summary.json"), "--out",
             str(tmp_path / "again")]
    r = subprocess.run(rerun, capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.startswith("kenyon: error: x.npy: has changed since the run that wrote"), \
        r.stderr
    (tmp_path / "x.npy").unlink()
    r = subprocess.run(rerun, capture_output=True, text=True)
    assert r.returncode == 2 and "x.npy: is gone" in r.stderr, r.stderr
    assert not (tmp_path / "again").exists()


def test_rerun_refuses_a_file_without_a_command_line(cli, tmp_path):
    (tmp_path / "x.json").write_text("{}")
    r = subprocess.run([cli, "rerun", str(tmp_path / "x.json")], capture_output=True, text=True)
    assert r.returncode == 2 and "command line" in r.stderr
