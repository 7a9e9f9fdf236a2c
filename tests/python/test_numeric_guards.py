"""Numerical guards from Python: a NaN or infinity provoked on purpose is reported with where
it first appeared (iteration, epoch or time step, layer, neuron, batch item, cell type or
population): as a RuntimeWarning and a report on the model or in the result for the
connectome_interpreter and pymoth drop-ins, and as the status of kenyon.net's results."""
import numpy as np
import pytest
import scipy.sparse as sp

import kenyon
import kenyon.moth as moth
from kenyon import activation_maximisation as am


def chain_network(**options):
    """Five linear units in a chain 0 -> 1 -> 2 -> 3 -> 4 (W: post rows, pre columns),
    sensory neuron 0. With slope 1e20 neuron 1 reaches 1e20 at layer 0 and neuron 2
    overflows (1e40 as float32) at layer 1."""
    w = sp.csr_matrix((np.ones(4, np.float32), ([1, 2, 3, 4], [0, 1, 2, 3])), shape=(5, 5))
    return am.LinearNetwork(w, [0], num_layers=5, tanh_steepness=1e20, tau=1, **options)


def test_actmax_warns_and_reports_the_iteration_layer_and_neuron():
    model = chain_network()
    targets = am.TargetActivation({4: {4: 1.0}})
    with pytest.warns(RuntimeWarning, match="actmax: state at iteration 0, layer 1, neuron 2"):
        out = am.activation_maximisation(model, targets, input_tensor=np.ones((1, 1, 5)),
                                         num_iterations=5, print_output=False)
    assert len(out) == 6  # connectome_interpreter's return values, unchanged
    r = model.non_finite
    assert (r["where"], r["quantity"], r["step"], r["layer"], r["neuron"], r["batch"]) == (
        "actmax", "state", 0, 1, 2, 0)
    assert r["value"] == "inf"
    assert out[2] == []  # no iteration was completed


def test_actmax_without_failure_has_no_report():
    model = chain_network()
    model_ok = am.LinearNetwork(model.all_weights, [0], num_layers=5, tau=1)
    targets = am.TargetActivation({4: {4: 1.0}})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        am.activation_maximisation(model_ok, targets, input_tensor=np.ones((1, 1, 5)),
                                   num_iterations=3, print_output=False)
    assert model_ok.non_finite is None


def test_train_model_counts_the_updates_skipped_for_an_overflowing_loss(W, sensory, group_cfg):
    import pandas as pd

    model = am.MultilayeredNetwork(W, sensory, num_layers=6, **group_cfg)
    x = np.random.default_rng(0).uniform(0, 1, (6, len(sensory), 6)).astype(np.float32)
    # 1e200 is finite as a double and infinite as a float32: the loss overflows every epoch.
    targets = pd.DataFrame({"batch": range(6), "neuron_idx": [150] * 6, "layer": [4] * 6,
                            "value": [1e200] * 6})
    slopes = np.array(model.slope, copy=True)
    with pytest.warns(RuntimeWarning, match=r"train: loss at epoch 0 is inf; 3 of 3 updates skipped"):
        out = am.train_model(model, x, targets, num_epochs=3, train_indices=[0, 1, 2, 3])
    assert len(out) == 8
    assert model.skipped_steps == 3
    assert model.non_finite["quantity"] == "loss" and model.non_finite["step"] == 0
    np.testing.assert_array_equal(model.slope, slopes)  # no update was applied


def test_net_results_carry_the_status(tmp_path):
    (tmp_path / "neurons.csv").write_text(
        "id,type,sign,sensory\n1,S,1,true\n2,A,1,false\n3,B,1,false\n4,C,1,false\n")
    (tmp_path / "edges.csv").write_text("pre,post,syn_count\n1,2,1\n2,3,1\n3,4,1\n")
    c = kenyon.connectome.load(tmp_path / "edges.csv", neurons=tmp_path / "neurons.csv")
    ok = kenyon.net.Model(c, layers=4, kind="linear").forward(stimulus=["S:0=1"])
    assert ok.status == "ok" and ok.non_finite is None and ok.summary()["status"] == "ok"
    bad = kenyon.net.Model(c, layers=4, kind="linear", slope=1e20, tau=1).forward(
        stimulus=["S:0=1"], out=tmp_path / "out")
    assert bad.status == "non_finite"
    r = bad.non_finite
    assert (r["where"], r["layer"], r["neuron"], r["batch"], r["cell_type"]) == (
        "forward", 1, 2, 0, "B")
    assert bad.summary()["non_finite"] == r
    assert bad.lines[-1].startswith("numerical failure: forward: state at layer 1, neuron 2 (B)")
    # The results are written all the same, with the status in summary.json.
    import json

    assert json.loads((tmp_path / "out" / "summary.json").read_text())["status"] == "non_finite"


