"""The bad-input suite (see bad_input.py) for kenyon.activation_maximisation,
kenyon.compress_paths, kenyon.connectome, kenyon.datasets and kenyon.net: at least eight
malformed inputs per public function, each raising a clear exception that names the
argument, file, row, column or item."""
import json
import types

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import kenyon
from bad_input import Cases, expect_clear_error
from kenyon import activation_maximisation as am
from kenyon import compress_paths, connectome, datasets, net

N, NS, L = 300, 40, 6
NAN, INF = float("nan"), float("inf")
cases = Cases()
add = cases.add


@pytest.fixture(scope="module")
def ctx(ref, W, sensory, group_cfg, idx_to_group, tmp_path_factory):
    c = types.SimpleNamespace()
    c.W, c.sensory, c.groups, c.cfg = W, sensory, idx_to_group, group_cfg
    c.inprop = sp.csr_matrix((ref("inprop_val"), (ref("inprop_row"), ref("inprop_col"))), shape=(N, N))
    c.signs = {int(k): v for k, v in json.loads((ref.dir / "idx_to_sign.json").read_text()).items()}
    c.model = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    c.plain = am.MultilayeredNetwork(W, sensory, num_layers=L)
    c.X = ref("X3")
    c.acts = c.plain(c.X)
    c.train_X = ref("train_X")
    c.train_targets = pd.read_csv(ref.dir / "train_targets.csv")
    c.path = am.activations_to_df(c.inprop, c.X[0], c.acts[0], sensory)
    c.tmp = tmp_path_factory.mktemp("bad_input")
    c.columns = {i: i % 7 for i in range(N)}
    c.net = net.Model(datasets.larva(), layers=3)
    return c


def nan_at(a, index=None, value=NAN):
    a = np.array(a, dtype=np.float32)
    a[(0,) * a.ndim if index is None else index] = value
    return a


def text_file(c, name, text):
    p = c.tmp / name
    p.write_text(text)
    return p


# ------------------------------------------------------------------ networks

for cls in ("MultilayeredNetwork", "LinearNetwork"):
    make = getattr(am, cls)
    add(cls, "nan_weight", lambda c, m=make: m(nan_at(c.W.toarray(), (3, 4)), c.sensory), ValueError, "NaN|finite")
    add(cls, "inf_weight", lambda c, m=make: m(nan_at(c.W.toarray(), (3, 4), INF), c.sensory), ValueError,
        "NaN|finite")
    add(cls, "not_square", lambda c, m=make: m(c.W[:, :200], c.sensory), ValueError, "square")
    add(cls, "strings", lambda c, m=make: m(np.array([["a"] * 3] * 3), [0]), ValueError, "numbers")
    add(cls, "sensory_out_of_range", lambda c, m=make: m(c.W, [0, 1, N + 5]), ValueError, str(N + 5))
    add(cls, "sensory_repeated", lambda c, m=make: m(c.W, [0, 1, 1]), ValueError, "repeated|twice|duplicate")
    add(cls, "negative_layers", lambda c, m=make: m(c.W, c.sensory, num_layers=-1), ValueError, "num_layers")
    add(cls, "zero_tau", lambda c, m=make: m(c.W, c.sensory, tau=0), ValueError, "tau")
    add(cls, "nan_threshold", lambda c, m=make: m(c.W, c.sensory, threshold=NAN), ValueError, "threshold")
    add(cls, "divisive_without_groups",
        lambda c, m=make: m(c.W, c.sensory, divisive_normalization={"G1": ["G3"]}), ValueError, "idx_to_group")
    add(cls, "short_idx_to_group", lambda c, m=make: m(c.W, c.sensory, idx_to_group={0: "A"}), ValueError,
        "idx_to_group")
    add(cls, "nan_group_bias",
        lambda c, m=make: m(c.W, c.sensory, idx_to_group=c.groups, bias_dict={"G0": NAN}), ValueError,
        "bias|finite")

# ------------------------------------------------------------------ TargetActivation

add("TargetActivation", "list", lambda c: am.TargetActivation([1, 2]), TypeError, "dict|DataFrame")
add("TargetActivation", "layer_not_dict", lambda c: am.TargetActivation({5: [200]}), ValueError, "layer 5")
add("TargetActivation", "df_missing_column",
    lambda c: am.TargetActivation(pd.DataFrame({"layer": [1], "value": [1.0]})), ValueError, "neuron")
add("TargetActivation", "df_text_neuron",
    lambda c: am.activation_maximisation(
        c.plain, am.TargetActivation(pd.DataFrame({"layer": [1], "neuron": ["x"], "value": [1.0]})), quiet=True),
    ValueError, "neuron")
add("TargetActivation", "nan_value",
    lambda c: am.activation_maximisation(c.plain, am.TargetActivation({5: {200: NAN}}), quiet=True), ValueError,
    "finite")
add("TargetActivation", "df_fractional_layer",
    lambda c: am.activation_maximisation(
        c.plain, am.TargetActivation(pd.DataFrame({"layer": [1.5], "neuron": [3], "value": [1.0]})), quiet=True),
    ValueError, "layer")
add("TargetActivation", "neuron_outside",
    lambda c: am.activation_maximisation(c.plain, am.TargetActivation({5: {N: 1.0}}), quiet=True), IndexError,
    f"neuron {N}")
add("TargetActivation", "batch_outside",
    lambda c: am.activation_maximisation(
        c.plain, am.TargetActivation(pd.DataFrame({"batch": [3], "layer": [1], "neuron": [3], "value": [1.0]}),
                                     batch_size=2), quiet=True),
    IndexError, "batch")

