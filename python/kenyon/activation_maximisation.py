"""connectome_interpreter's ``activation_maximisation`` module on kenyon's C++ rate networks.

Every public name of the original, with its signature, defaults and return values, so that
``from kenyon import activation_maximisation as am`` can replace
``from connectome_interpreter import activation_maximisation as am``. Differences:

* torch is never required: kenyon does not import it, and runs the same without it.
  When the caller has imported torch, arrays may also be (CPU) torch tensors, dense or
  sparse, besides numpy arrays, scipy sparse matrices, pandas DataFrames and lists. What
  the original returns as a torch tensor comes back as a numpy array, or as a CPU tensor
  when a tensor was given.
* Everything runs on the CPU: ``device`` accepts ``None``, ``"cpu"`` or a CPU
  ``torch.device``; anything else, and a tensor on another device, raises ``ValueError``.
* The original's random draws (``torch.rand``, ``np.random.choice``) cannot be repeated:
  ``seed`` gives kenyon's own reproducible draws. Pass ``input_tensor`` (activation
  maximisation) to start from a given input.
* A custom ``activation_function`` is any Python callable ``fn(model, x, x_previous)``
  taking and returning ``(neurons, batch)`` arrays; it runs once per layer (slow for big
  networks, but exact). It gets numpy arrays, or CPU tensors if it raises TypeError or
  AttributeError on numpy arrays and torch is loaded (a callable written with torch ops).
  Gradients through it (activation_maximisation, saliency, get_gradients; train_model
  differentiates the loss numerically, see there) use torch autograd when torch is
  loaded and the callable accepts tensors; otherwise central
  differences on numpy arrays, which assume that each output entry depends only on the
  same entry of ``x`` and ``x_previous`` (true of activation functions, but not of
  ``model.divnorm``'s effect through ``x_previous``). A callable may carry its exact
  vector-Jacobian product as an attribute, ``fn.vjp(model, x, x_previous, grad) ->
  (J_x^T grad, J_prev^T grad)``, which is then used instead; the two legacy functions
  have one (divisive normalisation included).
* Bad input raises ``kenyon.errors`` exceptions (``ValueError`` subclasses) with the
  offending item named, instead of crashing or failing deep inside.
"""
from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _core
from ._check import error, finite, first_non_finite, number, restate, unknown_name, warn_non_finite

_rn = _core.ratenet

__all__ = [
    "TargetActivation",
    "MultilayeredNetwork",
    "LinearNetwork",
    "training_mode",
    "train_model",
    "activation_maximisation",
    "saliency",
    "get_gradients",
    "activations_to_df",
    "activations_to_df_batched",
    "input_from_df",
    "get_neuron_activation",
    "get_activations_for_path",
    "activated_path_for_ngl",
    "get_input_activation",
    "add_sign",
    "activity_by_column",
    "plot_activity_by_column",
    "plot_timeseries",
    "guess_optimal_stimulus",
    "legacy_activation_function",
    "legacy_activation_function_linear",
]

# ------------------------------------------------------------------ conversions


def _params(cls, **fields):
    """A kenyon parameter struct (ActmaxParams, TrainParams, GradientParams) with fields set."""
    p = cls()
    for k, v in fields.items():
        setattr(p, k, v)
    return p


def _torch_module():
    """torch if the user has imported it (never imported here unless already loaded)."""
    return sys.modules.get("torch")


def _is_tensor(x) -> bool:
    torch = _torch_module()
    return torch is not None and isinstance(x, torch.Tensor)


def _cpu_tensor(t, name):
    """A tensor detached and on the CPU; one on another device is refused (kenyon computes
    on the CPU only and would hand back CPU results)."""
    if t.device.type != "cpu":
        raise error(
            name,
            f"a tensor on device {str(t.device)!r}; kenyon runs on the CPU, pass "
            f"tensors on the CPU (tensor.cpu())"
        )
    return t.detach()


def _check_device(device):
    if device is None:
        return
    text = str(device)
    if text == "cpu" or text.startswith("cpu:"):
        return
    raise ValueError(
        f"device={device!r}: kenyon runs on the CPU; use device=None or 'cpu'"
    )


def _array(x, name: str, dtype=np.float32, ndim=None, allow_nan=False) -> np.ndarray:
    """x as a C-contiguous numpy array of `dtype`, with a clear error for what is not one."""
    if _is_tensor(x):
        x = _cpu_tensor(x, name)
        if x.is_sparse:
            x = x.to_dense()
        x = x.numpy()
    elif sp.issparse(x):
        x = x.toarray()
    elif isinstance(x, (pd.DataFrame, pd.Series)):
        x = x.to_numpy()
    try:
        a = np.asarray(x)
    except Exception as e:  # ragged lists and the like
        raise error(name, f"cannot be read as an array ({e})") from None
    if a.dtype == object or a.dtype.kind in "USVMc":
        raise error(name, f"expected numbers, got an array of {a.dtype}")
    if a.dtype == bool:
        a = a.astype(dtype)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            raise error(
                name,
                f"expected a {' or '.join(f'{d}-D' for d in allowed)} array, "
                f"got shape {a.shape}"
            )
    if np.issubdtype(dtype, np.integer):
        if a.size and a.dtype.kind == "f":
            if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
                raise error(name, "expected integers")
        a = np.ascontiguousarray(a, dtype=dtype)
    else:
        a = np.ascontiguousarray(a, dtype=dtype)
        if not allow_nan and a.size and not np.all(np.isfinite(a)):
            raise error(name, "contains NaN or infinite values")
    return a


def _result(a: np.ndarray, like):
    """numpy, or a CPU tensor if the caller gave a tensor."""
    if _is_tensor(like):
        return _torch_module().from_numpy(np.ascontiguousarray(a))
    return a


def _csr(matrix, name="all_weights"):
    """A kenyon CsrMatrix from a scipy sparse matrix, a dense array or a torch tensor."""
    if isinstance(matrix, _rn_csr_type()):
        return matrix
    if _is_tensor(matrix):
        t = _cpu_tensor(matrix, name)
        if t.is_sparse:
            t = t.coalesce()
            idx = t.indices().numpy()
            matrix = sp.coo_matrix((t.values().numpy(), (idx[0], idx[1])), shape=tuple(t.shape))
        else:
            matrix = t.numpy()
    if sp.issparse(matrix):
        m = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    else:
        a = _array(matrix, name, ndim=2)
        m = sp.csr_matrix(a)
    if m.ndim != 2:
        raise error(name, "expected a 2-D matrix")
    m.sum_duplicates()
    m.sort_indices()
    if m.nnz and not np.all(np.isfinite(m.data)):
        raise error(name, "contains NaN or infinite values")
    return _core.sparse.from_csr_arrays(
        m.shape[0],
        m.shape[1],
        np.ascontiguousarray(m.indptr, dtype=np.int64),
        np.ascontiguousarray(m.indices, dtype=np.int32),
        np.ascontiguousarray(m.data, dtype=np.float32),
    )


def _rn_csr_type():
    return _core.sparse.CsrMatrix


def _scipy(csr) -> sp.csr_matrix:
    indptr, indices, data = csr.arrays()
    return sp.csr_matrix((data, indices, indptr), shape=csr.shape)


def _indices(x, name) -> np.ndarray:
    if x is None:
        raise error(name, "expected a list of indices, got None")
    a = _array(list(x) if isinstance(x, (set, range)) else x, name, dtype=np.int64, ndim=1)
    return a


def _model(model, name="model"):
    """The model, or a TypeError naming what was passed instead of a network."""
    if not isinstance(model, _NetworkBase):
        raise TypeError(f"{name} must be a MultilayeredNetwork or LinearNetwork, got {type(model).__name__}")
    return model


def _flag(value, name) -> bool:
    """A yes/no argument: a bool (numpy's too) or the integer 0 or 1."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, (int, np.integer)) and value in (0, 1)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def _frame_arg(df, name) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    return df


def _group_list(idx_to_group, n: int, name="idx_to_group") -> List[str]:
    """One group name per neuron 0..n-1 from a dict (or a sequence)."""
    if idx_to_group is None:
        return []
    if isinstance(idx_to_group, dict):
        out = []
        for i in range(n):
            if i in idx_to_group:
                out.append(str(idx_to_group[i]))
            elif str(i) in idx_to_group:
                out.append(str(idx_to_group[str(i)]))
            else:
                raise error(name, f"no group for neuron {i} (expected one for each of the {n} neurons)")
        return out
    seq = list(idx_to_group)
    if len(seq) != n:
        raise error(name, f"{len(seq)} entries for {n} neurons")
    return [str(g) for g in seq]


def _n_from_mapping(mapping) -> int:
    keys = [int(k) for k in mapping.keys()]
    return max(keys) + 1 if keys else 0


def _frame(result) -> pd.DataFrame:
    columns, values, _warnings = result
    return pd.DataFrame({c: v for c, v in zip(columns, values)}, columns=list(columns))


# ------------------------------------------------------------------ targets


@dataclass
class TargetActivation:
    """Target activations for activation maximisation.

    ``targets`` is ``{layer: {neuron_index: value}}`` (the same targets for each of
    ``batch_size`` items, default 1) or a DataFrame with columns ``layer``, ``neuron``,
    ``value`` and optionally ``batch`` (``batch_size`` then defaults to its largest value
    plus one; without it every row applies to each of ``batch_size`` items).
    """

    targets: Union[Dict[int, Dict[int, float]], pd.DataFrame]
    batch_size: Optional[int] = None
    targets_df: pd.DataFrame = field(init=False, repr=False)

    def __post_init__(self):
        if isinstance(self.targets, dict):
            self.batch_size = self.batch_size or 1
            rows = []
            for layer, neurons in self.targets.items():
                if not isinstance(neurons, dict):
                    raise error(
                        "targets",
                        f"layer {layer!r} should map neuron indices to values, got {type(neurons).__name__}"
                    )
                for neuron, value in neurons.items():
                    for b in range(self.batch_size):
                        rows.append({"batch": b, "layer": layer, "neuron": neuron, "value": value})
            self.targets_df = pd.DataFrame(rows, columns=["batch", "layer", "neuron", "value"])
        elif isinstance(self.targets, pd.DataFrame):
            required = ["layer", "neuron", "value"]
            if not all(c in self.targets.columns for c in required):
                raise ValueError(f"DataFrame must contain columns: {required}")
            if "batch" in self.targets.columns:
                self.batch_size = self.batch_size or int(self.targets["batch"].max() + 1)
                self.targets_df = self.targets.copy()
            else:
                self.batch_size = self.batch_size or 1
                parts = []
                for b in range(self.batch_size):
                    part = self.targets.copy()
                    part["batch"] = b
                    parts.append(part)
                self.targets_df = pd.concat(parts, ignore_index=True)
        else:
            raise TypeError("targets must be a dict {layer: {neuron: value}} or a pandas DataFrame")

    def get_batch_targets(self, batch_idx: int) -> Dict[int, Dict[int, float]]:
        """``{layer: {neuron: value}}`` of one batch item."""
        rows = self.targets_df[self.targets_df["batch"] == batch_idx]
        out: Dict[int, Dict[int, float]] = {}
        for layer, neuron, value in zip(rows["layer"], rows["neuron"], rows["value"]):
            out.setdefault(layer, {})[neuron] = value
        return out

    def _entries(self):
        """[(batch, layer, neuron, value)], as kenyon's C++ functions take targets."""
        df = self.targets_df
        for c in ("batch", "layer", "neuron"):
            col = pd.to_numeric(df[c], errors="coerce")
            if col.isna().any() or not np.all(col == np.round(col)):
                raise error('targets', f"column '{c}' must hold integers")
        value = pd.to_numeric(df["value"], errors="coerce").to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(value)):
            raise error('targets', "column 'value' must hold finite numbers")
        columns = (df[c].to_numpy(dtype=np.int64).tolist() for c in ("batch", "layer", "neuron"))
        return list(zip(*columns, value.tolist()))


