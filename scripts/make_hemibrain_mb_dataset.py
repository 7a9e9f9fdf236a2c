#!/usr/bin/env python3
"""Converts the hemibrain mushroom-body circuit into kenyon's shipped dataset.

Usage: make_hemibrain_mb_dataset.py SOURCE_DIR [OUT_DIR]

SOURCE_DIR holds the neuPrint exports of the hemibrain (v1.2) mushroom body collected by
Kiri Choi (github.com/kirichoi/DrosophilaPerception): <set>_neurons.csv (bodyId, type,
instance) and <set>_edges_by_roi.csv (pre, post, roi, weight) for the sets pn_kc, kc_mbon
and kc_apl. OUT_DIR defaults to data/connectomes/hemibrain-mb in this repository. Writes,
in neuPrint's own column names so that kenyon loads them with its neuPrint loader:
  adjacency.csv.gz  bodyId_pre, bodyId_post, roi, weight (one row per connection and ROI)
  neurons.csv.gz    bodyId, type, instance, class, sign, sensory
The class (uPN, KC, MBON, APL) is derived from the type, so that selectors such as `uPN`
or `KC` name a whole class (see include/kenyon/connectome/loaders.hpp).
Standard library only; the output is byte-for-byte reproducible (gzip mtime 0).
"""

import collections
import csv
import pathlib
import sys

from make_larva_dataset import write_gzip_csv  # same folder: one reproducible gzip writer

SETS = ("pn_kc", "kc_mbon", "kc_apl")


def class_of(cell_type):
    """The coarse class of a hemibrain type: uPN (<glomerulus>_<lineage>PN), KC, MBON or the
    type itself (APL)."""
    if cell_type.endswith("PN"):
        return "uPN"
    if cell_type.startswith("KC"):
        return "KC"
    if cell_type.startswith("MBON"):
        return "MBON"
    return cell_type


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    source = pathlib.Path(sys.argv[1])
    repo = pathlib.Path(__file__).resolve().parent.parent
    out = pathlib.Path(sys.argv[2]) if len(sys.argv) == 3 else repo / "data/connectomes/hemibrain-mb"
    out.mkdir(parents=True, exist_ok=True)

    neurons = {}
    for s in SETS:
        with open(source / f"{s}_neurons.csv", newline="") as f:
            for row in csv.DictReader(f):
                neurons.setdefault(int(row["bodyId"]), (row["type"], row["instance"]))
    edges = {}
    for s in SETS:
        with open(source / f"{s}_edges_by_roi.csv", newline="") as f:
            for row in csv.DictReader(f):
                key = (int(row["pre"]), int(row["post"]), row["roi"])
                edges[key] = edges.get(key, 0) + int(row["weight"])
    pre_of_kc = {pre for (pre, post, roi) in edges if neurons[post][0].startswith("KC")
                 and neurons[pre][0].endswith("PN")}

    rows = []
    for body, (ntype, instance) in sorted(neurons.items()):
        sign = -1 if ntype == "APL" else 1  # APL is GABAergic; PNs and KCs cholinergic
        sensory = "true" if body in pre_of_kc else "false"
        rows.append((body, ntype, instance, class_of(ntype), sign, sensory))
    write_gzip_csv(out / "neurons.csv.gz",
                   ("bodyId", "type", "instance", "class", "sign", "sensory"), rows)
    write_gzip_csv(out / "adjacency.csv.gz", ("bodyId_pre", "bodyId_post", "roi", "weight"),
             [(a, b, roi, w) for (a, b, roi), w in sorted(edges.items())])

    pairs = collections.Counter((a, b) for (a, b, roi) in edges)
    classes = collections.Counter(class_of(t) for t, _ in neurons.values())
    print(f"neurons {len(neurons)}, connections {len(pairs)}, connection-ROI rows {len(edges)}, "
          f"synapses {sum(edges.values())}, sensory {len(pre_of_kc)}")
    print("classes", dict(sorted(classes.items())))


if __name__ == "__main__":
    main()