# ------------------------------------------------------------------ forward and parameters


def _forward(c, x, **kw):
    return c.model(x, **kw)


add("MultilayeredNetwork", "forward_nan_input", lambda c: _forward(c, nan_at(c.X)), ValueError, "NaN")
add("MultilayeredNetwork", "forward_wrong_sensory", lambda c: _forward(c, c.X[:, :30]), ValueError, "sensory")
add("MultilayeredNetwork", "forward_too_few_steps", lambda c: _forward(c, c.X[:, :, :2]), ValueError, "steps")
add("MultilayeredNetwork", "forward_1d", lambda c: _forward(c, c.X[0, 0]), ValueError, "2-D|3-D")
add("MultilayeredNetwork", "forward_ragged_list", lambda c: _forward(c, [[1, 2], [3]]), ValueError, "array")
add("MultilayeredNetwork", "manipulate_unknown_group",
    lambda c: _forward(c, c.X, manipulate={1: {"nosuch": 1.0}}), KeyError, "nosuch")
add("MultilayeredNetwork", "manipulate_layer_outside",
    lambda c: _forward(c, c.X, manipulate={9: {3: 1.0}}), IndexError, "layer outside")
add("MultilayeredNetwork", "manipulate_not_dict", lambda c: _forward(c, c.X, manipulate=[1, 2]), ValueError,
    "manipulate")
add("MultilayeredNetwork", "manipulate_nan", lambda c: _forward(c, c.X, manipulate={1: {3: NAN}}), IndexError,
    "finite")
add("MultilayeredNetwork", "slope_wrong_shape", lambda c: setattr(c.model, "slope", np.ones(3)), ValueError,
    "slope")
add("LinearNetwork", "forward_nan_input",
    lambda c: am.LinearNetwork(c.W, c.sensory, num_layers=L)(nan_at(c.X)), ValueError, "NaN")
add("LinearNetwork", "forward_wrong_sensory",
    lambda c: am.LinearNetwork(c.W, c.sensory, num_layers=L)(c.X[:, :30]), ValueError, "sensory")

add("training_mode", "not_a_model", lambda c: am.training_mode("model").__enter__(), TypeError, "model")
add("training_mode", "none", lambda c: am.training_mode(None).__enter__(), TypeError, "model")
add("training_mode", "number", lambda c: am.training_mode(3).__enter__(), TypeError, "model")
add("training_mode", "array", lambda c: am.training_mode(np.zeros(3)).__enter__(), TypeError, "model")
add("training_mode", "dict", lambda c: am.training_mode({}).__enter__(), TypeError, "model")
add("training_mode", "class_not_instance", lambda c: am.training_mode(am.MultilayeredNetwork).__enter__(),
    TypeError, "model")
add("training_mode", "flag_text", lambda c: am.training_mode(c.model, train_slopes="yes").__enter__(), TypeError,
    "train_slopes")
add("training_mode", "flag_array", lambda c: am.training_mode(c.model, train_tau=np.ones(2)).__enter__(),
    TypeError, "train_tau")

for name in ("legacy_activation_function", "legacy_activation_function_linear"):
    fn = getattr(am, name)
    add(name, "not_a_model", lambda c, f=fn: f("model", np.zeros((N, 1), np.float32)), TypeError, "Network")
    add(name, "wrong_rows", lambda c, f=fn: f(c.model, np.zeros((N - 1, 1), np.float32)), ValueError, "x")
    add(name, "ragged_x", lambda c, f=fn: f(c.model, [[1.0], [2.0, 3.0]]), ValueError, "x")
    add(name, "text_x", lambda c, f=fn: f(c.model, np.array([["a"]] * N)), ValueError, "numbers")
    add(name, "3d_x", lambda c, f=fn: f(c.model, np.zeros((N, 1, 1), np.float32)), ValueError, "2-D|dimensions")
    add(name, "prev_shape", lambda c, f=fn: f(c.model, np.zeros((N, 1), np.float32), np.zeros((N, 2), np.float32)),
        ValueError, "x_previous")
    add(name, "prev_text", lambda c, f=fn: f(c.model, np.zeros((N, 1), np.float32), np.full((N, 1), "a")),
        ValueError, "x_previous")
    add(name, "none_x", lambda c, f=fn: f(c.model, None), ValueError, "x")

# ------------------------------------------------------------------ optimisation and training


def _am(c, targets=None, **kw):
    kw.setdefault("quiet", True)
    kw.setdefault("num_iterations", 2)
    return am.activation_maximisation(c.plain, targets or am.TargetActivation({5: {200: 1.0}}), **kw)


add("activation_maximisation", "input_shape", lambda c: _am(c, input_tensor=c.X), ValueError, "input shape")
add("activation_maximisation", "layer_outside", lambda c: _am(c, am.TargetActivation({50: {200: 1.0}})),
    IndexError, "layer")
add("activation_maximisation", "negative_iterations", lambda c: _am(c, num_iterations=-1), ValueError,
    "num_iterations")
add("activation_maximisation", "zero_learning_rate", lambda c: _am(c, learning_rate=0), ValueError, "learning_rate")
add("activation_maximisation", "nan_reg", lambda c: _am(c, in_reg_lambda=NAN), ValueError, "in_reg_lambda")
add("activation_maximisation", "device", lambda c: _am(c, device="cuda"), ValueError, "device")
add("activation_maximisation", "wandb", lambda c: _am(c, wandb=True), ValueError, "wandb")
add("activation_maximisation", "nan_initial", lambda c: _am(c, input_tensor=nan_at(np.zeros((1, NS, L)))),
    ValueError, "NaN")