# ------------------------------------------------------------------ networks

_PARAM_NAMES = ("divisive_strength", "tau_param", "slope", "raw_biases")


class _NetworkBase:
    """What both network classes share: construction, parameters, forward."""

    _kind = None

    def __init__(
        self,
        all_weights,
        sensory_indices,
        num_layers: int = 2,
        threshold: float = 0.01,
        tanh_steepness: float = 5,
        idx_to_group: Optional[dict] = None,
        default_bias: float = 0.0,
        bias_dict: Optional[dict] = None,
        slope_dict: Optional[dict] = None,
        divisive_normalization: Optional[Dict[str, List[str]]] = None,
        divisive_strength: Union[float, int, dict] = 1,
        activation_function: Optional[Callable] = None,
        tau: float = 10,
        tau_dict: Optional[dict] = None,
        device=None,
        idx_to_class: Optional[dict] = None,
    ):
        _check_device(device)
        weights = _csr(all_weights, "all_weights")
        n = weights.rows
        if weights.cols != n:
            raise error('all_weights', f"expected a square matrix, got {weights.shape}")
        self.sensory_indices = _indices(sensory_indices, "sensory_indices")
        self.num_layers = int(num_layers)
        self.threshold = float(threshold)
        self.tanh_steepness = float(tanh_steepness)
        self.default_bias = float(default_bias)
        self.tau = float(tau)
        self.tau_dict = tau_dict
        self.idx_to_group = idx_to_group
        self.divisive_normalization = divisive_normalization
        self.custom_activation_function = activation_function
        self.activations = None
        # kenyon's addition: the last activation_maximisation's or train_model's numerical
        # failure report (a dict: where, quantity, step, layer, neuron, batch, cell_type,
        # value, message) or None, and train_model's count of skipped updates.
        self.non_finite = None
        self.skipped_steps = 0

        p = _rn.NetworkParams()
        p.kind = self._kind
        p.num_layers = self.num_layers
        p.threshold = self.threshold
        p.tanh_steepness = self.tanh_steepness
        p.default_bias = self.default_bias
        p.tau = self.tau
        if idx_to_group is not None:
            p.idx_to_group = _group_list(idx_to_group, n)
        # kenyon's addition: classes above the groups, so that a group name that is a class
        # (and no group) names the class's neurons in manipulate and gradient monitors.
        if idx_to_class:
            p.idx_to_class = _group_list(idx_to_class, n, "idx_to_class")
        p.bias_by_group = {str(k): float(v) for k, v in (bias_dict or {}).items()}
        p.slope_by_group = {str(k): float(v) for k, v in (slope_dict or {}).items()}
        p.tau_by_group = {str(k): float(v) for k, v in (tau_dict or {}).items()}
        if divisive_normalization is not None:
            if idx_to_group is None:
                raise error("idx_to_group", "must be provided for divisive normalization")
            p.divisive_normalization = {
                str(k): [str(x) for x in v] for k, v in divisive_normalization.items()
            }
        if isinstance(divisive_strength, dict):
            p.divisive_strength_by_group = {str(k): float(v) for k, v in divisive_strength.items()}
        else:
            p.divisive_strength = float(divisive_strength)
        self._params = p

        activation = None
        if activation_function is legacy_activation_function:
            activation = "legacy"
        elif activation_function is legacy_activation_function_linear:
            activation = "legacy_linear"
        elif activation_function is not None:
            if not callable(activation_function):
                raise TypeError("activation_function must be callable")
            activation = self._python_step
        self._net = _rn.Network(weights, self.sensory_indices, p, activation)
        self._step_divisive = None
        self._divisive_matrix = None
        if self._net.groups:
            self._groups = list(self._net.groups)
            self.indices = np.asarray(self._net.group_of, dtype=np.int64)
            self._values = self._net.get_parameters()
            self._pushed = {k: v.copy() for k, v in self._values.items()}
            if not self._net.divisive_pre_groups:
                self._values["divisive_strength"] = None
        else:
            self._groups = []
            self.indices = None
            self._values = None
        self._requires_grad = {k: False for k in _PARAM_NAMES}

    # -- parameters (numpy arrays; edits in place are picked up by the next call)
    def _get(self, name):
        return None if self._values is None else self._values[name]

    def _set(self, name, value):
        if self._values is None or self._values.get(name) is None:
            raise AttributeError(f"{name}: this network has no such parameter (give idx_to_group)")
        a = _array(value, name, ndim=1)
        if a.shape != self._values[name].shape:
            raise error(name, f"expected shape {self._values[name].shape}, got {a.shape}")
        self._values[name] = a.copy()
        self._sync()

    slope = property(lambda s: s._get("slope"), lambda s, v: s._set("slope", v))
    raw_biases = property(lambda s: s._get("raw_biases"), lambda s, v: s._set("raw_biases", v))
    tau_param = property(lambda s: s._get("tau_param"), lambda s, v: s._set("tau_param", v))
    divisive_strength = property(
        lambda s: s._get("divisive_strength"), lambda s, v: s._set("divisive_strength", v)
    )

    @property
    def biases(self):
        """|raw_biases|, the biases the neurons use (None without groups)."""
        return None if self.raw_biases is None else np.abs(self.raw_biases)

    @property
    def effective_tau(self):
        """max(1, tau_param) per group, or the scalar tau without groups."""
        return self.tau if self.tau_param is None else np.maximum(self.tau_param, 1.0)

    @property
    def all_weights(self):
        """The weights as a scipy CSR matrix (post rows, pre columns; divisive entries removed)."""
        return _scipy(self._net.weights())

    def parameters(self):
        """The trainable parameter arrays, in the original's order."""
        return [self._values[k] for k in _PARAM_NAMES if self._values and self._values[k] is not None]

    def named_parameters(self):
        return [(k, self._values[k]) for k in _PARAM_NAMES if self._values and self._values[k] is not None]

    def set_param_grads(self, slopes=False, raw_biases=False, divisive_strength=False, tau=False):
        """Which parameters train_model trains (kept for the original's API)."""
        self._requires_grad = {
            "slope": slopes,
            "raw_biases": raw_biases,
            "divisive_strength": divisive_strength,
            "tau_param": tau,
        }

    def _sync(self):
        if self._values is None:
            return
        changed = any(
            self._values[k] is not None and not np.array_equal(self._values[k], self._pushed[k])
            for k in _PARAM_NAMES
        )
        if not changed:
            return
        vals = {}
        for k in _PARAM_NAMES:
            v = self._values[k]
            if v is None:
                v = np.zeros(0, np.float32)
            v = np.ascontiguousarray(v, dtype=np.float32)
            if v.shape != self._pushed[k].shape:
                raise error(k, f"expected shape {self._pushed[k].shape}, got {v.shape}")
            vals[k] = v
        self._net.set_parameters(**vals)
        self._pushed = {k: vals[k].copy() for k in _PARAM_NAMES}

    # -- custom activation functions
    def _python_step(self, layer, wx, previous, slope, divisive):
        self._step_divisive = divisive
        try:
            out = _call_activation(self, wx, previous)
        finally:
            self._step_divisive = None
        out = _array(out, "activation_function result", allow_nan=True)
        return out

    def _divisive_csr(self):
        if self._divisive_matrix is None:
            d = _scipy(self._net.divisive_weights())
            self._divisive_matrix = d
        return self._divisive_matrix

    def _pre_strength(self):
        """Divisive strength of every neuron as a presynaptic partner (0 if none)."""
        n = self._net.size
        s = np.zeros(n, np.float32)
        if self.divisive_normalization is None:
            return s
        names = list(self._net.divisive_pre_groups)
        strength = self.divisive_strength
        for j, g in enumerate(names):
            s[self.indices == self._groups.index(g)] = strength[j]
        return s

    def divnorm(self, slopes, x_previous):
        """The slopes after divisive normalisation: max(0, slopes * (1 + sum_k w_k s_k a_prev[pre_k]))."""
        if self.divisive_normalization is None:
            return slopes
        x_previous = np.asarray(x_previous, dtype=np.float32)
        if self._step_divisive is not None and x_previous.shape == self._step_divisive.shape:
            per_post = self._step_divisive
        else:
            per_post = self._divisive_csr() @ (self._pre_strength()[:, None] * x_previous)
        slopes = np.broadcast_to(np.asarray(slopes, dtype=np.float32), x_previous.shape)
        return np.maximum(slopes * (1 + per_post), 0.0).astype(np.float32)

    def activation_function(self, x, x_previous=None, **_ignored):
        """The layer update of this network on numpy (neurons, batch) arrays."""
        if self.custom_activation_function is not None:
            if _is_tensor(x) or _is_tensor(x_previous):
                return self.custom_activation_function(self, x, x_previous)
            return _array(_call_activation(self, x, x_previous), "activation_function result", allow_nan=True)
        x = np.asarray(x, np.float32)
        x_previous = np.asarray(x_previous, np.float32)
        slope = self.tanh_steepness if self.slope is None else self.slope[self.indices][:, None]
        slope = self.divnorm(slope, x_previous)
        bias = self.default_bias if self.raw_biases is None else np.abs(self.raw_biases)[self.indices][:, None]
        tau = self.tau if self.tau_param is None else np.maximum(self.tau_param, 1)[self.indices][:, None]
        z = slope * x + bias
        if self._kind == _rn.NetworkKind.multilayered:
            z = np.maximum(z - self.threshold, 0) + self.threshold * (z >= self.threshold)
            z = np.tanh(z)
        return (z / tau + (tau - 1) / tau * x_previous).astype(np.float32)

    # -- forward
    def _manipulation(self, manipulate):
        """[(batch or None, layer, neuron index or group name, value)] from the original's
        {layer: {neuron: value}} or {batch: {layer: {neuron: value}}}."""
        if manipulate is None:
            return []
        if not isinstance(manipulate, dict):
            raise error('manipulate', "expected a dict")

        def key(k):
            if isinstance(k, (int, np.integer)):
                return int(k)
            if isinstance(k, str):
                return k
            raise error('manipulate', f"a key must be a neuron index or a group name, got {k!r}")

        def layer_map(d, batch=None):
            out = []
            for layer, acts in d.items():
                if not isinstance(acts, dict):
                    raise error('manipulate', f"layer {layer!r} should map neurons to values")
                out += [(batch, int(layer), key(k), float(v)) for k, v in acts.items()]
            return out

        nested = all(
            isinstance(v, dict) and all(isinstance(a, dict) for a in v.values()) and len(v)
            for v in manipulate.values()
        )
        if nested and manipulate:
            return [e for b, d in manipulate.items() for e in layer_map(d, int(b))]
        return layer_map(manipulate)

    def _forward(self, x, clamps=()):
        """(activations (batch, neurons, layers), the report of the first state that is not
        a finite number or None), without warning."""
        self._sync()
        return self._net.forward(x, list(clamps))

    def forward(self, inputs, manipulate=None, checkpoint_steps: int = 0, return_layer_list: bool = False):
        """Activations (batch, neurons, layers), or (neurons, layers) for a 2-D input.

        ``checkpoint_steps`` only trades memory in the original; the forward pass here keeps
        nothing, so it has no effect. ``return_layer_list`` returns a list of num_layers
        arrays of shape (neurons, batch) instead, and leaves ``activations`` unchanged.
        """
        like = inputs
        x = _array(inputs, "inputs", ndim=(2, 3))
        single = x.ndim == 2
        clamps = self._manipulation(manipulate)
        out, bad = self._forward(x, clamps)
        self.non_finite = warn_non_finite(bad)
        if return_layer_list:
            return [_result(np.ascontiguousarray(out[:, :, l].T), like) for l in range(out.shape[2])]
        if single:
            out = out[0]
        self.activations = out
        return _result(out, like)

    __call__ = forward

    def _cell_type(self, neuron: int) -> str:
        return self._groups[self.indices[neuron]] if self._groups else ""

    def __repr__(self):
        return (
            f"{type(self).__name__}({self._net.size} neurons, {len(self.sensory_indices)} sensory, "
            f"num_layers={self.num_layers}{', groups' if self._groups else ''})"
        )


