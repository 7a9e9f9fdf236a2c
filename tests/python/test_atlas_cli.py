"""`kenyon net atlas` and `atlas-merge` on the shipped larva: the atlas of every MBON cell
type (and, for the interruption, of every MBON neuron) must be the same files, byte for byte,
with batch 1 and 8, with 1 and 2 threads, with 1 and 2 MPI ranks, as two shards merged, and
after a real SIGINT plus --resume; every target's loss must fall; bad input is one line and
exit code 2."""
import json
import os
import shutil
import signal
import subprocess

import numpy as np
import pandas as pd
import pytest

from test_resume import stop_when, without_varying

ATLAS = ["net", "atlas", "--connectome", "larva", "--each", "MBON", "--layers", "6",
         "--iterations", "30", "-q"]
MPI_ENV = {"OMP_NUM_THREADS": "1", "OMPI_ALLOW_RUN_AS_ROOT": "1",
           "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMPI_MCA_rmaps_base_oversubscribe": "1"}


def atlas(cli, out, *extra, env=None):
    r = subprocess.run([cli, *ATLAS, *extra, "--out", str(out)], capture_output=True, text=True,
                       env={**os.environ, **(env or {})})
    assert r.returncode == 0, r.stderr
    return r


def same_atlas(a, b):
    """The same rows and inputs byte for byte, and the same summary apart from timings and
    how the run was made (batch, threads, shard, ranks)."""
    for name in ("atlas.csv", "inputs.npy"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    skip = {"batch", "shard", "ranks", "slices", "targets_per_second", "seconds_per_target"}
    sa, sb = (without_varying(json.loads((d / "summary.json").read_text())) for d in (a, b))
    assert {k: v for k, v in sa.items() if k not in skip} == {k: v for k, v in sb.items() if k not in skip}


@pytest.fixture(scope="module")
def reference(cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("atlas") / "b1"
    atlas(cli, out, "--batch", "1", "--threads", "1")
    return out


def test_every_larva_mbon_type_gets_an_input_that_lowers_its_loss(reference):
    rows = pd.read_csv(reference / "atlas.csv")
    assert len(rows) == 24 and (rows["neurons"] == 2).all()
    assert rows["target"].str.startswith("MBE").all()
    assert (rows["loss_end"] < rows["loss_start"]).all()
    assert (rows["status"] == "ok").all()
    inputs = np.load(reference / "inputs.npy")
    assert inputs.shape == (24, 430, 6) and inputs.dtype == np.float32
    assert inputs.min() >= -1 and inputs.max() <= 1
    summary = json.loads((reference / "summary.json").read_text())
    assert summary["target_sets"] == 24 and summary["loss_decreased"] == 24
    assert sum(summary["favoured_sensory_types"].values()) == 24
    assert summary["configuration"]["each"] == "MBON"  # provenance, for kenyon rerun


@pytest.mark.parametrize("batch,threads", [(8, 1), (8, 2), (3, 2), (64, 2)])
def test_batch_size_and_threads_change_nothing(cli, tmp_path, reference, batch, threads):
    atlas(cli, tmp_path / "x", "--batch", str(batch), "--threads", str(threads))
    same_atlas(reference, tmp_path / "x")


@pytest.mark.parametrize("ranks", [1, 2])
def test_mpi_ranks_change_nothing(cli, tmp_path, reference, ranks):
    mpirun = shutil.which("mpirun")
    assert mpirun, "OpenMPI's mpirun is not installed (scripts/install_deps.sh installs it)"
    out = tmp_path / "mpi"
    r = subprocess.run([mpirun, "-np", str(ranks), cli, *ATLAS, "--batch", "4", "--threads", "1",
                        "--out", str(out), "--json"], capture_output=True, text=True,
                       env={**os.environ, **MPI_ENV})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ranks"] == ranks  # rank 0 alone prints
    same_atlas(reference, out)


def test_shards_merged_equal_one_run(cli, tmp_path, reference):
    atlas(cli, tmp_path / "s0", "--shard", "0/2", "--batch", "5")
    atlas(cli, tmp_path / "s1", "--shard", "1/2", "--batch", "2")
    assert len(pd.read_csv(tmp_path / "s0" / "atlas.csv")) == 12
    r = subprocess.run([cli, "net", "atlas-merge", str(tmp_path / "s1"), str(tmp_path / "s0"),
                        "--out", str(tmp_path / "merged"), "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    same_atlas(reference, tmp_path / "merged")
    # One slice alone is not an atlas; a slice of other options cannot join.
    r = subprocess.run([cli, "net", "atlas-merge", str(tmp_path / "s0"), "--out",
                        str(tmp_path / "m2")], capture_output=True, text=True)
    assert r.returncode == 2 and "12 of 24 target sets are missing" in r.stderr, r.stderr
    atlas(cli, tmp_path / "other", "--shard", "1/2", "--value", "0.5")
    r = subprocess.run([cli, "net", "atlas-merge", str(tmp_path / "s0"), str(tmp_path / "other"),
                        "--out", str(tmp_path / "m3")], capture_output=True, text=True)
    assert r.returncode == 2 and "different configurations" in r.stderr and "--value" in r.stderr
    assert r.stderr.count("\n") == 1 and not (tmp_path / "m3").exists()


def test_interrupted_and_resumed_equals_uninterrupted(cli, tmp_path):
    # Every MBON neuron, long enough to be stopped midway on any machine.
    slow = ["--by", "neuron", "--iterations", "25", "--no-early-stopping", "--batch", "2",
            "--threads", "1"]
    full, part = tmp_path / "full", tmp_path / "part"
    atlas(cli, full, *slow)
    parts = part / "parts"
    code, err = stop_when([cli, *ATLAS, *slow, "--out", str(part)],
                          lambda: parts.exists() and len(list(parts.glob("*.entry"))) >= 4,
                          signal.SIGINT)
    assert code == 130, err
    assert "stopped by SIGINT" in err and "--resume" in err
    done = len(list(parts.glob("*.entry")))
    assert 4 <= done < 48
    assert not (part / "atlas.csv").exists()  # no partial result files
    atlas(cli, part, *slow, "--resume")
    same_atlas(full, part)
    # Resuming with other options is refused, naming the option.
    r = subprocess.run([cli, *ATLAS, *slow, "--value", "0.5", "--out", str(part), "--resume"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--value" in r.stderr, r.stderr


@pytest.mark.parametrize("args,fragment", [
    (["--each", "NOPE*"], "NOPE*"),
    (["--each", "MBON", "--layer", "9"], "--layer"),
    (["--each", "MBON", "--shard", "3/2"], "--shard"),
    (["--each", "MBON", "--batch", "0"], "--batch"),
    (["--targets-file", "@empty.csv"], "empty.csv"),
    (["--targets-file", "@header.csv"], "no target sets"),
    (["--targets-file", "@unknown.csv"], "unknown.csv:2"),
    ([], "--each"),
])
def test_bad_input_is_one_line_and_exit_2(cli, tmp_path, args, fragment):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("target,layer\n")
    (tmp_path / "unknown.csv").write_text("target,layer\nNO_SUCH_TYPE,3\n")
    args = [str(tmp_path / a[1:]) if a.startswith("@") else a for a in args]
    r = subprocess.run([cli, "net", "atlas", "--connectome", "larva", "--layers", "6", *args,
                        "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("kenyon: error:") and r.stderr.count("\n") == 1, r.stderr
    assert fragment in r.stderr, r.stderr
    assert r.stdout == ""
