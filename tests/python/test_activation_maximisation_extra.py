"""kenyon.activation_maximisation beyond the 2.10.0 reference: train_model's loss choice
(tests/data/connectome_interpreter_train_loss, rtol 1e-3 / atol 1e-5), gradients through a
Python activation function and a Python loss against finite differences, and bad input
raising clear Python exceptions."""

import numpy as np
import pandas as pd
import pytest
from conftest import seeded
import scipy.sparse as sp

import kenyon
from kenyon import activation_maximisation as am

N, NS, L = 300, 40, 6
TRAIN = dict(rtol=1e-3, atol=1e-5)


@pytest.fixture(scope="module")
def loss_ref(data_dir):
    d = data_dir / "connectome_interpreter_train_loss"
    return lambda name: np.load(d / (name + ".npy"))


def huber(pred, target):
    """The reference case's callable, on numpy arrays."""
    d = np.abs(np.asarray(pred, np.float64) - np.asarray(target, np.float64))
    return np.mean(np.where(d < 0.1, 0.5 * d * d / 0.1, d - 0.05))


LOSS_CASES = {
    "default": ({}, "train_targets.csv", dict(num_epochs=5, learning_rate=0.01, seed=42)),
    "mae": ({}, "train_targets.csv", dict(num_epochs=5, learning_rate=0.01, seed=42, activation_loss_fn="mae")),
    "huber": ({}, "train_targets.csv", dict(num_epochs=5, learning_rate=0.02, seed=7, activation_loss_fn=huber)),
    "zero_bias_nolayer": (
        {"default_bias": 0.0, "bias_dict": {"G0": 0.1}},
        "train_targets_nolayer.csv",
        dict(num_epochs=6, learning_rate=0.05, seed=1, train_slopes=False, train_tau=False,
             train_divisive_strength=False),
    ),
}


@pytest.mark.parametrize("case", sorted(LOSS_CASES))
def test_train_model_loss_cases(case, ref, loss_ref, W, sensory, group_cfg):
    overrides, targets_file, args = LOSS_CASES[case]
    prefix = f"seed_train_{case}_"
    model = am.MultilayeredNetwork(W, sensory, num_layers=L, **{**group_cfg, **overrides})
    np.testing.assert_allclose(model.raw_biases, loss_ref(prefix + "param_init_raw_biases"), **TRAIN)
    targets = pd.read_csv(ref.dir / targets_file)
    model, hist, *_ = am.train_model(model, ref("train_X"), targets, train_indices=loss_ref(prefix + "train_indices"),
                                     **args)
    for k in ("divisive_strength", "tau_param", "slope", "raw_biases"):
        np.testing.assert_allclose(getattr(model, k), loss_ref(prefix + "param_final_" + k), err_msg=k, **TRAIN)
    for k in ("loss", "mse_loss", "param_reg_loss", "val_loss"):
        np.testing.assert_allclose(hist[k], loss_ref(prefix + "hist_" + k), err_msg=k, **TRAIN)


def test_train_model_default_loss_is_mse(ref, W, sensory, group_cfg):
    import inspect

    assert inspect.signature(am.train_model).parameters["activation_loss_fn"].default == "mse"


# ------------------------------------------------------------------ custom callables


@pytest.fixture(scope="module")
def small():
    """A 12-neuron network with 3 sensory neurons, signed weights."""
    rng = np.random.default_rng(seeded(5))
    w = rng.random((12, 12)) * (rng.random((12, 12)) < 0.4)
    w[:3, :] = 0
    w[:, 7:9] *= -1
    return w.astype(np.float32), np.arange(3)


def smooth(model, x, x_previous):
    # An elementwise activation with a derivative everywhere.
    return np.tanh(1.5 * x + 0.1) * 0.7 + 0.3 * x_previous


def test_custom_activation_gradient_matches_finite_differences(small):
    w, s = small
    model = am.MultilayeredNetwork(w, s, num_layers=4, activation_function=smooth, threshold=0.0)
    x = np.random.default_rng(seeded(1)).random((2, 3, 4)).astype(np.float32) * 0.3
    noi = {3: [10, 11], 2: [6]}
    got = am.saliency(model, x, noi)

    def objective(xx):
        y = model(xx.astype(np.float32)).astype(np.float64)
        return sum(y[:, ns, layer].sum() for layer, ns in noi.items())

    h = 1e-2
    fd = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        up, down = x.astype(np.float64), x.astype(np.float64)
        up[idx] += h
        down[idx] -= h
        fd[idx] = (objective(up) - objective(down)) / (2 * h)
    assert np.abs(fd).max() > 1e-3
    np.testing.assert_allclose(got, fd, rtol=2e-2, atol=2e-3)