class MultilayeredNetwork(_NetworkBase):
    """The original's MultilayeredNetwork: a signed connectome unrolled over num_layers
    steps, a = tanh(thresholded relu(slope * W a_prev + |bias|)) / tau + (tau - 1) / tau
    a_prev, sensory input added, activity clamped to <= 1. Per-group slopes, raw biases,
    time constants (tau_param, max(1, .) acts) and divisive strengths with idx_to_group."""

    _kind = _rn.NetworkKind.multilayered


class LinearNetwork(_NetworkBase):
    """The original's LinearNetwork: a = (slope * W a_prev + bias) / tau + (tau - 1) / tau
    a_prev, without threshold, tanh or clamp."""

    _kind = _rn.NetworkKind.linear


def legacy_activation_function(self, x, x_previous=None):
    """The original's legacy activation: tanh(thresholded relu(tau * x_previous +
    slope' * x + bias)), with tau the model's scalar tau used as a persistence fraction.
    Passed as activation_function it runs in C++."""
    return _legacy(self, x, x_previous, nonlinear=True)


def legacy_activation_function_linear(self, x, x_previous=None):
    """The original's linear legacy activation: tau * x_previous + slope' * x + bias."""
    return _legacy(self, x, x_previous, nonlinear=False)


def _legacy(self, x, x_previous, nonlinear):
    # NaN passes through (as in the forward pass); shapes and types are checked.
    _model(self, "self")
    x = _array(x, "x", ndim=2, allow_nan=True)
    if x.shape[0] != self._net.size:
        raise error("x", f"expected ({self._net.size}, batch), got shape {x.shape}")
    if x_previous is None:
        x_previous = np.zeros_like(x)
    else:
        x_previous = _array(x_previous, "x_previous", ndim=2, allow_nan=True)
        if x_previous.shape != x.shape:
            raise error("x_previous", f"expected the shape of x {x.shape}, got {x_previous.shape}")
    slope = self.tanh_steepness if self.slope is None else self.slope[self.indices][:, None]
    slope = self.divnorm(slope, x_previous)
    bias = self.default_bias if self.raw_biases is None else np.abs(self.raw_biases)[self.indices][:, None]
    z = self.tau * x_previous + slope * x + bias
    if nonlinear:
        z = np.tanh(np.maximum(z - self.threshold, 0) + self.threshold * (z >= self.threshold))
    return np.asarray(z, np.float32)


def _legacy_vjp(self, x, x_previous, grad, nonlinear):
    """(J_x^T grad, J_prev^T grad) of the legacy functions, exactly (divisive normalisation
    included), with PyTorch's conventions at the kinks (relu'(0) = 0, clamp passes at the
    bound)."""
    x = np.asarray(x, np.float64)
    prev = np.asarray(x_previous, np.float64)
    g = np.asarray(grad, np.float64)
    base = self.tanh_steepness if self.slope is None else self.slope[self.indices][:, None]
    base = np.broadcast_to(np.asarray(base, np.float64), x.shape)
    slope = base
    if self.divisive_normalization is not None:
        strength = self._pre_strength().astype(np.float64)[:, None]
        raw = base * (1 + self._divisive_csr() @ (strength * prev))
        slope = np.maximum(raw, 0)
    bias = self.default_bias if self.raw_biases is None else np.abs(self.raw_biases)[self.indices][:, None]
    z = self.tau * prev + slope * x + bias
    if nonlinear:
        th = self.threshold
        a = np.tanh(np.maximum(z - th, 0) + th * (z >= th))
        g = g * (1 - a * a) * (z > th)
    gx = g * slope
    gprev = self.tau * g
    if self.divisive_normalization is not None:
        gprev = gprev + strength * (self._divisive_csr().T @ (g * x * base * (raw >= 0)))
    return gx.astype(np.float32), gprev.astype(np.float32)


# A callable's `vjp(model, x, x_previous, grad) -> (J_x^T grad, J_prev^T grad)`, if it has
# one, gives exact gradients without torch (see _activation_vjp).
legacy_activation_function.vjp = lambda self, x, p, g: _legacy_vjp(self, x, p, g, True)
legacy_activation_function_linear.vjp = lambda self, x, p, g: _legacy_vjp(self, x, p, g, False)


# ------------------------------------------------------------------ training


@contextlib.contextmanager
def training_mode(model, train_slopes=True, train_biases=True, divisive_strength=True, train_tau=True):
    """Marks parameters as trained inside the block, as the original's context manager."""
    _model(model)
    train_slopes, train_biases = _flag(train_slopes, "train_slopes"), _flag(train_biases, "train_biases")
    divisive_strength, train_tau = _flag(divisive_strength, "divisive_strength"), _flag(train_tau, "train_tau")
    model.set_param_grads(slopes=train_slopes, raw_biases=train_biases, divisive_strength=divisive_strength, tau=train_tau)
    try:
        yield model
    finally:
        model.set_param_grads()


def _grad_by_central_differences(fn, arrays, index, h=1e-3):
    """d fn / d arrays[index] of a scalar function, entry by entry (float64)."""
    base = [np.asarray(a, np.float64) for a in arrays]
    x = base[index]
    g = np.zeros_like(x)
    flat = x.reshape(-1)
    gf = g.reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + h
        up = float(fn(*base))
        flat[k] = old - h
        down = float(fn(*base))
        flat[k] = old
        gf[k] = (up - down) / (2 * h)
    return g


def _scalar(v):
    if _is_tensor(v):
        return float(v.detach().cpu().item())
    return float(np.asarray(v, dtype=np.float64).reshape(()))


def _callable_loss(fn):
    """fn(pred, target) -> scalar as (loss, gradient) for the C++ training loop: torch
    autograd when torch is installed and fn accepts tensors, else central differences."""

    def loss(pred, target, want_grad):
        pred = np.array(pred, dtype=np.float32)
        target = np.array(target, dtype=np.float32)
        torch = _torch_module()
        if torch is not None:
            try:
                p = torch.tensor(pred, requires_grad=want_grad)
                value = fn(p, torch.tensor(target))
                if isinstance(value, torch.Tensor):
                    if not want_grad:
                        return float(value.detach()), None
                    (g,) = torch.autograd.grad(value, p)
                    return float(value.detach()), g.numpy().astype(np.float32)
            except _NOT_TENSOR_CODE:
                pass
        value = _scalar(fn(pred, target))
        if not want_grad:
            return value, None
        g = _grad_by_central_differences(lambda a, b: _scalar(fn(a.astype(np.float32), b.astype(np.float32))), [pred, target], 0, h=1e-3)
        return value, g.astype(np.float32)

    return loss


