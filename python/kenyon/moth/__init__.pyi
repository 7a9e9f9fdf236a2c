# Type stubs of kenyon.moth: pymoth's API on kenyon's C++ MothNet, plus run / sweep.
from os import PathLike
from typing import Any, Iterable, Literal, Sequence, overload

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import _core

Compat = Literal["fixed", "pymoth"]
Path = str | PathLike[str]
SimResults = dict[str, Any]  # T, E, octo_hits, K2Efinal, P2Kfinal, nE
ENStats = list[dict[str, Any]]  # one dict per EN, as collect_stats returns
RocDict = dict[str, Any]  # targets, roc_auc, fpr, tpr (keyed by class, "micro", "macro")

class ModelParams:
    nF: int
    goal: float
    compat: Compat
    seed: int
    nG: int
    nP: int
    nR: int
    nK: int
    nE: int
    nPI: int
    F2R: np.ndarray
    Rspont: np.ndarray
    R2P: np.ndarray
    R2L: np.ndarray
    L2R: np.ndarray
    L2P: np.ndarray
    L2L: np.ndarray
    P2K: np.ndarray
    K2E: np.ndarray
    def __init__(self, nF: int, goal: float = 15, compat: Compat = "fixed", seed: int = 0) -> None: ...
    def to_core(self) -> _core.moth.ModelParams: ...
    def create_connection_matrix(self) -> ModelParams: ...
    def to_network(self) -> _core.moth.Network: ...
    def __getattr__(self, name: str) -> Any: ...

class ExpParams:
    class_labels: np.ndarray
    nC: int
    val_per_class: int
    stimStarts: np.ndarray
    whichClass: np.ndarray
    trainTimes: np.ndarray
    sim_start: float
    sim_stop: float
    startTrain: float
    endTrain: float
    def __init__(self, train_classes: np.ndarray, class_labels: np.ndarray, val_per_class: int) -> None: ...
    def to_protocol(self, dt: float = 0.02) -> _core.moth.Protocol: ...
    def __getattr__(self, name: str) -> Any: ...

def load_mnist_dict(data_dir: str | None = None, dataset: str = "mnist") -> dict[str, np.ndarray]: ...
def generate_ds_mnist(max_ind: int, class_labels: np.ndarray, crop: int, downsample_ratio: int,
                      downsample_method: int, inds_to_ave: Iterable[int], pixel_sum: float,
                      inds_to_calc_RF: Iterable[int], num_features: int,
                      screen_size: tuple[int, int], save_results_folder: str,
                      show_thumbnails: int, data_dir: str = "/tmp",
                      data_fname: str = "MNIST_all") -> tuple[np.ndarray, np.ndarray, int]: ...
def extract_mnist_feature_array(mnist: dict[str, np.ndarray], labels: Sequence[int],
                                image_indices: Iterable[int], phase_label: str) -> np.ndarray: ...
def crop_downsample_vectorize_images(im_stack: np.ndarray, crop_val: int | Sequence[int],
                                     downsample_ratio: int, downsample_method: int) -> np.ndarray: ...
def average_image_stack(im_stack: np.ndarray, indices_to_average: Iterable[int]) -> np.ndarray: ...
def select_active_pixels(feature_array: np.ndarray, num_features: int,
                         screen_size: tuple[int, int], save_image_folder: Any = ...,
                         show_thumbnails: int = 0) -> np.ndarray: ...

def sde_wrap(model_params: ModelParams, exp_params: ExpParams, feature_array: np.ndarray) -> SimResults: ...
def sde_evo_mnist(tspan: tuple[float, float], init_cond: np.ndarray, time: np.ndarray,
                  class_mag_mat: np.ndarray, feature_array: np.ndarray, octo_hits: np.ndarray,
                  mP: ModelParams, exP: ExpParams, seed_val: int) -> dict[str, Any]: ...
def collect_stats(sim_results: SimResults, exp_params: ExpParams, class_labels: np.ndarray,
                  show_time_plots: bool, show_acc_plots: bool, images_folder: str = "",
                  images_filename: str = "", screen_size: tuple[int, int] = (1920, 1080)) -> ENStats: ...

def roc_multi(true_classes: np.ndarray, likelihoods: np.ndarray) -> RocDict: ...
def classify_digits_log_likelihood(results: ENStats) -> dict[str, Any]: ...
def classify_digits_thresholding(results: ENStats, home_advantage: float,
                                 home_thresh_sigmas: float,
                                 above_home_thresh_reward: float) -> dict[str, Any]: ...

def show_FA_thumbs(feature_array: np.ndarray, show_per_class: int, normalize: bool,
                   title_string: str, screen_size: tuple[int, int], images_filename: str) -> Figure: ...