add("activation_maximisation", "raising_regulariser",
    lambda c: _am(c, custom_reg_functions={"in": lambda x: 1 / 0}), kenyon.Error, "ZeroDivision|division")
add("activation_maximisation", "zero_n_runs", lambda c: _am(c, n_runs=0), ValueError, "n_runs")


def _train(c, targets=None, **kw):
    kw.setdefault("num_epochs", 1)
    return am.train_model(c.model, c.train_X, c.train_targets if targets is None else targets, **kw)


add("train_model", "targets_not_frame", lambda c: _train(c, targets={"batch": [0]}), TypeError, "DataFrame")
add("train_model", "missing_columns", lambda c: _train(c, pd.DataFrame({"batch": [0], "value": [1.0]})), ValueError,
    "columns")
add("train_model", "text_neuron",
    lambda c: _train(c, pd.DataFrame({"batch": [0], "neuron_idx": ["a"], "value": [1.0]})), ValueError, "neuron_idx")
add("train_model", "nan_value",
    lambda c: _train(c, pd.DataFrame({"batch": [0], "neuron_idx": [3], "value": [NAN]})), ValueError, "value")
add("train_model", "unknown_loss", lambda c: _train(c, activation_loss_fn="huber"), ValueError, "activation_loss_fn")
add("train_model", "no_groups", lambda c: am.train_model(c.plain, c.train_X, c.train_targets), ValueError,
    "per-group")
add("train_model", "2d_inputs", lambda c: _train(c, None) if False else am.train_model(
    c.model, c.train_X[0], c.train_targets), ValueError, "3-D|dimensions|inputs")
add("train_model", "neuron_outside",
    lambda c: _train(c, pd.DataFrame({"batch": [0], "neuron_idx": [N + 1], "value": [1.0]})), kenyon.Error,
    str(N + 1))
add("train_model", "batch_outside",
    lambda c: _train(c, pd.DataFrame({"batch": [999], "neuron_idx": [3], "value": [1.0]})), kenyon.Error, "999")
add("train_model", "train_fraction", lambda c: _train(c, train_fraction=1.5), ValueError, "train_fraction")
add("train_model", "raising_loss", lambda c: _train(c, activation_loss_fn=lambda p, t: 1 / 0), kenyon.Error,
    "ZeroDivision|division")
add("train_model", "negative_epochs", lambda c: _train(c, num_epochs=-1), ValueError, "num_epochs")

# ------------------------------------------------------------------ attribution


def _sal(c, x=None, noi=None, **kw):
    return am.saliency(c.plain, c.X if x is None else x, {5: [200]} if noi is None else noi, **kw)


add("saliency", "ragged_input", lambda c: _sal(c, [[1, 2], [3]]), ValueError, "array")
add("saliency", "nan_input", lambda c: _sal(c, nan_at(c.X)), ValueError, "NaN")
add("saliency", "neuron_outside", lambda c: _sal(c, noi={5: [100000]}), IndexError, "neuron 100000")
add("saliency", "layer_outside", lambda c: _sal(c, noi={9: [3]}), IndexError, "layer outside")
add("saliency", "method", lambda c: _sal(c, method="nope"), ValueError, "method")
add("saliency", "device", lambda c: _sal(c, device="cuda"), ValueError, "device")
add("saliency", "wrong_sensory", lambda c: _sal(c, c.X[:, :5]), kenyon.Error, "sensory")
add("saliency", "text_neuron", lambda c: _sal(c, noi={5: ["G8"]}), ValueError, "neurons_of_interest|int")


def _grad(c, monitor=("G0",), targets=None, **kw):
    return am.get_gradients(c.model, c.X, list(monitor), {5: ["G8"]} if targets is None else targets, **kw)


add("get_gradients", "unknown_monitor_group", lambda c: _grad(c, monitor=["nosuch"]), KeyError, "nosuch")
add("get_gradients", "unknown_target_group", lambda c: _grad(c, targets={5: ["nosuch"]}), KeyError, "nosuch")
add("get_gradients", "target_layer_outside", lambda c: _grad(c, targets={9: ["G8"]}), IndexError, "layer outside")
add("get_gradients", "monitor_layer_outside", lambda c: _grad(c, monitor_layers=[7]), ValueError, "layer 7")
add("get_gradients", "method", lambda c: _grad(c, method="nope"), ValueError, "method")
add("get_gradients", "batch_names", lambda c: _grad(c, batch_names=["a"]), ValueError, "batch names")
add("get_gradients", "monitor_float", lambda c: _grad(c, monitor=[1.5]), ValueError, "monitor_neurons")
add("get_gradients", "no_targets", lambda c: _grad(c, targets={}), kenyon.Error, "no target")
add("get_gradients", "device", lambda c: _grad(c, device="mps"), ValueError, "device")
add("get_gradients", "nan_input",
    lambda c: am.get_gradients(c.model, nan_at(c.X), ["G0"], {5: ["G8"]}), ValueError, "NaN")

# ------------------------------------------------------------------ inputs, tables and plots

