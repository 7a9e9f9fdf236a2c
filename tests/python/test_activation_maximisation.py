"""kenyon.activation_maximisation against connectome_interpreter 2.10.0's outputs
(tests/data/connectome_interpreter, every case of the reference manifest), called the way a
user would call the original: scipy/numpy inputs, dict configurations. Tolerances are the
reference README's: forward, saliency, gradients rtol 1e-4 / atol 1e-6; activation
maximisation rtol 1e-3 / atol 1e-4; training rtol 1e-3 / atol 1e-5; tables rtol 1e-5 /
atol 1e-7 (text exactly)."""
import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from kenyon import activation_maximisation as am

N, NS, L = 300, 40, 6


@pytest.fixture(scope="module")
def inprop(ref):
    return sp.csr_matrix((ref("inprop_val"), (ref("inprop_row"), ref("inprop_col"))), shape=(N, N))


@pytest.fixture(scope="module")
def idx_to_sign(ref):
    with open(ref.dir / "idx_to_sign.json") as f:
        return {int(k): v for k, v in json.load(f).items()}


def close(a, b, rtol, atol):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


FWD = dict(rtol=1e-4, atol=1e-6)

FORWARD_CASES = {
    "fwd_default": ("MultilayeredNetwork", {}),
    "fwd_default_tau1": ("MultilayeredNetwork", {"tau": 1}),
    "fwd_thr_slope": ("MultilayeredNetwork", {"threshold": 0.2, "tanh_steepness": 2.5, "default_bias": 0.05, "tau": 3}),
    "fwd_groups": ("MultilayeredNetwork", "groups"),
    "lin_default": ("LinearNetwork", {"tanh_steepness": 1.0, "tau": 2}),
    "lin_groups": ("LinearNetwork", "groups+slope0.5"),
    "fwd_legacy": ("MultilayeredNetwork", {"activation_function": am.legacy_activation_function, "tau": 0.5}),
    "fwd_legacy_linear": (
        "MultilayeredNetwork",
        {"activation_function": am.legacy_activation_function_linear, "tau": 0.5, "tanh_steepness": 0.5},
    ),
}


def build(cls, cfg, W, sensory, group_cfg, num_layers=L):
    if cfg == "groups":
        cfg = group_cfg
    elif cfg == "groups+slope0.5":
        cfg = {**group_cfg, "tanh_steepness": 0.5}
    return getattr(am, cls)(W, sensory, num_layers=num_layers, **cfg)


@pytest.mark.parametrize("case", sorted(FORWARD_CASES))
def test_forward_cases(case, ref, W, sensory, group_cfg):
    cls, cfg = FORWARD_CASES[case]
    model = build(cls, cfg, W, sensory, group_cfg)
    close(model(ref("X3")), ref(case + "_Y3"), **FWD)
    y2 = model(ref("X2"))
    close(y2, ref(case + "_Y2"), **FWD)
    assert model.activations.shape == (N, L)
    close(model.forward(ref("Xneg")), ref(case + "_Yneg"), **FWD)


@pytest.mark.parametrize("case", ["fwd_groups", "lin_default", "fwd_legacy"])
def test_dense_and_sparse_weights_agree(case, ref, W, sensory, group_cfg):
    cls, cfg = FORWARD_CASES[case]
    a = build(cls, cfg, W, sensory, group_cfg)(ref("X3"))
    b = build(cls, cfg, W.toarray(), sensory, group_cfg)(ref("X3"))
    c = build(cls, cfg, sp.csc_matrix(W), list(sensory), group_cfg)(ref("X3"))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_python_callable_activation_matches_the_legacy_reference(ref, W, sensory):
    # Wrapping the legacy function in a lambda makes it an arbitrary Python callable, run
    # per layer from Python on numpy arrays instead of kenyon's C++ version.
    calls = []

    def legacy(model, x, x_previous):
        calls.append(x.shape)
        return am.legacy_activation_function(model, x, x_previous)

    model = am.MultilayeredNetwork(W, sensory, num_layers=L, activation_function=legacy, tau=0.5)
    close(model(ref("X3")), ref("fwd_legacy_Y3"), **FWD)
    assert calls[0] == (N, 3) and len(calls) == L
    lin = am.MultilayeredNetwork(
        W, sensory, num_layers=L, tau=0.5, tanh_steepness=0.5,
        activation_function=lambda m, x, p: am.legacy_activation_function_linear(m, x, p))
    close(lin(ref("Xneg")), ref("fwd_legacy_linear_Yneg"), **FWD)


