"""kenyon.activation_maximisation and kenyon.compress_paths with torch tensors.

torch is optional: kenyon never imports it and CI does not install it, so this whole file is
skipped without torch. With torch, tensors go in and (where the original returns a tensor)
come out, device= takes CPU devices, and callables written with torch ops get their
gradients by autograd. Every result is checked against the numpy path, and gradients also
against central differences."""
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from kenyon import activation_maximisation as am
from kenyon.compress_paths import signed_conn_by_path_length_data

# Not pytest.importorskip at module level: that skips the whole module at collection, pytest
# then exits with 5 ("no tests collected") and CTest (tests/CMakeLists.txt runs each file as
# one test) counts that as a failure. Marking every test as skipped exits with 0.
try:
    import torch
except ImportError:
    torch = None
pytestmark = pytest.mark.skipif(torch is None, reason="torch is not installed (it is optional)")

NL = 4


@pytest.fixture(scope="module")
def net():
    """A 14-neuron signed network, 3 sensory neurons, 4 groups."""
    rng = np.random.default_rng(11)
    w = rng.random((14, 14)) * (rng.random((14, 14)) < 0.45)
    w[:, :3] *= 1.0
    w[:3, :] = 0  # nothing drives the sensory neurons
    w[:, 8:10] *= -1
    groups = {i: ("S" if i < 3 else f"G{i % 3}") for i in range(14)}
    x = (rng.random((2, 3, NL)) * 0.5).astype(np.float32)
    return w.astype(np.float32), np.arange(3), groups, x


def model_of(net, **kw):
    w, s, groups, _ = net
    return am.MultilayeredNetwork(w, s, num_layers=NL, idx_to_group=groups, default_bias=0.05, **kw)


# ------------------------------------------------------------------ tensors in, tensors out


def test_weights_as_dense_and_sparse_tensors(net):
    w, s, groups, x = net
    ref = am.MultilayeredNetwork(w, s, num_layers=NL, idx_to_group=groups)(x)
    coo = sp.coo_matrix(w)
    sparse_t = torch.sparse_coo_tensor(np.vstack([coo.row, coo.col]), coo.data, w.shape)
    for weights in (torch.tensor(w), sparse_t, torch.tensor(w, dtype=torch.float64)):
        got = am.MultilayeredNetwork(weights, torch.tensor(s), num_layers=NL, idx_to_group=groups)(x)
        np.testing.assert_array_equal(got, ref)


def test_forward_with_tensor_returns_tensor(net):
    model = model_of(net)
    x = net[3]
    want = model(x)
    got = model(torch.tensor(x))
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32
    np.testing.assert_array_equal(got.numpy(), want)
    # A tensor that requires grad, a float64 tensor, a single (2-D) input, the layer list.
    np.testing.assert_array_equal(model(torch.tensor(x, requires_grad=True)).numpy(), want)
    np.testing.assert_array_equal(model.forward(torch.tensor(x, dtype=torch.float64)).numpy(), want)
    single = model(torch.tensor(x[0]))
    assert isinstance(single, torch.Tensor)
    np.testing.assert_array_equal(single.numpy(), model(x[0]))
    layers = model.forward(torch.tensor(x), return_layer_list=True)
    assert len(layers) == NL and all(isinstance(t, torch.Tensor) for t in layers)
    for l, t in enumerate(layers):
        np.testing.assert_array_equal(t.numpy(), want[:, :, l].T)


def test_saliency_and_get_gradients_with_tensors(net):
    model = model_of(net)
    x = net[3]
    noi = {3: [10, 11], 2: [6]}
    for method in ("vanilla", "input_x_gradient"):
        want = am.saliency(model, x, noi, method=method)
        got = am.saliency(model, torch.tensor(x), noi, method=method, device=torch.device("cpu"))
        assert isinstance(got, torch.Tensor)
        np.testing.assert_array_equal(got.numpy(), want)
    want = am.get_gradients(model, x, [3, 4, 5], {3: [10, 11]})
    got = am.get_gradients(model, torch.tensor(x), [3, 4, 5], {3: [10, 11]}, device=torch.device("cpu"))
    pd.testing.assert_frame_equal(got, want)