add("add_sign", "nan_inprop", lambda c: am.add_sign(nan_at(c.inprop.toarray(), (1, 2)), c.signs), ValueError, "NaN")
add("add_sign", "signs_text_list", lambda c: am.add_sign(c.inprop, ["x"] * N), ValueError, "idx_to_sign")
add("add_sign", "sign_index_outside", lambda c: am.add_sign(c.inprop, {N + 3: -1}), ValueError, str(N + 3))
add("add_sign", "signs_wrong_length", lambda c: am.add_sign(c.inprop, np.ones(5)), ValueError, "idx_to_sign")
add("add_sign", "text_inprop", lambda c: am.add_sign(np.array([["a"]]), {0: 1}), ValueError, "numbers")
add("add_sign", "signs_none", lambda c: am.add_sign(c.inprop, None), (TypeError, ValueError), "idx_to_sign")
add("add_sign", "sign_text", lambda c: am.add_sign(c.inprop, {0: "x"}), ValueError, "idx_to_sign|sign")
add("add_sign", "inprop_none", lambda c: am.add_sign(None, c.signs), ValueError, "inprop")


def _in_df(c, df=None, **kw):
    df = pd.DataFrame({"0": [1.0, 0.5]}, index=["S0", "S1"]) if df is None else df
    args = dict(sensory_indices=list(c.sensory), idx_to_group=c.groups, num_layers=L)
    args.update(kw)
    return am.input_from_df(df, **args)


add("input_from_df", "not_frame", lambda c: _in_df(c, df={"a": 1}), TypeError, "DataFrame")
add("input_from_df", "unknown_group", lambda c: _in_df(c, pd.DataFrame({"0": [1.0]}, index=["nosuch"])), KeyError,
    "nosuch")
add("input_from_df", "nan_value", lambda c: _in_df(c, pd.DataFrame({"0": [NAN]}, index=["S0"])), ValueError,
    "NaN|finite")
add("input_from_df", "negative_layers", lambda c: _in_df(c, num_layers=-2), ValueError, "num_layers")
add("input_from_df", "timepoint_outside", lambda c: _in_df(c, timepoints=[L + 4]), ValueError, "timepoint")
add("input_from_df", "sensory_outside", lambda c: _in_df(c, sensory_indices=[N + 9]), ValueError,
    "sensory|idx_to_group")
add("input_from_df", "text_values", lambda c: _in_df(c, pd.DataFrame({"0": ["x"]}, index=["S0"])), ValueError,
    "number|numeric")
add("input_from_df", "groups_missing_sensory", lambda c: _in_df(c, idx_to_group={0: "S0"}), ValueError,
    "idx_to_group")

for name in ("activations_to_df", "activations_to_df_batched"):
    fn = getattr(am, name)
    batched = name.endswith("batched")

    def call(c, f=fn, b=batched, **kw):
        args = dict(inprop=c.inprop, sensory_indices=c.sensory)
        args["opt_in" if b else "model_input"] = c.X if b else c.X[0]
        args["out"] = c.acts if b else c.acts[0]
        args.update(kw)
        return f(**args)

    key_in = "opt_in" if batched else "model_input"
    add(name, "nan_activations", lambda c, call=call, b=batched: call(c, out=nan_at(c.acts if b else c.acts[0])),
        ValueError, "NaN")
    add(name, "wrong_neurons", lambda c, call=call, b=batched: call(c, out=(c.acts[:, :10] if b else c.acts[0][:10])),
        kenyon.Error, "out|neurons")
    add(name, "wrong_input_rows",
        lambda c, call=call, k=key_in, b=batched: call(c, **{k: (c.X[:, :5] if b else c.X[0][:5])}),
        kenyon.Error, "sensory|input")
    add(name, "inprop_not_square", lambda c, call=call: call(c, inprop=c.inprop[:, :10]), ValueError, "square")
    add(name, "negative_threshold", lambda c, call=call: call(c, activation_threshold=NAN), ValueError,
        "activation_threshold")
    add(name, "mapping_wrong_length", lambda c, call=call: call(c, inidx_mapping={0: "a"}), ValueError,
        "inidx_mapping")
    add(name, "sensory_outside", lambda c, call=call: call(c, sensory_indices=list(range(N - 5, N + 35))),
        ValueError, "sensory")
    add(name, "text_activations", lambda c, call=call: call(c, out=np.array([["a"]])), ValueError, "numbers")

add("get_neuron_activation", "nan", lambda c: am.get_neuron_activation(nan_at(c.acts), [3]), ValueError, "NaN")
add("get_neuron_activation", "neuron_outside", lambda c: am.get_neuron_activation(c.acts, [N + 7]), kenyon.Error,
    str(N + 7))
add("get_neuron_activation", "negative_neuron", lambda c: am.get_neuron_activation(c.acts, [-1]), kenyon.Error,
    "-1|negative")
add("get_neuron_activation", "batch_names", lambda c: am.get_neuron_activation(c.acts, [3], batch_names=["a"]),
    kenyon.Error, "batch_names|batch names")
add("get_neuron_activation", "1d", lambda c: am.get_neuron_activation(c.acts[0, 0], [3]), ValueError,
    "dimensions|2-D|3-D|activations")
add("get_neuron_activation", "groups_short", lambda c: am.get_neuron_activation(c.acts, [3], idx_to_group={0: "a"}),
    ValueError, "idx_to_group")
add("get_neuron_activation", "text", lambda c: am.get_neuron_activation(np.array([["a"]]), [0]), ValueError,
    "numbers")
add("get_neuron_activation", "text_index", lambda c: am.get_neuron_activation(c.acts, ["x"]), ValueError,
    "neuron_indices|integer")


def _gip(c, **kw):
    args = dict(model_in=c.X, sensory_indices=c.sensory, idx_to_group=c.groups)
    args.update(kw)
    return am.get_input_activation(**args)


