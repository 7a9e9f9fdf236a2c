"""connectome_interpreter's ``compress_paths.signed_conn_by_path_length_data`` in kenyon.

Without group maps it runs on kenyon's C++ signed effective connectivity (sparse products on
as many dense columns as the smaller of the source and target sets, in double precision;
never N x N powers). With ``inidx_map``, ``outidx_map`` or ``intermediate_map`` it groups
the edges of the p-hop paths layer by layer as the original's ``group_paths`` does and
chains the grouped layers (sparse products, double precision).
"""
from __future__ import annotations

import numbers
import warnings
from typing import Dict, List, Optional, Tuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _core
from ._check import error, number
from .activation_maximisation import _csr, _indices, _scipy

__all__ = ["signed_conn_by_path_length_data"]

_METHODS = ("mean", "sum", "median")


def _as_index_array(x, name):
    if isinstance(x, (int, np.integer, float, np.floating)):
        x = [int(x)]
    elif isinstance(x, (set, pd.Series, pd.Index)):
        x = list(x)
    a = _indices(x, name)
    return np.unique(a)


def _neuron_key(k):
    """A map key as a neuron index (int) where it is one, else the key unchanged."""
    if isinstance(k, (bool, np.bool_)):
        return k
    if isinstance(k, numbers.Integral):
        return int(k)
    if isinstance(k, numbers.Real) and float(k).is_integer():
        return int(k)
    if isinstance(k, str) and k.strip().lstrip("-").isdigit():
        return int(k)
    return k


def _user_map(mapping, name):
    """{key: group name (text)}; integer-like keys (also decimal text) become neuron indices,
    an int key winning over the same index given as text."""
    if mapping is None:
        return None
    if not isinstance(mapping, dict):
        try:
            mapping = dict(mapping)
        except Exception:
            raise error(name, "expected a dict from neuron index to group") from None
    out: Dict[object, str] = {}
    exact = set()
    for k, v in mapping.items():
        key = _neuron_key(k)
        is_int_key = isinstance(k, (numbers.Integral, numbers.Real)) and not isinstance(k, str)
        if key in exact and not is_int_key:
            continue
        out[key] = str(v)
        if is_int_key:
            exact.add(key)
    return out


