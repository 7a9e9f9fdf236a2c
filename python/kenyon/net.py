"""``kenyon net`` from Python: the same operations, summaries and output folders.

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

import os
from typing import Optional, Sequence

import numpy as np

from . import _core
from .connectome import Connectome
from .errors import ParameterError

__all__ = ["Model"]

_rn = _core.ratenet


def _texts(values, field) -> list:
    if isinstance(values, str):
        values = [values]
    try:
        return [str(v) for v in values]
    except TypeError:
        raise ParameterError(f"{field}: expected a list of strings, got {values!r}", field) from None


def _named_values(mapping, field) -> dict:
    out = {}
    for name, value in dict(mapping or {}).items():
        v = float(value)
        if not np.isfinite(v):
            raise ParameterError(f"{field}: the value of {name!r} is not a finite number", field)
        out[str(name)] = v
    return out


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
            raise ParameterError(f"kind: expected multilayered or linear, got {kind!r}", "kind")
        p = _rn.NetworkParams()
        p.kind = getattr(_rn.NetworkKind, kind)
        p.num_layers = int(layers)
        p.threshold = float(threshold)
        p.tanh_steepness = float(slope)
        p.default_bias = float(bias)
        p.tau = float(tau)
        p.slope_by_group = _named_values(group_slope, "group_slope")
        p.bias_by_group = _named_values(group_bias, "group_bias")
        p.tau_by_group = _named_values(group_tau, "group_tau")
        self.connectome = connectome
        self._model = _rn.Model(connectome._core, _texts(sensory, "sensory"), p, bool(groups))

    @property
    def num_layers(self) -> int:
        return self._model.num_layers

    @property
    def num_sensory(self) -> int:
        return self._model.num_sensory

    def _input(self, x) -> np.ndarray:
        a = np.asarray(x)
        if a.dtype.kind not in "fiu":
            raise ParameterError(f"input: expected a numeric array, got dtype {a.dtype}", "input")
        a = np.ascontiguousarray(a, dtype=np.float32)
        if a.ndim == 2:
            a = a[None]
        if a.ndim != 3 or a.shape[1] != self.num_sensory or a.shape[2] < self.num_layers:
            raise ParameterError(
                f"input: expected shape (batch, {self.num_sensory}, >= {self.num_layers}) "
                f"or ({self.num_sensory}, steps), got {np.shape(x)}", "input")
        if not np.isfinite(a).all():
            raise ParameterError("input: contains NaN or infinity", "input")
        return a

    @staticmethod
    def _finish(result, out):
        if out is not None:
            result.write(os.fspath(out))
        return result

    def forward(self, input=None, stimulus: Sequence[str] = (), batch: int = 1,
                clamp: Sequence[str] = (), show: Sequence[str] = (), plots: bool = False,
                out=None):
        """``kenyon net forward``: the activations for an input array (batch, sensory,
        steps) or for ``stimulus`` specs ("[batch/]SENSORY:STEP[=VALUE]")."""
        x = None if input is None else self._input(input)
        if x is None and not stimulus:
            raise ParameterError("input: no network input: give input= or stimulus=", "input")
        r = _rn.run_forward(self._model, x, _texts(stimulus, "stimulus"), int(batch),
                            _texts(clamp, "clamp"), _texts(show, "show"),
                            bool(plots and out is not None))
        return self._finish(r, out)

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
            raise ParameterError(f"reg: expected mean or sum, got {reg!r}", "reg")
        initial = None
        if not isinstance(init, str):
            initial = self._input(init)
            if initial.shape != (batch, self.num_sensory, self.num_layers):
                raise ParameterError(
                    f"init: expected shape ({batch}, {self.num_sensory}, {self.num_layers}), "
                    f"got {initial.shape}", "init")
            init = "random"
        r = _rn.run_maximise(self._model, _texts(target, "target"), int(batch), int(iterations),
                             float(learning_rate), float(in_reg), float(out_reg), reg == "mean",
                             bool(early_stopping), float(stopping_threshold), int(n_runs),
                             bool(normalize_gradients), int(checkpoint), int(seed), init, initial,
                             bool(plots and out is not None))
        return self._finish(r, out)

    maximize = maximise
