"""kenyon.net: the kenyon net operations from Python write the files the CLI writes."""
import json
import subprocess

import numpy as np
import pytest

import kenyon
import kenyon.datasets as kd

# Fields that legitimately differ between two runs of the same computation.
TIMINGS = {"load_seconds", "network_seconds", "seconds", "peak_rss_mb", "wall_seconds",
           "iterations_per_second"}


def without_timings(value):
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def same_folders(a, b):
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        if name == "summary.json":
            sa = without_timings(json.loads((a / name).read_text()))
            sb = without_timings(json.loads((b / name).read_text()))
            assert sa == sb
        else:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    return names


@pytest.fixture(scope="module")
def larva():
    return kd.larva()


def run_cli(cli, *args):
    subprocess.run([cli, "net", *args, "--connectome", "larva", "-q", "--threads", "1"],
                   check=True, capture_output=True)


def test_maximise_writes_what_the_cli_writes(tmp_path, cli, larva):
    kenyon._core.set_num_threads(1)
    run_cli(cli, "maximise", "--layers", "5", "--target", "MBON:4=1.0", "--target", "1/KC:2=0.5",
            "--batch", "2", "--iterations", "15", "--seed", "7", "--group-bias", "KC=0.05",
            "--init", "guess", "--plots", "--out", str(tmp_path / "cli"))
    model = kenyon.net.Model(larva, layers=5, group_bias={"KC": 0.05})
    r = model.maximise(["MBON:4=1.0", "1/KC:2=0.5"], batch=2, iterations=15, seed=7,
                       init="guess", plots=True, out=tmp_path / "py")
    names = same_folders(tmp_path / "cli", tmp_path / "py")
    assert "optimised_input.npy" in names and any(n.endswith(".svg") for n in names)
    assert np.array_equal(np.load(tmp_path / "cli" / "optimised_input.npy"), r.input)
    summary = r.summary()
    assert summary["command"] == "net maximise"
    assert without_timings(summary) == without_timings(
        {k: v for k, v in json.loads((tmp_path / "py" / "summary.json").read_text()).items()
         if k != "outputs"})


def test_forward_writes_what_the_cli_writes(tmp_path, cli, larva):
    x = np.random.default_rng(1).random((2, len(larva.sensory_indices()), 3), dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    run_cli(cli, "forward", "--layers", "3", "--input", str(tmp_path / "x.npy"), "--clamp",
            "KC:1=0", "--show", "MBON", "--out", str(tmp_path / "cli"))
    model = kenyon.net.Model(larva, layers=3)
    r = model.forward(x, clamp=["KC:1=0"], show=["MBON"], out=tmp_path / "py")
    same_folders(tmp_path / "cli", tmp_path / "py")
    kcs = larva.select("KC")
    assert r.activations.shape == (2, len(larva), 3) and (r.activations[:, kcs, 1] == 0).all()


def test_bad_input_from_python(larva):
    model = kenyon.net.Model(larva, layers=3)
    n = model.num_sensory
    with pytest.raises(kenyon.ParameterError) as e:
        model.forward(np.zeros((n, 2)))  # fewer steps than layers
    assert e.value.field == "input"
    with pytest.raises(kenyon.ParameterError):
        model.forward(np.full((n, 3), np.nan))
    with pytest.raises(kenyon.ParameterError):
        model.forward(np.array([["a"] * 3] * n))
    with pytest.raises(kenyon.ParameterError):
        model.forward()
    with pytest.raises(KeyError) as e:
        model.maximise(["NO_SUCH_TYPE:2=1"], iterations=2)
    assert "NO_SUCH_TYPE" in str(e.value)
    with pytest.raises(kenyon.Error, match="layer 7"):
        model.maximise(["MBON:7=1"], iterations=2)  # layer out of range
    with pytest.raises(kenyon.ParameterError) as e:
        model.maximise(["MBON"], iterations=2)  # no layer
    assert e.value.field == "target"
    with pytest.raises(kenyon.ParameterError):
        model.maximise(["MBON:2"], reg="median")
    with pytest.raises(kenyon.ParameterError):
        kenyon.net.Model(larva, kind="quadratic")
    with pytest.raises(kenyon.ParameterError):
        kenyon.net.Model(larva, group_bias={"KC": float("inf")})
    with pytest.raises(TypeError):
        kenyon.net.Model(larva.inprop)
