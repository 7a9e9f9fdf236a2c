"""kenyon.connectome and kenyon.datasets: the connectome_interpreter starting point."""
import gzip

import numpy as np
import pandas as pd
import pytest
from conftest import seeded
from scipy import sparse

import kenyon
import kenyon.connectome as kc
import kenyon.datasets as kd


@pytest.fixture(scope="module")
def larva():
    return kd.larva()


def test_larva_unpacks_as_a_tutorial_starts(larva):
    inprop, meta, idx_to_sign, idx_to_type = larva
    n = len(larva)
    assert n == 2952 and inprop.shape == (n, n)
    assert sparse.isspmatrix_csr(inprop) and inprop.dtype == np.float32
    assert list(meta.columns[:6]) == ["idx", "id", "type", "sign", "sensory", "side"]
    assert (meta["idx"].to_numpy() == np.arange(n)).all()
    assert meta["id"].is_unique
    assert set(meta["sign"]) <= {-1, 1} and (meta["sign"] == -1).any()
    assert meta["sensory"].sum() == len(larva.sensory_indices()) > 0
    assert idx_to_sign == dict(zip(meta["idx"], meta["sign"]))
    assert idx_to_type == dict(zip(meta["idx"], meta["type"]))
    # Input proportions: what each postsynaptic neuron (a column) receives sums to at most 1.
    col_sums = np.asarray(inprop.sum(axis=0)).ravel()
    assert (inprop.data > 0).all() and col_sums.max() <= 1 + 1e-5
    assert np.isclose(col_sums[col_sums > 0], 1, atol=1e-4).mean() > 0.9


def test_arrays_are_read_only_views_of_one_matrix(larva):
    inprop = larva.inprop
    assert inprop is larva.inprop
    assert not inprop.data.flags.writeable and not inprop.indices.flags.writeable
    with pytest.raises(ValueError):
        inprop.data[0] = 1


def test_select_types_patterns_and_ids(larva):
    meta = larva.neurons
    mbon = larva.select("MBON*")  # no type matches: the class does (its 24 types, by name)
    assert len(mbon) == 48 and (meta["class"].to_numpy()[mbon] == "MBON").all()
    assert meta["type"].to_numpy()[mbon].tolist().count("MBE2a") == 2
    kcs = larva.select("KC")
    assert (np.flatnonzero(meta["type"] == "KC") == kcs).all()
    one = int(meta["id"].iloc[7])
    assert larva.select(str(one)).tolist() == [7]
    with pytest.raises(KeyError) as e:
        larva.select("NO_SUCH_TYPE")
    assert e.value.name == "NO_SUCH_TYPE" and "NO_SUCH_TYPE" in str(e.value)


def test_larva_types_by_modality_and_classes(larva):
    meta = larva.neurons
    assert "class" in meta.columns
    # The old type names select as before: sensory and PN are classes now.
    sensory = larva.select("sensory")
    assert len(sensory) == 430 and (sensory == larva.sensory_indices()).all()
    assert (sensory == np.flatnonzero(meta["class"] == "sensory")).all()
    assert len(larva.select("PN")) == 206
    assert set(meta["type"].to_numpy()[sensory]) == {
        "ORN", "photoRh5", "photoRh6", "gustatory-external", "gustatory-pharyngeal", "gut",
        "respiratory", "thermo-cold", "thermo-warm"}
    assert len(larva.select("ORN")) == 42 and len(larva.select("PN-olfactory")) == 42
    assert larva.idx_to_class == dict(zip(meta["idx"], meta["class"]))
    with pytest.raises(KeyError) as e:
        larva.select("sensry")
    assert e.value.name == "sensry" and "class" in str(e.value)


def test_class_column_of_a_user_table(tmp_path):
    (tmp_path / "e.csv").write_text("pre,post,weight\n1,3,2\n2,3,1\n3,4,1\n")
    (tmp_path / "n.csv").write_text(
        "id,type,class,sensory\n1,ORN,sensory,1\n2,photoRh5,sensory,1\n3,PN-olfactory,PN,0\n4,KC,KC,0\n")
    c = kc.load(tmp_path / "e.csv", neurons=tmp_path / "n.csv")
    assert c.neurons["class"].tolist() == ["sensory", "sensory", "PN", "KC"]
    assert c.select("sensory").tolist() == [0, 1] and c.select("PN").tolist() == [2]
    # A network names neurons by class where it names them by group (manipulate keys,
    # gradient monitors: the core network's members).
    net = kc.network(c, num_layers=2)
    assert list(net._net.members("sensory")) == [0, 1] and list(net._net.members("ORN")) == [0]
    model = kenyon.net.Model(c, layers=2, sensory=["PN"], group_slope={"sensory": 2.0})
    assert model.num_sensory == 1
    # Without the column there are no classes, and the class name is unknown.
    (tmp_path / "m.csv").write_text("id,type,sensory\n1,ORN,1\n2,photoRh5,1\n3,PN-olfactory,0\n4,KC,0\n")
    plain = kc.load(tmp_path / "e.csv", neurons=tmp_path / "m.csv")
    assert "class" not in plain.neurons.columns and plain.idx_to_class == {}
    with pytest.raises(KeyError):
        plain.select("sensory")


def test_signed_weights_is_add_sign(larva):
    inprop = larva.inprop.toarray()
    sign = larva.neurons["sign"].to_numpy()
    expected = (inprop * sign[:, None]).T
    assert np.array_equal(larva.signed_weights().toarray(), expected)