add("get_input_activation", "nan", lambda c: _gip(c, model_in=nan_at(c.X)), ValueError, "NaN")
add("get_input_activation", "wrong_rows", lambda c: _gip(c, model_in=c.X[:, :5]), kenyon.Error, "sensory|model_in")
add("get_input_activation", "selected_outside", lambda c: _gip(c, selected_indices=[N + 2]), kenyon.Error,
    str(N + 2))
add("get_input_activation", "batch_names", lambda c: _gip(c, batch_names=["a"]), kenyon.Error, "batch")
add("get_input_activation", "threshold_nan", lambda c: _gip(c, activation_threshold=NAN), ValueError,
    "activation_threshold")
add("get_input_activation", "groups_missing", lambda c: _gip(c, idx_to_group={0: "a"}), ValueError, "idx_to_group")
add("get_input_activation", "1d", lambda c: _gip(c, model_in=c.X[0, 0]), ValueError, "dimensions|2-D|3-D|model_in")
add("get_input_activation", "text", lambda c: _gip(c, model_in=np.array([["a"]])), ValueError, "numbers")


def _path(c, path=None, **kw):
    return am.get_activations_for_path(c.path if path is None else path, c.acts[0], **kw)


add("get_activations_for_path", "not_frame", lambda c: _path(c, path=[1, 2]), TypeError, "DataFrame")
add("get_activations_for_path", "missing_columns", lambda c: _path(c, path=pd.DataFrame({"pre": [1]})), ValueError,
    "column")
add("get_activations_for_path", "nan_activations",
    lambda c: am.get_activations_for_path(c.path, nan_at(c.acts[0], (1, 1))), ValueError, "NaN")
add("get_activations_for_path", "wrong_activations",
    lambda c: am.get_activations_for_path(c.path, c.acts[0][:10], model_in=c.X[0], sensory_indices=c.sensory),
    kenyon.Error, "activations|neuron")
add("get_activations_for_path", "negative_start", lambda c: _path(c, activation_start=-3), kenyon.Error,
    "activation_start")
add("get_activations_for_path", "model_in_wrong", lambda c: _path(c, model_in=c.X[0][:3], sensory_indices=c.sensory),
    kenyon.Error, "model_in|sensory")
add("get_activations_for_path", "text_layer",
    lambda c: _path(c, path=c.path.assign(layer="x")), kenyon.Error, "layer")
add("get_activations_for_path", "groups_short", lambda c: _path(c, idx_to_group={0: "a"}), ValueError, "idx_to_group")

add("activated_path_for_ngl", "not_frame", lambda c: am.activated_path_for_ngl({"pre": 1}), TypeError, "DataFrame")
add("activated_path_for_ngl", "missing_columns", lambda c: am.activated_path_for_ngl(pd.DataFrame({"pre": [1]})),
    kenyon.Error, "column")
add("activated_path_for_ngl", "text_layer",
    lambda c: am.activated_path_for_ngl(c.path.assign(layer="x")), kenyon.Error, "layer")
add("activated_path_for_ngl", "nan_layer",
    lambda c: am.activated_path_for_ngl(c.path.assign(layer=NAN)), kenyon.Error, "layer")
add("activated_path_for_ngl", "text_pre",
    lambda c: am.activated_path_for_ngl(c.path.assign(pre="x")), kenyon.Error, "neuron index")
add("activated_path_for_ngl", "none", lambda c: am.activated_path_for_ngl(None), TypeError, "DataFrame")
add("activated_path_for_ngl", "array", lambda c: am.activated_path_for_ngl(np.zeros((2, 2))), TypeError, "DataFrame")
add("activated_path_for_ngl", "series", lambda c: am.activated_path_for_ngl(c.path["pre"]), TypeError, "DataFrame")


def _abc(c, fn=am.activity_by_column, **kw):
    args = dict(activity=c.acts[0], idx_to_group=c.groups, idx_to_column=c.columns, selected_group="G1")
    args.update(kw)
    return fn(**args)


for name in ("activity_by_column", "plot_activity_by_column"):
    fn = getattr(am, name)
    add(name, "unknown_group", lambda c, f=fn: _abc(c, f, selected_group="nosuch"), KeyError, "nosuch")
    add(name, "nan_activity", lambda c, f=fn: _abc(c, f, activity=nan_at(c.acts[0], (1, 1))), ValueError, "NaN")
    add(name, "wrong_rows", lambda c, f=fn: _abc(c, f, activity=c.acts[0][:10]), kenyon.Error,
        "activity|idx_to_group|neurons")
    add(name, "columns_text", lambda c, f=fn: _abc(c, f, idx_to_column={i: "x" for i in range(N)}), ValueError,
        "idx_to_column")
    add(name, "columns_missing", lambda c, f=fn: _abc(c, f, idx_to_column={}), kenyon.Error, "column")
    add(name, "columns_none", lambda c, f=fn: _abc(c, f, idx_to_column=None), TypeError, "idx_to_column")
    add(name, "model_input_wrong", lambda c, f=fn: _abc(c, f, model_input=c.X[0][:3], sensory_indices=c.sensory),
        kenyon.Error, "model_input|sensory")
    add(name, "3d_activity", lambda c, f=fn: _abc(c, f, activity=c.acts), ValueError, "activity|dimensions|2-D")
add("plot_activity_by_column", "plot_type", lambda c: _abc(c, am.plot_activity_by_column, plot_type="pie"),
    ValueError, "plot_type")


def _ts_frame():
    return pd.DataFrame({"group": ["a", "b"], "batch_name": ["b0", "b0"], "time_0": [0.1, 0.2], "time_1": [0.3, 0.4]})


add("plot_timeseries", "not_frame", lambda c: am.plot_timeseries([1, 2]), TypeError, "DataFrame")
add("plot_timeseries", "missing_columns", lambda c: am.plot_timeseries(pd.DataFrame({"x": [1]})), ValueError,
    "column")
