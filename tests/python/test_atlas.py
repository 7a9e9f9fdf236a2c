"""kenyon.atlas / kenyon.net.Model.atlas: kenyon net atlas from Python, the same rows, inputs
and files as the CLI."""
import json
import subprocess

import numpy as np
import pandas as pd
import pytest

import kenyon
import kenyon.datasets as kd

# Summary fields that differ between two runs of the same computation, and how it was run.
TIMINGS = {"load_seconds", "network_seconds", "seconds", "peak_rss_mb", "wall_seconds",
           "targets_per_second", "seconds_per_target", "kenyon_version", "working_directory",
           "command_line", "configuration", "inputs", "python_call"}


def without_timings(value):
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


@pytest.fixture(scope="module")
def larva():
    return kd.larva()


@pytest.fixture(scope="module")
def mbon(larva):
    """The MBON atlas of a 6-layer larva model, with the default options."""
    return kenyon.atlas(larva, each="MBON", num_layers=6)


def test_mbon_atlas_improves_every_target_set(mbon):
    t = mbon.table
    assert len(t) == 24
    assert list(t.columns) == ["index", "target", "neurons", "layer", "value", "loss_start",
                               "loss_end", "iterations", "stopped_early", "status", "top_sensory",
                               "top_sensory_input", "sensory_types", "intermediate_types"]
    assert list(t["index"]) == list(range(24)) and (t["layer"] == 5).all()
    assert t["loss_end"].dtype == np.float64 and t["stopped_early"].dtype == bool
    assert (t["loss_end"] < t["loss_start"]).all()
    assert (t["status"] == "ok").all()
    x = mbon.inputs
    assert x.shape == (24, 430, 6) and x.dtype == np.float32
    assert np.all(x >= -1) and np.all(x <= 1)
    assert mbon.status == "ok" and mbon.non_finite is None
    s = mbon.summary()
    assert s["command"] == "net atlas" and s["target_sets"] == 24 and s["loss_decreased"] == 24
    assert s["python_call"] == "kenyon.net.Model.atlas" and s["configuration"]["each"] == "MBON"


def test_a_name_loads_the_connectome(mbon):
    r = kenyon.atlas("larva", each="MBON", num_layers=6, iterations=2)
    assert list(r.table["target"]) == list(mbon.table["target"])


def test_same_rows_inputs_and_files_as_the_cli(tmp_path, cli, mbon):
    subprocess.run([cli, "net", "atlas", "--connectome", "larva", "--each", "MBON", "--layers", "6",
                    "-q", "--out", str(tmp_path / "cli")], check=True, capture_output=True)
    cli_table = pd.read_csv(tmp_path / "cli" / "atlas.csv")
    pd.testing.assert_frame_equal(mbon.table, cli_table, check_exact=True)
    cli_inputs = np.load(tmp_path / "cli" / "inputs.npy")
    assert cli_inputs.dtype == mbon.inputs.dtype and np.array_equal(cli_inputs, mbon.inputs)
    # write() puts down the CLI's result files, byte for byte, and its summary but for timings
    # and provenance (the CLI also keeps atlas.json and parts/ to resume from).
    written = mbon.write(tmp_path / "py")
    for name in ("atlas.csv", "inputs.npy"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    cli_summary = json.loads((tmp_path / "cli" / "summary.json").read_text())
    py_summary = json.loads((tmp_path / "py" / "summary.json").read_text())
    assert without_timings(py_summary) == without_timings(cli_summary)
    assert without_timings(written) == without_timings(cli_summary)
    assert without_timings(mbon.summary()) == without_timings(
        {k: v for k, v in cli_summary.items() if k != "outputs"})


def test_batch_size_does_not_change_the_inputs(larva, mbon):
    one = kenyon.atlas(larva, each="MBON", num_layers=6, batch=1)
    assert np.array_equal(one.inputs, mbon.inputs)
    pd.testing.assert_frame_equal(one.table, mbon.table, check_exact=True)


def test_model_method_and_options(larva):
    model = kenyon.net.Model(larva, layers=4, group_bias={"KC": 0.05})
    r = model.atlas(each="MBON*", layer=2, value=0.5, batch=3, top=2, iterations=5, seed=3)
    t = r.table
    assert len(t) == 24 and (t["layer"] == 2).all() and (t["value"] == 0.5).all()
    assert (t["iterations"] <= 5).all()
    assert all(len(s.split(";")) <= 2 for s in t["sensory_types"])
    assert r.inputs.shape == (24, model.num_sensory, 4)
    per_neuron = model.atlas(each="MBE11a", by="neuron", iterations=2)
    assert len(per_neuron.table) == 2 and (per_neuron.table["neurons"] == 1).all()


def test_targets_dataframe_and_csv(tmp_path, larva, mbon):
    frame = pd.DataFrame({"target": ["MBE11a", "MBE13a", "MBE11a"], "layer": [5, 5, 3],
                          "value": [1.0, 1.0, 0.5], "name": ["MBE11a", "MBE13a", "early"]})
    r = kenyon.atlas(larva, targets=frame, num_layers=6)
    assert list(r.table["target"]) == ["MBE11a", "MBE13a", "early"]
    assert list(r.table["layer"]) == [5, 5, 3] and list(r.table["value"]) == [1.0, 1.0, 0.5]
    # A target set's start depends only on (seed, name, layer): the same as in the MBON atlas.
    rows = [int(mbon.table.index[mbon.table["target"] == n][0]) for n in ("MBE11a", "MBE13a")]
    assert np.array_equal(r.inputs[:2], mbon.inputs[rows])
    # The same table as a CSV file gives the same atlas.
    frame.to_csv(tmp_path / "targets.csv", index=False)
    from_file = kenyon.atlas(larva, targets=tmp_path / "targets.csv", num_layers=6)
    assert np.array_equal(from_file.inputs, r.inputs)


def test_plots_write_figures(tmp_path, larva):
    r = kenyon.atlas(larva, each="MBE11a", num_layers=3, iterations=2, plots=True, out=tmp_path / "a")
    names = {p.relative_to(tmp_path / "a").as_posix() for p in (tmp_path / "a").rglob("*")}
    assert {"atlas.csv", "inputs.npy", "summary.json", "overview.svg",
            "figures/target_0.svg"} <= names
    assert len(r.table) == 1


@pytest.mark.parametrize("kwargs, exception, match", [
    (dict(each="nosuch*"), kenyon.UnknownNameError, "each: 'nosuch\\*'"),
    (dict(each="MBON", layer=3), kenyon.ParameterError, "^layer: 3 is outside 0..2"),
    (dict(each="MBON", batch=0), kenyon.ParameterError, "^batch"),
    (dict(), kenyon.ParameterError, "^each: give each"),
    (dict(each="MBON", targets=pd.DataFrame({"target": ["MBE11a"]})), kenyon.ParameterError,
     "^each: .*not both"),
    (dict(targets=pd.DataFrame({"target": ["nosuch"]})), kenyon.FileError,
     "targets \\(DataFrame\\):2: column 'target'.*nosuch"),
])
def test_bad_input_names_the_argument(larva, kwargs, exception, match):
    with pytest.raises(exception, match=match) as info:
        kenyon.atlas(larva, num_layers=3, iterations=1, **kwargs)
    if exception is kenyon.ParameterError:
        assert info.value.field == match.lstrip("^").split(":")[0]