def test_flyvis_signs_per_connection_and_columns():
    fv = kd.flyvis()
    assert "column" in fv.neurons.columns and fv.neurons["column"].max() == 720
    signed = fv.signed_weights()
    # Entry by entry the sign comes from the connection (edge_sign), not the neuron.
    coo = fv.inprop.tocoo()
    expected = sparse.csr_matrix((coo.data * fv.edge_sign, (coo.col, coo.row)), shape=coo.shape)
    assert abs(signed - expected).max() == 0


def test_hemibrain_mb():
    hb = kd.hemibrain_mb()
    assert len(hb) == 2096 and len(hb.select("KC*")) > 1000


def test_edge_list_proportions_from_counts(tmp_path):
    edges = tmp_path / "edges.csv"
    edges.write_text("pre,post,count,nt\n1,2,3,ach\n3,2,1,gaba\n2,3,4,ach\n1,3,4,ach\n")
    c = kc.load(edges)
    assert c.neurons["id"].tolist() == [1, 2, 3]
    assert c.neurons["sign"].tolist() == [1, 1, -1]
    dense = c.inprop.toarray()
    # Neuron 2 receives 3 (from 1) + 1 (from 3); neuron 3 receives 4 (from 2) + 4 (from 1).
    expected = np.array([[0, 0.75, 0.5], [0, 0, 0.5], [0, 0.25, 0]], dtype=np.float32)
    assert np.allclose(dense, expected)
    kept = kc.load(edges, min_synapses=2)
    assert np.allclose(kept.inprop.toarray()[2, 1], 0) and np.isclose(kept.inprop[0, 1], 0.75)
    raw = kc.load(edges, input_proportion=False)
    assert raw.inprop[1, 2] == 4


def test_npz_with_metadata_round_trips(tmp_path, larva):
    sparse.save_npz(tmp_path / "inprop.npz", larva.inprop.tocsc())
    larva.neurons[["idx", "id", "type", "sign"]].rename(columns={"id": "root_id"}).to_csv(
        tmp_path / "meta.csv", index=False)
    back = kc.load(tmp_path / "inprop.npz", neurons=tmp_path / "meta.csv")
    assert abs(back.inprop - larva.inprop).max() == 0
    assert back.idx_to_sign == larva.idx_to_sign and back.idx_to_type == larva.idx_to_type


def test_gzipped_neuron_table(tmp_path):
    (tmp_path / "e.csv").write_text("pre,post,weight\n10,20,2\n20,10,1\n")
    with gzip.open(tmp_path / "n.csv.gz", "wt") as f:
        f.write("id,type,sign,sensory\n10,ORN,1,true\n20,LN,-1,false\n")
    c = kc.load(tmp_path / "e.csv", neurons=tmp_path / "n.csv.gz")
    assert c.neurons["type"].tolist() == ["ORN", "LN"]
    assert c.sensory_indices().tolist() == [0] and c.idx_to_sign == {0: 1, 1: -1}


def test_bad_input_names_the_problem(tmp_path):
    with pytest.raises(OSError) as e:
        kc.load(tmp_path / "missing.csv")
    assert isinstance(e.value, kenyon.FileError) and "missing.csv" in e.value.filename
    bad = tmp_path / "bad.csv"
    bad.write_text("pre,post,count\n1,2,3\n1,x,3\n")
    with pytest.raises(kenyon.FileError) as e:
        kc.load(bad)
    assert e.value.row == 3 and e.value.column == "post" and "bad.csv" in str(e.value)
    with pytest.raises(ValueError, match="format"):
        kc.load("larva", format="xml")
    with pytest.raises(kenyon.ParameterError) as e:
        kc.load("larva", min_synapses=-1)
    assert e.value.field
    with pytest.raises(KeyError):
        kc.load("no_such_dataset", format="shipped")
    with pytest.raises(kenyon.ParameterError) as e:
        kc.load("larva", min_synapses="many")
    assert e.value.field == "min_synapses" and "many" in str(e.value)


def test_network_runs_as_kenyon_net_forward(tmp_path, cli, larva):
    import subprocess

    rng = np.random.default_rng(seeded(3))
    model = kc.network(larva, num_layers=3, threshold=0.02, bias_dict={"KC": 0.1},
                       slope_dict={"MBON": 3.0})
    x = rng.random((1, len(model.sensory_indices), 3), dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    subprocess.run([cli, "net", "forward", "--connectome", "larva", "--layers", "3",
                    "--threshold", "0.02", "--group-bias", "KC=0.1", "--group-slope", "MBON=3",
                    "--input", str(tmp_path / "x.npy"), "--out", str(tmp_path / "out"), "-q"],
                   check=True, capture_output=True)
    from_cli = np.load(tmp_path / "out" / "activations.npy")
    from_python = np.asarray(model(x))
    assert from_python.shape == (1, len(larva), 3)
    assert np.array_equal(from_cli.reshape(from_python.shape), from_python)
    # Other input neurons: the types a selector names, in index order.
    kcs = kc.network(larva, num_layers=2, sensory=["KC"])
    assert np.array_equal(kcs.sensory_indices, larva.select("KC"))


def test_network_needs_input_neurons(tmp_path):
    (tmp_path / "e.csv").write_text("pre,post,weight\n1,2,2\n2,1,1\n")
    with pytest.raises(kenyon.ParameterError) as e:
        kc.network(kc.load(tmp_path / "e.csv"))
    assert e.value.field == "sensory"
    assert len(kc.network(kc.load(tmp_path / "e.csv"), sensory="1").sensory_indices) == 1