add("plot_timeseries", "no_group_column", lambda c: am.plot_timeseries(_ts_frame().drop(columns="group")), ValueError,
    "group")
add("plot_timeseries", "text_values", lambda c: am.plot_timeseries(_ts_frame().assign(time_1="x")), ValueError,
    "numbers")
add("plot_timeseries", "scatter_mode", lambda c: am.plot_timeseries(_ts_frame(), scatter_mode="bars"), ValueError,
    "scatter_mode")
add("plot_timeseries", "slider_unknown", lambda c: am.plot_timeseries(_ts_frame(), slider_dim="nosuch"), ValueError,
    "slider_dim")
add("plot_timeseries", "ymin_above_ymax", lambda c: am.plot_timeseries(_ts_frame(), ymin=2, ymax=1), ValueError,
    "ymin")
add("plot_timeseries", "style_not_dict", lambda c: am.plot_timeseries(_ts_frame(), style=[1]), TypeError, "style")


def _guess(c, targets=None, **kw):
    args = dict(inprop=c.inprop, sensory_indices=c.sensory, idx_to_sign=c.signs,
                target_activations=am.TargetActivation({3: {200: 1.0}}) if targets is None else targets)
    args.update(kw)
    return am.guess_optimal_stimulus(**args)


add("guess_optimal_stimulus", "neuron_outside", lambda c: _guess(c, am.TargetActivation({3: {N: 1.0}})), IndexError,
    f"neuron {N}")
add("guess_optimal_stimulus", "negative_layer", lambda c: _guess(c, am.TargetActivation({-1: {3: 1.0}})),
    IndexError, "negative")
add("guess_optimal_stimulus", "nan_value", lambda c: _guess(c, am.TargetActivation({3: {200: NAN}})), ValueError,
    "finite")
add("guess_optimal_stimulus", "longest_plen", lambda c: _guess(c, longest_plen=0), ValueError, "longest_plen")
add("guess_optimal_stimulus", "inprop_not_square", lambda c: _guess(c, inprop=c.inprop[:, :10]), ValueError,
    "square")
add("guess_optimal_stimulus", "sensory_outside", lambda c: _guess(c, sensory_indices=[N + 1]), kenyon.Error,
    str(N + 1))
add("guess_optimal_stimulus", "no_targets", lambda c: _guess(c, am.TargetActivation({})), kenyon.Error,
    "no target")
add("guess_optimal_stimulus", "sign_outside", lambda c: _guess(c, idx_to_sign={N + 4: 1}), ValueError, str(N + 4))

# ------------------------------------------------------------------ compress_paths


def _scp(c, **kw):
    args = dict(inprop=c.inprop, inidx=list(c.sensory), outidx=[200, 201], n=2)
    args.update(kw)
    return compress_paths.signed_conn_by_path_length_data(**args)


F = "signed_conn_by_path_length_data"
add(F, "zero_hops", lambda c: _scp(c, n=0), ValueError, "n:")
add(F, "inidx_outside", lambda c: _scp(c, inidx=[N + 8]), ValueError, "inidx")
add(F, "outidx_negative", lambda c: _scp(c, outidx=[-4]), ValueError, "outidx")
add(F, "not_square", lambda c: _scp(c, inprop=c.inprop[:, :20]), ValueError, "square")
add(F, "bad_sign", lambda c: _scp(c, group_to_sign={"a": 3}), ValueError, "group_to_sign")
add(F, "combining_method", lambda c: _scp(c, combining_method="mode", inidx_map={int(i): "s" for i in c.sensory}),
    ValueError, "combining_method")
add(F, "map_not_dict", lambda c: _scp(c, inidx_map=[1, 2]), ValueError, "inidx_map")
add(F, "nan_inprop", lambda c: _scp(c, inprop=nan_at(c.inprop.toarray(), (0, 1))), ValueError, "NaN")
add(F, "text_index", lambda c: _scp(c, outidx=["x"]), ValueError, "outidx")

# ------------------------------------------------------------------ connectomes

add("load", "missing_file", lambda c: connectome.load(c.tmp / "nope.csv"), OSError, "nope.csv")
add("load", "directory", lambda c: connectome.load(c.tmp), OSError, "bad_input")
add("load", "empty_file", lambda c: connectome.load(text_file(c, "empty.csv", "")), OSError, "empty.csv")
add("load", "semicolons", lambda c: connectome.load(text_file(c, "semi.csv", "pre;post;weight\n1;2;3\n")), OSError,
    "semi.csv")
add("load", "text_weight",
    lambda c: connectome.load(text_file(c, "text.csv", "pre,post,weight\n1,2,x\n")), OSError, r"text.csv:2")
add("load", "nan_weight",
    lambda c: connectome.load(text_file(c, "nan.csv", "pre,post,weight\n1,2,nan\n")), OSError, r"nan.csv:2")
add("load", "missing_column",
    lambda c: connectome.load(text_file(c, "cols.csv", "pre,weight\n1,2\n")), OSError, "cols.csv")
add("load", "unknown_format", lambda c: connectome.load("larva", format="xlsx"), ValueError, "format|xlsx")
add("load", "unknown_shipped", lambda c: connectome.load("nosuchbrain"), (KeyError, OSError), "nosuchbrain")
add("load", "min_synapses_text", lambda c: connectome.load("larva", min_synapses="many"), ValueError,
    "min_synapses")
