"""``kenyon net`` from Python: every operation, with the same summaries and output folders.

::

    import kenyon
    model = kenyon.net.Model(kenyon.datasets.larva(), layers=5)
    r = model.maximise(["MBON:4=1.0"], batch=4, out="am_mbon")   # as kenyon net maximise
    r.summary(); r.input; r.activations
    a = kenyon.atlas("larva", each="MBON", num_layers=6)          # as kenyon net atlas
    a.table; a.inputs                                               # atlas.csv, inputs.npy

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
from ._check import error, finite, integer, named_values, texts
from ._core import __version__
from .errors import FileError

__all__ = ["Model", "atlas"]

_rn = _core.ratenet


def _plain(value):
    """An argument as JSON can hold it: arrays by their shape and type, not their values."""
    if isinstance(value, np.ndarray):
        return f"array of shape {list(value.shape)} ({value.dtype})"
    if hasattr(value, "to_csv") and hasattr(value, "shape"):
        return f"DataFrame of shape {list(value.shape)}"
    if isinstance(value, os.PathLike):
        return os.fspath(value)
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

    @_recorded
    def atlas(self, each: Optional[str] = None, targets=None, layer: Optional[int] = None,
              value: float = 1.0, by: str = "type", batch: int = 8, top: int = 5,
              iterations: int = 50, learning_rate: float = 0.1, in_reg: float = 0.01,
              out_reg: float = 0.01, reg: str = "mean", early_stopping: bool = True,
              stopping_threshold: float = 1e-5, n_runs: int = 10,
              normalize_gradients: bool = False, seed: int = 0, plots: bool = False,
              out=None):
        """``kenyon net atlas``: one activation maximisation per target set.

        The target sets are every cell type matching the pattern ``each`` ("MBON", "MBON*";
        with ``by="neuron"`` every neuron of them), or the rows of ``targets``: the CSV
        ``--targets-file`` takes (target, and optionally layer, value, name) or a DataFrame
        with those columns. ``layer`` (default: the last) and ``value`` are the targets'
        unless a row gives its own. ``batch`` target sets are optimised together; the result
        does not depend on it. The result's ``table`` is atlas.csv, ``inputs`` the optimised
        inputs (target sets, sensory, layers), and ``write(dir)`` writes what ``--out`` does.
        """
        if each is not None and not isinstance(each, str):
            raise error("each", f"expected a cell-type pattern (a string), got {each!r}")
        if each is not None and targets is not None:
            raise error("each", "give either each (a pattern) or targets (a CSV or DataFrame), not both")
        if each is None and targets is None:
            raise error("each", "give each (a cell-type pattern such as 'MBON*') or targets (a CSV "
                        "or DataFrame)")
        if by not in ("type", "neuron"):
            raise error("by", f"expected type or neuron, got {by!r}")
        if reg not in ("mean", "sum"):
            raise error("reg", f"expected mean or sum, got {reg!r}")
        if layer is not None:
            layer = integer(layer, "layer")
            if not 0 <= layer < self.num_layers:
                raise error("layer", f"{layer} is outside 0..{self.num_layers - 1} "
                            f"(layers {self.num_layers})")
        if targets is not None and not hasattr(targets, "to_csv") and not isinstance(targets, (str, os.PathLike)):
            raise TypeError(f"targets must be a CSV path or a pandas DataFrame, got {type(targets).__name__}")
        args = (None if layer is None else layer, finite(value, "value"), by,
                integer(batch, "batch", 1), integer(top, "top", 0), integer(iterations, "iterations", 0),
                finite(learning_rate, "learning_rate"), finite(in_reg, "in_reg"),
                finite(out_reg, "out_reg"), reg == "mean", bool(early_stopping),
                finite(stopping_threshold, "stopping_threshold"), integer(n_runs, "n_runs", 1),
                bool(normalize_gradients), integer(seed, "seed", 0), bool(plots and out is not None))
        if targets is None:
            r = _rn.run_atlas(self._model, each, None, *args)
        else:
            with _targets_file(targets) as path:
                try:
                    r = _rn.run_atlas(self._model, None, path, *args)
                except FileError as e:
                    if not hasattr(targets, "to_csv"):
                        raise
                    # A DataFrame went through a temporary CSV: name the argument instead.
                    raise _renamed(e, path, "targets (DataFrame)") from None
        return self._finish(r, out)

    def _inputs(self, input, stimulus, batch):
        x = None if input is None else self._input(input)
        if x is None and not stimulus:
            raise error("input", "no network input: give input= or stimulus=")
        return x, texts(stimulus, "stimulus"), int(batch)


def atlas(connectome, each: Optional[str] = None, targets=None, layer: Optional[int] = None,
          value: float = 1.0, by: str = "type", batch: int = 8, top: int = 5,
          num_layers: int = 2, iterations: int = 50, learning_rate: float = 0.1,
          in_reg_lambda: float = 0.01, out_reg_lambda: float = 0.01, reg: str = "mean",
          early_stopping: bool = True, stopping_threshold: float = 1e-5, n_runs: int = 10,
          seed: int = 0, out=None, plots: bool = False, **model_options):
    """``kenyon net atlas`` in one call: ``Model(connectome, layers=num_layers,
    **model_options).atlas(...)``; ``connectome`` is a Connectome or a name or file that
    ``kenyon.connectome.load`` takes ("larva"). ``in_reg_lambda`` and ``out_reg_lambda`` are
    the regularisers' weights (``in_reg``, ``out_reg`` of ``Model.atlas``); the other
    arguments are ``Model.atlas``'s and the model options ``Model``'s (sensory, kind,
    threshold, slope, bias, tau, group_slope, group_bias, group_tau, groups)."""
    from .connectome import load

    if "layers" in model_options:
        raise error("layers", "give the number of layers as num_layers")
    if isinstance(connectome, (str, os.PathLike)):
        connectome = load(connectome)
    model = Model(connectome, layers=integer(num_layers, "num_layers", 1), **model_options)
    return model.atlas(each=each, targets=targets, layer=layer, value=value, by=by, batch=batch,
                       top=top, iterations=iterations, learning_rate=learning_rate,
                       in_reg=in_reg_lambda, out_reg=out_reg_lambda, reg=reg,
                       early_stopping=early_stopping, stopping_threshold=stopping_threshold,
                       n_runs=n_runs, seed=seed, plots=plots, out=out)


def _renamed(e: FileError, path: str, name: str) -> FileError:
    """The file error `e` about the temporary file `path`, naming `name` instead."""
    out = FileError(str(e).replace(path, name))
    for attribute in ("row", "column"):
        setattr(out, attribute, getattr(e, attribute, None))
    out.filename = name
    return out


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