def train_model(
    model,
    inputs,
    targets: pd.DataFrame,
    num_epochs: int = 100,
    learning_rate: float = 0.01,
    param_reg_lambda: float = 0.01,
    wandb: bool = False,
    wandb_project_name: str = "connectome_interpreter",
    train_fraction: float = 0.8,
    seed: int = 42,
    train_slopes: bool = True,
    train_biases: bool = True,
    train_divisive_strength: bool = True,
    train_tau: bool = True,
    checkpoint_steps: int = 50,
    activation_loss_fn: Union[str, Callable] = "mse",
    train_indices=None,
):
    """Fits the per-group parameters (slopes, raw biases, divisive strengths, tau_param)
    to target activities by full-batch Adam, with a penalty param_reg_lambda * sum of mean
    |p - p_initial| on their drift, as the original's train_model.

    targets: DataFrame with columns batch, neuron_idx, value and optionally layer (without
    it a row targets the mean over layers). activation_loss_fn: "mse" (default), "mae" (the
    loss of version 2.10.0) or a callable fn(pred, target) -> scalar over the target rows
    (also used for the validation loss); its gradient comes from torch autograd when torch
    is installed and fn accepts tensors, otherwise from central differences (step 1e-3) on
    numpy arrays, one pair of calls per target row. When biases are trained, raw biases
    exactly 0 are first set to 1e-6 so that |.|'s kink does not freeze them.

    With a custom activation_function the same loop runs in Python, with the gradient of
    the activation loss by central differences (step 1e-3) over each trained parameter
    entry: slow (two forward passes per entry and epoch) and inexact where a parameter sits
    on a kink (a raw bias at 0, tau_param at 1).

    The train/validation split draws from ``seed`` with kenyon's generator (numpy's
    np.random.choice cannot be repeated); ``train_indices`` (kenyon's addition) gives the
    training items explicitly. Returns (model, history, train_inputs, val_inputs,
    train_targets, val_targets, train_indices, val_indices); history has "loss",
    "mse_loss" (the activation loss, whatever it is), "param_reg_loss" and "val_loss".
    """
    if wandb:
        raise ValueError("wandb logging is not supported by kenyon; use wandb=False")
    _model(model)
    if model._values is None:
        raise error('train_model', "the model has no per-group parameters to train (build it with idx_to_group)")
    if not isinstance(targets, pd.DataFrame):
        raise TypeError("targets must be a pandas DataFrame")
    required = ["batch", "neuron_idx", "value"]
    if not all(c in targets.columns for c in required):
        raise ValueError(
            "Targets DataFrame must contain columns: 'batch', 'neuron_idx', 'value'. "
            "Optionally include 'layer' for time series targets."
        )
    x = _array(inputs, "inputs", ndim=3)
    for c in ("batch", "neuron_idx") + (("layer",) if "layer" in targets.columns else ()):
        col = pd.to_numeric(targets[c], errors="coerce")
        if col.isna().any() or not np.all(col == np.round(col)):
            raise error('targets', f"column '{c}' must hold integers")
    value = pd.to_numeric(targets["value"], errors="coerce").to_numpy(np.float64)
    if not np.all(np.isfinite(value)):
        raise error('targets', "column 'value' must hold finite numbers")
    batch = targets["batch"].to_numpy(np.int64)
    neuron = targets["neuron_idx"].to_numpy(np.int64)
    layer = targets["layer"].to_numpy(np.int64) if "layer" in targets.columns else np.full(len(targets), -1, np.int64)
    if isinstance(activation_loss_fn, str):
        if activation_loss_fn not in ("mse", "mae"):
            raise error('activation_loss_fn', f"unknown loss '{activation_loss_fn}' (expected 'mse', 'mae' or a callable)")
        loss = activation_loss_fn
    elif callable(activation_loss_fn):
        loss = _callable_loss(activation_loss_fn)
    else:
        raise TypeError("activation_loss_fn must be 'mse', 'mae' or a callable")
    model._sync()
    if train_indices is not None:
        train_indices = [int(i) for i in np.asarray(train_indices).reshape(-1)]
    settings = dict(num_epochs=int(num_epochs), learning_rate=float(learning_rate),
                    param_reg_lambda=float(param_reg_lambda), train_fraction=float(train_fraction), seed=int(seed),
                    train_slopes=bool(train_slopes), train_biases=bool(train_biases),
                    train_divisive_strength=bool(train_divisive_strength), train_tau=bool(train_tau),
                    checkpoint_interval=max(0, int(checkpoint_steps)), train_indices=train_indices)
    with training_mode(model, train_slopes, train_biases, train_divisive_strength, train_tau):
        if model.custom_activation_function is None:
            params = _params(_rn.TrainParams, **settings)
            params.set_loss(loss)
            r = _rn.train_model(model._net, x, batch, neuron, layer, value, params)
        else:
            r = _py_train(model, x, batch, neuron, layer, value, settings, loss)
    model.skipped_steps = int(r.get("skipped_steps", 0))
    model.non_finite = warn_non_finite(
        r.get("non_finite"), f"; {model.skipped_steps} of {int(num_epochs)} updates skipped")
    for k, v in r["parameters"].items():
        if model._values.get(k) is not None:
            model._values[k] = np.array(v, dtype=np.float32)
    model._pushed = {k: np.array(v, dtype=np.float32) for k, v in r["parameters"].items()}
    history = {k: list(r[k]) for k in ("loss", "mse_loss", "param_reg_loss", "val_loss")}
    tr = np.asarray(r["train_indices"], dtype=np.int64)
    va = np.asarray(r["val_indices"], dtype=np.int64)

    def subset(items):
        t = targets[targets["batch"].isin(items)].copy()
        local = {b: i for i, b in enumerate(items)}
        t["batch"] = t["batch"].map(local)
        return t.sort_values("batch", kind="stable")

    model.activations = model._forward(x[tr])[0] if len(tr) else None
    return model, history, _result(x[tr], inputs), _result(x[va], inputs), subset(list(tr)), subset(list(va)), tr, va


def _py_train(model, x, batch, neuron, layer, value, settings, loss):
    """train_model through a Python activation function: ratenet::train_model's loop, with
    the gradient of the activation loss by central differences over each trained parameter
    (two forward passes per parameter entry)."""
    original = {k: (None if v is None else v.copy()) for k, v in model._values.items()}
    # The split (and the checks of the inputs and targets) from the C++ function, run for
    # zero epochs; it leaves the parameters as they were apart from the nudge, undone below.
    split = _rn.train_model(model._net, x, batch, neuron, layer, value,
                            _params(_rn.TrainParams, **{**settings, "num_epochs": 0}))
    num_epochs, learning_rate = settings["num_epochs"], settings["learning_rate"]
    param_reg_lambda, train_biases = settings["param_reg_lambda"], settings["train_biases"]
    model._pushed = {k: np.array(v, np.float32) for k, v in split["parameters"].items()}
    trained = {"divisive_strength": settings["train_divisive_strength"], "tau_param": settings["train_tau"],
               "slope": settings["train_slopes"], "raw_biases": train_biases}
    names = [k for k in _PARAM_NAMES if model._values.get(k) is not None and model._values[k].size]
    if train_biases:
        model._values["raw_biases"][model._values["raw_biases"] == 0] = np.float32(1e-6)
    initial = {k: model._values[k].copy() for k in names}
    tr = np.asarray(split["train_indices"], np.int64)
    va = np.asarray(split["val_indices"], np.int64)

    def rows(items):
        pos = {int(b): i for i, b in enumerate(items)}
        keep = np.array([int(b) in pos for b in batch], dtype=bool)
        return (x[items], np.array([pos[int(b)] for b in batch[keep]], np.int64), neuron[keep], layer[keep],
                value[keep].astype(np.float32))

    state_report = None  # of the last score's forward pass

    def score(subset):
        nonlocal state_report
        xs, b, n, l, v = subset
        if len(b) == 0:
            return float("nan")
        acts, state_report = model._forward(xs)
        pred = np.where(l >= 0, acts[b, n, np.maximum(l, 0)], acts[b, n, :].mean(axis=-1)).astype(np.float32)
        if loss == "mse":
            return float(np.mean((pred.astype(np.float64) - v) ** 2))
        if loss == "mae":
            return float(np.mean(np.abs(pred.astype(np.float64) - v)))
        return loss(pred, v, False)[0]

    train_set, val_set = rows(tr), rows(va)
    history = {"loss": [], "mse_loss": [], "param_reg_loss": [], "val_loss": []}
    state = {k: (np.zeros_like(initial[k], np.float64), np.zeros_like(initial[k], np.float64)) for k in names}
    b1, b2, eps, h = 0.9, 0.999, 1e-8, 1e-3
    # As the C++ loop: an epoch whose loss or gradient is not finite makes no update; the
    # first is reported, all are counted.
    report, skipped = None, 0
    try:
        for epoch in range(num_epochs):
            act = score(train_set)
            reg = param_reg_lambda * sum(
                float(np.mean(np.abs(model._values[k].astype(np.float64) - initial[k]))) for k in names)
            history["loss"].append(act + reg)
            history["mse_loss"].append(act)
            history["param_reg_loss"].append(reg)
            bad = state_report
            if bad is not None:  # the items of the training subset, in its order
                bad = restate(bad, where="train", step=epoch, **({"batch": int(tr[bad["batch"]])} if "batch" in bad else {}))
            elif not np.isfinite(act + reg):
                bad = _core.non_finite_report(where="train", quantity="loss" if not np.isfinite(act) else
                                              "parameter penalty", value=act if not np.isfinite(act) else reg,
                                              step=epoch)
            else:
                grads = {}
                for k in (k for k in names if trained[k]):
                    p = model._values[k]
                    g = np.zeros(p.shape, np.float64)
                    for i in range(p.size):
                        old = p[i]
                        p[i] = old + h
                        up = score(train_set)
                        p[i] = old - h
                        down = score(train_set)
                        p[i] = old
                        g[i] = (up - down) / (2 * h)
                    grads[k] = g
                    at = np.flatnonzero(~np.isfinite(g))
                    if bad is None and at.size:  # an entry per cell type
                        groups = model._net.divisive_pre_groups if k == "divisive_strength" else model._groups
                        bad = _core.non_finite_report(where="train", quantity=f"gradient of {k}",
                                                      value=float(g[at[0]]), step=epoch, cell_type=str(groups[at[0]]))
            if bad is not None:
                report = report or bad
                skipped += 1
            else:
                norm = np.sqrt(sum(float((g * g).sum()) for g in grads.values()))
                if norm > 1.0:
                    for g in grads.values():
                        g *= 1.0 / (norm + 1e-6)
                t = epoch + 1
                for k, g in grads.items():
                    m, v = state[k]
                    m[:] = b1 * m + (1 - b1) * g
                    v[:] = b2 * v + (1 - b2) * g * g
                    step = learning_rate / (1 - b1**t) * m / (np.sqrt(v) / np.sqrt(1 - b2**t) + eps)
                    model._values[k] = (model._values[k] - step).astype(np.float32)
            history["val_loss"].append(score(val_set))
    except BaseException:
        model._values = original
        model._sync()
        raise
    model._sync()
    return {"parameters": model._net.get_parameters(), **history,
            "train_indices": tr, "val_indices": va, "skipped_steps": skipped, "non_finite": report}


