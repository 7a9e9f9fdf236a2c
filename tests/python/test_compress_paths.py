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
    wide, _ = signed_conn_by_path_length_data(inprop, src, dst, 2, signs)
    grouped, _ = signed_conn_by_path_length_data(inprop, src, dst, 2, signs, inidx_map=groups,
                                                 outidx_map=groups, combining_method="sum")
    # Sources of a group summed, targets of a group summed.
    w = wide[1].copy()
    w.index = [groups[int(s)] for s in w.index]
    w.columns = [groups[int(t)] for t in w.columns]
    expect = w.groupby(level=0).sum().T.groupby(level=0).sum().T
    np.testing.assert_allclose(grouped[1].loc[expect.index, expect.columns].to_numpy(), expect.to_numpy(), rtol=1e-6)
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
