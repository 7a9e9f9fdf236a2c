#!/usr/bin/python3
"""Writes the seed corpora under fuzz/corpus/<target>/ from real files of the repository
(the first rows of the shipped connectomes, the loader fixtures, numpy-written .npy files,
the reference target tables) and a few files numpy and scipy write (Debian's python3-numpy
and python3-scipy). Reproducible: run from the repository root,
`/usr/bin/python3 fuzz/make_corpus.py`. Each corpus stays a few KB."""
import gzip
import io
import json
import shutil
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"
FIX = ROOT / "tests" / "data" / "connectomes" / "fixtures"
CI = ROOT / "tests" / "data" / "connectome_interpreter"
SHIP = ROOT / "data" / "connectomes"
SEP = b"\n%%\n"  # fuzz_common.hpp split_parts


def head(path, lines):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        return b"".join(f.readline() for _ in range(lines))


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def put(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def idx(dims, values, type_code=0x08):
    return (struct.pack(">BBBB", 0, 0, type_code, len(dims)) +
            b"".join(struct.pack(">I", d) for d in dims) + bytes(values))


def npy(descr, shape, data, fortran=False, version=1):
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (descr, fortran, dims)
    prefix = 10 if version == 1 else 12
    header += " " * ((64 - (prefix + len(header) + 1) % 64) % 64) + "\n"
    size = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header.encode() + data


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    # IDX: a 3-image 2x2 file, plain and gzipped, a 1-d label file and a 0-d array.
    images = idx([3, 2, 2], range(12))
    put("idx", "images", images)
    put("idx", "images.gz", gz(images))
    put("idx", "labels", idx([4], [7, 2, 1, 0]))
    put("idx", "scalar", idx([], [42]))
    # .npy: files numpy wrote (connectome_interpreter's reference outputs), plus versions 2
    # and 3, Fortran order and the other dtypes, by hand.
    put("npy", "act_loss_f8.npy", (CI / "am_b1_df_act_loss.npy").read_bytes())
    put("npy", "X2.npy", (CI / "X2.npy").read_bytes())
    put("npy", "fortran_f4.npy", npy("<f4", [2, 3], struct.pack("<6f", *range(6)), True))
    put("npy", "v2_i8.npy", npy("<i8", [2], struct.pack("<2q", -1, 5), version=2))
    put("npy", "v3_i4.npy", npy("<i4", [1, 2], struct.pack("<2i", 3, 4), version=3))
    put("npy", "u1.npy", npy("|u1", [3], bytes([1, 2, 255])))
    put("npy", "b1.npy", npy("|b1", [2], bytes([0, 1])))
    put("npy", "scalar_S3.npy", npy("|S3", [], b"csr"))
    import numpy as np
    import scipy.sparse as sp
    buf = io.BytesIO()
    np.save(buf, np.asfortranarray(np.arange(6, dtype="<f8").reshape(2, 3)))
    put("npy", "numpy_fortran_f8.npy", buf.getvalue())
    # Neuron tables: the shipped larva and hemibrain-mb tables' first rows, the fixtures.
    put("neuron_table", "larva.csv", head(SHIP / "larva" / "neurons.csv.gz", 8))
    put("neuron_table", "hemibrain.csv.gz", gz(head(SHIP / "hemibrain-mb" / "neurons.csv.gz", 6)))
    put("neuron_table", "fixture.csv", (FIX / "neurons.csv").read_bytes())
    put("neuron_table", "codex_classification.csv", (FIX / "codex_classification.csv").read_bytes())
    # Edge lists (edges %% neurons).
    larva_edges = head(SHIP / "larva" / "edges.csv.gz", 8)
    larva_ids = {line.split(b",")[k] for line in larva_edges.splitlines()[1:] for k in (0, 1)}
    with gzip.open(SHIP / "larva" / "neurons.csv.gz", "rb") as f:
        rows = f.read().splitlines()
    larva_neurons = b"\n".join([rows[0]] + [r for r in rows[1:] if r.split(b",")[0] in larva_ids])
    put("edge_list", "larva", larva_edges + SEP + larva_neurons + b"\n")
    put("edge_list", "larva_edges_only.gz", gz(larva_edges))
    put("edge_list", "fixture", (FIX / "edges.csv").read_bytes() + SEP + (FIX / "neurons.csv").read_bytes())
    put("edge_list", "fixture_edges_only", (FIX / "edges.csv").read_bytes())
    # Codex (connections %% classification %% neurons).
    conn = (FIX / "codex_connections.csv").read_bytes()
    cls = (FIX / "codex_classification.csv").read_bytes()
    neu = (FIX / "codex_neurons.csv").read_bytes()
    put("codex", "all_three", conn + SEP + cls + SEP + neu)
    put("codex", "connections_neurons", conn + SEP + SEP + neu)
    put("codex", "connections_only.gz", (FIX / "codex_connections.csv.gz").read_bytes())
    # neuPrint (adjacency %% neurons): the shipped hemibrain-mb tables' first rows, the fixtures.
    adj = head(SHIP / "hemibrain-mb" / "adjacency.csv.gz", 8)
    body_ids = {line.split(b",")[k] for line in adj.splitlines()[1:] for k in (0, 1)}
    with gzip.open(SHIP / "hemibrain-mb" / "neurons.csv.gz", "rb") as f:
        rows = f.read().splitlines()
    hb_neurons = b"\n".join([rows[0]] + [r for r in rows[1:] if r.split(b",")[0] in body_ids])
    put("neuprint", "hemibrain", adj + SEP + hb_neurons + b"\n")
    put("neuprint", "fixture", (FIX / "neuprint_adjacency.csv").read_bytes() + SEP +
        (FIX / "neuprint_neurons.csv").read_bytes())
    # .npz (metadata %% npz bytes).
    meta = (FIX / "npz_metadata.csv").read_bytes()
    for fmt in ("csr", "csc", "coo"):
        put("npz", fmt, meta + SEP + (FIX / f"matrix_{fmt}.npz").read_bytes())
    # The same matrix as scipy.sparse.save_npz writes it (compressed csr).
    m = sp.csr_matrix(np.array([[0, 0.75, 0], [0.5, 0, 1.0], [0.5, 0.25, 0]]))
    buf = io.BytesIO()
    sp.save_npz(buf, m, compressed=True)
    put("npz", "scipy_csr", meta + SEP + buf.getvalue())
    # flyvis template: a byte of options, then the shipped template cut to its first node
    # types and the edges among them.
    with open(SHIP / "flyvis" / "fib25-fib19_v2.2.json") as f:
        template = json.load(f)
    keep = ["R1", "R2", "L1", "L2", "Mi1", "Tm3"]
    nodes = [n for n in template["nodes"] if n["name"] in keep]
    edges = [e for e in template["edges"] if e["src"] in keep and e["tar"] in keep]
    small = dict(template, nodes=nodes, edges=edges[:6])
    small["input_units"] = [u for u in template.get("input_units", []) if u in keep]
    small["output_units"] = [u for u in template.get("output_units", []) if u in keep]
    text = json.dumps(small, separators=(",", ":")).encode()
    put("flyvis", "six_types_extent1", b"\x01" + text)
    put("flyvis", "six_types_extent2_nofill", b"\x06" + text)
    # Specs, one per line.
    put("neuron_spec", "types", b"KC:1=0.5\nMBON-a1:2\n0/PN:0=1.0\n")
    put("neuron_spec", "ids_patterns", b"1/14:2=-0.25\nMBON*:1\nORN:3=2\n")
    put("neuron_spec", "stimulus", b"ORN:0=1\n1/11:3=0.5\n")
    # Training targets: the reference tables' first rows, names for the small connectome.
    put("training_targets", "layers.csv", head(CI / "train_targets.csv", 6))
    put("training_targets", "nolayer.csv", head(CI / "train_targets_nolayer.csv", 5))
    put("training_targets", "names.csv", b",batch,neuron,layer,value\n0,0,KC,1,0.5\n1,1,\"MBON*\",,1.0\n2,0,13,2.0,0.25\n")
    # Configurations (the options of fuzz_config's small command).
    put("config", "run.toml", b"target = [\"KC:2=1\", \"MBON-a1:1\"]\nsteps = 3\nverbose = true\n"
        b"connectome = \"larva\"\n")
    put("config", "run.json", b'{"target": "KC:2=1", "steps": 3, "verbose": false}\n')
    put("config", "nested.toml", b"steps = 2.5\n[table]\nkey = 1979-05-27\n")


if __name__ == "__main__":
    main()