# ------------------------------------------------------------------ activation maximisation


def _reg_wrapper(fn, shape):
    """A custom regulariser fn(x) -> scalar as (value, gradient) on kenyon's flat arrays."""

    def reg(flat):
        x = np.array(flat, dtype=np.float32).reshape(shape)
        torch = _torch_module()
        if torch is not None:
            try:
                t = torch.tensor(x, requires_grad=True)
                v = fn(t)
                if isinstance(v, torch.Tensor):
                    (g,) = torch.autograd.grad(v, t)
                    return float(v.detach()), g.numpy().reshape(-1).astype(np.float32)
            except _NOT_TENSOR_CODE:
                pass
        value = _scalar(fn(x))
        g = _grad_by_central_differences(lambda a: _scalar(fn(a.astype(np.float32))), [x], 0, h=1e-3)
        return value, g.reshape(-1).astype(np.float32)

    return reg


def activation_maximisation(
    model,
    target_activations: TargetActivation,
    input_tensor=None,
    num_iterations: int = 50,
    learning_rate: float = 0.1,
    in_reg_lambda: float = 0.01,
    out_reg_lambda: float = 0.01,
    custom_reg_functions: Optional[Dict[str, Callable]] = None,
    early_stopping: bool = True,
    stopping_threshold: float = 1e-5,
    n_runs: int = 10,
    use_tqdm: bool = True,
    print_output: bool = True,
    device=None,
    wandb: bool = False,
    seed: Optional[int] = None,
    normalize_gradients: bool = False,
    quiet: bool = False,
):
    """Finds the input (batch, sensory, num_layers) that drives the targets towards their
    values, by Adam on the input with loss = mean squared target error + in_reg_lambda *
    R(input) + out_reg_lambda * R(activations), R = L1 + L2 norm (or
    custom_reg_functions["in"/"out"], fn(x) -> scalar; gradients by torch autograd if torch
    is installed, else by central differences, which is slow for "out" on big networks).

    Starts from input_tensor if given, otherwise uniform [0, 1) from ``seed`` (kenyon's
    generator). Returns (optimised input clamped to [-1, 1], activations, activation
    losses, output regularisation losses, input regularisation losses, snapshots every 5
    iterations); with batch_size 1 the arrays lose their batch dimension.
    """
    _model(model)
    _check_device(device)
    if wandb:
        raise ValueError("wandb logging is not supported by kenyon; use wandb=False")
    if not isinstance(target_activations, TargetActivation):
        target_activations = TargetActivation(target_activations)
    batch_size = int(target_activations.batch_size)
    ns = len(model.sensory_indices)
    shape = (batch_size, ns, model.num_layers)
    initial = None
    if input_tensor is not None:
        initial = _array(input_tensor, "input_tensor")
        if initial.shape != shape:
            raise ValueError(
                f"Expected input shape (batch_size={batch_size}, num_input_neurons={ns}, "
                f"num_layers={model.num_layers}), got {initial.shape}"
            )
    if seed is None:
        seed = int(np.random.randint(0, 2**31 - 1))
    entries = target_activations._entries()
    if model.custom_activation_function is not None:
        return _actmax_python(model, target_activations, initial, shape, num_iterations, learning_rate,
                              in_reg_lambda, out_reg_lambda, custom_reg_functions, early_stopping,
                              stopping_threshold, n_runs, seed, normalize_gradients, quiet, input_tensor)
    regs = custom_reg_functions or {}
    params = _params(_rn.ActmaxParams, num_iterations=int(num_iterations), learning_rate=float(learning_rate),
                     in_reg_lambda=float(in_reg_lambda), out_reg_lambda=float(out_reg_lambda),
                     early_stopping=bool(early_stopping), stopping_threshold=float(stopping_threshold),
                     n_runs=int(n_runs), seed=int(seed), normalize_gradients=bool(normalize_gradients))
    params.set_regularisers(
        _reg_wrapper(regs["in"], shape) if "in" in regs else None,
        _reg_wrapper(regs["out"], (batch_size, model._net.size, model.num_layers)) if "out" in regs else None)
    model._sync()
    r = _rn.activation_maximisation(model._net, entries, batch_size, params, initial)
    model.non_finite = warn_non_finite(r["non_finite"], " (the optimisation stopped there)")
    opt_in, out = r["input"], r["activations"]
    snaps = list(r["snapshots"])
    model.activations = out[0] if batch_size == 1 else out
    if not quiet and print_output and r["target_loss"]:
        print(
            f"Final - Activation loss: {r['target_loss'][-1]}, Input reg: {r['in_reg'][-1]}, "
            f"Output reg: {r['out_reg'][-1]}"
        )
    if batch_size == 1:
        opt_in, out, snaps = opt_in[0], out[0], [s[0] for s in snaps]
    return opt_in, out, list(r["target_loss"]), list(r["out_reg"]), list(r["in_reg"]), snaps


# -- the same with a Python activation function: forward and backward here, in numpy


def _activation_vjp(model, x, prev, grad):
    """(J_x^T grad, J_prev^T grad) of the custom activation at (x, prev): its own `vjp`
    attribute if it has one, else torch autograd, else central differences."""
    fn = model.custom_activation_function
    vjp = getattr(fn, "vjp", None)
    if vjp is not None:
        gx, gp = vjp(model, x, prev, grad)
        return np.asarray(gx, np.float32), np.asarray(gp, np.float32)
    torch = _torch_module()
    takes_tensors = _activation_mode(model) == "torch"
    if torch is not None:
        try:
            tx = torch.tensor(np.asarray(x), requires_grad=True)
            tp = torch.tensor(np.asarray(prev), requires_grad=True)
            out = fn(model, tx, tp)
            if isinstance(out, torch.Tensor) and (out.requires_grad or takes_tensors):
                if out.requires_grad:
                    gx, gp = torch.autograd.grad(out, (tx, tp), grad_outputs=torch.as_tensor(grad, dtype=out.dtype),
                                                 allow_unused=True)
                else:  # does not depend on its arguments
                    gx = gp = None
                gx = np.zeros_like(x) if gx is None else gx.numpy()
                gp = np.zeros_like(prev) if gp is None else gp.numpy()
                return gx.astype(np.float32), gp.astype(np.float32)
        except _NOT_TENSOR_CODE:
            if takes_tensors:
                raise
    # Elementwise central differences in float64 (each output entry depends on the same
    # entries of x and prev).
    h = 1e-3
    x64, p64 = x.astype(np.float64), prev.astype(np.float64)
    f = lambda a, b: _array(_call_activation(model, a, b), "activation_function result", np.float64, allow_nan=True)
    dx = (f(x64 + h, p64) - f(x64 - h, p64)) / (2 * h)
    dp = (f(x64, p64 + h) - f(x64, p64 - h)) / (2 * h)
    return (dx * grad).astype(np.float32), (dp * grad).astype(np.float32)


# What a numpy-only callable raises when handed tensors (TypeError, AttributeError; numpy's
# conversion of a tensor that requires grad raises RuntimeError).
_NOT_TENSOR_CODE = (TypeError, AttributeError, RuntimeError)


def _activation_mode(model):
    """"numpy" or "torch": what the custom activation was last found to take (None: not
    called yet)."""
    fn, mode = getattr(model, "_activation_takes", (None, None))
    return mode if fn is model.custom_activation_function else None


def _call_activation(model, x, prev):
    """The custom activation on numpy arrays. A callable written with torch ops (it raises
    TypeError or AttributeError on numpy arrays) is called with CPU tensors instead, when
    torch is loaded, without autograd; which one it takes is remembered per callable."""
    fn = model.custom_activation_function
    mode = _activation_mode(model)
    torch = _torch_module()
    if mode != "torch":
        try:
            out = fn(model, x, prev)
        except (TypeError, AttributeError):
            if mode == "numpy" or torch is None:
                raise
        else:
            model._activation_takes = (fn, "numpy")
            return out
    with torch.no_grad():
        out = fn(model, torch.tensor(np.asarray(x)), torch.tensor(np.asarray(prev)))
    model._activation_takes = (fn, "torch")
    return out


def _py_forward(model, X):
    """Forward with the Python activation function (X: (batch, sensory, L) float32):
    (activations (B, n, L), the tape for _py_backward, the report of the first state that is
    not a finite number or None)."""
    W = model.all_weights
    n, L = model._net.size, model.num_layers
    B = X.shape[0]
    s = model.sensory_indices
    linear = model._kind == _rn.NetworkKind.linear
    th = model.threshold
    prev = np.zeros((n, B), np.float32)
    prev[s, :] = X[:, :, 0].T
    states, pres, masks = [], [], []
    bad = None
    for layer in range(L):
        wx = (W @ prev).astype(np.float32)
        model._step_divisive = None
        z = _array(_call_activation(model, wx, prev), "activation_function result", allow_nan=True)
        mask = None
        if layer != L - 1:
            z = z.copy()
            z[s, :] += X[:, :, layer + 1].T
            if not linear:
                h = np.maximum(z - th, 0) + th * (z >= th)
                mask = (z > th) & (h <= 1)
                z = np.minimum(h, 1.0).astype(np.float32)
        pres.append((wx, prev))
        masks.append(mask)
        states.append(z)
        if bad is None:
            bad = first_non_finite(z, ("neuron", "batch"), model._cell_type, where="forward", quantity="state",
                                   layer=layer)
        prev = z
    acts = np.stack(states, axis=-1).transpose(1, 0, 2)  # (B, n, L)
    return acts, (pres, masks), bad