add("load", "truncated_gzip",
    lambda c: connectome.load(text_file(c, "trunc.csv.gz", "\x1f\x8b\x08\x00garbage")), OSError, "trunc.csv.gz")
add("load", "duplicate_neuron_ids",
    lambda c: connectome.load(text_file(c, "e.csv", "pre,post,weight\n1,2,3\n"),
                              neurons=text_file(c, "n.csv", "id,type\n1,A\n1,B\n2,C\n")), OSError, r"n.csv:3")

add("network", "not_connectome", lambda c: connectome.network("larva"), TypeError, "Connectome")
add("network", "unknown_sensory", lambda c: connectome.network(datasets.larva(), sensory=["nosuchtype"]), KeyError,
    "nosuchtype")
add("network", "negative_layers", lambda c: connectome.network(datasets.larva(), num_layers=-1), ValueError,
    "num_layers")
add("network", "zero_tau", lambda c: connectome.network(datasets.larva(), tau=0), ValueError, "tau")
add("network", "nan_threshold", lambda c: connectome.network(datasets.larva(), threshold=NAN), ValueError,
    "threshold")
add("network", "unknown_option", lambda c: connectome.network(datasets.larva(), nosuch=1), TypeError, "nosuch")
add("network", "sensory_text_not_list", lambda c: connectome.network(datasets.larva(), sensory=5), (TypeError, ValueError),
    "sensory")
add("network", "nan_group_slope", lambda c: connectome.network(datasets.larva(), slope_dict={"MBON": NAN}),
    ValueError, "slope|finite")

add("shipped", "argument", lambda c: connectome.shipped("larva"), TypeError, "argument")
add("shipped", "keyword", lambda c: connectome.shipped(name="larva"), TypeError, "name")
add("shipped", "none", lambda c: connectome.shipped(None), TypeError, "argument")
add("shipped", "two", lambda c: connectome.shipped(1, 2), TypeError, "argument")
add("shipped", "list", lambda c: connectome.shipped([]), TypeError, "argument")
add("shipped", "dict", lambda c: connectome.shipped(**{"x": 1}), TypeError, "x")
add("shipped", "float", lambda c: connectome.shipped(1.5), TypeError, "argument")
add("shipped", "path", lambda c: connectome.shipped(c.tmp), TypeError, "argument")

add("Connectome", "select_unknown", lambda c: datasets.larva().select("nosuchtype"), KeyError, "nosuchtype")
add("Connectome", "select_unknown_number", lambda c: datasets.larva().select(12), KeyError, "'12'")
add("Connectome", "select_empty", lambda c: datasets.larva().select(""), (KeyError, ValueError), "selector|''")
add("Connectome", "select_unknown_id", lambda c: datasets.larva().select("99999999999"), KeyError, "99999999999")
add("Connectome", "select_pattern_none", lambda c: datasets.larva().select("zz*"), KeyError, "zz")
add("Connectome", "construct_from_text", lambda c: connectome.Connectome("larva"), TypeError, "Connectome|core")
add("Connectome", "select_none", lambda c: datasets.larva().select(None), TypeError, "selector|str")
add("Connectome", "select_list", lambda c: datasets.larva().select(["MBON"]), TypeError, "selector|str")

for name in ("larva", "flyvis", "hemibrain_mb"):
    fn = getattr(datasets, name)
    add(name, "unknown_option", lambda c, f=fn: f(nosuch=1), TypeError, "nosuch")
    add(name, "min_synapses_text", lambda c, f=fn: f(min_synapses="x"), ValueError, "min_synapses")
    add(name, "default_sign_text", lambda c, f=fn: f(default_sign="x"), ValueError, "default_sign")
    add(name, "format_twice", lambda c, f=fn: f(format="npz"), (TypeError, ValueError), "format")
    add(name, "neurons_given", lambda c, f=fn: f(neurons=c.tmp / "nope.csv"), ValueError, "neurons: the shipped")
    add(name, "positional", lambda c, f=fn: f("larva"), TypeError, "argument")
    add(name, "transmitter_sign_text", lambda c, f=fn: f(transmitter_sign={"GABA": "x"}), (TypeError, ValueError),
        "transmitter_sign|int")
    add(name, "connectome_twice", lambda c, f=fn: f(connectome="larva"), TypeError, "connectome")

# ------------------------------------------------------------------ kenyon.net.Model

add("Model", "not_connectome", lambda c: net.Model("larva"), TypeError, "Connectome")
add("Model", "negative_layers", lambda c: net.Model(datasets.larva(), layers=-1), ValueError, "layers|num_layers")
add("Model", "unknown_kind", lambda c: net.Model(datasets.larva(), kind="cubic"), ValueError, "kind")
add("Model", "unknown_sensory", lambda c: net.Model(datasets.larva(), sensory=["nosuchtype"]), KeyError, "nosuchtype")
add("Model", "nan_group_slope", lambda c: net.Model(datasets.larva(), group_slope={"MBON": NAN}), ValueError,
    "group_slope")
add("Model", "forward_nan_input", lambda c: c.net.forward(input=np.full((1, c.net.num_sensory, 3), NAN)), ValueError,
    "NaN")
add("Model", "forward_wrong_shape", lambda c: c.net.forward(input=np.zeros((1, 2, 3))), ValueError, "input")
add("Model", "forward_unknown_stimulus", lambda c: c.net.forward(stimulus=["nosuch:0=1"]), KeyError, "nosuch")
add("Model", "forward_bad_clamp", lambda c: c.net.forward(stimulus=["sensory:0=1"], clamp=["MBON:9=1"]), kenyon.Error,
    "layer")