def test_activation_maximisation_with_tensor_start(net):
    model = model_of(net)
    targets = am.TargetActivation({3: {10: 0.6, 12: 0.2}}, batch_size=2)
    start = net[3]
    want = am.activation_maximisation(model, targets, input_tensor=start, num_iterations=15, seed=1, quiet=True)
    got = am.activation_maximisation(model, targets, input_tensor=torch.tensor(start), num_iterations=15,
                                     seed=1, quiet=True, device=torch.device("cpu"))
    for a, b in zip(got[:2], want[:2]):
        np.testing.assert_array_equal(np.asarray(a), b)
    assert got[2] == want[2]


def test_train_model_with_tensor_inputs(net):
    x = np.concatenate([net[3]] * 3)
    targets = pd.DataFrame({"batch": [0, 1, 2, 3, 4, 5], "neuron_idx": [10, 11, 12, 10, 11, 12],
                            "layer": [3, 3, 2, 3, 3, 2], "value": [0.3, 0.5, 0.1, 0.2, 0.4, 0.6]})
    kw = dict(num_epochs=4, learning_rate=0.05, train_indices=[0, 2, 3, 5])
    m1, h1, tr1, va1, *rest1 = am.train_model(model_of(net), x, targets, **kw)
    m2, h2, tr2, va2, *rest2 = am.train_model(model_of(net), torch.tensor(x), targets, **kw)
    assert isinstance(tr2, torch.Tensor) and isinstance(va2, torch.Tensor)
    np.testing.assert_array_equal(tr2.numpy(), tr1)
    np.testing.assert_array_equal(va2.numpy(), va1)
    assert h1 == h2
    for k in ("slope", "raw_biases", "tau_param"):
        np.testing.assert_array_equal(getattr(m1, k), getattr(m2, k))


# ------------------------------------------------------------------ devices


@pytest.mark.parametrize("device", ["cpu", "cpu:0"])
def test_cpu_devices_accepted(net, device):
    w, s, groups, x = net
    dev = torch.device(device)
    model = am.MultilayeredNetwork(torch.tensor(w, device=dev), s, num_layers=NL, idx_to_group=groups, device=dev)
    np.testing.assert_array_equal(model(torch.tensor(x, device=dev)).numpy(), model(x))
    am.saliency(model, x, {3: [10]}, device=dev)
    am.get_gradients(model, x, [3], {3: [10]}, device=dev)
    am.activation_maximisation(model, am.TargetActivation({3: {10: 0.5}}), num_iterations=2, seed=0, quiet=True,
                               device=dev)


@pytest.mark.parametrize("device", ["cuda", "cuda:1", "meta", "mps"])
def test_other_devices_refused(net, device):
    w, s, groups, x = net
    dev = torch.device(device)
    model = model_of(net)
    with pytest.raises(ValueError, match="CPU"):
        am.MultilayeredNetwork(w, s, num_layers=NL, device=dev)
    with pytest.raises(ValueError, match="CPU"):
        am.saliency(model, x, {3: [10]}, device=dev)
    with pytest.raises(ValueError, match="CPU"):
        am.get_gradients(model, x, [3], {3: [10]}, device=dev)
    with pytest.raises(ValueError, match="CPU"):
        am.activation_maximisation(model, am.TargetActivation({3: {10: 0.5}}), num_iterations=2, quiet=True,
                                   device=dev)


def test_tensor_on_other_device_refused(net):
    w, s, groups, x = net
    model = model_of(net)
    with pytest.raises(ValueError, match="CPU"):
        model(torch.empty(x.shape, device="meta"))


# ------------------------------------------------------------------ callables with torch ops


def act_torch(model, x, x_previous):
    """Written with torch ops only: fails on numpy arrays."""
    return torch.tanh(torch.nn.functional.softplus(2 * x) - 0.3) * 0.6 + 0.4 * x_previous


def act_numpy(model, x, x_previous):
    """The same function on numpy arrays, with its exact vector-Jacobian product."""
    x = np.asarray(x, np.float64)
    return (np.tanh(np.logaddexp(0, 2 * x) - 0.3) * 0.6 + 0.4 * np.asarray(x_previous)).astype(np.float32)


def _act_vjp(model, x, x_previous, grad):
    x = np.asarray(x, np.float64)
    t = np.tanh(np.logaddexp(0, 2 * x) - 0.3)
    sig = 1 / (1 + np.exp(-2 * x))
    return grad * 0.6 * (1 - t * t) * 2 * sig, 0.4 * np.asarray(grad, np.float64)


