#!/usr/bin/env python3
"""Converts the Winding et al. 2023 larva connectome into kenyon's shipped dataset.

Usage: make_larva_dataset.py SOURCE_DIR [OUT_DIR]

SOURCE_DIR holds edges.csv (pre_skid, post_skid, aa, ad, da, dd, total; derived from the
paper's Data S1), annotations.csv (Data S1) and nodes_neurodata.csv (neurodata/bilateral-
connectome). OUT_DIR defaults to data/connectomes/larva next to this script's repository.
Writes edges.csv.gz and neurons.csv.gz in kenyon's generic edge-list / neuron-table format
(see include/kenyon/connectome/loaders.hpp) and prints the counts the README quotes.
Standard library only; the output is byte-for-byte reproducible (gzip mtime 0).
"""

import collections
import csv
import gzip
import io
import pathlib
import re
import sys

# The node table writes some types in LaTeX, e.g. 'DN$^{\mathrm{VNC}}$'.
LATEX_SUPERSCRIPT = re.compile(r"\$\^\{\\mathrm\{([^}]*)\}\}\$")


def clean_type(raw, known):
    """A node-table type in the annotations' spelling ('DN-VNC', 'pre-DN-SEZ', 'other')."""
    name = LATEX_SUPERSCRIPT.sub(lambda m: "-" + m.group(1), raw.strip())
    if name.lower() in known:
        return known[name.lower()]
    return name[:1].lower() + name[1:]


def read_edges(source):
    edges = []
    with open(source / "edges.csv", newline="") as f:
        for row in csv.DictReader(f):
            counts = [int(row[k]) for k in ("aa", "ad", "da", "dd")]
            total = int(row["total"])
            if sum(counts) != total:
                sys.exit(f"edges.csv: channels do not sum to total for {row}")
            edges.append((int(row["pre_skid"]), int(row["post_skid"]), total, counts))
    edges.sort()
    return edges


def read_annotations(source):
    """skid -> (celltype, side implied by a left/right pair or '')."""
    out = {}
    with open(source / "annotations.csv", newline="") as f:
        for row in csv.DictReader(f):
            paired = row["left_id"] != "no pair" and row["right_id"] != "no pair"
            for column, side in (("left_id", "left"), ("right_id", "right")):
                if row[column] == "no pair":
                    continue
                skid = int(row[column])
                if skid in out and out[skid][0] != row["celltype"]:
                    sys.exit(f"annotations.csv: skeleton {skid} has two cell types")
                # An unpaired neuron sits in one column whatever its side, so only pairs
                # say which side a neuron is on.
                out[skid] = (row["celltype"], side if paired else "")
    return out


def read_nodes(source):
    with open(source / "nodes_neurodata.csv", newline="") as f:
        return {int(row["skid"]): row for row in csv.DictReader(f)}


def write_gzip_csv(path, header, rows):
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(text.getvalue().encode("utf-8"))


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    source = pathlib.Path(argv[1])
    out = (
        pathlib.Path(argv[2])
        if len(argv) == 3
        else pathlib.Path(__file__).resolve().parent.parent / "data" / "connectomes" / "larva"
    )
    edges = read_edges(source)
    annotations = read_annotations(source)
    nodes = read_nodes(source)
    known = {t.lower(): t for t, _ in annotations.values()}

    ids = sorted({pre for pre, _, _, _ in edges} | {post for _, post, _, _ in edges})
    neurons = []
    for skid in ids:
        node = nodes.get(skid)
        if node is not None and node["class1"] == "APL":
            # The APL gets its own type (the annotations call it LN) because it is the one
            # neuron signed inhibitory; a type shared with excitatory LNs would mix signs.
            cell_type, sign = "APL", -1
        elif skid in annotations:
            cell_type, sign = annotations[skid][0], 1
        elif node is not None and node["celltype_discrete"].strip():
            cell_type, sign = clean_type(node["celltype_discrete"], known), 1
        else:
            cell_type, sign = "unannotated", 1
        if node is not None:
            side = {"L": "left", "R": "right"}.get(node["hemisphere"].strip(), "")
        else:
            side = annotations.get(skid, ("", ""))[1]
        name = node["name"].strip() if node is not None else ""
        neurons.append((skid, cell_type, sign, int(cell_type == "sensory"), side, name))

    out.mkdir(parents=True, exist_ok=True)
    write_gzip_csv(
        out / "neurons.csv.gz",
        ["id", "type", "sign", "sensory", "side", "name"],
        neurons,
    )
    write_gzip_csv(
        out / "edges.csv.gz",
        ["pre", "post", "syn_count", "aa", "ad", "da", "dd"],
        [(pre, post, total, *counts) for pre, post, total, counts in edges],
    )

    synapses = sum(total for _, _, total, _ in edges)
    with_inputs = len({post for _, post, _, _ in edges})
    autapses = sum(1 for pre, post, _, _ in edges if pre == post)
    print(f"neurons {len(neurons)}, connections {len(edges)}, synapses {synapses}")
    print(f"neurons with inputs {with_inputs}, autapses {autapses}")
    print(f"inhibitory {[n[0] for n in neurons if n[2] < 0]}")
    print(f"sensory {sum(n[3] for n in neurons)}")
    sides = collections.Counter(n[4] or "(none)" for n in neurons)
    print("sides " + ", ".join(f"{k} {v}" for k, v in sorted(sides.items())))
    for cell_type, count in collections.Counter(n[1] for n in neurons).most_common():
        print(f"  {cell_type:12s} {count}")


if __name__ == "__main__":
    main(sys.argv)
