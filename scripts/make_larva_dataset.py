#!/usr/bin/env python3
"""Converts the Winding et al. 2023 larva connectome into kenyon's shipped dataset.

Usage: make_larva_dataset.py SOURCE_DIR [OUT_DIR]

SOURCE_DIR holds edges.csv (pre_skid, post_skid, aa, ad, da, dd, total; derived from the
paper's Data S1), annotations.csv (Data S1) and nodes_neurodata.csv (neurodata/bilateral-
connectome). OUT_DIR defaults to data/connectomes/larva next to this script's repository.
Writes edges.csv.gz and neurons.csv.gz in kenyon's generic edge-list / neuron-table format
(see include/kenyon/connectome/loaders.hpp) and prints the counts the README quotes.

Each neuron has a class (the annotations' cell type: sensory, PN, PN-somato, KC, MBON, ...)
and a type. The type is the class, except for the sensory neurons and the second-order
projection neurons (classes PN and PN-somato), which are typed by modality from the
annotations' additional_annotations (and, for photoreceptors, the node table's class2),
and the mushroom body output neurons, typed by their CATMAID name without the side (the 24
left/right pairs MBE2a, MBE5a, ...); see sensory_type, pn_type and named_type.
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


# Sensory modality (additional_annotations) -> type. The olfactory receptor neurons and the
# photoreceptors get the names neuroscientists use; class2 splits the photoreceptors by
# rhodopsin (the larva's Bolwig organ has Rh5 and Rh6 cells).
SENSORY_NAME = {"olfactory": "ORN"}
PHOTORECEPTOR_CLASS2 = ("photoRh5", "photoRh6")

# Second-order PNs are typed by sense: the two gustatory and the two thermosensory modalities
# are one sense each (a PN annotated both gustatory-external and gustatory-pharyngeal is a
# gustatory PN); the somatosensory modalities stay apart (chordotonal, class II/III,
# nociceptive and proprioceptive neurons are distinct sensory systems).
SENSE = {
    "gustatory-external": "gustatory",
    "gustatory-pharyngeal": "gustatory",
    "thermo-warm": "thermo",
    "thermo-cold": "thermo",
}
PN_CLASSES = ("PN", "PN-somato")
SECOND_ORDER = " 2nd_order PN"


def annotation_items(annotation):
    """The ';'-separated items of additional_annotations, stripped, without empties. A '/'
    becomes '-' ('mechano-II/III' -> 'mechano-II-III'): types end up in file names, and a
    selector's '/' separates a batch item."""
    return [item.strip().replace("/", "-") for item in annotation.split(";") if item.strip()]


def sensory_type(modalities, class2):
    """The type of a sensory neuron: its single modality's name; several modalities (none
    occur in the data) give 'sensory-multimodal', none 'sensory-unknown'."""
    distinct = sorted(set(modalities))
    if len(distinct) > 1:
        return "sensory-multimodal"
    if not distinct:
        return "sensory-unknown"
    modality = distinct[0]
    if modality == "visual" and class2 in PHOTORECEPTOR_CLASS2:
        return class2
    return SENSORY_NAME.get(modality, modality)


def pn_type(cell_class, annotation):
    """The type of a second-order PN: 'PN-' and its single sense ('PN-olfactory',
    'PN-gustatory', 'PN-noci', ...); several senses give CLASS-multimodal ('PN-multimodal',
    'PN-somato-multimodal'), none CLASS-unknown."""
    items = annotation_items(annotation)
    modalities = [i[: -len(SECOND_ORDER)] for i in items if i.endswith(SECOND_ORDER)]
    senses = sorted({SENSE.get(m, m) for m in modalities})
    if len(senses) > 1:
        return cell_class + "-multimodal"
    if not senses:
        return cell_class + "-unknown"
    return "PN-" + senses[0]


# Classes whose cell types are their neurons' names without the side ("MBE2a right" and
# "MBE2a left" are one type): each MBON type is a left/right pair with its own compartment.
NAMED_CLASSES = ("MBON",)
SIDE_SUFFIX = re.compile(r"[ ;]+(left|right)$")


def named_type(cell_class, name):
    """The type of a neuron of NAMED_CLASSES: its name without the side; the class if it has
    no name."""
    stem = SIDE_SUFFIX.sub("", name.strip())
    return stem or cell_class


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
    """skid -> (celltype, side implied by a left/right pair or '', additional_annotations)."""
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
                out[skid] = (row["celltype"], side if paired else "", row["additional_annotations"])
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
    known = {t.lower(): t for t, _, _ in annotations.values()}

    ids = sorted({pre for pre, _, _, _ in edges} | {post for _, post, _, _ in edges})
    neurons = []
    for skid in ids:
        node = nodes.get(skid)
        if node is not None and node["class1"] == "APL":
            # The APL gets its own type (the annotations call it LN) because it is the one
            # neuron signed inhibitory; a type shared with excitatory LNs would mix signs.
            cell_class, sign = "APL", -1
        elif skid in annotations:
            cell_class, sign = annotations[skid][0], 1
        elif node is not None and node["celltype_discrete"].strip():
            cell_class, sign = clean_type(node["celltype_discrete"], known), 1
        else:
            cell_class, sign = "unannotated", 1
        annotation = annotations[skid][2] if skid in annotations else ""
        if cell_class == "sensory":
            class2 = node["class2"].strip() if node is not None else ""
            cell_type = sensory_type(annotation_items(annotation), class2)
        elif cell_class in PN_CLASSES:
            cell_type = pn_type(cell_class, annotation)
        else:
            cell_type = cell_class
        if node is not None:
            side = {"L": "left", "R": "right"}.get(node["hemisphere"].strip(), "")
        else:
            side = annotations.get(skid, ("", ""))[1]
        name = node["name"].strip() if node is not None else ""
        if cell_class in NAMED_CLASSES:
            cell_type = named_type(cell_class, name)
        sensory = int(cell_class == "sensory")
        neurons.append((skid, cell_type, cell_class, sign, sensory, side, name))

    # A name that is both a type and a class selects the type, so a new type must not take
    # a class's name (the class would then no longer be selectable as before).
    classes = {n[2] for n in neurons}
    clashes = sorted({n[1] for n in neurons if n[1] != n[2] and n[1] in classes})
    if clashes:
        sys.exit(f"types named like a class: {clashes}")

    out.mkdir(parents=True, exist_ok=True)
    write_gzip_csv(
        out / "neurons.csv.gz",
        ["id", "type", "class", "sign", "sensory", "side", "name"],
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
    print(f"inhibitory {[n[0] for n in neurons if n[3] < 0]}")
    print(f"sensory {sum(n[4] for n in neurons)}")
    sides = collections.Counter(n[5] or "(none)" for n in neurons)
    print("sides " + ", ".join(f"{k} {v}" for k, v in sorted(sides.items())))
    # Ties by name, so that the listing is the same on every run.
    by_count = lambda counter: sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    print("classes")
    for cell_class, count in by_count(collections.Counter(n[2] for n in neurons)):
        print(f"  {cell_class:22s} {count}")
    print("types by modality or name (class: type count)")
    retyped = collections.Counter((n[2], n[1]) for n in neurons if n[1] != n[2])
    order = lambda kv: (kv[0][0], -kv[1], kv[0][1])  # class, then count, then name
    for (cell_class, cell_type), count in sorted(retyped.items(), key=order):
        print(f"  {cell_class:10s} {cell_type:22s} {count}")


if __name__ == "__main__":
    main(sys.argv)
