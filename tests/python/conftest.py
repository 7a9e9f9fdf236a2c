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


def required() -> bool:
    """Whether missing data or tools fail tests instead of skipping them: KENYON_REQUIRE_DATA
    is set by `make test` and so by CI, where a skip would pass a run that checked nothing."""
    return os.environ.get("KENYON_REQUIRE_DATA", "0") not in ("", "0")


def needs(have: bool, what: str):
    """A test marker: run if `have`, else skip (by hand) or fail (under make test)."""
    return pytest.mark.kenyon_needs(have=bool(have), what=what)


def require_module(name: str):
    """The module, or a skip (by hand) or failure (under make test) if it is missing."""
    if required():
        return __import__(name)
    return pytest.importorskip(name)


def seeded(site: int) -> int:
    """The seed of a randomised test: `site` in a plain run; mixed with KENYON_TEST_SEED when
    that is set (to draw other data, as the C++ tests do). Printed, so pytest shows it with
    a failure and the run can be replayed."""
    env = os.environ.get("KENYON_TEST_SEED", "")
    seed = int(np.random.SeedSequence([int(env), site]).generate_state(1)[0]) if env else site
    print(f"[ seed ] {seed} ({'KENYON_TEST_SEED=' + env if env else 'fixed'})")
    return seed


def pytest_configure(config):
    config.addinivalue_line("markers", "kenyon_needs(have, what): see conftest.needs")


@pytest.fixture(autouse=True)
def _kenyon_needs(request):
    mark = request.node.get_closest_marker("kenyon_needs")
    if mark and not mark.kwargs["have"]:
        what = mark.kwargs["what"]
        if required():
            pytest.fail(f"{what} (required: KENYON_REQUIRE_DATA is set)")
        pytest.skip(what)


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
def W(ref):
    """The reference network's signed weights (post rows, pre columns), as scipy CSR."""
    import json

    from scipy import sparse

    n = len(json.loads((ref.dir / "idx_to_sign.json").read_text()))  # one sign per neuron
    return sparse.csr_matrix((ref("W_val"), (ref("W_row"), ref("W_col"))), shape=(n, n))


@pytest.fixture(scope="session")
def sensory(ref):
    """The reference network's sensory neuron indices."""
    return ref("sensory_indices")


@pytest.fixture(scope="session")
def idx_to_group(ref):
    """The reference network's groups, index -> name."""
    import json

    return {int(k): v for k, v in json.loads((ref.dir / "idx_to_group.json").read_text()).items()}


@pytest.fixture(scope="session")
def group_cfg(idx_to_group):
    """The per-group model options every reference case with groups was run with."""
    return dict(
        idx_to_group=idx_to_group,
        default_bias=0.02,
        bias_dict={"G0": 0.1, "G4": -0.05},
        slope_dict={"G2": 2.0, "G6": 8.0},
        tau=4,
        tau_dict={"G3": 1.0, "G5": 20.0, "S0": 0.5},
        divisive_normalization={"G1": ["G3"], "G7": ["G5", "G6"]},
        divisive_strength={"G1": 2.0, "G7": 0.5},
    )


@pytest.fixture(scope="session")
def cli():
    """Path of the kenyon command-line tool."""
    path = os.environ.get("KENYON_CLI", str(REPO / "build" / "kenyon"))
    assert pathlib.Path(path).exists(), f"the kenyon CLI is not built: {path}"
    return path
