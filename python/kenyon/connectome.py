"""Connectomes from Python: every format of ``kenyon net`` and the shipped datasets.

A loaded connectome gives what a connectome_interpreter tutorial starts from::

    import kenyon
    inprop, meta, idx_to_sign, idx_to_type = kenyon.datasets.larva()

``inprop`` is the unsigned input-proportion matrix (``scipy.sparse.csr_matrix``,
presynaptic neurons in rows), ``meta`` one row per neuron (``idx``, ``id``, ``type``,
``sign``, ``sensory``, ``side`` and, for datasets with columns, ``column``), and the two
dicts map a matrix index to its sign (+1/-1) and cell type. The matrix and the numeric
columns are read-only views of kenyon's own arrays, not copies.
"""
from __future__ import annotations

import numbers
import os
import pathlib
from typing import Iterator, Mapping, Optional, Sequence

import numpy as np

from . import _core
from ._check import error, number, texts

__all__ = ["Connectome", "load", "network", "shipped"]

# An installed package (pip install .) carries the shipped datasets beside itself; the
# build tree's extension finds them in the repository.
_PACKAGED = pathlib.Path(__file__).resolve().parent / "data" / "connectomes"
if _PACKAGED.is_dir() and not os.environ.get("KENYON_CONNECTOME_DIR"):
    os.environ["KENYON_CONNECTOME_DIR"] = str(_PACKAGED)


class Connectome:
    """A connectome as kenyon holds it: a neuron table and the input-proportion matrix.

    Unpacks as ``inprop, neurons, idx_to_sign, idx_to_type``.
    """

    def __init__(self, core: "_core.Connectome"):
        if not isinstance(core, _core.Connectome):
            raise TypeError("a Connectome comes from kenyon.connectome.load or kenyon.datasets, "
                            f"not from a {type(core).__name__}")
        self._core = core
        self._inprop = None
        self._neurons = None

    @property
    def name(self) -> str:
        """The dataset name or the file it came from."""
        return self._core.name

    def __len__(self) -> int:
        return self._core.size

    @property
    def inprop(self):
        """Unsigned input proportions, presynaptic neurons in rows (scipy CSR, read-only)."""
        if self._inprop is None:
            from scipy import sparse

            data, indices, indptr, shape = self._core.inprop_csr
            self._inprop = sparse.csr_matrix((data, indices, indptr), shape=shape, copy=False)
        return self._inprop

    @property
    def neurons(self):
        """One row per neuron, in matrix order: idx, id, type, sign, sensory, side[, class][,
        column]; ``class`` (the coarse class above the type) where the dataset has classes."""
        if self._neurons is None:
            import pandas as pd

            c = self._core
            columns = {
                "idx": np.arange(c.size, dtype=np.int64),
                "id": c.id,
                "type": c.type,
                "sign": c.sign,
                "sensory": c.sensory,
                "side": c.side,
            }
            if len(c.cell_class):
                columns["class"] = c.cell_class
            if len(c.column):
                columns["column"] = c.column
            self._neurons = pd.DataFrame(columns)
        return self._neurons

    @property
    def idx_to_sign(self) -> dict:
        """Matrix index -> +1 (excitatory) or -1 (inhibitory), as add_sign takes it."""
        return dict(enumerate(self._core.sign.tolist()))

    @property
    def idx_to_type(self) -> dict:
        """Matrix index -> cell type (the groups of a MultilayeredNetwork)."""
        return dict(enumerate(self._core.type))

    @property
    def idx_to_class(self) -> dict:
        """Matrix index -> coarse class ('' where none); empty if the dataset has no classes."""
        return dict(enumerate(self._core.cell_class))

    @property
    def edge_sign(self) -> np.ndarray:
        """Per-connection signs in inprop's entry order, or empty where neurons carry the sign."""
        return self._core.edge_sign

    def sensory_indices(self) -> np.ndarray:
        """Indices of the sensory neurons, ascending."""
        return self._core.sensory_indices()

    def select(self, selector: str) -> np.ndarray:
        """Neuron indices for a cell type, else a class (every neuron of that class; a name that
        is both means the type), else a shell pattern over types ("MBON*"), then over
        classes, else an id."""
        if isinstance(selector, bool) or not isinstance(selector, (str, numbers.Integral)):
            raise TypeError(f"selector must be a cell type, pattern or id, got {type(selector).__name__}")
        return self._core.select(str(selector))

    def signed_weights(self):
        """The signed matrix the networks run on: postsynaptic rows, presynaptic columns.

        As connectome_interpreter's ``add_sign(inprop, idx_to_sign)``, or signed entry by
        entry where the dataset gives signs per connection (the visual system).
        """
        inprop = self.inprop
        if len(self.edge_sign):
            signs = self.edge_sign.astype(np.float32)
        else:
            rows = np.repeat(np.arange(inprop.shape[0]), np.diff(inprop.indptr))
            signs = self._core.sign[rows].astype(np.float32)
        signed = inprop.copy()
        signed.data = signed.data * signs
        return signed.T.tocsr()

    def __iter__(self) -> Iterator:
        return iter((self.inprop, self.neurons, self.idx_to_sign, self.idx_to_type))

    def __repr__(self) -> str:
        return (f"Connectome({self.name!r}: {len(self)} neurons, "
                f"{self.inprop.nnz} connections, {len(self.sensory_indices())} sensory)")


