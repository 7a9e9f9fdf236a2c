"""pytest set-up: the package from the build tree, the test data, the CLI."""
import os
import pathlib
import sys

import numpy as np
import pytest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
DATA = HERE.parent / "data"

# Run by hand (pytest tests/python) the package comes from build/python.
try:
    import kenyon  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO / "build" / "python"))


@pytest.fixture(scope="session")
def data_dir():
    return DATA


@pytest.fixture(scope="session")
def ref(data_dir):
    """A loader of connectome_interpreter's reference arrays (tests/data/connectome_interpreter)."""
    d = data_dir / "connectome_interpreter"

    def load(name):
        return np.load(d / (name + ".npy"))

    load.dir = d
    return load


@pytest.fixture(scope="session")
def cli():
    """Path of the kenyon command-line tool."""
    path = os.environ.get("KENYON_CLI", str(REPO / "build" / "kenyon"))
    assert pathlib.Path(path).exists(), f"the kenyon CLI is not built: {path}"
    return path