act_numpy_exact = lambda m, x, p: act_numpy(m, x, p)  # noqa: E731
act_numpy_exact.vjp = _act_vjp


def test_torch_activation_forward_matches_numpy(net):
    x = net[3]
    want = model_of(net, activation_function=act_numpy)(x)
    model = model_of(net, activation_function=act_torch)
    np.testing.assert_allclose(model(x), want, rtol=1e-6, atol=1e-6)
    got = model(torch.tensor(x))
    assert isinstance(got, torch.Tensor)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)
    out = model.activation_function(np.ones((14, 2), np.float32), np.zeros((14, 2), np.float32))
    np.testing.assert_allclose(np.asarray(out), act_numpy(None, np.ones((14, 2)), np.zeros((14, 2))), rtol=1e-6)


def _objective_fd(model, x, noi, h=1e-3):
    """Central differences, in float64, of the summed activity of the neurons of interest."""
    def objective(xx):
        y = model(xx.astype(np.float32)).astype(np.float64)
        return sum(y[:, ns, layer].sum() for layer, ns in noi.items())

    fd = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        up, down = x.astype(np.float64), x.astype(np.float64)
        up[idx] += h
        down[idx] -= h
        fd[idx] = (objective(up) - objective(down)) / (2 * h)
    return fd


def test_torch_activation_gradients_by_autograd(net):
    x = net[3]
    noi = {3: [10, 11], 2: [6]}
    model = model_of(net, activation_function=act_torch)
    exact = model_of(net, activation_function=act_numpy_exact)
    got = am.saliency(model, x, noi)
    np.testing.assert_allclose(got, am.saliency(exact, x, noi), rtol=1e-4, atol=1e-6)
    fd = _objective_fd(model, x, noi, h=1e-2)
    assert np.abs(fd).max() > 1e-3
    np.testing.assert_allclose(got, fd, rtol=2e-2, atol=2e-3)
    got_t = am.saliency(model, torch.tensor(x), noi)
    assert isinstance(got_t, torch.Tensor)
    np.testing.assert_array_equal(got_t.numpy(), got)
    g1 = am.get_gradients(model, x, [3, 4, 5, 6], {3: [10, 11]})
    g2 = am.get_gradients(exact, x, [3, 4, 5, 6], {3: [10, 11]})
    pd.testing.assert_frame_equal(g1, g2, rtol=1e-4, atol=1e-6)


def test_numpy_activation_still_works_with_torch_loaded(net):
    # A numpy-only callable must not be broken by torch being importable: no tensors reach
    # it (or, if they do, it falls back to central differences).
    x = net[3]
    noi = {3: [10]}
    model = model_of(net, activation_function=act_numpy)
    exact = model_of(net, activation_function=act_numpy_exact)
    np.testing.assert_allclose(am.saliency(model, x, noi), am.saliency(exact, x, noi), rtol=2e-2, atol=1e-4)
    targets = am.TargetActivation({3: {10: 0.6}})
    r1 = am.activation_maximisation(model, targets, num_iterations=3, seed=2, quiet=True)
    r2 = am.activation_maximisation(exact, targets, num_iterations=3, seed=2, quiet=True)
    np.testing.assert_allclose(r1[0], r2[0], rtol=1e-3, atol=1e-3)


def test_torch_activation_in_activation_maximisation(net):
    targets = am.TargetActivation({3: {10: 0.6, 12: 0.2}}, batch_size=2)
    start = net[3]
    kw = dict(input_tensor=start, num_iterations=8, seed=1, quiet=True)
    got = am.activation_maximisation(model_of(net, activation_function=act_torch), targets, **kw)
    want = am.activation_maximisation(model_of(net, activation_function=act_numpy_exact), targets, **kw)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-4, atol=1e-7)


def test_torch_regularisers(net):
    model = model_of(net)
    targets = am.TargetActivation({3: {10: 0.6}})
    kw = dict(input_tensor=net[3][:1], num_iterations=6, seed=0, quiet=True, in_reg_lambda=0.1, out_reg_lambda=0.05)
    got = am.activation_maximisation(model, targets, custom_reg_functions={
        "in": lambda x: torch.sum(x ** 2), "out": lambda a: torch.sum(torch.abs(a))}, **kw)
    want = am.activation_maximisation(model, targets, custom_reg_functions={
        "in": lambda x: np.sum(np.asarray(x, np.float64) ** 2),
        "out": lambda a: np.sum(np.abs(np.asarray(a, np.float64)))}, **kw)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(got[4], want[4], rtol=1e-3, atol=1e-6)


