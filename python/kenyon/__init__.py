"""kenyon: insect neural circuits from connectomes, in Python.

The C++ library behind the ``kenyon`` command line, under the names of the reference
packages, so that switching takes little more than an import.
"""
from . import activation_maximisation, compress_paths, connectome, datasets, errors, moth, net
from ._core import __version__
from .net import atlas
from .errors import Error, FileError, ItemError, ParameterError, UnknownNameError

__all__ = [
    "activation_maximisation", "atlas", "compress_paths", "connectome", "datasets", "errors", "moth", "net",
    "Error", "FileError", "ItemError", "ParameterError", "UnknownNameError", "__version__",
]