def _signs_of(group_to_sign):
    """{group name (text): +1 / -1}, or None (every group excitatory)."""
    if group_to_sign is None:
        return None
    out = {}
    for k, v in group_to_sign.items():
        if v not in (1, -1):
            raise error("group_to_sign", f"sign of {k!r} must be 1 or -1, got {v!r}")
        out[str(k)] = int(v)
    return out


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

    ``inprop`` holds non-negative input proportions with presynaptic neurons in the rows
    (scipy sparse, dense array or torch tensor). For each path length p the edges lying on
    some walk of exactly p hops from ``inidx`` to ``outidx`` are taken layer by layer (layer
    1 leaves the sources, layer p reaches the targets) and grouped:

    * presynaptic neurons of layer 1 by ``inidx_map``, postsynaptic neurons of layer p by
      ``outidx_map``, all other neurons (the intermediate ones) by ``intermediate_map``, or
      by ``inidx_map`` when ``intermediate_map`` is None, as the original does. A neuron
      missing from its map is a group of its own, named by its index. Group names become
      text.
    * In each layer the weights into one postsynaptic neuron are summed over the members
      of a presynaptic group; then ``combining_method`` ("mean", "sum" or "median")
      combines them over ALL members of the postsynaptic group (every key of the map with
      that group, connected or not, also neurons outside ``outidx``); unconnected members
      count as 0.

    The grouped layers are chained with signs: ``group_to_sign`` maps a group name (or a
    neuron index, for a neuron in no group) to +1 or -1; with W+ / W- a layer's rows from
    excitatory / inhibitory groups, E_1 = W+_1, I_1 = W-_1, E_{k+1} = E_k W+ + I_k W-,
    I_{k+1} = E_k W- + I_k W+. As in the original, the outputs of a group missing from
    ``group_to_sign`` are left out (with a warning). ``group_to_sign=None`` (which the
    original does not accept) makes every group excitatory. Without any map this is the
    signed walk sum: entry (s, t) of E_p (I_p) sums the products of input proportions
    along p-hop walks through an even (odd) number of inhibitory neurons.

    Map keys are neuron indices; integral numbers and decimal text ("12", as read from
    JSON) both name neuron 12 (an int key wins over the same index as text); other keys
    still count as members of their group.

    Wide format (default): one DataFrame per length with source groups (text) as rows and
    target groups (text) as columns, both sorted as text, holding only rows and columns
    with a non-zero entry (an empty DataFrame when there is none; the original may also
    keep all-zero ones). Long format: columns pre, post, weight, one row per non-zero
    entry.
    """
    if combining_method not in _METHODS:
        raise error("combining_method", f"expected 'mean', 'sum' or 'median', got {combining_method!r}")
    if int(number(n, "n", int)) < 1:
        raise error("n", f"expected at least 1 hop, got {n}")
    n = int(n)
    m = _csr(inprop, "inprop")
    size = m.rows
    if m.cols != size:
        raise error("inprop", f"expected a square matrix, got {m.rows} x {m.cols}")
    src = _as_index_array(inidx, "inidx")
    dst = _as_index_array(outidx, "outidx")
    for name, a in (("inidx", src), ("outidx", dst)):
        if a.size and (a.min() < 0 or a.max() >= size):
            raise error(name, f"index outside 0..{size - 1}")
    g2s = _signs_of(group_to_sign)
    maps = [_user_map(inidx_map, "inidx_map"), _user_map(outidx_map, "outidx_map"),
            _user_map(intermediate_map, "intermediate_map")]
    if all(x is None for x in maps):
        return _ungrouped(m, size, src, dst, n, g2s, wide)
    a = _scipy(m).tocoo()
    return _grouped(a, size, src, dst, n, g2s, *maps, combining_method, wide)


# ------------------------------------------------------------------ no maps: C++


def _ungrouped(m, size, src, dst, n, g2s, wide):
    signs = np.ones(size, np.int32)
    if g2s is not None:
        keep = np.ones(size, bool)
        for i in range(size):
            v = g2s.get(str(i))
            if v is None:
                keep[i] = False
            else:
                signs[i] = v
        if not keep.all():
            _warn_unsigned()
            m = _csr(sp.diags(keep.astype(np.float32)) @ _scipy(m), "inprop")
    exc, inh = _core.ratenet.signed_connectivity_by_path_length(m, signs, src, dst, n)
    rows = [str(i) for i in src]
    cols = [str(i) for i in dst]
    return ([_frame(sp.csr_matrix(e), rows, cols, wide) for e in exc],
            [_frame(sp.csr_matrix(i), rows, cols, wide) for i in inh])


def _warn_unsigned():
    warnings.warn("signed_conn_by_path_length_data: some groups are not in group_to_sign; "
                  "their outputs are left out", stacklevel=3)


# ------------------------------------------------------------------ maps: layer by layer


def _layer_sets(row, col, size, src, dst, p):
    """For each position 0..p the neurons on some p-hop walk from src to dst at that
    position (boolean masks), or None when there is no such walk."""
    fwd = [np.zeros(size, bool) for _ in range(p + 1)]
    bwd = [np.zeros(size, bool) for _ in range(p + 1)]
    fwd[0][src] = True
    bwd[p][dst] = True
    for k in range(1, p + 1):
        fwd[k][col[fwd[k - 1][row]]] = True
        bwd[p - k][row[bwd[p - k + 1][col]]] = True
    on = [f & b for f, b in zip(fwd, bwd)]
    if not all(x.any() for x in on):
        return None
    return on


def _full_map(nodes, user):
    """The original's group dict: every path neuron its own group, the user's map winning."""
    full = {int(v): str(int(v)) for v in nodes}
    if user is not None:
        full.update(user)
    return full


def _grouped(a, size, src, dst, n, g2s, in_map, out_map, mid_map, method, wide):
    row = a.row.astype(np.int64)
    col = a.col.astype(np.int64)
    w = a.data.astype(np.float64)
    out_e, out_i = [], []
    warned = False
    for p in range(1, n + 1):
        on = _layer_sets(row, col, size, src, dst, p)
        if on is None:
            out_e.append(pd.DataFrame())
            out_i.append(pd.DataFrame())
            continue
        sel = [on[k - 1][row] & on[k][col] for k in range(1, p + 1)]
        nodes = np.unique(np.concatenate([np.concatenate([row[s], col[s]]) for s in sel]))
        pre_d = _full_map(nodes, in_map)
        post_d = _full_map(nodes, out_map)
        mid_d = dict(pre_d) if mid_map is None else _full_map(nodes, mid_map)

        names: Dict[str, int] = {}

        def codes(d):
            # Group code of each neuron 0..size-1 (-1: none), and member counts per code.
            c = np.full(size, -1, np.int64)
            count: Dict[int, int] = {}
            for k, g in d.items():
                code = names.setdefault(g, len(names))
                count[code] = count.get(code, 0) + 1
                if isinstance(k, int) and 0 <= k < size:
                    c[k] = code
            return c, count

        pre_c, _ = codes(pre_d)
        post_c, post_n = codes(post_d)
        mid_c, mid_n = codes(mid_d)
        layers = []
        for k in range(1, p + 1):
            s = sel[k - 1]
            rc = (pre_c if k == 1 else mid_c)[row[s]]
            cc, count = (post_c, post_n) if k == p else (mid_c, mid_n)
            layers.append(_combine(rc, col[s], w[s], cc, count, method))
        g = len(names)
        label = np.empty(g, object)
        for text, code in names.items():
            label[code] = text
        sign = np.zeros(g, np.int8)
        for code in range(g):
            sign[code] = 1 if g2s is None else g2s.get(label[code], 0)
        e = i = None
        for k, (r, c, v) in enumerate(layers):
            s = sign[r]
            if not warned and (s == 0).any():
                _warn_unsigned()
                warned = True
            wp = sp.csr_matrix((v[s == 1], (r[s == 1], c[s == 1])), shape=(g, g))
            wm = sp.csr_matrix((v[s == -1], (r[s == -1], c[s == -1])), shape=(g, g))
            if k == 0:
                e, i = wp, wm
            else:
                e, i = e @ wp + i @ wm, e @ wm + i @ wp
        out_e.append(_frame(e, label, label, wide))
        out_i.append(_frame(i, label, label, wide))
    return out_e, out_i


def _combine(pre_code, post, weight, post_code, count, method):
    """One grouped layer as (row code, column code, value) triplets: weights summed over
    the presynaptic members of a group per postsynaptic neuron, then combined over all
    members of the postsynaptic group (unconnected ones as 0)."""
    if pre_code.size == 0:
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(0)
    # Sum over presynaptic members: one value per (pre group, post neuron).
    key = pd.DataFrame({"g": pre_code, "v": post, "w": weight}).groupby(["g", "v"], sort=True)["w"].sum()
    g = key.index.get_level_values(0).to_numpy()
    v = key.index.get_level_values(1).to_numpy()
    x = key.to_numpy()
    h = post_code[v]
    df = pd.DataFrame({"g": g, "h": h, "w": x})
    grouped = df.groupby(["g", "h"], sort=True)["w"]
    if method == "sum":
        out = grouped.sum()
    elif method == "mean":
        out = grouped.sum()
        out = out / np.array([count[int(c)] for c in out.index.get_level_values(1)], float)
    else:
        vals = {}
        for (gg, hh), part in grouped:
            members = count[int(hh)]
            padded = np.concatenate([part.to_numpy(), np.zeros(members - len(part))])
            vals[(gg, hh)] = float(np.median(padded))
        out = pd.Series(vals)
    return (out.index.get_level_values(0).to_numpy(np.int64),
            out.index.get_level_values(1).to_numpy(np.int64), out.to_numpy(np.float64))


def _frame(matrix, row_labels, col_labels, wide):
    """A (rows x cols) sparse result as the wide or long DataFrame of its non-zero part."""
    c = sp.coo_matrix(matrix)
    keep = c.data != 0
    r, k, v = c.row[keep], c.col[keep], c.data[keep]
    if v.size == 0:
        return pd.DataFrame()
    rows = np.asarray(row_labels, object)[r]
    cols = np.asarray(col_labels, object)[k]
    long = pd.DataFrame({"pre": rows, "post": cols, "weight": v})
    long = long.groupby(["pre", "post"], sort=True)["weight"].sum().reset_index()
    if not wide:
        return long[long["weight"] != 0].reset_index(drop=True)
    df = long.pivot(index="pre", columns="post", values="weight").fillna(0.0)
    df = df.sort_index(axis=0).sort_index(axis=1)
    df.index.name = "pre"
    df.columns.name = "post"
    return df
