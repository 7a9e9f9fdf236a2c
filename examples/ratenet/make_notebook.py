#!/usr/bin/env python3
"""Writes tutorial.ipynb from tutorial.py (cells split at `# %%` lines; `# %% [markdown]`
cells become markdown), so that the script and the notebook never drift apart. The test
tests/python/test_examples_ratenet.py checks that they match, and runs both."""
import pathlib
import sys

import nbformat

HERE = pathlib.Path(__file__).resolve().parent


def cells(script_text):
    """(kind, source) per cell of a percent-format script."""
    out, kind, lines = [], None, []
    for line in script_text.splitlines():
        if line.startswith("# %%"):
            if kind is not None:
                out.append((kind, "\n".join(lines).strip("\n")))
            kind = "markdown" if "[markdown]" in line else "code"
            lines = []
        elif kind is not None:
            lines.append(line[2:] if kind == "markdown" and line.startswith("# ") else
                         ("" if kind == "markdown" and line == "#" else line))
    if kind is not None:
        out.append((kind, "\n".join(lines).strip("\n")))
    return out


def notebook(script_text):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, source in cells(script_text):
        nb.cells.append(nbformat.v4.new_markdown_cell(source) if kind == "markdown" else
                        nbformat.v4.new_code_cell(source))
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i}"
    return nb


if __name__ == "__main__":
    text = (HERE / "tutorial.py").read_text()
    target = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "tutorial.ipynb"
    nbformat.write(notebook(text), str(target))
    print("wrote", target)
