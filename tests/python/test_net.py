"""kenyon.net: the kenyon net operations from Python write the files the CLI writes."""
import json
import subprocess

import numpy as np
import pytest
from conftest import seeded

import kenyon
import kenyon.datasets as kd

# Fields that legitimately differ between two runs of the same computation, and how the run
# was invoked (the CLI's command line, Python's call).
TIMINGS = {"load_seconds", "network_seconds", "seconds", "peak_rss_mb", "wall_seconds",
           "iterations_per_second", "kenyon_version", "working_directory", "command_line",
           "configuration", "inputs", "python_call"}


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
    # What made the files: kenyon's version, the call, every argument and model option.
    made = json.loads((tmp_path / "py" / "summary.json").read_text())
    assert made["kenyon_version"] == kenyon.__version__
    assert made["python_call"] == "kenyon.net.Model.maximise"
    config = made["configuration"]
    assert (config["seed"], config["iterations"], config["batch"], config["init"]) == (7, 15, 2, "guess")
    assert (config["connectome"], config["layers"], config["group_bias"]) == ("larva", 5, {"KC": 0.05})
    assert config["target"] == ["MBON:4=1.0", "1/KC:2=0.5"] and config["n_runs"] == 10
    assert np.array_equal(np.load(tmp_path / "cli" / "optimised_input.npy"), r.input)
    summary = r.summary()
    assert summary["command"] == "net maximise"
    assert without_timings(summary) == without_timings(
        {k: v for k, v in json.loads((tmp_path / "py" / "summary.json").read_text()).items()
         if k != "outputs"})


def test_forward_writes_what_the_cli_writes(tmp_path, cli, larva):
    x = np.random.default_rng(seeded(1)).random((2, len(larva.sensory_indices()), 3), dtype=np.float32)
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


@pytest.fixture()
def stimulus_input(tmp_path, larva):
    x = np.zeros((2, len(larva.sensory_indices()), 4), np.float32)
    x[0, :40, 0] = 1
    x[1, 40:120, 1] = 0.7
    np.save(tmp_path / "x.npy", x)
    return x


@pytest.mark.parametrize("op, cli_args, call", [
    ("saliency", ["--target", "MBON:3", "--method", "input_x_gradient", "--normalize", "--plots"],
     lambda m, x, out: m.saliency(["MBON:3"], x, method="input_x_gradient", normalize=True,
                                  plots=True, out=out)),
    ("gradients", ["--target", "MBON:3", "--monitor", "KC", "--monitor", "PN",
                   "--monitor-layer", "1", "--monitor-layer", "2", "--normalize-per-layer"],
     lambda m, x, out: m.gradients(["MBON:3"], ["KC", "PN"], x, monitor_layers=[1, 2],
                                   normalize_per_layer=True, out=out)),
    ("paths", ["--activation-threshold", "0.01", "--connectivity-threshold", "0.05"],
     lambda m, x, out: m.paths(x, activation_threshold=0.01, connectivity_threshold=0.05,
                               out=out)),
])
def test_attribution_and_paths_write_what_the_cli_writes(tmp_path, cli, larva, stimulus_input, op,
                                                         cli_args, call):
    run_cli(cli, op, "--layers", "4", "--input", str(tmp_path / "x.npy"), *cli_args,
            "--out", str(tmp_path / "cli"))
    call(kenyon.net.Model(larva, layers=4), stimulus_input, tmp_path / "py")
    assert len(same_folders(tmp_path / "cli", tmp_path / "py")) > 1


def test_guess_writes_what_the_cli_writes(tmp_path, cli, larva):
    run_cli(cli, "guess", "--layers", "4", "--target", "MBON:3=1", "--target", "1/KC:2",
            "--longest-path", "3", "--plots", "--out", str(tmp_path / "cli"))
    r = kenyon.net.Model(larva, layers=4).guess(["MBON:3=1", "1/KC:2"], longest_path=3,
                                                plots=True, out=tmp_path / "py")
    same_folders(tmp_path / "cli", tmp_path / "py")
    assert r.input.shape[0] == 2 and np.abs(r.input).max() > 0


def test_train_from_a_table_or_a_frame(tmp_path, cli, larva, stimulus_input):
    import pandas as pd

    mbon = larva.select("MBON")[:6]
    frame = pd.DataFrame({"batch": [0] * 6 + [1] * 6, "neuron_idx": list(mbon) * 2,
                          "layer": 3, "value": [0.2] * 6 + [0.6] * 6})
    frame.to_csv(tmp_path / "targets.csv", index=False)
    run_cli(cli, "train", "--layers", "4", "--input", str(tmp_path / "x.npy"), "--targets",
            str(tmp_path / "targets.csv"), "--epochs", "5", "--loss", "mae", "--fixed-tau",
            "--out", str(tmp_path / "cli"))
    model = kenyon.net.Model(larva, layers=4)
    r = model.train(stimulus_input, frame, epochs=5, loss="mae", train_tau=False,
                    out=tmp_path / "py")
    same_folders(tmp_path / "cli", tmp_path / "py")
    assert r.summary()["command"] == "net train"
    with pytest.raises(kenyon.FileError):
        model.train(stimulus_input, tmp_path / "no_such.csv")
    with pytest.raises(kenyon.ParameterError):
        model.train(stimulus_input, frame, loss="huber")