def show_acc(pre_SA: np.ndarray, post_SA: np.ndarray, en_ind: int, pre_mean_resp: np.ndarray,
             pre_median_resp: np.ndarray, pre_std_resp: np.ndarray, post_offset: np.ndarray,
             post_mean_resp: np.ndarray, post_median_resp: np.ndarray, post_std_resp: np.ndarray,
             class_labels: np.ndarray, pre_heb_mean: float, pre_heb_std: float,
             post_heb_mean: float, post_heb_std: float, percent_change_mean_resp: np.ndarray,
             screen_size: tuple[int, int]) -> Figure: ...
def show_timecourse(ax: Axes, en_ind: int, sim_results: SimResults, octo_times: np.ndarray,
                    class_list: np.ndarray, results: ENStats, exp_params: ExpParams,
                    stim_starts: np.ndarray, which_class: np.ndarray) -> Axes: ...
def plot_roc_multi(ax: Axes, fpr: dict, tpr: dict, roc_auc: dict, class_labels: np.ndarray,
                   title_str: str, y_axis_label: bool = True, legend: bool = True) -> Axes: ...
def show_roc_curves(tpr: dict, fpr: dict, roc_auc: dict, class_labels: np.ndarray,
                    title_str: str = "", images_filename: str = "") -> Figure: ...
def show_multi_roc(models: MothNet | Sequence[RocDict], model_names: Sequence[str],
                   class_labels: np.ndarray, images_filename: str = "") -> Figure: ...

class MothNet:
    NUM_RUNS: int
    GOAL: float
    TR_PER_CLASS: int
    NUM_SNIFFS: int
    SEED: int
    COMPAT: Compat
    SCREEN_SIZE: tuple[int, int]
    SHOW_ACC_PLOTS: bool
    SHOW_TIME_PLOTS: bool
    SHOW_ROC_PLOTS: bool
    RESULTS_FOLDER: str
    RESULTS_FILENAME: str
    model_params: ModelParams
    experiment_params: ExpParams
    output_trained_log_loss: dict[str, Any]
    output_trained_thresholding: dict[str, Any]
    roc_knn: RocDict
    roc_svm: RocDict
    knn_acc: float
    svm_acc: float
    def __init__(self, settings: dict[str, Any] | None = None) -> None: ...
    def load_mnist(self) -> np.ndarray: ...
    def train_test_split(self, feature_array: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]: ...
    def load_moth(self) -> None: ...
    def load_exp(self) -> None: ...
    def simulate(self, feature_array: np.ndarray) -> SimResults: ...
    def collect_stats(self, sim_results: SimResults, exp_params: ExpParams,
                      class_labels: np.ndarray, show_time_plots: bool, show_acc_plots: bool,
                      images_folder: str = "", images_filename: str = "",
                      screen_size: tuple[int, int] = (1920, 1080)) -> ENStats: ...
    def score_moth_on_MNIST(self, EN_resp_trained: ENStats) -> None: ...
    def score_knn(self, train_X: np.ndarray, train_y: np.ndarray, test_X: np.ndarray, test_y: np.ndarray) -> None: ...
    def score_svm(self, train_X: np.ndarray, train_y: np.ndarray, test_X: np.ndarray, test_y: np.ndarray) -> None: ...
    def show_multi_roc(self, model_names: Sequence[str], class_labels: np.ndarray,
                       images_filename: str = "") -> Figure: ...

@overload
def run(train_per_class: int = 10, sniffs: int = 1, val_per_class: int = 15, seed: int = 0,
        compat: Compat = "fixed", dataset: str = "mnist", data_dir: Path | None = None,
        out: Path | None = None, result: Literal[False] = False,
        test: int | Literal["all"] | None = None, cyborg: bool = False) -> dict[str, Any]: ...
@overload
def run(train_per_class: int = 10, sniffs: int = 1, val_per_class: int = 15, seed: int = 0,
        compat: Compat = "fixed", dataset: str = "mnist", data_dir: Path | None = None,
        out: Path | None = None, *, result: Literal[True],
        test: int | Literal["all"] | None = None, cyborg: bool = False) -> tuple[dict[str, Any], _core.moth.RunResult]: ...
@overload
def sweep(train_per_class: int | Sequence[int] = (1, 3, 5, 10, 20), seeds: int = 5,
          first_seed: int = 0, sniffs: int = 1, val_per_class: int = 15,
          compat: Compat = "fixed", threads: int = 0, dataset: str = "mnist",
          data_dir: Path | None = None, out: Path | None = None,
          table: Literal[False] = False,
          test: int | Literal["all"] | None = None, cyborg: bool = False) -> dict[str, Any]: ...
@overload
def sweep(train_per_class: int | Sequence[int] = (1, 3, 5, 10, 20), seeds: int = 5,
          first_seed: int = 0, sniffs: int = 1, val_per_class: int = 15,
          compat: Compat = "fixed", threads: int = 0, dataset: str = "mnist",
          data_dir: Path | None = None, out: Path | None = None, *,
          table: Literal[True],
          test: int | Literal["all"] | None = None, cyborg: bool = False) -> tuple[dict[str, Any], pd.DataFrame]: ...
def sweep_table(result: dict[str, Any]) -> pd.DataFrame: ...
