"""kenyon.moth.run / sweep against the CLI: the same JSON for the same seed and options,
and with out= the same files as --out. The only fields that differ are the wall-clock
times (results.json's "wall_seconds", of the run and of the sweep) and the CLI's record of
how it was invoked; every other value and every other file must match exactly, byte for
byte."""
import json
import subprocess

import numpy as np
import pandas as pd
import pytest

import kenyon
from kenyon import moth

from test_moth import needs_mnist

# The wall-clock time, and how the run was invoked (the CLI's command line, Python's call).
TIMING = {"wall_seconds", "kenyon_version", "working_directory", "command_line", "configuration",
          "inputs", "python_call"}


def cli_json(cli, *args):
    done = subprocess.run([cli, "moth", *args, "--json"], check=True, capture_output=True,
                          text=True)
    return json.loads(done.stdout)


def without_timing(d):
    return {k: v for k, v in d.items() if k not in TIMING}


@needs_mnist
@pytest.mark.parametrize("compat,seed,train", [("fixed", 3, 1), ("pymoth", 5, 2)])
def test_run_matches_cli_json(cli, compat, seed, train):
    py = moth.run(train_per_class=train, seed=seed, compat=compat)
    expected = cli_json(cli, "run", "--train-per-class", str(train), "--seed", str(seed),
                        "--compat", compat)
    assert set(py) - TIMING == set(expected) - TIMING
    assert without_timing(py) == without_timing(expected)
    assert py["wall_seconds"] > 0


@needs_mnist
def test_run_out_writes_the_cli_folder(cli, tmp_path):
    py_dir, cli_dir = tmp_path / "py", tmp_path / "cli"
    d, r = moth.run(train_per_class=1, seed=7, sniffs=2, out=py_dir, result=True)
    subprocess.run([cli, "moth", "run", "--train-per-class", "1", "--seed", "7", "--sniffs", "2",
                    "--out", str(cli_dir)], check=True, capture_output=True)
    names = sorted(p.name for p in cli_dir.iterdir())
    assert names == sorted(p.name for p in py_dir.iterdir())
    assert "results.json" in names and "en_timecourses.csv" in names and len(names) == 8
    for name in names:
        if name == "results.json":
            continue
        assert (py_dir / name).read_bytes() == (cli_dir / name).read_bytes(), name
    py_json = json.loads((py_dir / "results.json").read_text())
    cli_file = json.loads((cli_dir / "results.json").read_text())
    assert without_timing(py_json) == without_timing(cli_file)
    assert py_json == d  # the returned dict is the file's content
    # What made it: kenyon's version, the call and its arguments, seed included.
    assert py_json["kenyon_version"] == kenyon.__version__
    assert py_json["python_call"] == "kenyon.moth.run"
    assert py_json["configuration"]["seed"] == 7 and py_json["configuration"]["sniffs"] == 2
    assert cli_file["configuration"]["seed"] == "7"  # the CLI's, as typed
    # The library's result object: its trace has one row per simulated step.
    assert r.en_trace.shape == (d["steps"], 10)
    assert r.accuracy == d["accuracy"]


@needs_mnist
def test_sweep_matches_cli(cli, tmp_path):
    py, table = moth.sweep(train_per_class=[1, 2], seeds=2, first_seed=4, threads=2,
                           out=tmp_path / "py", table=True)
    expected = cli_json(cli, "sweep", "--train-per-class", "1,2", "--seeds", "2",
                        "--first-seed", "4", "--threads", "2", "--out", str(tmp_path / "cli"))
    assert without_timing(py) == without_timing(expected)
    assert (tmp_path / "py" / "accuracy.csv").read_bytes() == \
        (tmp_path / "cli" / "accuracy.csv").read_bytes()
    assert (tmp_path / "py" / "accuracy.svg").read_bytes() == \
        (tmp_path / "cli" / "accuracy.svg").read_bytes()
    assert table.equals(moth.sweep_table(py))
    assert list(table.index) == [1, 2]
    # The table holds what accuracy.csv holds (which rounds to 6 significant digits).
    csv = pd.read_csv(tmp_path / "cli" / "accuracy.csv", index_col="train_per_class")
    for column in csv.columns:
        np.testing.assert_allclose(table[column], csv[column], rtol=1e-5, atol=1e-9)
    assert table.loc[2, "accuracy_mean"] == py["rows"][1]["accuracy_mean"]
    assert len(table.loc[1, "runs"]) == 2
    # Each sweep run is an ordinary run with its seed.
    single = moth.run(train_per_class=2, seed=5)
    assert py["rows"][1]["runs"][1] == single["accuracy"]


def test_out_must_be_a_folder(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(kenyon.ParameterError) as info:
        moth.run(out=f)
    assert info.value.field == "out"
