"""connectome_interpreter's ``compress_paths.signed_conn_by_path_length_data`` on kenyon's C++
signed effective connectivity (sparse products on as many dense columns as the smaller of the
source and target sets, in double precision; never N x N powers).
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np
import pandas as pd

from . import _core
from .activation_maximisation import _csr, _error, _indices

__all__ = ["signed_conn_by_path_length_data"]

_COMBINE = {"mean": np.mean, "sum": np.sum, "median": np.median}


def _as_index_array(x, name):
    if isinstance(x, (int, np.integer, float, np.floating)):
        x = [int(x)]
    elif isinstance(x, (set, pd.Series, pd.Index)):
        x = list(x)
    a = _indices(x, name)
    return np.unique(a)


def _groups(indices, mapping):
    """Group name (text) per index; an index without a group is its own group."""
    if mapping is None:
        return [str(i) for i in indices]
    return [str(mapping.get(int(i), mapping.get(str(int(i)), int(i)))) for i in indices]


def signed_conn_by_path_length_data(
    inprop,
    inidx,
    outidx,
    n: int,
    group_to_sign: dict = None,
    inidx_map: Optional[dict] = None,
    outidx_map: Optional[dict] = None,
    intermediate_map: Optional[dict] = None,
    combining_method: str = "mean",
    wide: bool = True,
) -> Tuple[List[pd.DataFrame], List[pd.DataFrame]]:
    """Excitatory and inhibitory effective connectivity from ``inidx`` to ``outidx`` for
    path lengths 1..n (lists of n DataFrames each).

    ``inprop`` holds input proportions with presynaptic neurons in the rows (scipy sparse,
    dense array or torch tensor). ``group_to_sign`` maps each neuron index (or, with
    ``inidx_map``, a group name of a neuron) to +1 or -1; neurons not listed count as
    excitatory. With E_1 = A+, I_1 = A-, E_{k+1} = E_k A+ + I_k A-, I_{k+1} = E_k A- + I_k A+
    (A+/A- the rows of excitatory/inhibitory presynaptic neurons), entry (s, t) of E_p
    (I_p) sums the products of input proportions along p-hop walks through an even (odd)
    number of inhibitory neurons.

    Wide format (default): one DataFrame per length with sources (text) as rows and
    targets (text) as columns, holding only sources and targets with a non-zero entry
    (empty DataFrame when there are none). Long format: columns pre, post, weight, one row
    per non-zero entry.

    Grouping: ``inidx_map`` sums the sources of a group, ``outidx_map`` combines the
    targets of a group with ``combining_method`` ("mean", "sum" or "median", over the
    group's members among ``outidx``). Unlike the original, intermediate neurons are never
    grouped: ``intermediate_map`` is not supported and raises NotImplementedError.
    """
    if intermediate_map is not None:
        raise NotImplementedError("intermediate_map: kenyon does not group intermediate neurons")
    if combining_method not in _COMBINE:
        raise _error(
            "combining_method",
            f"combining_method must be 'mean', 'sum' or 'median', got {combining_method!r}"
        )
    if int(n) < 1:
        raise _error("n", f"n: expected at least 1 hop, got {n}")
    m = _csr(inprop, "inprop")
    size = m.rows
    src = _as_index_array(inidx, "inidx")
    dst = _as_index_array(outidx, "outidx")
    for name, a in (("inidx", src), ("outidx", dst)):
        if a.size and (a.min() < 0 or a.max() >= size):
            raise _error(name, f"{name}: index outside 0..{size - 1}")
    signs = np.ones(size, np.int32)
    if group_to_sign is not None:
        g2s = {str(k): v for k, v in group_to_sign.items()}
        # A neuron's sign comes from its own index, or from its group under inidx_map
        # (every neuron, not only sources, may be presynaptic somewhere on a path).
        for i in range(size):
            key = str(i)
            if inidx_map is not None and (i in inidx_map or key in inidx_map):
                key = str(inidx_map.get(i, inidx_map.get(key)))
            v = g2s.get(key, g2s.get(str(i)))
            if v is not None:
                if v not in (1, -1):
                    raise _error("group_to_sign", f"group_to_sign: sign of {key!r} must be 1 or -1, got {v!r}")
                signs[i] = int(v)
    exc, inh = _core.ratenet.signed_connectivity_by_path_length(m, signs, src, dst, int(n))
    src_groups = _groups(src, inidx_map)
    dst_groups = _groups(dst, outidx_map)
    combine = _COMBINE[combining_method]
    out_e, out_i = [], []
    for e, i in zip(exc, inh):
        out_e.append(_frame(e, src_groups, dst_groups, combine, wide))
        out_i.append(_frame(i, src_groups, dst_groups, combine, wide))
    return out_e, out_i


def _frame(values, src_groups, dst_groups, combine, wide):
    df = pd.DataFrame(values, index=src_groups, columns=dst_groups)
    df = df.groupby(level=0, sort=True).sum()  # sum over the sources of a group
    df = df.T.groupby(level=0, sort=True).agg(lambda c: combine(c.to_numpy())).T
    df.index.name = "pre"
    df.columns.name = "post"
    nz = df.to_numpy() != 0
    df = df.loc[nz.any(axis=1), nz.any(axis=0)]
    if df.empty:
        return pd.DataFrame()
    if wide:
        return df
    long = df.stack().reset_index()
    long.columns = ["pre", "post", "weight"]
    return long[long["weight"] != 0].reset_index(drop=True)