def test_custom_activation_maximisation_reduces_the_loss(small):
    w, s = small
    model = am.MultilayeredNetwork(w, s, num_layers=4, activation_function=smooth, threshold=0.0)
    res = am.activation_maximisation(model, am.TargetActivation({3: {10: 0.9}}), num_iterations=40,
                                     learning_rate=0.05, seed=3, early_stopping=False, quiet=True,
                                     in_reg_lambda=0.0, out_reg_lambda=0.0)
    opt_in, out, act_loss = res[0], res[1], res[2]
    assert opt_in.shape == (3, 4) and out.shape == (12, 4)
    assert act_loss[-1] < 0.5 * act_loss[0]


def test_builtin_and_python_paths_agree_on_activation_maximisation(small):
    # The network's own update as a Python callable gives the C++ run's numbers.
    w, s = small
    kw = dict(num_layers=4, tau=2.0, threshold=0.0, tanh_steepness=1.0)
    plain = am.LinearNetwork(w, s, **kw)

    def same(model, x, x_previous):
        return (x / 2.0 + 0.5 * x_previous).astype(np.float32)

    custom = am.LinearNetwork(w, s, activation_function=same, **kw)
    x0 = np.full((1, 3, 4), 0.2, np.float32)
    args = dict(input_tensor=x0, num_iterations=15, learning_rate=0.05, early_stopping=False, quiet=True)
    a = am.activation_maximisation(plain, am.TargetActivation({3: {10: 0.5, 11: 0.2}}), **args)
    b = am.activation_maximisation(custom, am.TargetActivation({3: {10: 0.5, 11: 0.2}}), **args)
    np.testing.assert_allclose(b[0], a[0], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(b[2], a[2], rtol=1e-3, atol=1e-6)


def test_callable_loss_gradient_matches_finite_differences():
    loss = am._callable_loss(huber)
    rng = np.random.default_rng(seeded(2))
    pred = rng.random(20).astype(np.float32)
    target = rng.random(20).astype(np.float32)
    value, grad = loss(pred, target, True)
    assert value == pytest.approx(huber(pred, target))
    d = pred.astype(np.float64) - target
    exact = np.where(np.abs(d) < 0.1, d / 0.1, np.sign(d)) / 20
    np.testing.assert_allclose(grad, exact, rtol=1e-3, atol=1e-4)


def test_custom_regulariser(small):
    w, s = small
    model = am.MultilayeredNetwork(w, s, num_layers=3)
    x0 = np.full((1, 3, 3), 0.5, np.float32)
    args = dict(input_tensor=x0, num_iterations=5, early_stopping=False, quiet=True, in_reg_lambda=0.1)
    t = am.TargetActivation({2: {10: 0.5}})
    default = am.activation_maximisation(model, t, **args)
    l1l2 = am.activation_maximisation(
        model, t, custom_reg_functions={"in": lambda v: np.abs(v).sum() + np.sqrt((v.astype(np.float64) ** 2).sum())},
        **args)
    np.testing.assert_allclose(l1l2[0], default[0], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(l1l2[4], default[4], rtol=1e-4)


# ------------------------------------------------------------------ bad input


def test_bad_inputs_raise_clear_errors(W, sensory, group_cfg, ref):
    model = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    X = ref("X3")
    with pytest.raises(ValueError, match="NaN") as info:
        bad = X.copy()
        bad[0, 0, 0] = np.nan
        model(bad)
    assert isinstance(info.value, kenyon.ParameterError) and info.value.field == "inputs"
    with pytest.raises(ValueError, match="sensory"):
        model(X[:, :30, :])
    with pytest.raises(ValueError, match="3-D|2-D"):
        model(X[0, 0])
    with pytest.raises(ValueError, match="numbers"):
        model(np.array([["a"] * 6] * 40))
    with pytest.raises(ValueError, match="numbers"):
        model(X.astype(np.complex64))
    with pytest.raises(ValueError, match="array") as info:
        am.saliency(model, [[1, 2], [3]], {5: [200]})
    assert info.value.field == "input_tensor"
    # A list works where an array is expected.
    np.testing.assert_array_equal(model(X[0].tolist()), model(X[0]))
    with pytest.raises(KeyError, match="unknown group 'nosuchgroup'") as info:
        model(X, manipulate={1: {"nosuchgroup": 1.0}})
    assert isinstance(info.value, kenyon.UnknownNameError)
    assert (info.value.name, info.value.kind) == ("nosuchgroup", "group")
    with pytest.raises(ValueError, match="device"):
        am.saliency(model, X, {5: [200]}, device="cuda")
    # An entry outside the network: an ItemError (an IndexError too) with its coordinates.
    with pytest.raises(IndexError, match="neuron 100000") as info:
        am.saliency(model, X, {5: [100000]})
    assert isinstance(info.value, kenyon.ItemError)
    assert (info.value.batch, info.value.layer, info.value.neuron) == (None, 5, 100000)
    with pytest.raises(kenyon.ItemError, match="manipulate.*layer outside") as info:
        model(X, manipulate={9: {3: 1.0}})
    assert (info.value.layer, info.value.neuron) == (9, 3)
    with pytest.raises(kenyon.ItemError, match="batch item outside") as info:
        model(X, manipulate={7: {1: {3: 1.0}}})
    assert info.value.batch == 7
    with pytest.raises(kenyon.ItemError, match="not a finite number"):
        model(X, manipulate={1: {3: float("nan")}})
    with pytest.raises(kenyon.ItemError) as info:
        am.activation_maximisation(model, am.TargetActivation({1: {5000: 1.0}}), quiet=True)
    assert info.value.neuron == 5000
    with pytest.raises(kenyon.ItemError):
        am.get_gradients(model, X, ["G0"], {9: ["G8"]})
    with pytest.raises(ValueError):
        am.saliency(model, X, {5: [200]}, method="nope")
    with pytest.raises(ValueError, match="input shape"):
        am.activation_maximisation(model, am.TargetActivation({5: {200: 1.0}}), input_tensor=X, quiet=True)
    with pytest.raises(ValueError):
        am.activation_maximisation(model, am.TargetActivation({50: {200: 1.0}}), quiet=True)
    with pytest.raises(ValueError, match="idx_to_group"):
        am.MultilayeredNetwork(W, sensory, divisive_normalization={"G1": ["G3"]})
    with pytest.raises(ValueError, match="square"):
        am.MultilayeredNetwork(W[:, :200], sensory)
    with pytest.raises(ValueError, match="NaN"):
        dense = W.toarray()
        dense[3, 4] = np.inf
        am.MultilayeredNetwork(dense, sensory)
    with pytest.raises(ValueError, match="activation_loss_fn"):
        am.train_model(model, ref("train_X"), pd.read_csv(ref.dir / "train_targets.csv"), activation_loss_fn="huber")
    with pytest.raises(ValueError, match="columns"):
        am.train_model(model, ref("train_X"), pd.DataFrame({"batch": [0], "value": [1.0]}))
    with pytest.raises(ValueError, match="slope"):
        model.slope = np.ones(3)


def test_raising_callables_become_python_exceptions(W, sensory, group_cfg, ref):
    def boom(model, x, x_previous):
        raise RuntimeError("no good")

    model = am.MultilayeredNetwork(W, sensory, num_layers=L, activation_function=boom)
    with pytest.raises(kenyon.Error, match="no good"):
        model(ref("X3"))
    wrong = am.MultilayeredNetwork(W, sensory, num_layers=L, activation_function=lambda m, x, p: x[:5])
    with pytest.raises(kenyon.Error, match="values"):
        wrong(ref("X3"))

    def bad_loss(pred, target):
        raise ZeroDivisionError("bad loss")

    trainee = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    before = trainee.slope.copy()
    with pytest.raises(kenyon.Error, match="bad loss"):
        am.train_model(trainee, ref("train_X"), pd.read_csv(ref.dir / "train_targets.csv"), num_epochs=2,
                       activation_loss_fn=bad_loss)
    np.testing.assert_array_equal(trainee.slope, before)
    np.testing.assert_array_equal(trainee._net.get_parameters()["slope"], before)


@pytest.mark.parametrize("fn", [am.legacy_activation_function, am.legacy_activation_function_linear])
def test_legacy_gradients_with_divisive_normalisation_match_finite_differences(fn, W, sensory, group_cfg, ref):
    # The legacy functions' exact vjp (divisive normalisation through x_previous included)
    # against central differences of the (C++) forward pass, in float64 sums.
    model = am.MultilayeredNetwork(W, sensory, num_layers=4, activation_function=fn,
                                   **{**group_cfg, "tau": 0.5})
    x = ref("X2")[:, :4].copy()
    noi = {3: [200, 201, 150], 2: [100]}
    got = am.saliency(model, x, noi)

    def objective(xx):
        y = model(xx.astype(np.float32)).astype(np.float64)
        return sum(y[ns, layer].sum() for layer, ns in noi.items())

    h = 1e-3
    fd = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        up, down = x.astype(np.float64), x.astype(np.float64)
        up[idx] += h
        down[idx] -= h
        fd[idx] = (objective(up) - objective(down)) / (2 * h)
    assert np.abs(fd).max() > 1e-2
    np.testing.assert_allclose(got, fd, rtol=1e-2, atol=2e-3)


def builtin_as_callable():
    """The multilayered network's own update as a Python activation function, with its
    exact vjp: get_gradients through Python must then give the C++ reference tables."""

    def parts(model, x, prev):
        x = np.asarray(x, np.float64)
        prev = np.asarray(prev, np.float64)
        grouped = model.slope is not None
        base = model.slope[model.indices][:, None] if grouped else model.tanh_steepness
        base = np.broadcast_to(np.asarray(base, np.float64), x.shape)
        raw = base
        if model.divisive_normalization is not None:
            raw = base * (1 + model._divisive_csr() @ (model._pre_strength()[:, None] * prev))
        slope = np.maximum(raw, 0)
        bias = np.abs(model.raw_biases)[model.indices][:, None] if grouped else model.default_bias
        tau = np.maximum(model.tau_param, 1)[model.indices][:, None] if grouped else model.tau
        z = slope * x + bias
        th = model.threshold
        t = np.tanh(np.maximum(z - th, 0) + th * (z >= th))
        return x, prev, base, raw, slope, z, t, tau

    def fn(model, x, prev):
        x, prev, _, _, _, _, t, tau = parts(model, x, prev)
        return t / tau + (tau - 1) / tau * prev

    def vjp(model, x, prev, g):
        x, prev, base, raw, slope, z, t, tau = parts(model, x, prev)
        g = np.asarray(g, np.float64)
        gz = g / tau * (1 - t * t) * (z > model.threshold)
        gprev = g * (tau - 1) / tau
        if model.divisive_normalization is not None:
            gprev = gprev + model._pre_strength()[:, None] * (model._divisive_csr().T @ (gz * x * base * (raw >= 0)))
        return gz * slope, gprev

    fn.vjp = vjp
    return fn


def test_get_gradients_through_a_python_activation_reproduces_the_reference(W, sensory, group_cfg, ref):
    import test_activation_maximisation as main

    fn = builtin_as_callable()
    X3 = ref("X3")
    model = am.MultilayeredNetwork(W, sensory, num_layers=L, activation_function=fn, **group_cfg)
    gg = am.get_gradients(model, X3, monitor_neurons=["S0", "S1", "G0", "G2", "G3"], target_neurons={5: ["G8"]})
    main.compare_frames(gg, ref.dir / "gg_groups.csv", rtol=1e-4, atol=1e-6)
    gg = am.get_gradients(model, X3, monitor_neurons=["S0", "G0", "G3"], target_neurons={4: ["G8"], 5: ["G9"]},
                          monitor_layers=[0, 2, 3], normalize_per_layer=True)
    main.compare_frames(gg, ref.dir / "gg_norm.csv", rtol=1e-4, atol=1e-6)
    plain = am.MultilayeredNetwork(W, sensory, num_layers=L, activation_function=fn)
    gg = am.get_gradients(plain, X3, monitor_neurons=[0, 5, 50, 100], target_neurons={5: [200, 201]},
                          method="input_x_gradient", monitor_layers=[0, 3])
    main.compare_frames(gg, ref.dir / "gg_ixg.csv", rtol=1e-4, atol=1e-6)
    gg = am.get_gradients(plain, X3, monitor_neurons=[0, 5, 50, 100], target_neurons={5: [200, 201]})
    main.compare_frames(gg, ref.dir / "gg_nogroups.csv", rtol=1e-4, atol=1e-6)
    # Saliency through the same callable gives the reference too.
    np.testing.assert_allclose(am.saliency(model, X3, {5: [200, 201], 3: [100]}), ref("sal_groups_vanilla"),
                               rtol=1e-4, atol=1e-6)


def test_get_gradients_through_central_differences(W, sensory, ref):
    # The same callable without its vjp: elementwise central differences (no groups, no
    # divisive normalisation, so the elementwise assumption holds).
    import test_activation_maximisation as main

    fn = builtin_as_callable()
    del fn.vjp
    plain = am.MultilayeredNetwork(W, sensory, num_layers=L, activation_function=fn)
    gg = am.get_gradients(plain, ref("X3"), monitor_neurons=[0, 5, 50, 100], target_neurons={5: [200, 201]})
    main.compare_frames(gg, ref.dir / "gg_nogroups.csv", rtol=1e-3, atol=1e-7)


def test_train_model_through_a_python_activation(W, sensory, group_cfg, ref):
    # The built-in update as a Python callable, trained by central differences over the
    # parameters, follows the C++ run (exact gradients) on the 2.10.0 reference network and
    # targets: the same losses and parameters. Only the slopes are trained: the other
    # parameters reach kinks in these runs (a raw bias crossing 0, tau_param at 1), where
    # central differences average the two sides and the runs part.
    targets = pd.read_csv(ref.dir / "train_targets.csv")
    kw = dict(num_epochs=4, learning_rate=0.01, param_reg_lambda=0.01, activation_loss_fn="mae",
              train_indices=ref("train_train_indices"), train_biases=False, train_tau=False,
              train_divisive_strength=False)
    exact = am.MultilayeredNetwork(W, sensory, num_layers=L, **group_cfg)
    _, h_exact, *_ = am.train_model(exact, ref("train_X"), targets, **kw)
    custom = am.MultilayeredNetwork(W, sensory, num_layers=L, activation_function=builtin_as_callable(), **group_cfg)
    model, h_custom, tr_in, va_in, tr_t, va_t, tr_idx, va_idx = am.train_model(custom, ref("train_X"), targets, **kw)
    np.testing.assert_array_equal(tr_idx, ref("train_train_indices"))
    np.testing.assert_array_equal(va_idx, ref("train_val_indices"))
    for k in ("loss", "mse_loss", "param_reg_loss", "val_loss"):
        np.testing.assert_allclose(h_custom[k], h_exact[k], rtol=1e-3, atol=1e-5, err_msg=k)
    for k in ("divisive_strength", "tau_param", "slope", "raw_biases"):
        np.testing.assert_allclose(getattr(model, k), getattr(exact, k), rtol=1e-3, atol=1e-5, err_msg=k)
    # The trained parameters are the network's: its forward pass uses them.
    np.testing.assert_allclose(custom(ref("train_X")), exact(ref("train_X")), rtol=1e-4, atol=1e-5)


def test_custom_regulariser_with_a_python_activation(small):
    # The Python path with the default regulariser written as a custom one gives the same run.
    w, s = small
    model = am.MultilayeredNetwork(w, s, num_layers=3, activation_function=smooth, threshold=0.0)
    x0 = np.full((1, 3, 3), 0.5, np.float32)
    args = dict(input_tensor=x0, num_iterations=5, early_stopping=False, quiet=True, in_reg_lambda=0.1,
                out_reg_lambda=0.01)
    t = am.TargetActivation({2: {10: 0.5}})
    l1l2 = lambda v: np.abs(v).sum() + np.sqrt((v.astype(np.float64) ** 2).sum())  # noqa: E731
    default = am.activation_maximisation(model, t, **args)
    custom = am.activation_maximisation(model, t, custom_reg_functions={"in": l1l2, "out": l1l2}, **args)
    np.testing.assert_allclose(custom[0], default[0], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(custom[3], default[3], rtol=1e-4)
    np.testing.assert_allclose(custom[4], default[4], rtol=1e-4)
