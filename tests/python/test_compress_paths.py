"""kenyon.compress_paths.signed_conn_by_path_length_data against a dense numpy oracle (the
spec's recursion E_1 = A+, I_1 = A-, E_{k+1} = E_k A+ + I_k A-, I_{k+1} = E_k A- + I_k A+)
and against guess_optimal_stimulus's reference output, which the original builds from it."""
import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from kenyon import activation_maximisation as am
from kenyon.compress_paths import signed_conn_by_path_length_data

N = 300


@pytest.fixture(scope="module")
def case(data_dir):
    d = data_dir / "connectome_interpreter"
    inprop = sp.csr_matrix(
        (np.load(d / "inprop_val.npy"), (np.load(d / "inprop_row.npy"), np.load(d / "inprop_col.npy"))),
        shape=(N, N))
    with open(d / "idx_to_sign.json") as f:
        signs = {int(k): v for k, v in json.load(f).items()}
    with open(d / "idx_to_group.json") as f:
        groups = {int(k): v for k, v in json.load(f).items()}
    return inprop, signs, groups, np.load(d / "h_guess_optimal_stimulus.npy")


def oracle(inprop, signs, src, dst, n):
    a = inprop.toarray().astype(np.float64)
    neg = np.array([signs.get(i, 1) == -1 for i in range(N)])
    ap = np.where(neg[:, None], 0, a)
    am_ = np.where(neg[:, None], a, 0)
    e, i = ap, am_
    es, is_ = [e], [i]
    for _ in range(n - 1):
        e, i = e @ ap + i @ am_, e @ am_ + i @ ap
        es.append(e)
        is_.append(i)
    return [x[np.ix_(src, dst)] for x in es], [x[np.ix_(src, dst)] for x in is_]


def test_matches_the_dense_oracle_sparse_and_dense_inputs(case):
    inprop, signs, _, _ = case
    src, dst = list(range(40)), [200, 201, 150, 250]
    e_want, i_want = oracle(inprop, signs, src, sorted(dst), 4)
    for matrix in (inprop, inprop.toarray(), sp.coo_matrix(inprop)):
        exc, inh = signed_conn_by_path_length_data(matrix, src, dst, 4, group_to_sign=signs)
        assert len(exc) == 4 and len(inh) == 4
        for p in range(4):
            for got, want in ((exc[p], e_want[p]), (inh[p], i_want[p])):
                full = got.reindex(index=[str(s) for s in src], columns=[str(t) for t in sorted(dst)], fill_value=0)
                np.testing.assert_allclose(full.to_numpy(), want, rtol=1e-5, atol=1e-9)
                if not got.empty:
                    assert (got.to_numpy() != 0).any(axis=1).all()


def test_long_format_and_grouping(case):
    inprop, signs, groups, _ = case
    src, dst = list(range(40)), list(range(200, 240))
    exc, _ = signed_conn_by_path_length_data(inprop, src, dst, 2, signs, wide=False)
    assert list(exc[1].columns) == ["pre", "post", "weight"] and (exc[1].weight != 0).all()
    # Direct connections, everything excitatory: grouped sources summed, grouped targets
    # summed (a group's members outside dst add nothing to a sum).
    wide, _ = signed_conn_by_path_length_data(inprop, src, dst, 1)
    grouped, _ = signed_conn_by_path_length_data(inprop, src, dst, 1, inidx_map=groups,
                                                 outidx_map=groups, combining_method="sum")
    w = wide[0].copy()
    w.index = [groups[int(s)] for s in w.index]
    w.columns = [groups[int(t)] for t in w.columns]
    expect = w.groupby(level=0).sum().T.groupby(level=0).sum().T
    np.testing.assert_allclose(grouped[0].loc[expect.index, expect.columns].to_numpy(), expect.to_numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="combining_method"):
        signed_conn_by_path_length_data(inprop, src, dst, 2, signs, combining_method="max")
    with pytest.raises(ValueError, match="outidx"):
        signed_conn_by_path_length_data(inprop, src, [N + 5], 2, signs)