def load(connectome: str | os.PathLike, neurons: Optional[str | os.PathLike] = None,
         classification: Optional[str | os.PathLike] = None, format: str = "auto",
         min_synapses: float = 0, neuropils: Sequence[str] = (),
         transmitter_sign: Optional[Mapping[str, int]] = None, default_sign: int = 1,
         input_proportion: bool = True) -> Connectome:
    """Loads a connectome as ``kenyon net --connectome`` does.

    ``connectome`` is a shipped name (``kenyon.connectome.shipped()``) or a file: an edge
    list CSV (with ``neurons=`` its neuron table), FlyWire Codex connections (with
    ``classification=`` and ``neurons=``), a neuPrint adjacency export (``neurons=``), a
    scipy ``.npz`` with its metadata CSV as ``neurons=``, or the flyvis JSON template.
    ``format`` forces one of "auto", "shipped", "edge-list", "codex", "neuprint", "npz",
    "flyvis-json". The other options are those of ``kenyon net``'s loaders: synapse
    threshold, neuropil filter, transmitter signs, and whether weights become input
    proportions. Errors name the file, row and column (``kenyon.FileError``).
    """
    def path(p):
        return None if p is None else os.fspath(p)

    if format == "shipped" and (neurons is not None or classification is not None):
        raise error("neurons" if neurons is not None else "classification",
                    f"the shipped connectome {os.fspath(connectome)!r} comes with its own neuron table")
    signs = {str(k): number(v, "transmitter_sign", int) for k, v in dict(transmitter_sign or {}).items()}

    core = _core.load_connectome(
        os.fspath(connectome), path(neurons), path(classification), format,
        number(min_synapses, "min_synapses"), [str(n) for n in neuropils],
        signs, number(default_sign, "default_sign", int),
        bool(input_proportion))
    return Connectome(core)


def network(connectome: Connectome, num_layers: int = 2, sensory: Optional[Sequence[str]] = None,
            linear: bool = False, **model_options):
    """A ready ``MultilayeredNetwork`` (``LinearNetwork`` with ``linear=True``) on a connectome.

    As ``kenyon net`` builds its model: the signed weights (``signed_weights()``), the
    connectome's sensory neurons as inputs (or the neurons ``sensory`` selects: cell types,
    patterns such as "ORN*", or ids), and the cell types as groups, so that ``bias_dict``,
    ``slope_dict``, ``tau_dict`` and ``divisive_normalization`` take cell-type names (and
    ``manipulate`` keys and gradient monitors class names too, where the connectome has
    classes: ``idx_to_class``). The
    other options are ``MultilayeredNetwork``'s (``threshold``, ``tanh_steepness``, ...).
    """
    from . import activation_maximisation as am

    if not isinstance(connectome, Connectome):
        raise TypeError(f"connectome must be a kenyon Connectome (kenyon.connectome.load), got "
                        f"{type(connectome).__name__}")
    sensory = None if sensory is None else texts(sensory, "sensory")
    if sensory:
        inputs = np.unique(np.concatenate([connectome.select(s) for s in sensory]))
    else:
        inputs = connectome.sensory_indices()
    if len(inputs) == 0:
        raise error("sensory", f"connectome {connectome.name} marks no sensory neurons: name the input "
                    "neurons with sensory=[...]")
    cls = am.LinearNetwork if linear else am.MultilayeredNetwork
    model_options.setdefault("idx_to_group", connectome.idx_to_type)
    if len(connectome._core.cell_class):
        model_options.setdefault("idx_to_class", connectome.idx_to_class)
    return cls(connectome.signed_weights(), inputs, num_layers=num_layers, **model_options)


def shipped() -> list:
    """Names of the connectomes kenyon ships (``kenyon.datasets`` loads them)."""
    return list(_core.shipped_connectomes())
