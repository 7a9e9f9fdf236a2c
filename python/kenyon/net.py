"""``kenyon net`` from Python: every operation, with the same summaries and output folders.

::

    import kenyon
    model = kenyon.net.Model(kenyon.datasets.larva(), layers=5)
    r = model.maximise(["MBON:4=1.0"], batch=4, out="am_mbon")   # as kenyon net maximise
    r.summary(); r.input; r.activations

Each call runs the library operation that the command line runs (ratenet/results.hpp), so
``out=`` writes the files ``--out`` writes, byte for byte apart from timings. Targets,
stimuli and clamps are written as on the command line: ``"[batch/]TYPE-or-ID:LAYER[=VALUE]"``.
For connectome_interpreter's API, see ``kenyon.activation_maximisation``.
"""
from __future__ import annotations

import functools
import inspect
import json
import os
from typing import Optional, Sequence

import numpy as np

from . import _core
from .connectome import Connectome
from ._check import error, named_values, texts
from ._core import __version__

__all__ = ["Model"]

_rn = _core.ratenet


def _plain(value):
    """An argument as JSON can hold it: arrays by their shape and type, not their values."""
    if isinstance(value, np.ndarray):
        return f"array of shape {list(value.shape)} ({value.dtype})"
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def _recorded(method):
    """Keeps the call's arguments (defaults included) for the provenance of its result."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        self._call = (method.__name__, {k: v for k, v in bound.arguments.items() if k != "self"})
        return method(self, *args, **kwargs)

    return call


class Model:
    """A rate network on a connectome, built as ``kenyon net`` builds it.

    ``sensory`` names the input neurons (cell types, patterns or ids; default: the
    connectome's sensory neurons); ``layers``, ``kind``, ``threshold``, ``slope``, ``bias``
    and ``tau`` are the command line's model options, ``group_slope``/``group_bias``/
    ``group_tau`` its per-cell-type ones as dicts, and ``groups=False`` is ``--no-groups``.
    """

    def __init__(self, connectome: Connectome, layers: int = 2, sensory: Sequence[str] = (),
                 kind: str = "multilayered", threshold: float = 0.01, slope: float = 5,
                 bias: float = 0, tau: float = 10, group_slope: Optional[dict] = None,
                 group_bias: Optional[dict] = None, group_tau: Optional[dict] = None,
                 groups: bool = True):
        if not isinstance(connectome, Connectome):
            raise TypeError("connectome: expected a kenyon.connectome.Connectome "
                            "(kenyon.connectome.load or kenyon.datasets)")
        if kind not in ("multilayered", "linear"):
            raise error("kind", f"expected multilayered or linear, got {kind!r}")
        p = _rn.NetworkParams()
        p.kind = getattr(_rn.NetworkKind, kind)
        p.num_layers = int(layers)
        p.threshold = float(threshold)
        p.tanh_steepness = float(slope)
        p.default_bias = float(bias)
        p.tau = float(tau)
        p.slope_by_group = named_values(group_slope, "group_slope")
        p.bias_by_group = named_values(group_bias, "group_bias")
        p.tau_by_group = named_values(group_tau, "group_tau")
        self.connectome = connectome
        self._options = {"connectome": connectome.name, "layers": layers, "sensory": texts(sensory, "sensory"),
                         "kind": kind, "threshold": threshold, "slope": slope, "bias": bias, "tau": tau,
                         "group_slope": p.slope_by_group, "group_bias": p.bias_by_group,
                         "group_tau": p.tau_by_group, "groups": bool(groups)}
        self._model = _rn.Model(connectome._core, texts(sensory, "sensory"), p, bool(groups))

    @property
    def num_layers(self) -> int:
        return self._model.num_layers

    @property
    def num_sensory(self) -> int:
        return self._model.num_sensory

    def _input(self, x) -> np.ndarray:
        a = np.asarray(x)
        if a.dtype.kind not in "fiu":
            raise error("input", f"expected a numeric array, got dtype {a.dtype}")
        a = np.ascontiguousarray(a, dtype=np.float32)
        if a.ndim == 2:
            a = a[None]
        if a.ndim != 3 or a.shape[1] != self.num_sensory or a.shape[2] < self.num_layers:
            raise error("input", f"expected shape (batch, {self.num_sensory}, >= {self.num_layers}) "
                        f"or ({self.num_sensory}, steps), got {np.shape(x)}")
        if not np.isfinite(a).all():
            raise error("input", "contains NaN or infinity")
        return a

    def _finish(self, result, out):
        """Records how the result was made (kenyon's version, the call and every argument,
        seed included, as the CLI records its configuration), then writes it under ``out``."""
        name, arguments = self._call
        configuration = {**self._options, **{k: _plain(v) for k, v in arguments.items() if k != "out"}}
        result.set_provenance(json.dumps({"kenyon_version": __version__,
                                          "python_call": f"kenyon.net.Model.{name}",
                                          "configuration": configuration}))
        if out is not None:
            result.write(os.fspath(out))
        return result

    @_recorded
    def forward(self, input=None, stimulus: Sequence[str] = (), batch: int = 1,
                clamp: Sequence[str] = (), show: Sequence[str] = (), plots: bool = False,
                out=None):
        """``kenyon net forward``: the activations for an input array (batch, sensory,
        steps) or for ``stimulus`` specs ("[batch/]SENSORY:STEP[=VALUE]")."""
        r = _rn.run_forward(self._model, *self._inputs(input, stimulus, batch),
                            texts(clamp, "clamp"), texts(show, "show"),
                            bool(plots and out is not None))
        return self._finish(r, out)

    @_recorded
    def maximise(self, target: Sequence[str], batch: int = 1, iterations: int = 50,
                 learning_rate: float = 0.1, in_reg: float = 0.01, out_reg: float = 0.01,
                 reg: str = "mean", early_stopping: bool = True,
                 stopping_threshold: float = 1e-5, n_runs: int = 10,
                 normalize_gradients: bool = False, checkpoint: int = 0, init="random",
                 seed: int = 0, plots: bool = False, out=None):
        """``kenyon net maximise``: the input that drives the ``target`` neurons
        ("[batch/]TYPE-or-ID:LAYER[=VALUE]"; without batch/ in every batch item).
        ``init`` is "random", "guess" or a (batch, sensory, layers) array."""
        if reg not in ("mean", "sum"):
            raise error("reg", f"expected mean or sum, got {reg!r}")
        initial = None
        if not isinstance(init, str):
            initial = self._input(init)
            if initial.shape != (batch, self.num_sensory, self.num_layers):
                raise error("init", f"expected shape ({batch}, {self.num_sensory}, {self.num_layers}), "
                            f"got {initial.shape}")
            init = "random"
        r = _rn.run_maximise(self._model, texts(target, "target"), int(batch), int(iterations),
                             float(learning_rate), float(in_reg), float(out_reg), reg == "mean",
                             bool(early_stopping), float(stopping_threshold), int(n_runs),
                             bool(normalize_gradients), int(checkpoint), int(seed), init, initial,
                             bool(plots and out is not None))
        return self._finish(r, out)

    maximize = maximise

    @_recorded
    def train(self, input, targets, epochs: int = 100, learning_rate: float = 0.01,
              param_reg: float = 0.01, train_fraction: float = 0.8, loss: str = "mse",
              train_slopes: bool = True, train_biases: bool = True,
              train_divisive: bool = True, train_tau: bool = True, seed: int = 0,
              plots: bool = False, out=None):
        """``kenyon net train``: fits the per-cell-type parameters to recorded activity.

        ``targets`` is the CSV ``--targets`` takes (batch, neuron_idx or neuron, [layer,]
        value) or a DataFrame with those columns. The fitted parameters stay on the model.
        """
        x = self._input(input)
        with _targets_file(targets) as path:
            r = _rn.run_train(self._model, x, path, int(epochs), float(learning_rate),
                              float(param_reg), float(train_fraction), str(loss),
                              bool(train_slopes), bool(train_biases), bool(train_divisive),
                              bool(train_tau), int(seed), bool(plots and out is not None))
        return self._finish(r, out)

    @_recorded
    def saliency(self, target: Sequence[str], input=None, stimulus: Sequence[str] = (),
                 batch: int = 1, method: str = "vanilla", normalize: bool = False,
                 plots: bool = False, out=None):
        """``kenyon net saliency``: d(target activity)/d(input), the input's shape."""
        r = _rn.run_saliency(self._model, *self._inputs(input, stimulus, batch),
                             texts(target, "target"), str(method), bool(normalize),
                             bool(plots and out is not None))
        return self._finish(r, out)

    @_recorded
    def gradients(self, target: Sequence[str], monitor: Sequence[str], input=None,
                  stimulus: Sequence[str] = (), batch: int = 1,
                  monitor_layers: Sequence[int] = (), method: str = "vanilla",
                  normalize_per_layer: bool = False, plots: bool = False, out=None):
        """``kenyon net gradients``: target activity attributed to monitored neurons."""
        r = _rn.run_gradients(self._model, *self._inputs(input, stimulus, batch),
                              texts(target, "target"), texts(monitor, "monitor"),
                              [int(v) for v in monitor_layers], str(method),
                              bool(normalize_per_layer), bool(plots and out is not None))
        return self._finish(r, out)

    @_recorded
    def paths(self, input=None, stimulus: Sequence[str] = (), batch: int = 1,
              activation_threshold: float = 0, connectivity_threshold: float = 0,
              high_ram: bool = True, by_neuron: bool = False, ngl_source: str = "",
              ngl_base: str = "", out=None):
        """``kenyon net paths``: tables of the active paths from the input to every layer."""
        r = _rn.run_paths(self._model, *self._inputs(input, stimulus, batch),
                          float(activation_threshold), float(connectivity_threshold),
                          bool(high_ram), bool(by_neuron), str(ngl_source), str(ngl_base))
        return self._finish(r, out)

    @_recorded
    def guess(self, target: Sequence[str], longest_path: int = 5, plots: bool = False,
              out=None):
        """``kenyon net guess``: the linear guess of the input that drives the targets."""
        r = _rn.run_guess(self._model, texts(target, "target"), int(longest_path),
                          bool(plots and out is not None))
        return self._finish(r, out)

    def _inputs(self, input, stimulus, batch):
        x = None if input is None else self._input(input)
        if x is None and not stimulus:
            raise error("input", "no network input: give input= or stimulus=")
        return x, texts(stimulus, "stimulus"), int(batch)


class _targets_file:
    """A training-target table as the path of a CSV: a path as given, a DataFrame written
    to a temporary file, so that one reader (the library's) parses both."""

    def __init__(self, targets):
        self._targets = targets
        self._tmp = None

    def __enter__(self) -> str:
        if hasattr(self._targets, "to_csv"):
            import tempfile

            self._tmp = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)
            self._targets.to_csv(self._tmp, index=False)
            self._tmp.close()
            return self._tmp.name
        return os.fspath(self._targets)

    def __exit__(self, *exc):
        if self._tmp is not None:
            os.unlink(self._tmp.name)