def test_reproduces_guess_optimal_stimulus_reference(case):
    # The original's guess_optimal_stimulus sums v_t (E_p - I_p) over the targets into column
    # n - p; rebuild it from this function and compare with the reference output.
    inprop, signs, _, want = case
    targets = {200: 1.0, 201: 0.5}
    n = 3
    exc, inh = signed_conn_by_path_length_data(inprop, list(range(40)), list(targets), n, signs)
    stim = pd.DataFrame(0.0, index=[str(i) for i in range(40)], columns=range(n))
    for p in range(n):
        for frame, sign in ((exc[p], 1), (inh[p], -1)):
            if frame.empty:
                continue
            score = (frame * pd.Series({str(k): v for k, v in targets.items()})).sum(axis=1)
            stim[n - 1 - p] += sign * score.reindex(stim.index, fill_value=0)
    np.testing.assert_allclose(stim.to_numpy()[None], want, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(
        am.guess_optimal_stimulus(inprop, list(range(40)), signs, am.TargetActivation({2: targets})), want,
        rtol=1e-4, atol=1e-6)


# ------------------------------------------------------------------ grouped paths, by hand
#
# Twelve neurons: sources 0, 1, 2; targets 7, 8, 9; intermediates 3..6; 10 reaches the
# targets but is never reached from the sources (its edges lie on no source->target walk);
# 11 is a member of a target group but not a target. 1 -> 0 makes a source also an
# intermediate neuron on 2-hop walks, 5 -> 4 and 6 -> 5 give 3-hop walks.

EDGES = {
    (0, 3): .2, (0, 4): .3, (1, 3): .1, (1, 5): .4, (2, 6): .5, (2, 7): .3, (0, 8): .2,
    (3, 7): .4, (3, 8): .1, (4, 8): .3, (5, 9): .2, (5, 4): .2, (6, 9): .6, (6, 5): .1,
    (1, 0): .1, (10, 7): .5, (10, 3): .7, (3, 11): .3, (4, 11): .2,
}
SIZE = 12
SRC, DST = [0, 1, 2], [7, 8, 9]
IN_MAP = {0: "SA", 1: "SA", 2: "SB", 6: "SB"}           # 6 also groups intermediates
OUT_MAP = {7: "TX", 8: "TX", 11: "TX", 9: "TY"}           # 11: a member, not a target
MID_MAP = {3: "IA", 4: "IA", 10: "IA", 5: "IB", 0: "IS"}  # 10: a member on no walk
NEG = {4, 6, 5}                                           # inhibitory neurons


def small_inprop():
    a = np.zeros((SIZE, SIZE))
    for (i, j), v in EDGES.items():
        a[i, j] = v
    return a


def walk_sets(a, p):
    """Neurons at each position 0..p of some p-hop walk from SRC to DST (dense booleans)."""
    s = (a != 0).astype(int)
    fwd = [np.isin(np.arange(SIZE), SRC)]
    for _ in range(p):
        fwd.append((fwd[-1].astype(int) @ s) > 0)
    bwd = [np.isin(np.arange(SIZE), DST)]
    for _ in range(p):
        bwd.insert(0, (s @ bwd[0].astype(int)) > 0)
    return [f & b for f, b in zip(fwd, bwd)]


def group_of(i, mapping):
    return str(mapping.get(i, i)) if mapping is not None else str(i)


def expected_tables(p, in_map, out_map, mid_map, method, signs):
    """E_p, I_p as {(pre, post): value}, from dense layer matrices: the masked layer of
    edges, summed over presynaptic members, combined over all postsynaptic members."""
    a = small_inprop()
    on = walk_sets(a, p)
    if not all(x.any() for x in on):
        return {}, {}
    nodes = set()
    layers = []
    for k in range(1, p + 1):
        m = a * np.outer(on[k - 1], on[k])
        layers.append(m)
        nodes |= set(np.flatnonzero(m.any(axis=1))) | set(np.flatnonzero(m.any(axis=0)))
    mid = in_map if mid_map is None else mid_map

    def members(mapping):
        full = {int(i): str(i) for i in nodes}
        full.update({k: str(v) for k, v in (mapping or {}).items()})
        groups = {}
        for k, g in full.items():
            groups.setdefault(g, []).append(k)
        return full, groups

    pre_full, _ = members(in_map)
    mid_full, mid_groups = members(mid)
    post_full, post_groups = members(out_map)
    names = sorted(set(pre_full.values()) | set(mid_full.values()) | set(post_full.values()))
    pos = {g: i for i, g in enumerate(names)}
    g = len(names)
    combine = {"mean": np.mean, "sum": np.sum, "median": np.median}[method]
    mats = []
    for k, m in enumerate(layers, start=1):
        rows = pre_full if k == 1 else mid_full
        cols, col_groups = (post_full, post_groups) if k == p else (mid_full, mid_groups)
        summed = np.zeros((g, SIZE))  # group x neuron: sum over presynaptic members
        for i in range(SIZE):
            if m[i].any():
                summed[pos[rows[i]]] += m[i]
        w = np.zeros((g, g))
        for h, mem in col_groups.items():
            vals = np.array([[summed[r, v] if isinstance(v, int) and v < SIZE else 0.0 for v in mem]
                             for r in range(g)])
            w[:, pos[h]] = combine(vals, axis=1)
        mats.append(w)
    sign = np.array([signs.get(x, 0) for x in names])
    plus, minus = (sign == 1)[:, None], (sign == -1)[:, None]
    e, i = mats[0] * plus, mats[0] * minus
    for w in mats[1:]:
        e, i = e @ (w * plus) + i @ (w * minus), e @ (w * minus) + i @ (w * plus)
    as_dict = lambda x: {(names[r], names[c]): x[r, c] for r, c in zip(*np.nonzero(x))}
    return as_dict(e), as_dict(i)


def all_signs(in_map, out_map, mid_map):
    """A sign for every group name and every neuron index: inhibitory when the group's
    name is an inhibitory neuron or a group holding one."""
    mid = in_map if mid_map is None else mid_map
    out = {str(i): (-1 if i in NEG else 1) for i in range(SIZE)}
    for mapping in (in_map, out_map, mid):
        for k, v in (mapping or {}).items():
            out[str(v)] = -1 if any(mapping.get(j) == v for j in NEG) else out.get(str(v), 1)
    return out


def as_dict(frame, wide):
    if frame.empty:
        return {}
    if wide:
        assert (frame.to_numpy() != 0).any(axis=1).all() and (frame.to_numpy() != 0).any(axis=0).all()
        assert list(frame.index) == sorted(frame.index) and list(frame.columns) == sorted(frame.columns)
        return {(r, c): v for r, row in frame.iterrows() for c, v in row.items() if v != 0}
    assert list(frame.columns) == ["pre", "post", "weight"] and (frame.weight != 0).all()
    return {(r.pre, r.post): r.weight for r in frame.itertuples()}


def assert_tables(got, want):
    assert set(got) == set(want)
    for k in want:
        assert got[k] == pytest.approx(want[k], rel=1e-6, abs=1e-12), k


MAP_CASES = {
    "none": (None, None, None),
    "in": (IN_MAP, None, None),
    "out": (None, OUT_MAP, None),
    "mid": (None, None, MID_MAP),
    "in_out": (IN_MAP, OUT_MAP, None),
    "all": (IN_MAP, OUT_MAP, MID_MAP),
}


@pytest.mark.parametrize("wide", [True, False])
@pytest.mark.parametrize("method", ["mean", "sum", "median"])
@pytest.mark.parametrize("case_name", list(MAP_CASES))
def test_grouped_paths_match_dense_layer_products(case_name, method, wide):
    in_map, out_map, mid_map = MAP_CASES[case_name]
    signs = all_signs(in_map, out_map, mid_map)
    inprop = sp.csr_matrix(small_inprop())
    exc, inh = signed_conn_by_path_length_data(
        inprop, SRC, DST, 4, signs, inidx_map=in_map, outidx_map=out_map,
        intermediate_map=mid_map, combining_method=method, wide=wide)
    assert len(exc) == len(inh) == 4
    for p in range(1, 5):
        e_want, i_want = expected_tables(p, in_map, out_map, mid_map, method, signs)
        assert_tables(as_dict(exc[p - 1], wide), e_want)
        assert_tables(as_dict(inh[p - 1], wide), i_want)
    assert any(not f.empty for f in exc + inh)


def test_grouped_paths_hand_computed_entries():
    # Literal numbers worked out on paper from EDGES, checking the oracle itself.
    signs = all_signs(IN_MAP, OUT_MAP, MID_MAP)
    inprop = sp.csr_matrix(small_inprop())
    exc, inh = signed_conn_by_path_length_data(inprop, SRC, DST, 2, signs, IN_MAP, OUT_MAP,
                                               MID_MAP, "mean")
    # p = 1: SA -> TX: into 7: 0, into 8: 0.2 (0 -> 8), into 11: 0 (not a target); mean 0.2/3.
    # SB -> TX: 2 -> 7 = 0.3, mean 0.3/3. SB is inhibitory (6 in SB): it lands in I_1.
    assert exc[0].loc["SA", "TX"] == pytest.approx(0.2 / 3)
    assert inh[0].loc["SB", "TX"] == pytest.approx(0.3 / 3)
    assert "SB" not in exc[0].index
    # p = 2, SA -> TX. Layer 1 (into intermediates on 2-hop walks): 3 (IA) from 0 and 1:
    # 0.3; 4 (IA) from 0: 0.3; 0 (IS) from 1: 0.1. IA has members 3, 4, 10: W1[SA, IA] =
    # 0.6/3; W1[SA, IS] = 0.1 (only member 0). Layer 2: IA -> 7: 3->7 0.4 (10 is on no
    # walk), IA -> 8: 3->8 0.1 + 4->8 0.3, IA -> 11: 0 (11 is not a target): W2[IA, TX] =
    # (0.4 + 0.4 + 0) / 3; IS -> TX: 0->8 0.2 -> 0.2/3. IA is inhibitory (holds 4).
    # E_2[SA, TX] = W1[SA, IS] W2[IS, TX] = 0.1 * 0.2/3; I_2[SA, TX] = 0.2 * 0.8/3.
    assert exc[1].loc["SA", "TX"] == pytest.approx(0.1 * 0.2 / 3)
    assert inh[1].loc["SA", "TX"] == pytest.approx(0.2 * 0.8 / 3)
    # The same with sum: W1[SA, IA] = 0.6, W2[IA, TX] = 0.8, W2[IS, TX] = 0.2.
    exc, inh = signed_conn_by_path_length_data(inprop, SRC, DST, 2, signs, IN_MAP, OUT_MAP,
                                               MID_MAP, "sum")
    assert exc[1].loc["SA", "TX"] == pytest.approx(0.1 * 0.2)
    assert inh[1].loc["SA", "TX"] == pytest.approx(0.6 * 0.8)
    # Median over IA's members (3: 0.3, 4: 0.3, 10: 0) = 0.3; over TX's (7, 8, 11).
    exc, inh = signed_conn_by_path_length_data(inprop, SRC, DST, 2, signs, IN_MAP, OUT_MAP,
                                               MID_MAP, "median")
    # W2[IA, TX] = median(0.4, 0.4, 0) = 0.4; W2[IS, TX] = median(0, 0.2, 0) = 0.
    assert inh[1].loc["SA", "TX"] == pytest.approx(0.3 * 0.4)
    assert exc[1].empty or "SA" not in exc[1].index


def test_intermediates_grouped_by_inidx_map_when_no_intermediate_map():
    # As the original: without intermediate_map the intermediates take inidx_map's groups,
    # so 6 (in SB) is averaged with 2 at layer 1 of 2-hop walks.
    signs = all_signs(IN_MAP, None, None)
    inprop = sp.csr_matrix(small_inprop())
    with_in, _ = signed_conn_by_path_length_data(inprop, SRC, DST, 2, signs, IN_MAP)
    explicit, _ = signed_conn_by_path_length_data(inprop, SRC, DST, 2, signs, IN_MAP,
                                                  intermediate_map=IN_MAP)
    pd.testing.assert_frame_equal(with_in[1], explicit[1])


def test_unsigned_groups_are_left_out_and_unmapped_matches_cxx_path():
    inprop = sp.csr_matrix(small_inprop())
    signs = {str(i): (-1 if i in NEG else 1) for i in range(SIZE)}
    # Identity maps take the grouped (Python) path; no maps take the C++ one.
    ident = {i: i for i in range(SIZE)}
    for method in ("mean", "sum", "median"):
        a = signed_conn_by_path_length_data(inprop, SRC, DST, 4, signs, combining_method=method)
        b = signed_conn_by_path_length_data(inprop, SRC, DST, 4, signs, ident, ident, ident,
                                            combining_method=method)
        for x, y in zip(a[0] + a[1], b[0] + b[1]):
            pd.testing.assert_frame_equal(x, y, check_dtype=False, rtol=1e-6)
    # 3 has no sign: its outputs are dropped on both paths.
    del signs["3"]
    for maps in ((None, None, None), (ident, ident, ident)):
        with pytest.warns(UserWarning, match="group_to_sign"):
            exc, inh = signed_conn_by_path_length_data(inprop, SRC, DST, 2, signs, *maps)
        e_want, i_want = expected_tables(2, None, None, None, "sum", signs)
        assert_tables(as_dict(exc[1], True), e_want)
        assert_tables(as_dict(inh[1], True), i_want)
        assert ("0", "7") not in e_want  # 0 -> 3 -> 7 is gone


def test_map_keys_as_text_and_none_signs():
    inprop = small_inprop()
    text = {str(k): v for k, v in OUT_MAP.items()}
    a = signed_conn_by_path_length_data(inprop, SRC, DST, 3, None, outidx_map=OUT_MAP)
    b = signed_conn_by_path_length_data(inprop, SRC, DST, 3, None, outidx_map=text)
    for x, y in zip(a[0] + a[1], b[0] + b[1]):
        pd.testing.assert_frame_equal(x, y)
    # group_to_sign=None: everything excitatory, nothing inhibitory.
    assert all(f.empty for f in a[1]) and not a[0][0].empty
