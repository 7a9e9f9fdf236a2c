"""kenyon's exceptions: one class per kind of C++ error, with the same messages.

Every error kenyon raises on bad input is a ``kenyon.errors.Error``, itself a
``ValueError``; errors about files are also ``OSError``, unknown names also ``KeyError``.
The item an error names is an attribute: ``field`` (the parameter), ``filename`` and
``row`` and ``column``, ``name`` and ``kind``, or ``batch``, ``layer`` and ``neuron``.
"""

__all__ = ["Error", "ParameterError", "FileError", "UnknownNameError", "ItemError", "InternalError"]


class Error(ValueError):
    """Bad input: parameters, files or data that kenyon cannot use."""


class ParameterError(Error):
    """A parameter outside its allowed range; ``field`` names it."""

    field = None

    def __init__(self, message, field=None):
        super().__init__(message)
        if field is not None:
            self.field = field


class FileError(Error, OSError):
    """A missing, unreadable or malformed file; ``filename``, ``row`` (the 1-based line, 0:
    none) and ``column`` (the column's name, "": none)."""

    row = 0
    column = ""

    def __str__(self):
        return self.args[0] if self.args else ""


class UnknownNameError(Error, KeyError):
    """A name that names nothing (neuron, cell type, group, dataset); ``name``, ``kind``."""

    name = None
    kind = None

    def __str__(self):  # KeyError would quote the message
        return self.args[0] if self.args else ""


class ItemError(Error, IndexError):
    """An entry at (batch item, layer, neuron) out of range or not finite: a target, a
    clamped neuron, a neuron of interest. ``batch``, ``layer``, ``neuron``: the entry's
    coordinates, None where it gives none (a target for every batch item)."""

    batch = None
    layer = None
    neuron = None


class InternalError(RuntimeError):
    """A bug in kenyon itself, never the user's fault: please report it."""
