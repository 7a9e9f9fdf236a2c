"""The package imports, and C++ errors arrive as the Python exceptions of kenyon.errors."""
import pytest

import kenyon
from kenyon import _core


def test_version_is_the_projects():
    assert kenyon.__version__.count(".") == 2


def test_parameter_error_is_value_error_with_field():
    with pytest.raises(ValueError, match="threads") as info:
        _core.set_num_threads(0)
    assert isinstance(info.value, kenyon.ParameterError)
    assert info.value.field == "n"


def test_thread_count_round_trips():
    before = _core.max_threads()
    _core.set_num_threads(1)
    assert _core.max_threads() == 1
    _core.set_num_threads(before)
    assert _core.max_threads() == before
