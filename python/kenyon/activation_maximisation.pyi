from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
import plotly.graph_objects as go

ArrayLike = Any  # numpy array, list, scipy sparse matrix, pandas object or torch tensor

class TargetActivation:
    targets: Union[Dict[int, Dict[int, float]], pd.DataFrame]
    batch_size: Optional[int]
    targets_df: pd.DataFrame
    def __init__(self, targets: Union[Dict[int, Dict[int, float]], pd.DataFrame], batch_size: Optional[int] = ...) -> None: ...
    def get_batch_targets(self, batch_idx: int) -> Dict[int, Dict[int, float]]: ...

class _NetworkBase:
    sensory_indices: np.ndarray
    num_layers: int
    threshold: float
    tanh_steepness: float
    default_bias: float
    tau: float
    tau_dict: Optional[dict]
    idx_to_group: Optional[dict]
    divisive_normalization: Optional[Dict[str, List[str]]]
    custom_activation_function: Optional[Callable[..., Any]]
    activations: Optional[np.ndarray]
    indices: Optional[np.ndarray]
    slope: Optional[np.ndarray]
    raw_biases: Optional[np.ndarray]
    tau_param: Optional[np.ndarray]
    divisive_strength: Optional[np.ndarray]
    def __init__(
        self,
        all_weights: ArrayLike,
        sensory_indices: ArrayLike,
        num_layers: int = ...,
        threshold: float = ...,
        tanh_steepness: float = ...,
        idx_to_group: Optional[dict] = ...,
        default_bias: float = ...,
        bias_dict: Optional[dict] = ...,
        slope_dict: Optional[dict] = ...,
        divisive_normalization: Optional[Dict[str, List[str]]] = ...,
        divisive_strength: Union[float, int, dict] = ...,
        activation_function: Optional[Callable[..., Any]] = ...,
        tau: float = ...,
        tau_dict: Optional[dict] = ...,
        device: Any = ...,
        idx_to_class: Optional[dict] = ...,
    ) -> None: ...
    @property
    def biases(self) -> Optional[np.ndarray]: ...
    @property
    def effective_tau(self) -> Union[float, np.ndarray]: ...
    @property
    def all_weights(self) -> Any: ...
    def parameters(self) -> List[np.ndarray]: ...
    def named_parameters(self) -> List[Tuple[str, np.ndarray]]: ...
    def set_param_grads(self, slopes: bool = ..., raw_biases: bool = ..., divisive_strength: bool = ..., tau: bool = ...) -> None: ...
    def divnorm(self, slopes: Any, x_previous: np.ndarray) -> Any: ...
    def activation_function(self, x: np.ndarray, x_previous: Optional[np.ndarray] = ..., **_ignored: Any) -> np.ndarray: ...
    def forward(self, inputs: ArrayLike, manipulate: Optional[dict] = ..., checkpoint_steps: int = ..., return_layer_list: bool = ...) -> Any: ...
    def __call__(self, inputs: ArrayLike, manipulate: Optional[dict] = ..., checkpoint_steps: int = ..., return_layer_list: bool = ...) -> Any: ...

class MultilayeredNetwork(_NetworkBase): ...
class LinearNetwork(_NetworkBase): ...

