"""The MothNet examples run: pymoth's examples.py on kenyon (as a script) and the notebook
(through nbclient, on /usr/bin/python3's "python3" kernel), both on real MNIST."""
import os
import pathlib
import subprocess
import sys

import pytest
from conftest import require_module

import kenyon

from test_moth import needs_mnist

REPO = pathlib.Path(__file__).resolve().parent.parent.parent
EXAMPLES = REPO / "examples" / "moth"
# Not resolved: in the build tree kenyon/__init__.py is a link into the sources.
PACKAGE_PARENT = os.path.abspath(os.path.dirname(os.path.dirname(kenyon.__file__)))


def env_with_kenyon():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_PARENT, env.get("PYTHONPATH")]))
    env["MPLBACKEND"] = "Agg"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


@needs_mnist
def test_examples_script(tmp_path):
    done = subprocess.run([sys.executable, str(EXAMPLES / "examples.py"), str(tmp_path)],
                          env=env_with_kenyon(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Trained Accuracy" in done.stdout and "All done" in done.stdout
    for name in ("thumbnails.png", "results_en0.png", "results_en_timecourses9.png",
                 "results_ROC_MothNet.png", "results_ROC_multi.png"):
        assert (tmp_path / name).stat().st_size > 1000, name


@needs_mnist
def test_examples_notebook(tmp_path, monkeypatch):
    nbformat = require_module("nbformat")
    nbclient = require_module("nbclient")
    for key, value in env_with_kenyon().items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(str(EXAMPLES / "examples.ipynb"), as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "accuracy" in text and "Trained Accuracy" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3  # the sweep, the time course and the ROC figures
