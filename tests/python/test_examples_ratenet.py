"""examples/ratenet: the tutorial script and its notebook run (the notebook with nbclient on
this interpreter's kernel), write their figures, and hold the same code."""
import os
import pathlib
import subprocess
import sys

import nbformat
import pytest
from conftest import require_module

import kenyon

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "ratenet"
# Not resolved: in the build tree the package files are links into the sources.
PACKAGE_PATH = str(pathlib.Path(os.path.abspath(kenyon.__file__)).parent.parent)


def env_with_package(out):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([PACKAGE_PATH, env.get("PYTHONPATH", "")])
    env["KENYON_TUTORIAL_OUT"] = str(out)
    return env


def test_tutorial_script_runs(tmp_path):
    r = subprocess.run([sys.executable, str(EXAMPLES / "tutorial.py"), str(tmp_path)], capture_output=True,
                       text=True, env=env_with_package(tmp_path), timeout=300)
    assert r.returncode == 0, r.stderr
    assert "target loss" in r.stdout and "connections between active cell types" in r.stdout
    for name in ("responses.html", "mb_by_column.html"):
        assert (tmp_path / name).stat().st_size > 1000


def test_notebook_matches_the_script():
    sys.path.insert(0, str(EXAMPLES))
    try:
        import make_notebook
    finally:
        sys.path.pop(0)
    want = make_notebook.notebook((EXAMPLES / "tutorial.py").read_text())
    have = nbformat.read(str(EXAMPLES / "tutorial.ipynb"), as_version=4)
    assert [(c.cell_type, c.source) for c in have.cells] == [(c.cell_type, c.source) for c in want.cells], (
        "tutorial.ipynb is out of date: run examples/ratenet/make_notebook.py")


def test_tutorial_notebook_runs(tmp_path, monkeypatch):
    nbclient = require_module("nbclient")
    for k, v in env_with_package(tmp_path).items():
        monkeypatch.setenv(k, v)
    nb = nbformat.read(str(EXAMPLES / "tutorial.ipynb"), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "target loss" in text
    assert (tmp_path / "responses.html").stat().st_size > 1000