def test_python_callable_with_groups_and_divisive_normalisation(ref, W, sensory, group_cfg):
    # The network's own update written in Python (using model.divnorm) gives the C++ result.
    plain = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    mirrored = am.MultilayeredNetwork(
        W, sensory, num_layers=L, **group_cfg,
        activation_function=lambda m, x, p: am.MultilayeredNetwork.activation_function(
            _without_custom(m), x, p))
    close(mirrored(ref("X3")), plain(ref("X3")), rtol=1e-5, atol=1e-6)


class _without_custom:
    """A view of a model whose activation_function is the built-in one."""

    def __init__(self, model):
        self._m = model

    def __getattr__(self, name):
        if name == "custom_activation_function":
            return None
        return getattr(self._m, name)


def test_one_layer(ref, W, sensory):
    model = am.MultilayeredNetwork(W, sensory, num_layers=1)
    close(model(ref("X3")[:, :, :1]), ref("fwd_one_layer_Y"), **FWD)


def test_manipulate_flat_and_per_batch_groups(ref, W, sensory, group_cfg):
    model = am.MultilayeredNetwork(W, sensory, num_layers=L)
    y = model(ref("X3"), manipulate={1: {50: 1.0, 51: 0.0}, 3: {120: 0.7}})
    close(y, ref("fwd_manip_flat_Y3"), **FWD)
    grouped = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    y = grouped(ref("X3"), manipulate={0: {0: {"G2": 1.0}}, 2: {2: {"G4": 0.0, "S1": 0.9}, 4: {"G8": 0.5}}})
    close(y, ref("fwd_manip_batch_groups_Y3"), **FWD)


def test_checkpoint_steps_and_layer_list_give_the_same_numbers(ref, W, sensory, group_cfg):
    model = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    y = model(ref("X3"))
    np.testing.assert_array_equal(model.forward(ref("X3"), checkpoint_steps=2), y)
    layers = model.forward(ref("X3"), return_layer_list=True)
    assert len(layers) == L and layers[0].shape == (N, 3)
    np.testing.assert_array_equal(np.stack(layers, axis=-1).transpose(1, 0, 2), y)


def test_parameters_are_numpy_arrays_that_can_be_set(ref, W, sensory, group_cfg, idx_to_group):
    model = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    close(model.slope, ref("train_param_init_slope"), 0, 0)
    close(model.raw_biases, ref("train_param_init_raw_biases"), 0, 0)
    close(model.tau_param, ref("train_param_init_tau_param"), 0, 0)
    close(model.divisive_strength, ref("train_param_init_divisive_strength"), 0, 0)
    assert model.sensory_indices.tolist() == list(range(NS))
    assert model.num_layers == L and model.threshold == 0.01
    assert model.idx_to_group is idx_to_group
    before = model(ref("X3")).copy()
    g2 = sorted(set(idx_to_group.values())).index("G2")
    model.slope[g2] = 3.0  # in place, as with the original's tensors
    changed = model(ref("X3"))
    assert not np.allclose(before, changed)
    model.slope = ref("train_param_init_slope")
    np.testing.assert_array_equal(model(ref("X3")), before)
    plain = am.MultilayeredNetwork(W, sensory)
    assert plain.slope is None and plain.raw_biases is None and plain.tau_param is None