def test_moth_simulation_names_the_step_population_and_neuron():
    mp = moth.ModelParams(85, 15, seed=2).create_connection_matrix()
    ep = moth.ExpParams(np.arange(10), np.arange(10), 2)
    fa = np.random.default_rng(1).uniform(0, 0.2, (85, 5, 10))
    assert moth.sde_wrap(mp, ep, fa)["non_finite"] is None
    k2e = np.array(mp.K2E, copy=True)
    k2e[3, :] = 3e38  # readout neuron 3's input overflows at the first step
    mp.K2E = k2e
    with pytest.warns(RuntimeWarning, match=r"time step 1, neuron 3 \(readout neurons \(E\)\)"):
        sim = moth.sde_wrap(mp, ep, fa)
    r = sim["non_finite"]
    assert (r["where"], r["step"], r["neuron"], r["cell_type"], r["value"]) == (
        "moth simulation", 1, 3, "readout neurons (E)", "inf")


def nan_for(neuron):
    """A Python activation function (tanh of the input) that returns NaN for one neuron."""

    def activation(model, x, x_previous):
        out = np.tanh(np.asarray(x, dtype=np.float32))
        out[neuron, :] = np.nan
        return out

    return activation


def grouped_model(W, sensory, group_cfg, neuron, layers=4):
    return am.MultilayeredNetwork(W, sensory, num_layers=layers, activation_function=nan_for(neuron),
                                  **group_cfg)


def test_python_activation_nan_is_reported_by_actmax_forward_saliency_and_gradients(
        W, sensory, group_cfg, idx_to_group):
    neuron = 150
    cell = str(idx_to_group[neuron])
    model = grouped_model(W, sensory, group_cfg, neuron)
    x = np.full((2, len(sensory), 4), 0.5, np.float32)
    where = rf"layer 0, neuron {neuron} \({cell}\), batch item 0 is nan"
    with pytest.warns(RuntimeWarning, match="forward: state at " + where):
        model(x)
    assert (model.non_finite["layer"], model.non_finite["neuron"]) == (0, neuron)
    targets = am.TargetActivation({3: {0: 1.0}}, batch_size=2)
    with pytest.warns(RuntimeWarning, match="actmax: state at iteration 0, " + where):
        out = am.activation_maximisation(model, targets, input_tensor=x, num_iterations=4, print_output=False)
    assert out[2] == []  # stopped before the first update
    assert (model.non_finite["where"], model.non_finite["step"], model.non_finite["cell_type"]) == (
        "actmax", 0, cell)
    with pytest.warns(RuntimeWarning, match="forward: state at " + where):
        am.saliency(model, x, {3: [0]})
    with pytest.warns(RuntimeWarning, match="forward: state at " + where):
        am.get_gradients(model, x, [0, 1], {3: [0]})


def test_python_activation_train_counts_the_skipped_epochs(W, sensory, group_cfg):
    import pandas as pd

    neuron = 150
    model = grouped_model(W, sensory, group_cfg, neuron, layers=3)
    x = np.random.default_rng(0).uniform(0, 1, (4, len(sensory), 3)).astype(np.float32)
    targets = pd.DataFrame({"batch": range(4), "neuron_idx": [neuron] * 4, "layer": [2] * 4, "value": [0.5] * 4})
    slopes = np.array(model.slope, copy=True)
    with pytest.warns(RuntimeWarning, match=rf"train: state at epoch 0, layer 0, neuron {neuron} .* is nan; "
                                            r"2 of 2 updates skipped"):
        am.train_model(model, x, targets, num_epochs=2, train_indices=[0, 1, 2], train_biases=False,
                       train_tau=False, train_divisive_strength=False)
    assert model.skipped_steps == 2
    r = model.non_finite
    assert (r["where"], r["step"], r["layer"], r["neuron"]) == ("train", 0, 0, neuron)
    assert r["batch"] in (0, 1, 2)  # a training item, by its index in the inputs
    np.testing.assert_array_equal(model.slope, slopes)