add("Model", "maximise_unknown_target", lambda c: c.net.maximise(["nosuch:2=1"], iterations=1), KeyError, "nosuch")
add("Model", "maximise_layer_outside", lambda c: c.net.maximise(["MBON:7=1"], iterations=1), kenyon.Error, "7")
add("Model", "maximise_nan_value", lambda c: c.net.maximise(["MBON:2=nan"], iterations=1), kenyon.Error,
    "finite|nan")
add("Model", "maximise_reg", lambda c: c.net.maximise(["MBON:2=1"], reg="max"), ValueError, "reg")
add("Model", "maximise_out_is_file",
    lambda c: c.net.maximise(["MBON:2=1"], iterations=1, out=text_file(c, "out_file", "keep")), kenyon.Error,
    "out_file")
add("Model", "saliency_method", lambda c: c.net.saliency(["MBON:2"], stimulus=["sensory:0=1"], method="x"), ValueError,
    "method")
add("Model", "gradients_unknown_monitor",
    lambda c: c.net.gradients(["MBON:2"], ["nosuch"], stimulus=["sensory:0=1"]), KeyError, "nosuch")
add("Model", "guess_longest_path", lambda c: c.net.guess(["MBON:2=1"], longest_path=0), ValueError, "longest")
add("Model", "train_targets_missing", lambda c: c.net.train(np.zeros((2, c.net.num_sensory, 3)), c.tmp / "nope.csv"),
    OSError, "nope.csv")
add("Model", "paths_no_input", lambda c: c.net.paths(), ValueError, "input")


# ------------------------------------------------------------------ net.atlas (kenyon.atlas)


def _atlas(c, **kw):
    args = dict(each="MBON", num_layers=3, iterations=1)
    args.update(kw)
    return net.atlas(c.net.connectome, **args)


add("atlas", "pattern_matches_nothing", lambda c: _atlas(c, each="nosuch*"), kenyon.UnknownNameError,
    "each: 'nosuch")
add("atlas", "layer_outside", lambda c: _atlas(c, layer=3), ValueError, "layer: 3 is outside 0..2")
add("atlas", "negative_layer", lambda c: _atlas(c, layer=-1), ValueError, "layer: -1")
add("atlas", "batch_zero", lambda c: _atlas(c, batch=0), ValueError, "batch")
add("atlas", "batch_fraction", lambda c: _atlas(c, batch=2.5), TypeError, "batch")
add("atlas", "neither_each_nor_targets", lambda c: _atlas(c, each=None), ValueError, "each.*targets")
add("atlas", "each_and_targets", lambda c: _atlas(c, targets=pd.DataFrame({"target": ["MBE11a"]})), ValueError,
    "not both")
add("atlas", "each_not_text", lambda c: _atlas(c, each=3), ValueError, "each")
add("atlas", "by_unknown", lambda c: _atlas(c, by="cell"), ValueError, "by")
add("atlas", "reg_unknown", lambda c: _atlas(c, reg="max"), ValueError, "reg")
add("atlas", "value_nan", lambda c: _atlas(c, value=NAN), ValueError, "value")
add("atlas", "top_negative", lambda c: _atlas(c, top=-1), ValueError, "top")
add("atlas", "num_layers_zero", lambda c: _atlas(c, num_layers=0), ValueError, "num_layers")
add("atlas", "layers_instead_of_num_layers", lambda c: _atlas(c, layers=4), ValueError, "num_layers")
add("atlas", "targets_missing_file", lambda c: _atlas(c, each=None, targets=c.tmp / "nope.csv"), OSError,
    "nope.csv")
add("atlas", "targets_not_a_table", lambda c: _atlas(c, each=None, targets=5), TypeError, "targets")
add("atlas", "targets_no_target_column", lambda c: _atlas(c, each=None, targets=pd.DataFrame({"x": [1]})),
    kenyon.FileError, "targets \\(DataFrame\\):1: no 'target' column")
add("atlas", "targets_unknown_type", lambda c: _atlas(c, each=None, targets=pd.DataFrame({"target": ["nosuch"]})),
    kenyon.FileError, "column 'target'.*nosuch")
add("atlas", "targets_bad_value",
    lambda c: _atlas(c, each=None, targets=pd.DataFrame({"target": ["MBE11a"], "value": ["abc"]})),
    kenyon.FileError, "column 'value'")
add("atlas", "targets_layer_outside",
    lambda c: _atlas(c, each=None, targets=pd.DataFrame({"target": ["MBE11a"], "layer": [7]})), ValueError,
    "layer 7 is outside")
add("atlas", "unknown_connectome", lambda c: net.atlas("nosuch_connectome", each="MBON"), kenyon.Error,
    "nosuch_connectome")
add("atlas", "out_is_file", lambda c: _atlas(c, each="MBE11a", out=text_file(c, "atlas_out_file", "keep")),
    kenyon.Error, "atlas_out_file")


def public_names():
    names = set(am.__all__) | set(compress_paths.__all__) | set(connectome.__all__) | set(datasets.__all__)
    return names | set(net.__all__)


def test_every_public_function_has_eight_bad_inputs():
    cases.check_coverage(public_names())


@pytest.mark.parametrize("function, thunk, exception, match", cases.params())
def test_bad_input(ctx, function, thunk, exception, match):
    expect_clear_error(thunk, ctx, exception, match)


def test_out_is_file_keeps_the_file(ctx):
    path = text_file(ctx, "kept_out", "keep me")
    with pytest.raises(kenyon.Error):
        ctx.net.maximise(["MBON:2=1"], iterations=1, out=path)
    assert path.read_text() == "keep me"