# ------------------------------------------------------------------ activation maximisation

AM = dict(rtol=1e-3, atol=1e-4)
AM_CASES = {
    "am_seed0_noES": dict(early_stopping=False),
    "am_seed0_ES": dict(early_stopping=True, stopping_threshold=0.3, n_runs=5),
    "am_seed0_normgrad": dict(early_stopping=False, normalize_gradients=True),
    "am_seed0_smallreg": dict(early_stopping=False, in_reg_lambda=1e-4, out_reg_lambda=1e-5),
}


def check_am(res, ref, name):
    opt_in, out, act_loss, out_reg, in_reg, snaps = res
    close(opt_in, ref(name + "_opt_in"), **AM)
    close(out, ref(name + "_out"), **AM)
    close(act_loss, ref(name + "_act_loss"), **AM)
    close(out_reg, ref(name + "_out_reg"), **AM)
    close(in_reg, ref(name + "_in_reg"), **AM)
    close(np.stack(snaps), ref(name + "_snapshots"), **AM)


@pytest.mark.parametrize("name", sorted(AM_CASES))
def test_activation_maximisation_cases(name, ref, W, sensory, group_cfg):
    model = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    targets = am.TargetActivation({5: {200: 0.8, 201: 0.8}, 3: {100: 0.0}}, batch_size=2)
    kw = {"in_reg_lambda": 0.01, "out_reg_lambda": 0.01, **AM_CASES[name]}
    res = am.activation_maximisation(model, targets, input_tensor=ref("am_init"), num_iterations=30,
                                     learning_rate=0.1, seed=0, device="cpu", quiet=True, **kw)
    check_am(res, ref, name)


def test_activation_maximisation_batch1_dataframe_targets(ref, W, sensory):
    df = pd.DataFrame([{"layer": 4, "neuron": 150, "value": 1.0}, {"layer": 2, "neuron": 60, "value": 0.5}])
    model = am.MultilayeredNetwork(W, sensory, num_layers=L, tau=2)
    res = am.activation_maximisation(model, am.TargetActivation(df), input_tensor=ref("am_b1_init"),
                                     num_iterations=20, learning_rate=0.05, early_stopping=False, quiet=True)
    assert res[0].shape == (NS, L) and res[1].shape == (N, L)
    check_am(res, ref, "am_b1_df")


def test_target_activation_forms():
    t = am.TargetActivation({2: {5: 0.5}, 1: {3: 1.0}}, batch_size=3)
    assert t.batch_size == 3 and len(t.targets_df) == 6
    assert t.get_batch_targets(1) == {2: {5: 0.5}, 1: {3: 1.0}}
    df = pd.DataFrame({"batch": [0, 2], "layer": [1, 1], "neuron": [4, 5], "value": [0.1, 0.2]})
    t = am.TargetActivation(df)
    assert t.batch_size == 3 and t.get_batch_targets(2) == {1: {5: 0.2}} and t.get_batch_targets(1) == {}
    with pytest.raises(ValueError, match="columns"):
        am.TargetActivation(pd.DataFrame({"layer": [1]}))


# ------------------------------------------------------------------ saliency and gradients


@pytest.mark.parametrize("name,cfg", [("sal_default", None), ("sal_groups", "groups")])
def test_saliency_cases(name, cfg, ref, W, sensory, group_cfg):
    model = am.MultilayeredNetwork(W, sensory, num_layers=L, **(group_cfg if cfg else {}))
    noi = {5: [200, 201], 3: [100]}
    close(am.saliency(model, ref("X3"), noi, method="vanilla", device="cpu"), ref(name + "_vanilla"), **FWD)
    close(am.saliency(model, ref("X3"), noi, method="input_x_gradient"), ref(name + "_ixg"), **FWD)
    close(am.saliency(model, ref("X3"), noi, normalize=True), ref(name + "_vanilla_norm"), **FWD)
    close(am.saliency(model, ref("X2"), noi), ref(name + "_vanilla_2d"), **FWD)