def _py_backward(model, X, tape, grad_acts, observe=None):
    """(d loss / d X given d loss / d activations (B, n, L), the report of the first gradient
    that is not a finite number or None); observe(layer, g) sees the complete
    d loss / d a_layer, (n, B)."""
    W_T = model.all_weights.T.tocsr()
    pres, masks = tape
    s = model.sensory_indices
    L = model.num_layers
    gX = np.zeros_like(X)
    g_next = np.zeros((model._net.size, X.shape[0]), np.float32)  # from layer l+1 into a_l
    bad = None
    for layer in range(L - 1, -1, -1):
        g = grad_acts[:, :, layer].T + g_next
        if bad is None:
            bad = first_non_finite(g, ("neuron", "batch"), model._cell_type, where="backward", quantity="gradient",
                                   layer=layer)
        if observe is not None:
            observe(layer, g)
        if masks[layer] is not None:
            g = g * masks[layer]
        if layer != L - 1:
            gX[:, :, layer + 1] += g[s, :].T
        wx, prev = pres[layer]
        gwx, gprev = _activation_vjp(model, wx, prev, g)
        g_next = (gprev + W_T @ gwx).astype(np.float32)
    gX[:, :, 0] += g_next[s, :].T
    return gX, bad


def _l1_l2(x):
    x = x.astype(np.float64)
    n2 = np.sqrt(np.sum(x * x))
    g = np.sign(x) + (x / n2 if n2 > 0 else 0)
    return float(np.abs(x).sum() + n2), g


def _actmax_python(model, targets, initial, shape, num_iterations, learning_rate, in_reg_lambda,
                   out_reg_lambda, custom_reg_functions, early_stopping, stopping_threshold, n_runs,
                   seed, normalize_gradients, quiet, like):
    B = shape[0]
    regs = custom_reg_functions or {}
    n = model._net.size
    reg_in = _reg_wrapper(regs["in"], shape) if "in" in regs else lambda flat: _l1_l2(flat)
    reg_out = _reg_wrapper(regs["out"], (B, n, model.num_layers)) if "out" in regs else lambda flat: _l1_l2(flat)
    if initial is None:
        initial = np.random.default_rng(seed).random(shape, dtype=np.float32)
    x = initial.astype(np.float32).copy()
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    b1, b2, eps = 0.9, 0.999, 1e-8
    rows = {(bb, ll, nn): vv for bb, ll, nn, vv in targets._entries()}
    counts = np.zeros(B)
    for (bb, _, _) in rows:
        counts[bb] += 1
    act_loss, out_regs, in_regs, snaps, losses = [], [], [], [], []
    report = None  # where the optimisation stopped on a value that is not finite, as the C++ loop
    for it in range(int(num_iterations)):
        acts, tape, bad = _py_forward(model, x)
        if bad is not None:
            report = restate(bad, where="actmax", step=it)
            break
        if it % 5 == 0:
            snaps.append(np.tanh(np.where(x >= model.threshold, x, 0)).astype(np.float32))
        g_acts = np.zeros_like(acts, dtype=np.float64)
        per_batch = np.zeros(B)
        for (bb, ll, nn), vv in rows.items():
            d = float(acts[bb, nn, ll]) - vv
            per_batch[bb] += d * d
            g_acts[bb, nn, ll] += 2 * d / counts[bb] / B
        a_loss = float(np.mean([per_batch[i] / counts[i] if counts[i] else 0.0 for i in range(B)]))
        r_in, g_in = reg_in(x.reshape(-1))
        r_out, g_out = reg_out(acts.reshape(-1))
        g_in = np.asarray(g_in, np.float64).reshape(x.shape)
        g_out = np.asarray(g_out, np.float64).reshape(acts.shape)
        loss = a_loss + in_reg_lambda * r_in + out_reg_lambda * r_out
        if not np.isfinite(loss):
            parts = [("target loss", a_loss), ("output regulariser", out_reg_lambda * r_out),
                     ("input regulariser", in_reg_lambda * r_in)]
            name, value = next((p for p in parts if not np.isfinite(p[1])), parts[-1])
            report = _core.non_finite_report(where="actmax", quantity=name, value=float(value), step=it)
            break
        losses.append(loss)
        if early_stopping and it > n_runs and max(losses[-n_runs:]) - min(losses[-n_runs:]) < stopping_threshold:
            break
        act_loss.append(a_loss)
        out_regs.append(out_reg_lambda * r_out)
        in_regs.append(in_reg_lambda * r_in)
        g_acts += out_reg_lambda * g_out
        g_x, bad = _py_backward(model, x, tape, g_acts.astype(np.float32))
        if bad is not None:
            report = restate(bad, where="actmax", step=it)
            break
        grad = g_x + (in_reg_lambda * g_in).astype(np.float32)
        bad = first_non_finite(grad, ("batch", "neuron", None), where="actmax", quantity="input gradient", step=it)
        if bad is not None:  # the axis is the sensory neuron's position: named by its index
            neuron = int(model.sensory_indices[bad["neuron"]])
            report = restate(bad, neuron=neuron, cell_type=model._cell_type(neuron))
            break
        if normalize_gradients:
            grad = grad / (np.sqrt((grad.astype(np.float64) ** 2).sum(axis=(0, 1), keepdims=True)) + 1e-8)
        t = it + 1
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        x = (x - learning_rate / (1 - b1**t) * m / (np.sqrt(v) / np.sqrt(1 - b2**t) + eps)).astype(np.float32)
    x = np.clip(x, -1, 1).astype(np.float32)
    out = model.forward(x)
    if report is not None:
        model.non_finite = warn_non_finite(report, " (the optimisation stopped there)")
    if B == 1:
        x, out, snaps = x[0], out[0], [s_[0] for s_ in snaps]
    return x, out, act_loss, out_regs, in_regs, snaps


# ------------------------------------------------------------------ attribution


def saliency(model, input_tensor, neurons_of_interest: Dict[int, List[int]], method: str = "vanilla",
             normalize: bool = False, device=None):
    """d(sum of the neurons of interest's activations at their layers)/d(input), the
    input's shape; "input_x_gradient" multiplies by the input; with normalize each batch
    item is divided by its largest value (when positive). Returns numpy (a tensor if given
    one)."""
    _model(model)
    _check_device(device)
    if method not in ("vanilla", "input_x_gradient"):
        raise ValueError(f"method must be 'vanilla' or 'input_x_gradient', got {method!r}")
    x = _array(input_tensor, "input_tensor", ndim=(2, 3))
    noi = {int(k): [int(i) for i in np.asarray(v).reshape(-1)] for k, v in neurons_of_interest.items()}
    if model.custom_activation_function is not None:
        X = x[None] if x.ndim == 2 else x
        acts, tape, bad = _py_forward(model, X)
        g = np.zeros_like(acts)
        for layer, ns in noi.items():
            g[:, ns, layer] = 1
        out, bad_grad = _py_backward(model, X, tape, g)
        bad = bad or bad_grad
        if method == "input_x_gradient":
            out = out * X
        if normalize and out.max() > 0:
            for i in range(out.shape[0]):
                mx = out[i].max()
                if mx > 0:
                    out[i] /= mx
        out = out[0] if x.ndim == 2 else out
        model.non_finite = warn_non_finite(bad)
        return _result(out.astype(np.float32), input_tensor)
    model._sync()
    entries = [(None, layer, i, 1.0) for layer, ns in noi.items() for i in ns]
    out, bad = _rn.saliency(model._net, x, entries, method, bool(normalize))
    model.non_finite = warn_non_finite(bad)
    if x.ndim == 2:
        out = out[0]
    return _result(out, input_tensor)


def get_gradients(model, input_tensor, monitor_neurons, target_neurons: Dict[int, List[Union[int, str]]],
                  monitor_layers: Optional[List[int]] = None, method: str = "vanilla",
                  batch_names: Optional[List[str]] = None, device=None, checkpoint_steps: int = 50,
                  normalize_per_layer: bool = False) -> pd.DataFrame:
    """The gradient of the mean target activity with respect to each monitored neuron (or
    group) at each monitored layer: a DataFrame with columns group, batch_name, time_0 ..
    time_{L-1} (NaN where not monitored with input_x_gradient)."""
    _model(model)
    _check_device(device)
    if method not in ("vanilla", "input_x_gradient"):
        raise ValueError(f"method must be 'vanilla' or 'input_x_gradient', got {method!r}")
    x = _array(input_tensor, "input_tensor", ndim=(2, 3))

    def keys(items, name):
        out = []
        for k in (list(items) if not isinstance(items, (str, int, np.integer)) else [items]):
            if isinstance(k, (int, np.integer)):
                out.append(int(k))
            elif isinstance(k, str):
                out.append(k)
            else:
                raise error(name, f"expected neuron indices or group names, got {k!r}")
        return out

    monitor = keys(monitor_neurons, "monitor_neurons")
    targets = {int(k): keys(v, "target_neurons") for k, v in target_neurons.items()}
    model._sync()
    monitor_layers = list(monitor_layers or [])
    names = [str(b) for b in (batch_names or [])]
    if model.custom_activation_function is not None:
        group, batch, layers, values, bad = _py_get_gradients(model, x, monitor, targets, monitor_layers, method,
                                                              names, bool(normalize_per_layer))
    else:
        params = _params(_rn.GradientParams, monitor=monitor, monitor_layers=monitor_layers, method=method,
                         batch_names=names, checkpoint_interval=max(0, int(checkpoint_steps)),
                         normalize_per_layer=bool(normalize_per_layer))
        entries = [(None, layer, k, 1.0) for layer, ks in targets.items() for k in ks]
        group, batch, layers, values, bad = _rn.get_gradients(model._net, x, entries, params)
    model.non_finite = warn_non_finite(bad)
    df = pd.DataFrame({"group": group, "batch_name": batch})
    vals = np.asarray(values, dtype=np.float64).reshape(len(group), len(layers))
    for j, l in enumerate(layers):
        df[f"time_{l}"] = vals[:, j]
    if monitor and all(isinstance(k, int) for k in monitor):
        df["group"] = df["group"].astype(int)
    return df