def _train_case(net):
    x = np.concatenate([net[3]] * 3)
    targets = pd.DataFrame({"batch": [0, 1, 2, 3, 4, 5], "neuron_idx": [10, 11, 12, 10, 11, 12],
                            "layer": [3, 3, 2, 3, 3, 2], "value": [0.3, 0.5, 0.1, 0.2, 0.4, 0.6]})
    return x, targets, dict(num_epochs=5, learning_rate=0.05, train_indices=[0, 2, 3, 5])


def test_torch_loss_in_train_model(net):
    x, targets, kw = _train_case(net)
    # A torch MSE against the built-in one (exact gradients both ways).
    m1, h1, *_ = am.train_model(model_of(net), x, targets, activation_loss_fn=lambda p, t: torch.mean((p - t) ** 2), **kw)
    m2, h2, *_ = am.train_model(model_of(net), x, targets, activation_loss_fn="mse", **kw)
    for k in ("loss", "mse_loss", "val_loss"):
        np.testing.assert_allclose(h1[k], h2[k], rtol=1e-5, atol=1e-8, err_msg=k)
    for k in ("slope", "raw_biases", "tau_param"):
        np.testing.assert_allclose(getattr(m1, k), getattr(m2, k), rtol=1e-5, atol=1e-7, err_msg=k)
    # A torch Huber loss against the same on numpy (central differences).
    huber_t = lambda p, t: torch.nn.functional.huber_loss(p, t, delta=0.1)  # noqa: E731

    def huber_np(p, t):
        d = np.abs(np.asarray(p, np.float64) - np.asarray(t, np.float64))
        return np.mean(np.where(d < 0.1, 0.5 * d * d, 0.1 * (d - 0.05)))

    m3, h3, *_ = am.train_model(model_of(net), torch.tensor(x), targets, activation_loss_fn=huber_t, **kw)
    m4, h4, *_ = am.train_model(model_of(net), x, targets, activation_loss_fn=huber_np, **kw)
    np.testing.assert_allclose(h3["loss"], h4["loss"], rtol=1e-3, atol=1e-6)
    for k in ("slope", "raw_biases", "tau_param"):
        np.testing.assert_allclose(getattr(m3, k), getattr(m4, k), rtol=1e-3, atol=1e-5, err_msg=k)


def test_torch_loss_gradient_matches_central_differences():
    fn = am._callable_loss(lambda p, t: torch.sum(torch.log1p((p - t) ** 2)))
    pred = np.array([0.1, 0.5, -0.3, 0.8], np.float32)
    target = np.array([0.2, 0.1, 0.0, 0.9], np.float32)
    value, grad = fn(pred, target, True)
    p64, t64 = pred.astype(np.float64), target.astype(np.float64)
    assert value == pytest.approx(np.sum(np.log1p((p64 - t64) ** 2)), rel=1e-6)
    h = 1e-4
    fd = [(np.sum(np.log1p((p64 + h * e - t64) ** 2)) - np.sum(np.log1p((p64 - h * e - t64) ** 2))) / (2 * h)
          for e in np.eye(4)]
    np.testing.assert_allclose(grad, fd, rtol=1e-4, atol=1e-6)


# ------------------------------------------------------------------ compress_paths


def test_signed_conn_by_path_length_data_with_tensor(net):
    w = np.abs(net[0])
    signs = {i: (-1 if i in (8, 9) else 1) for i in range(14)}
    groups = {i: f"g{i % 4}" for i in range(14)}
    signs.update({f"g{k}": (-1 if k == 1 else 1) for k in range(4)})
    for maps in ({}, {"inidx_map": groups, "outidx_map": groups}):
        want = signed_conn_by_path_length_data(sp.csr_matrix(w), [3, 4, 5], [10, 11, 12, 13], 3, signs, **maps)
        for t in (torch.tensor(w), torch.tensor(w).to_sparse()):
            got = signed_conn_by_path_length_data(t, [3, 4, 5], [10, 11, 12, 13], 3, signs, **maps)
            for a, b in zip(got[0] + got[1], want[0] + want[1]):
                pd.testing.assert_frame_equal(a, b)