def compare_frames(got, path, rtol, atol):
    want = pd.read_csv(path, keep_default_na=True)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for c in want.columns:
        w = want[c]
        g = got[c].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(w) and pd.api.types.is_numeric_dtype(g):
            np.testing.assert_allclose(g.to_numpy(float), w.to_numpy(float), rtol=rtol, atol=atol, err_msg=c)
        else:
            assert g.astype(str).tolist() == w.astype(str).tolist(), c


def test_get_gradients_cases(ref, W, sensory, group_cfg):
    model = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    X3 = ref("X3")
    gg = am.get_gradients(model, X3, monitor_neurons=["S0", "S1", "G0", "G2", "G3"], target_neurons={5: ["G8"]},
                          device="cpu", checkpoint_steps=2)
    compare_frames(gg, ref.dir / "gg_groups.csv", **FWD)
    gg = am.get_gradients(model, X3, monitor_neurons=["S0", "G0", "G3"], target_neurons={4: ["G8"], 5: ["G9"]},
                          monitor_layers=[0, 2, 3], normalize_per_layer=True)
    compare_frames(gg, ref.dir / "gg_norm.csv", **FWD)
    plain = am.MultilayeredNetwork(W, sensory, num_layers=L)
    gg = am.get_gradients(plain, X3, monitor_neurons=[0, 5, 50, 100], target_neurons={5: [200, 201]},
                          method="input_x_gradient", monitor_layers=[0, 3])
    compare_frames(gg, ref.dir / "gg_ixg.csv", **FWD)
    gg = am.get_gradients(plain, X3, monitor_neurons=[0, 5, 50, 100], target_neurons={5: [200, 201]})
    compare_frames(gg, ref.dir / "gg_nogroups.csv", **FWD)


# ------------------------------------------------------------------ training (2.10.0: mae)

TRAIN = dict(rtol=1e-3, atol=1e-5)


def check_training(model, hist, ref, prefix_p, prefix_h):
    for k in ("divisive_strength", "tau_param", "slope", "raw_biases"):
        close(getattr(model, k), ref(prefix_p + k), **TRAIN)
    for k in ("loss", "mse_loss", "param_reg_loss", "val_loss"):
        close(hist[k], ref(prefix_h + k), **TRAIN)


def test_train_model_reference_2_10(ref, W, sensory, group_cfg):
    targets = pd.read_csv(ref.dir / "train_targets.csv")
    student = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    out = am.train_model(student, ref("train_X"), targets, num_epochs=5, learning_rate=0.01,
                         param_reg_lambda=0.01, seed=42, checkpoint_steps=50, activation_loss_fn="mae",
                         train_indices=ref("train_train_indices"))
    model, hist, tr_in, va_in, tr_t, va_t, tr_idx, va_idx = out
    assert model is student
    check_training(model, hist, ref, "train_param_final_", "train_hist_")
    np.testing.assert_array_equal(va_idx, ref("train_val_indices"))
    assert tr_in.shape == (8, NS, L) and va_in.shape == (2, NS, L)
    assert set(tr_t["batch"]) == set(range(8))


def test_train_model_reference_2_10_layer_averaged_biases_only(ref, W, sensory, group_cfg):
    targets = pd.read_csv(ref.dir / "train_targets_nolayer.csv")
    student = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    slope0 = student.slope.copy()
    model, hist, *rest = am.train_model(student, ref("train_X"), targets, num_epochs=5, learning_rate=0.05, seed=1,
                                        train_slopes=False, train_tau=False, train_divisive_strength=False,
                                        activation_loss_fn="mae", train_indices=ref("train2_train_indices"))
    check_training(model, hist, ref, "train2_param_final_", "train2_hist_")
    np.testing.assert_array_equal(model.slope, slope0)


# ------------------------------------------------------------------ helpers

TAB = dict(rtol=1e-5, atol=1e-7)


