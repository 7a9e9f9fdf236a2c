# Type stubs of the C++ extension kenyon._core (python/src/register_*.cpp). The public
# API is the pure-Python package around it; these describe what it calls.
import os
from typing import Optional

import numpy as np
import pandas

__version__: str

def max_threads() -> int: ...
def set_num_threads(n: int) -> None: ...

# register_connectome.cpp
class Connectome:
    name: str
    size: int
    id: np.ndarray  # int64, read-only view
    type: list[str]
    cell_class: list[str]  # empty if the dataset has no classes
    sign: np.ndarray  # int32, read-only view
    sensory: np.ndarray  # bool, read-only view
    side: list[str]
    column: np.ndarray  # int64, empty if the dataset has no columns
    inprop_csr: tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]
    edge_sign: np.ndarray  # int8, empty unless signs are per connection
    def sensory_indices(self) -> np.ndarray: ...
    def select(self, selector: str) -> np.ndarray: ...

def shipped_connectomes() -> list[str]: ...
def shipped_dir() -> str: ...
def load_connectome(connectome: str, neurons: Optional[str] = None,
                    classification: Optional[str] = None, format: str = "auto",
                    min_synapses: float = 0.0, neuropils: list[str] = ...,
                    transmitter_sign: dict[str, int] = ..., default_sign: int = 1,
                    input_proportion: bool = True) -> Connectome: ...

# register_ratenet_results.cpp (the ratenet submodule; only the atlas is described here)
class _RatenetResult:
    lines: list[str]
    @property
    def status(self) -> str: ...
    @property
    def non_finite(self) -> Optional[dict]: ...
    def summary(self) -> dict: ...
    def write(self, dir: str | os.PathLike) -> dict: ...
    def set_provenance(self, json_text: str) -> None: ...

class _AtlasResult(_RatenetResult):
    @property
    def inputs(self) -> np.ndarray: ...  # float32 (target sets, sensory, layers)
    @property
    def table(self) -> "pandas.DataFrame": ...  # atlas.csv's rows
    sensory_types: list[str]

class ratenet:  # the submodule kenyon._core.ratenet
    Result = _RatenetResult
    AtlasResult = _AtlasResult
    @staticmethod
    def run_atlas(model: object, each: Optional[str], targets_file: Optional[str],
                  layer: Optional[int], value: float, by: str, batch: int, top: int,
                  iterations: int, learning_rate: float, in_reg: float, out_reg: float,
                  mean_regularisers: bool, early_stopping: bool, stopping_threshold: float,
                  n_runs: int, normalize_gradients: bool, seed: int,
                  figures: bool) -> _AtlasResult: ...