def _py_get_gradients(model, x, monitor, targets, monitor_layers, method, batch_names, normalize):
    """get_gradients through a Python activation function (as ratenet::get_gradients)."""
    X = x[None] if x.ndim == 2 else x
    B, L = X.shape[0], model.num_layers
    names = batch_names or [f"batch_{b}" for b in range(B)]
    if len(names) != B:
        raise error("batch_names", f"{len(names)} batch names for {B} batch items")
    monitored = sorted(set(monitor_layers)) if monitor_layers else list(range(L))
    for layer in monitored + list(targets):
        if not 0 <= layer < L:
            raise error("monitor_layers", f"layer {layer} outside 0..{L - 1}")
    acts, tape, bad = _py_forward(model, X)
    grad = np.zeros_like(acts)
    count = 0
    for layer, keys in targets.items():
        ns = sorted({i for k in keys for i in list(model._net.members(k))})
        grad[:, ns, layer] = 1.0
        count += len(ns) * B
    if count == 0:
        raise error("target_neurons", "no target neurons")
    grad /= count
    if model._groups:
        by_name = {}
        for k in monitor:
            by_name[str(k)] = list(model._net.members(k))
        rows = sorted(by_name.items())
    else:
        rows = [(str(i), [i]) for i in sorted({i for k in monitor for i in list(model._net.members(k))})]
    table = np.full((len(rows), B, L), np.nan)

    def observe(layer, g):
        if layer not in monitored:
            return
        g = g.astype(np.float64)
        scale = 1 / (np.sqrt((g * g).sum()) + 1e-12) if normalize else 1.0
        for r, (_, ns) in enumerate(rows):
            table[r, :, layer] = g[ns, :].sum(axis=0) * scale

    bad_grad = _py_backward(model, X, tape, grad, observe)[1]
    layers = monitored
    if method == "input_x_gradient":
        for r, (_, ns) in enumerate(rows):
            for m in monitored:
                table[r, :, m] *= acts[:, ns, m].astype(np.float64).mean(axis=1)
        layers = list(range(L))
    order = sorted(range(B), key=lambda b: names[b])
    group, batch, values = [], [], []
    for r, (label, _) in enumerate(rows):
        for b in order:
            group.append(label)
            batch.append(names[b])
            values.append([table[r, b, l] for l in layers])
    return group, batch, layers, values, bad or bad_grad


# ------------------------------------------------------------------ inputs and tables


def add_sign(inprop, idx_to_sign: dict):
    """The signed weights: entries of presynaptic neurons with sign -1 negated, transposed
    so that presynaptic neurons are in the columns (scipy COO, as the original)."""
    if inprop is None:
        raise error("inprop", "expected a matrix, got None")
    m = _csr(inprop, "inprop")
    signs = _sign_array(idx_to_sign, m.rows)
    w = _core.sparse.signed_from_inprop(m, signs)
    return _scipy(w).tocoo()


def _sign_array(idx_to_sign, n):
    if isinstance(idx_to_sign, dict):
        s = np.ones(n, np.int32)
        for k, v in idx_to_sign.items():
            k = int(number(k, "idx_to_sign", int))
            if not 0 <= k < n:
                raise error('idx_to_sign', f"index {k} outside 0..{n - 1}")
            s[k] = -1 if number(v, "idx_to_sign") == -1 else 1
        return s
    a = _array(idx_to_sign, "idx_to_sign", dtype=np.int32, ndim=1)
    if a.size != n:
        raise error('idx_to_sign', f"{a.size} signs for {n} neurons")
    return np.where(a == -1, -1, 1).astype(np.int32)