@pytest.fixture(scope="module")
def helpers(ref, W, sensory, group_cfg, idx_to_group):
    grp_df = pd.DataFrame({"odourA": [1.0, 0.0, 0.5, 0.2], "odourB": [0.0, 1.0, 0.0, 0.3]},
                          index=["S0", "S1", "S2", "S3"])
    inp = am.input_from_df(grp_df, list(sensory), idx_to_group, L, timepoints=[0, 1])
    model = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    return inp, model(inp)


def test_input_from_df_and_model_output(helpers, ref):
    inp, yb = helpers
    close(inp, ref("h_input_from_df"), 0, 0)
    close(yb, ref("h_Y"), **FWD)


def test_neuron_and_input_activation_tables(helpers, ref, sensory, idx_to_group):
    inp, yb = helpers
    yb = ref("h_Y")  # the tables from the reference activations exactly
    gna = am.get_neuron_activation(yb, [0, 1, 2, 100, 101, 200], batch_names=["odourA", "odourB"],
                                   idx_to_group=idx_to_group)
    compare_frames(gna, ref.dir / "h_get_neuron_activation_3d.csv", **TAB)
    compare_frames(am.get_neuron_activation(yb[0], [0, 1, 100, 101], idx_to_group=None),
                   ref.dir / "h_get_neuron_activation_2d.csv", **TAB)
    gia = am.get_input_activation(inp, sensory, idx_to_group, activation_threshold=0.1,
                                  batch_names=["odourA", "odourB"])
    compare_frames(gia, ref.dir / "h_get_input_activation_3d.csv", **TAB)
    gia2 = am.get_input_activation(inp[0], sensory, idx_to_group, selected_indices=list(range(15)))
    compare_frames(gia2, ref.dir / "h_get_input_activation_2d.csv", **TAB)


def test_activity_by_column_and_guess(helpers, ref, inprop, sensory, idx_to_group, idx_to_sign):
    yb = ref("h_Y")
    col_map = {i: i % 5 for i in range(N)}
    compare_frames(am.activity_by_column(yb[0], idx_to_group, col_map, ["G2", "S1"]),
                   ref.dir / "h_activity_by_column.csv", **TAB)
    stim = am.guess_optimal_stimulus(inprop, sensory, idx_to_sign,
                                     am.TargetActivation({2: {200: 1.0, 201: 0.5}}, batch_size=1), longest_plen=5)
    close(stim, ref("h_guess_optimal_stimulus"), **FWD)
    # A neuron missing from idx_to_sign passes nothing on: as if its outputs were cut.
    targets = am.TargetActivation({2: {200: 1.0, 201: 0.5}}, batch_size=1)
    cut = [k for k in sorted(idx_to_sign) if k not in set(sensory)][:20]
    partial = {k: v for k, v in idx_to_sign.items() if k not in cut}
    keep = np.ones(N, np.float32)
    keep[cut] = 0
    cut_inprop = sp.diags(keep) @ inprop
    expected = am.guess_optimal_stimulus(cut_inprop, sensory, idx_to_sign, targets)
    got = am.guess_optimal_stimulus(inprop, sensory, partial, targets)
    np.testing.assert_array_equal(got, expected)
    assert not np.array_equal(got, am.guess_optimal_stimulus(inprop, sensory, idx_to_sign, targets))