def legacy_activation_function(self: _NetworkBase, x: np.ndarray, x_previous: Optional[np.ndarray] = ...) -> np.ndarray: ...
def legacy_activation_function_linear(self: _NetworkBase, x: np.ndarray, x_previous: Optional[np.ndarray] = ...) -> np.ndarray: ...
def training_mode(model: _NetworkBase, train_slopes: bool = ..., train_biases: bool = ..., divisive_strength: bool = ..., train_tau: bool = ...) -> Iterator[_NetworkBase]: ...
def train_model(
    model: _NetworkBase,
    inputs: ArrayLike,
    targets: pd.DataFrame,
    num_epochs: int = ...,
    learning_rate: float = ...,
    param_reg_lambda: float = ...,
    wandb: bool = ...,
    wandb_project_name: str = ...,
    train_fraction: float = ...,
    seed: int = ...,
    train_slopes: bool = ...,
    train_biases: bool = ...,
    train_divisive_strength: bool = ...,
    train_tau: bool = ...,
    checkpoint_steps: int = ...,
    activation_loss_fn: Union[str, Callable[[Any, Any], Any]] = ...,
    train_indices: Optional[ArrayLike] = ...,
) -> Tuple[_NetworkBase, Dict[str, List[float]], Any, Any, pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]: ...
def activation_maximisation(
    model: _NetworkBase,
    target_activations: TargetActivation,
    input_tensor: Optional[ArrayLike] = ...,
    num_iterations: int = ...,
    learning_rate: float = ...,
    in_reg_lambda: float = ...,
    out_reg_lambda: float = ...,
    custom_reg_functions: Optional[Dict[str, Callable[[Any], Any]]] = ...,
    early_stopping: bool = ...,
    stopping_threshold: float = ...,
    n_runs: int = ...,
    use_tqdm: bool = ...,
    print_output: bool = ...,
    device: Any = ...,
    wandb: bool = ...,
    seed: Optional[int] = ...,
    normalize_gradients: bool = ...,
    quiet: bool = ...,
) -> Tuple[np.ndarray, np.ndarray, List[float], List[float], List[float], List[np.ndarray]]: ...
def saliency(model: _NetworkBase, input_tensor: ArrayLike, neurons_of_interest: Dict[int, List[int]], method: str = ..., normalize: bool = ..., device: Any = ...) -> Any: ...
def get_gradients(
    model: _NetworkBase,
    input_tensor: ArrayLike,
    monitor_neurons: Sequence[Union[int, str]],
    target_neurons: Dict[int, List[Union[int, str]]],
    monitor_layers: Optional[List[int]] = ...,
    method: str = ...,
    batch_names: Optional[List[str]] = ...,
    device: Any = ...,
    checkpoint_steps: int = ...,
    normalize_per_layer: bool = ...,
) -> pd.DataFrame: ...
def add_sign(inprop: ArrayLike, idx_to_sign: dict) -> Any: ...
def input_from_df(df: pd.DataFrame, sensory_indices: Sequence[int], idx_to_group: dict, num_layers: int, timepoints: Union[int, Sequence[int], set] = ..., dtype: type = ...) -> np.ndarray: ...
def activations_to_df(inprop: ArrayLike, model_input: ArrayLike, out: ArrayLike, sensory_indices: Sequence[int], inidx_mapping: Optional[dict] = ..., outidx_mapping: Optional[dict] = ..., activation_threshold: float = ..., connectivity_threshold: float = ..., high_ram: bool = ...) -> pd.DataFrame: ...
def activations_to_df_batched(inprop: ArrayLike, opt_in: ArrayLike, out: ArrayLike, sensory_indices: Sequence[int], inidx_mapping: Optional[dict] = ..., outidx_mapping: Optional[dict] = ..., activation_threshold: float = ..., connectivity_threshold: float = ..., high_ram: bool = ...) -> pd.DataFrame: ...
def get_activations_for_path(path: pd.DataFrame, activations: ArrayLike, model_in: Optional[ArrayLike] = ..., sensory_indices: Optional[Sequence[int]] = ..., idx_to_group: Optional[dict] = ..., activation_start: int = ...) -> pd.DataFrame: ...
def activated_path_for_ngl(path: pd.DataFrame) -> pd.DataFrame: ...
def get_neuron_activation(activations: ArrayLike, neuron_indices: Sequence[int], batch_names: Optional[Sequence[str]] = ..., idx_to_group: Optional[dict] = ...) -> pd.DataFrame: ...
def get_input_activation(model_in: ArrayLike, sensory_indices: Sequence[int], idx_to_group: dict, selected_indices: Optional[Sequence[int]] = ..., activation_threshold: float = ..., batch_names: Optional[Sequence[str]] = ...) -> pd.DataFrame: ...
def activity_by_column(activity: ArrayLike, idx_to_group: dict, idx_to_column: dict, selected_group: Union[str, Sequence[str]], model_input: Optional[ArrayLike] = ..., sensory_indices: Optional[Sequence[int]] = ...) -> pd.DataFrame: ...
def plot_activity_by_column(activity: ArrayLike, idx_to_group: dict, idx_to_column: dict, selected_group: Union[str, Sequence[str]], plot_type: str = ..., model_input: Optional[ArrayLike] = ..., sensory_indices: Optional[Sequence[int]] = ..., figsize: tuple = ..., global_min: Optional[float] = ..., global_max: Optional[float] = ...) -> go.Figure: ...
def plot_timeseries(df: pd.DataFrame, style: Optional[dict] = ..., sizing: Optional[dict] = ..., x_label: str = ..., y_label: str = ..., title: Optional[str] = ..., slider_dim: Optional[str] = ..., ymin: Optional[float] = ..., ymax: Optional[float] = ..., scatter_mode: str = ...) -> go.Figure: ...
def guess_optimal_stimulus(inprop: ArrayLike, sensory_indices: Sequence[int], idx_to_sign: dict, target_activations: TargetActivation, longest_plen: int = ...) -> np.ndarray: ...