def input_from_df(df: pd.DataFrame, sensory_indices: list, idx_to_group: dict, num_layers: int,
                  timepoints=0, dtype: type = np.float32) -> np.ndarray:
    """Model input (columns of df, sensory neurons, num_layers): each sensory neuron takes
    its group's row of df (0 if absent) at every listed timepoint."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError("df must be a pandas DataFrame (rows: groups, columns: batch items)")
    if isinstance(timepoints, (int, np.integer)):
        timepoints = [int(timepoints)]
    tps = _indices(list(timepoints), "timepoints")
    s = _indices(sensory_indices, "sensory_indices")
    n = int(s.max()) + 1 if s.size else 0
    if isinstance(idx_to_group, dict):
        n = max(n, _n_from_mapping(idx_to_group))
        groups = [str(idx_to_group.get(i, idx_to_group.get(str(i), ""))) for i in range(n)]
        missing = [int(i) for i in s if int(i) not in idx_to_group and str(int(i)) not in idx_to_group]
        if missing:
            raise error('idx_to_group', f"no group for sensory neuron {missing[0]}")
    else:
        groups = [str(g) for g in idx_to_group]
    known = {groups[int(i)] for i in s if int(i) < len(groups)}
    unknown = [str(g) for g in df.index if str(g) not in known]
    if unknown:
        raise unknown_name(unknown[0], "group", f"df: no sensory neuron is in group {unknown[0]!r}")
    values = _array(df.to_numpy(), "df", dtype=np.float64, ndim=2)
    out = _rn.input_from_table([str(g) for g in df.index], [str(c) for c in df.columns], values, s, groups,
                               int(num_layers), tps)
    return out.astype(dtype)


def _mapping_list(mapping, n, name):
    if mapping is None:
        return []
    return _group_list(mapping, n, name)


def activations_to_df(inprop, model_input, out, sensory_indices, inidx_mapping: dict | None = None,
                      outidx_mapping: dict | None = None, activation_threshold: float = 0,
                      connectivity_threshold: float = 0, high_ram: bool = True) -> pd.DataFrame:
    """The layered edge list of active paths: columns pre, post, weight, layer,
    pre_activation, post_activation (model_input (sensory, T), out (neurons, L))."""
    return _paths(inprop, model_input, out, sensory_indices, inidx_mapping, outidx_mapping,
                  activation_threshold, connectivity_threshold, high_ram, False)


def activations_to_df_batched(inprop, opt_in, out, sensory_indices, inidx_mapping: dict | None = None,
                              outidx_mapping: dict | None = None, activation_threshold: float = 0,
                              connectivity_threshold: float = 0, high_ram: bool = True) -> pd.DataFrame:
    """activations_to_df for every batch item of (batch, sensory, T) and (batch, neurons,
    L) arrays, concatenated with a ``batch`` column."""
    return _paths(inprop, opt_in, out, sensory_indices, inidx_mapping, outidx_mapping,
                  activation_threshold, connectivity_threshold, high_ram, True)


def _paths(inprop, model_input, out, sensory_indices, inidx, outidx, at, ct, high_ram, batched):
    m = _csr(inprop, "inprop")
    n = m.rows
    dims = 3 if batched else 2
    x = _array(model_input, "opt_in" if batched else "model_input", ndim=dims)
    y = _array(out, "out", ndim=dims)
    s = _indices(sensory_indices, "sensory_indices")
    at, ct = finite(at, "activation_threshold"), finite(ct, "connectivity_threshold")
    res = _rn.activations_to_df(m, x, y, s, _mapping_list(inidx, n, "inidx_mapping"),
                                _mapping_list(outidx, n, "outidx_mapping"), at, ct,
                                bool(high_ram), batched)
    for w in res[2]:
        print(w)
    return _frame(res)


def _cells(df: pd.DataFrame):
    rows = []
    for rec in df.itertuples(index=False, name=None):
        row = []
        for v in rec:
            if isinstance(v, (bool, np.bool_)):
                row.append(int(v))
            elif isinstance(v, (int, np.integer)):
                row.append(int(v))
            elif isinstance(v, (float, np.floating)):
                row.append(float(v))
            else:
                row.append(str(v))
        rows.append(row)
    return [str(c) for c in df.columns], rows


def get_activations_for_path(path: pd.DataFrame, activations, model_in=None, sensory_indices=None,
                             idx_to_group: dict | None = None, activation_start: int = 0) -> pd.DataFrame:
    """Adds pre_activation and post_activation to a path table (pre, post, layer, ...)."""
    _frame_arg(path, "path")
    a = _array(activations, "activations", ndim=2)
    n = a.shape[0]
    mi = None if model_in is None else _array(model_in, "model_in", ndim=2)
    s = [] if sensory_indices is None else list(_indices(sensory_indices, "sensory_indices"))
    cols, rows = _cells(path.drop(columns=[c for c in ("pre_activation", "post_activation") if c in path.columns]))
    return _frame(_rn.get_activations_for_path(cols, rows, a, mi, s, _mapping_list(idx_to_group, n, "idx_to_group"),
                                               int(activation_start)))


def activated_path_for_ngl(path: pd.DataFrame) -> pd.DataFrame:
    """A long table neuron_id, layer, activation from a path with activations (for
    neuroglancer)."""
    cols, rows = _cells(_frame_arg(path, "path"))
    return _frame(_rn.activated_path_for_ngl(cols, rows))


def get_neuron_activation(activations, neuron_indices, batch_names=None, idx_to_group: dict | None = None) -> pd.DataFrame:
    """Activations of the given neurons averaged per group: columns (batch_name,) group,
    time_0 .. time_{T-1}."""
    a = _array(activations, "activations", ndim=(2, 3))
    n = a.shape[-2]
    idx = _indices(neuron_indices, "neuron_indices")
    names = [] if batch_names is None else [str(b) for b in batch_names]
    df = _frame(_rn.get_neuron_activation(a, list(idx), names, _mapping_list(idx_to_group, n, "idx_to_group")))
    if idx_to_group is None:
        df["group"] = df["group"].astype(int)
    return df


def get_input_activation(model_in, sensory_indices, idx_to_group: dict, selected_indices=None,
                         activation_threshold: float = 0, batch_names=None) -> pd.DataFrame:
    """The input of the kept sensory neurons averaged per group: columns (batch_name,)
    group, time_*."""
    x = _array(model_in, "model_in", ndim=(2, 3))
    s = _indices(sensory_indices, "sensory_indices")
    n = max(int(s.max()) + 1 if s.size else 0, _n_from_mapping(idx_to_group) if isinstance(idx_to_group, dict) else len(idx_to_group))
    groups = _group_list_partial(idx_to_group, n)
    missing = [int(i) for i in s if not groups[int(i)]]
    if missing:
        raise error("idx_to_group", f"no group for sensory neuron {missing[0]}")
    sel = [] if selected_indices is None else list(_indices(selected_indices, "selected_indices"))
    names = [] if batch_names is None else [str(b) for b in batch_names]
    threshold = finite(activation_threshold, "activation_threshold")
    return _frame(_rn.get_input_activation(x, list(s), groups, sel, threshold, names))


def _group_list_partial(idx_to_group, n, name="idx_to_group"):
    """Group names per neuron; neurons without one get '' (for functions that only need some)."""
    if isinstance(idx_to_group, dict):
        if idx_to_group and _n_from_mapping(idx_to_group) > n:
            raise error(name, f"names neuron {_n_from_mapping(idx_to_group) - 1}, but there are {n} neurons")
        return [str(idx_to_group.get(i, idx_to_group.get(str(i), ""))) for i in range(n)]
    if idx_to_group is None:
        raise TypeError(f"{name} must be a dict from neuron index to group, got None")
    return [str(g) for g in idx_to_group]


def activity_by_column(activity, idx_to_group: dict, idx_to_column: dict, selected_group,
                       model_input=None, sensory_indices=None) -> pd.DataFrame:
    """Mean activity per column id for each selected group: columns normalised_column,
    cell_group, time_point, activation, time_step."""
    a = _array(activity, "activity", ndim=2)
    n = a.shape[0]
    groups = _group_list_partial(idx_to_group, n)
    if not isinstance(idx_to_column, dict):
        raise TypeError(f"idx_to_column must be a dict from neuron index to column id, got {type(idx_to_column).__name__}")
    cols = np.full(n, -1, np.int64)
    for k, v in idx_to_column.items():
        k = int(number(k, "idx_to_column", int))
        if 0 <= k < n and v is not None and not (isinstance(v, float) and np.isnan(v)):
            cols[k] = int(number(v, "idx_to_column", int))
    sel = [str(g) for g in ([selected_group] if isinstance(selected_group, str) else selected_group)]
    mi = None if model_input is None else _array(model_input, "model_input", ndim=2)
    s = [] if sensory_indices is None else list(_indices(sensory_indices, "sensory_indices"))
    return _frame(_rn.activity_by_column(a, groups, list(cols), sel, mi, s))


def guess_optimal_stimulus(inprop, sensory_indices, idx_to_sign: dict, target_activations: TargetActivation,
                           longest_plen: int = 5) -> np.ndarray:
    """A linear guess of the input (batch, sensory, min(longest_plen, max layer + 1)) that
    drives the targets, from signed effective connectivity by path length. Neurons missing
    from a dict ``idx_to_sign`` pass nothing on, as in the original."""
    m = _csr(inprop, "inprop")
    if not isinstance(target_activations, TargetActivation):
        target_activations = TargetActivation(target_activations)
    signs = _sign_array(idx_to_sign, m.rows)
    if isinstance(idx_to_sign, dict) and len(idx_to_sign) < m.rows:
        # As the original, a neuron without a sign passes nothing on: its outputs are dropped.
        keep = np.zeros(m.rows, np.float32)
        keep[[int(k) for k in idx_to_sign]] = 1
        m = _csr(sp.diags(keep) @ _scipy(m), "inprop")
    return _rn.guess_optimal_stimulus(m, _indices(sensory_indices, "sensory_indices"), signs,
                                      target_activations._entries(), int(target_activations.batch_size),
                                      int(longest_plen))


# ------------------------------------------------------------------ plots


def plot_activity_by_column(activity, idx_to_group: dict, idx_to_column: dict, selected_group,
                            plot_type: str = "line", model_input=None, sensory_indices=None,
                            figsize: tuple = (800, 600), global_min: Optional[float] = None,
                            global_max: Optional[float] = None):
    """activity_by_column as a plotly figure: one trace per group and time step, a slider
    over time steps."""
    import plotly.graph_objects as go
    from plotly.colors import qualitative

    if plot_type not in ("line", "scatter"):
        raise ValueError("plot_type must be 'line' or 'scatter'")
    df = activity_by_column(activity, idx_to_group, idx_to_column, selected_group, model_input, sensory_indices)
    groups = list(pd.unique(df["cell_group"]))
    times = sorted(pd.unique(df["time_step"]))
    colours = {g: qualitative.Plotly[i % len(qualitative.Plotly)] for i, g in enumerate(groups)}
    fig = go.Figure()
    for t in times:
        at = df[df["time_step"] == t]
        for g in groups:
            d = at[at["cell_group"] == g]
            style = dict(mode="markers", marker=dict(color=colours[g], size=8)) if plot_type == "scatter" else dict(
                mode="lines+markers", line=dict(color=colours[g]), marker=dict(size=6))
            fig.add_trace(go.Scatter(x=d["normalised_column"], y=d["activation"], name=str(g), legendgroup=str(g),
                                     visible=bool(t == times[0]), **style))
    steps = []
    for i, t in enumerate(times):
        visible = [False] * len(fig.data)
        for j in range(i * len(groups), (i + 1) * len(groups)):
            visible[j] = True
        steps.append(dict(method="update", label=str(t),
                          args=[{"visible": visible}, {"title": f"Neural Activity - Time Step: {t}"}]))
    lo = global_min if global_min is not None else min(0, float(df["activation"].min()))
    hi = global_max if global_max is not None else max(1, float(df["activation"].max()))
    fig.update_layout(sliders=[dict(active=0, currentvalue={"prefix": "Time Step: "}, pad={"t": 50}, steps=steps)],
                      title=f"Neural Activity - Time Step: {times[0]}", xaxis_title="Normalised Column",
                      yaxis_title="Activation Value", width=figsize[0], height=figsize[1])
    fig.update_yaxes(range=[lo, hi])
    return fig


def plot_timeseries(df: pd.DataFrame, style: Optional[dict] = None, sizing: Optional[dict] = None,
                    x_label: str = "Time", y_label: str = "Activation", title: Optional[str] = None,
                    slider_dim: Optional[str] = "batch", ymin: Optional[float] = None,
                    ymax: Optional[float] = None, scatter_mode: str = "lines"):
    """A plotly figure of a get_neuron_activation-like table (group, time_* and optionally
    batch_name): with batch_name and slider_dim "batch" one frame per batch item (traces
    per group), "group" one frame per group (traces per batch item), None all traces."""
    import plotly.graph_objects as go
    from plotly.colors import qualitative

    _frame_arg(df, "df")
    for name, value in (("style", style), ("sizing", sizing)):
        if value is not None and not isinstance(value, dict):
            raise TypeError(f"{name} must be a dict, got {type(value).__name__}")
    if scatter_mode != "none" and not set(str(scatter_mode).split("+")) <= {"lines", "markers", "text"}:
        raise error("scatter_mode", f"expected 'lines', 'markers', 'lines+markers', ... or 'none', got {scatter_mode!r}")
    if ymin is not None and ymax is not None and not finite(ymin, "ymin") < finite(ymax, "ymax"):
        raise error("ymin", f"must be below ymax, got {ymin} and {ymax}")
    st = {"font_type": "Arial", "linecolor": "black", "papercolor": "rgba(255,255,255,255)", **(style or {})}
    sz = {"fig_width": 600, "fig_height": 400, "fig_margin": 0, "fsize_ticks_pt": 12, "fsize_title_pt": 16,
          "markersize": 8, "ticklen": 5, "tickwidth": 1, "axislinewidth": 1.5, "markerlinewidth": 1, **(sizing or {})}
    time_cols = sorted([c for c in df.columns if str(c).startswith("time_")], key=lambda c: int(str(c).split("_")[1]))
    if not time_cols:
        raise ValueError("No 'time_*' columns found.")
    if "group" not in df.columns:
        raise ValueError("'group' column required.")
    has_batch = "batch_name" in df.columns
    if not has_batch:
        slider_dim = None
    elif slider_dim not in ("batch", "group", None):
        raise ValueError("slider_dim must be 'batch', 'group', or None.")
    xs = [int(str(c).split("_")[1]) for c in time_cols]
    y_all = _array(df[time_cols].to_numpy(), "df", dtype=np.float64, allow_nan=True)
    y_range = [ymin if ymin is not None else float(np.nanmin(y_all)), ymax if ymax is not None else float(np.nanmax(y_all))]
    axis = dict(linecolor=st["linecolor"], linewidth=sz["axislinewidth"], ticklen=sz["ticklen"], tickwidth=sz["tickwidth"])
    fig = go.Figure(layout=dict(
        width=sz["fig_width"], height=sz["fig_height"] + (100 if slider_dim else 0),
        margin=dict(l=50, r=20, t=60 if title else 20, b=50 + sz["fig_margin"]),
        paper_bgcolor=st["papercolor"], plot_bgcolor=st["papercolor"],
        font=dict(family=st["font_type"], size=sz["fsize_ticks_pt"]),
        xaxis=dict(title=x_label, **axis), yaxis=dict(title=y_label, range=y_range, **axis),
        title=dict(text=title, x=0.5, font=dict(size=sz["fsize_title_pt"])) if title else None,
        showlegend=True))

    def trace(name, y, i):
        return go.Scatter(x=xs, y=list(y), mode=scatter_mode, name=str(name), legendgroup=str(name),
                          line=dict(color=qualitative.Plotly[i % len(qualitative.Plotly)], width=sz["axislinewidth"]),
                          marker=dict(size=sz["markersize"], line=dict(width=sz["markerlinewidth"])))

    if slider_dim is None:
        label = (lambda r: f"{r['batch_name']} {r['group']}") if has_batch else (lambda r: r["group"])
        for i, (_, r) in enumerate(df.iterrows()):
            fig.add_trace(trace(label(r), r[time_cols].to_numpy(dtype=float), i))
        return fig
    frame_col, trace_col = ("batch_name", "group") if slider_dim == "batch" else ("group", "batch_name")
    frame_keys = list(pd.unique(df[frame_col]))
    trace_keys = list(pd.unique(df[trace_col]))
    frames = []
    for fk in frame_keys:
        sub = df[df[frame_col] == fk]
        data = []
        for i, tk in enumerate(trace_keys):
            rows = sub[sub[trace_col] == tk]
            y = rows[time_cols].to_numpy(dtype=float)[0] if len(rows) else [None] * len(xs)
            data.append(trace(tk, y, i))
        frames.append(go.Frame(data=data, name=str(fk)))
    fig.add_traces(frames[0].data)
    fig.frames = frames
    fig.update_layout(sliders=[dict(
        active=0, currentvalue={"prefix": f"{frame_col}: "}, pad={"t": 50},
        steps=[dict(method="animate", label=str(fk),
                    args=[[str(fk)], dict(mode="immediate", frame=dict(duration=0, redraw=True))])
               for fk in frame_keys])])
    return fig