def test_path_tables(helpers, ref, inprop, sensory, idx_to_group):
    inp, _ = helpers
    yb = ref("h_Y")
    a2d = am.activations_to_df(inprop, inp[0], yb[0], list(sensory), activation_threshold=0.3,
                               connectivity_threshold=0.05)
    compare_frames(a2d, ref.dir / "h_activations_to_df.csv", **TAB)
    a2d_b = am.activations_to_df_batched(inprop, inp, yb, list(sensory), inidx_mapping=idx_to_group,
                                         activation_threshold=0.3, connectivity_threshold=0.01)
    compare_frames(a2d_b, ref.dir / "h_activations_to_df_batched.csv", **TAB)
    path = a2d[a2d.layer <= 3][["pre", "post", "weight", "layer"]].copy()
    path["pre"] = path["pre"].astype(int)
    path["post"] = path["post"].astype(int)
    gafp = am.get_activations_for_path(path, yb[0], model_in=inp[0], sensory_indices=list(sensory))
    compare_frames(gafp, ref.dir / "h_get_activations_for_path.csv", **TAB)
    compare_frames(am.activated_path_for_ngl(gafp), ref.dir / "h_activated_path_for_ngl.csv", **TAB)


def test_add_sign_matches_the_reference_weights(ref, inprop, idx_to_sign, W):
    signed = am.add_sign(inprop, idx_to_sign)
    assert sp.issparse(signed) and signed.shape == (N, N)
    np.testing.assert_array_equal(signed.toarray(), W.toarray())


# ------------------------------------------------------------------ plots


def test_plots_have_the_reference_structure_and_write_files(helpers, ref, idx_to_group, tmp_path):
    yb = ref("h_Y")
    gna = am.get_neuron_activation(yb, [0, 1, 2, 100, 101, 200], batch_names=["odourA", "odourB"],
                                   idx_to_group=idx_to_group)
    fig = am.plot_timeseries(gna)
    assert len(fig.data) == 3 and len(fig.frames) == 2
    assert all(len(t.y) == L for t in fig.data)
    col_map = {i: i % 5 for i in range(N)}
    fig2 = am.plot_activity_by_column(yb[0], idx_to_group, col_map, ["G2", "S1"])
    assert len(fig2.data) == 12 and len(fig2.layout.sliders[0].steps) == 6
    assert sum(len(t.x) for t in fig2.data) > 0
    for i, f in enumerate((fig, fig2, am.plot_timeseries(gna, slider_dim=None),
                           am.plot_activity_by_column(yb[0], idx_to_group, col_map, "G2", plot_type="scatter"))):
        out = tmp_path / f"fig{i}.html"
        f.write_html(str(out))
        assert out.stat().st_size > 1000
        assert len(f.to_json()) > 100


def test_the_originals_recorded_failures_work_here(helpers, ref, W, sensory, group_cfg, idx_to_group):
    # The manifest records two calls that fail in the original (KeyError 'group' in
    # activity_by_column with model_input; IndexError in get_gradients with
    # input_x_gradient and groups); kenyon answers them (spec section 12).
    inp, _ = helpers
    yb = ref("h_Y")
    col_map = {i: i % 5 for i in range(N)}
    abc = am.activity_by_column(yb[0], idx_to_group, col_map, ["G2", "S1"], model_input=inp[0],
                                sensory_indices=list(sensory))
    plain = am.activity_by_column(yb[0], idx_to_group, col_map, ["G2", "S1"])
    assert set(abc.time_step) == set(plain.time_step) | {0}
    pd.testing.assert_frame_equal(abc[abc.time_step > 0].reset_index(drop=True), plain.reset_index(drop=True))
    s1 = abc[(abc.time_step == 0) & (abc.cell_group == "S1")]
    assert len(s1) > 0 and np.isfinite(s1.activation).all()
    model = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    gg = am.get_gradients(model, ref("X3"), monitor_neurons=["S0", "G0"], target_neurons={5: ["G8"]},
                          method="input_x_gradient")
    assert list(gg.group.unique()) == ["G0", "S0"] and gg.shape == (6, 2 + L)
    vanilla = am.get_gradients(model, ref("X3"), monitor_neurons=["S0", "G0"], target_neurons={5: ["G8"]})
    assert np.isfinite(gg.iloc[:, 2:].to_numpy(float)).all()
    assert (np.sign(gg.iloc[:, 2:].to_numpy(float)) * np.sign(vanilla.iloc[:, 2:].to_numpy(float)) >= 0).all()
