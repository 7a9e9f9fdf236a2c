"""Argument checks shared by the package's modules: each failure is a kenyon error naming
the argument, as the C++ library's parameter_error does ("field: what")."""

import numbers
import warnings

import numpy as np

from .errors import ParameterError, UnknownNameError


def error(field: str, message: str) -> ParameterError:
    """A ParameterError "field: message" with ``field`` set."""
    return ParameterError(f"{field}: {message}", field)


def number(value, field: str, kind=float):
    """value as `kind` (float or int), or a ParameterError naming the field."""
    if isinstance(value, bool) or isinstance(value, (str, bytes)):
        raise error(field, f"expected a number, got {value!r}")
    try:
        return kind(value)
    except (TypeError, ValueError, OverflowError):
        raise error(field, f"expected a number, got {value!r}") from None


def integer(value, field: str, minimum=None) -> int:
    """An integral value (not a bool), at least `minimum` when given."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{field} must be an integer, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise error(field, f"expected at least {minimum}, got {value}")
    return int(value)


def positive(value, field: str):
    """A finite real number > 0 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{field} must be a number, got {type(value).__name__}")
    if not np.isfinite(value) or value <= 0:
        raise error(field, f"expected a positive number, got {value}")
    return value


def texts(values, field: str) -> list:
    """A string or an iterable of values as a list of strings."""
    if isinstance(values, str):
        values = [values]
    try:
        return [str(v) for v in values]
    except TypeError:
        raise error(field, f"expected a list of strings, got {values!r}") from None


def named_values(mapping, field: str) -> dict:
    """{name: finite float} from a mapping (None: empty)."""
    out = {}
    for name, value in dict(mapping or {}).items():
        v = number(value, field)
        if not np.isfinite(v):
            raise error(field, f"the value of {name!r} is not a finite number")
        out[str(name)] = v
    return out


def finite(value, field: str) -> float:
    """A finite number (not text, not a bool), or a ParameterError naming the field."""
    v = number(value, field)
    if not np.isfinite(v):
        raise error(field, f"expected a finite number, got {value!r}")
    return v


def numeric_array(value, field: str, ndim=None, length=None, lists=False, allow_nan=False) -> np.ndarray:
    """A numpy array of numbers (or bools) with `ndim` dimensions (an int or a tuple of
    them), `length` rows when given, and no NaN or infinity unless allowed. Lists are refused
    unless `lists` (pymoth's data functions need arrays; its figures take array-likes)."""
    if lists:
        value = np.asarray(value)
    elif not isinstance(value, np.ndarray):
        raise TypeError(f"{field} must be a numpy array, got {type(value).__name__}")
    if not (np.issubdtype(value.dtype, np.number) or value.dtype == bool):
        raise TypeError(f"{field} must be numeric, got dtype {value.dtype}")
    if ndim is not None and value.ndim not in ((ndim,) if isinstance(ndim, int) else ndim):
        raise error(field, f"expected {ndim} dimensions, got {value.ndim}")
    if length is not None and value.shape[0] != length:
        raise error(field, f"expected {length} values, got shape {value.shape}")
    if not allow_nan and np.issubdtype(value.dtype, np.floating) and not np.all(np.isfinite(value)):
        raise error(field, "expected finite values (found NaN or infinity)")
    return value


def unknown_name(name: str, kind: str, message: str) -> UnknownNameError:
    """An UnknownNameError (a KeyError) with ``name`` and ``kind`` set, as the C++ one."""
    err = UnknownNameError(message)
    err.name, err.kind = name, kind
    return err


def warn_non_finite(report, extra: str = ""):
    """For a numerical failure report (the C++ non_finite_report as a dict, or None): a
    RuntimeWarning with its message, pointing at the caller's caller; returns the report."""
    if report:
        warnings.warn(f"kenyon: numerical failure: {report['message']}{extra}", RuntimeWarning,
                      stacklevel=3)
    return report


def first_non_finite(values, axes, cell_type_of=None, **fields):
    """The report (the C++ non_finite_report's dict, message included) of the first entry of
    ``values`` that is not a finite number, in C order, or None. ``axes`` names each axis's
    coordinate in the report ("layer", "neuron", "batch", "step"; None for one that is not
    reported); ``fields`` gives where, quantity and the coordinates that are fixed;
    ``cell_type_of(neuron)`` names the neuron's cell type."""
    values = np.asarray(values)
    bad = ~np.isfinite(values)
    if not bad.any():
        return None
    at = np.unravel_index(int(np.argmax(bad)), values.shape)
    coords = {axis: int(i) for axis, i in zip(axes, at) if axis}
    if cell_type_of is not None and "neuron" in coords:
        fields["cell_type"] = cell_type_of(coords["neuron"]) or ""
    from . import _core

    return _core.non_finite_report(value=float(values[at]), **coords, **fields)


def restate(report, **changes):
    """A non_finite report with some of its fields changed, its message rebuilt."""
    from . import _core

    keys = ("where", "quantity", "step", "layer", "neuron", "batch", "cell_type")
    fields = {k: report[k] for k in keys if k in report}
    fields.update(changes)
    return _core.non_finite_report(value=float(report["value"]), **fields)
