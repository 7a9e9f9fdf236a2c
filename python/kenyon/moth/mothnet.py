"""pymoth's ``MothNet`` class: the steps of one experiment (data, moth, time line,
simulation, statistics, scores and baselines) under pymoth's method names, on kenyon's C++.

Settings as pymoth's dictionary, plus kenyon's ``seed`` (run r of a MothNet uses seed
``seed + r``: digits, moth and noise all derive from it), ``compat`` ("fixed" or "pymoth")
and ``data_dir`` (a folder holding the MNIST IDX files; default: kenyon's search). With the
same seed and settings, a MothNet run reproduces ``kenyon.moth.run`` (and ``kenyon moth
run``) number for number.
"""
import os

import numpy as np

from .. import _core
from .._check import error, number
from ..errors import Error
from .classify import classify_digits_log_likelihood, classify_digits_thresholding, roc_multi
from .data import generate_ds_mnist
from .params import ExpParams, ModelParams, _check_compat
from .sde import collect_stats as _collect_stats
from .sde import sde_wrap

__all__ = ["MothNet"]


class MothNet:
    """A moth brain model trained on a few downsampled MNIST digits (pymoth's API)."""

    def __init__(self, settings=None):
        if settings is not None and not isinstance(settings, dict):
            raise TypeError(f"settings must be a dict, got {type(settings).__name__}")
        settings = dict(settings or {})
        if not all(isinstance(k, str) for k in settings):
            raise TypeError("settings keys must be strings")
        known = {"screen_size", "num_runs", "goal", "tr_per_class", "num_sniffs",
                 "num_neighbors", "box_constraint", "n_thumbnails", "show_acc_plots",
                 "show_time_plots", "show_roc_plots", "results_folder", "results_filename",
                 "data_folder", "data_filename", "seed", "compat", "data_dir", "verbose"}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise error(unknown[0], "an unknown settings key")
        def whole(key, default):
            return number(settings.get(key, default), key, int)

        self.SCREEN_SIZE = settings.get("screen_size", (1920, 1080))
        self.NUM_RUNS = whole("num_runs", 1)
        self.GOAL = settings.get("goal", 15)
        self.TR_PER_CLASS = whole("tr_per_class", 1)
        self.NUM_SNIFFS = whole("num_sniffs", 1)
        self.NUM_NEIGHBORS = whole("num_neighbors", 1)
        self.BOX_CONSTRAINT = number(settings.get("box_constraint", 1e1), "box_constraint")
        self.N_THUMBNAILS = whole("n_thumbnails", 1)
        self.SHOW_ACC_PLOTS = bool(settings.get("show_acc_plots", True))
        self.SHOW_TIME_PLOTS = bool(settings.get("show_time_plots", True))
        self.SHOW_ROC_PLOTS = bool(settings.get("show_roc_plots", True))
        self.RESULTS_FOLDER = settings.get("results_folder", "/tmp")
        self.RESULTS_FILENAME = settings.get("results_filename", "results")
        self.DATA_FOLDER = settings.get("data_folder", "/tmp")
        self.DATA_FILENAME = settings.get("data_filename", "MNIST_all")
        self.SEED = whole("seed", 0)
        self.COMPAT = _check_compat(settings.get("compat", "fixed"))
        self.DATA_DIR = settings.get("data_dir")
        self.VERBOSE = bool(settings.get("verbose", True))
        if self.NUM_NEIGHBORS != 1:
            raise error("num_neighbors", "kenyon's nearest-neighbour baseline has k = 1")
        for name, value, low in (("num_runs", self.NUM_RUNS, 1), ("tr_per_class",
                                 self.TR_PER_CLASS, 1), ("num_sniffs", self.NUM_SNIFFS, 1),
                                 ("seed", self.SEED, 0), ("n_thumbnails", self.N_THUMBNAILS, 0)):
            if value < low:
                raise error(name, f"expected at least {low}, got {value}")
        # A relative results folder is under the home directory, as pymoth's.
        self.RESULTS_FOLDER = os.path.join(os.path.expanduser("~"), self.RESULTS_FOLDER)
        if self.SHOW_ACC_PLOTS or self.SHOW_TIME_PLOTS or self.SHOW_ROC_PLOTS or self.N_THUMBNAILS:
            os.makedirs(self.RESULTS_FOLDER, exist_ok=True)
        self._run = -1

    def _print(self, *args):
        if self.VERBOSE:
            print(*args)

    def _need(self, attribute, step):
        """A clear error for a step called before the one that provides `attribute`."""
        if not hasattr(self, attribute):
            raise Error(f"MothNet: call {step}() first")

    def _experiment_params(self):
        p = _core.moth.ExperimentParams()
        p.train_per_class = self.TR_PER_CLASS
        p.sniffs = self.NUM_SNIFFS
        p.val_per_class = self._val_per_class
        p.seed = self.SEED + max(self._run, 0)
        p.compat = self.COMPAT
        return p

    # -- 2. data -------------------------------------------------------------------------
    def load_mnist(self):
        """Preprocesses MNIST (kenyon's pipeline) and lines up this run's digits: per class
        a queue [features, digits, classes] of baseline, training (x num_sniffs) and
        validation digits, drawn from the run's seed (without replacement; with
        replacement in compat="pymoth"). Returns the queue array."""
        self._run += 1
        self._class_labels = np.arange(10)
        self._val_per_class = 15
        self._ind_pool_baseline = list(range(100))
        self._ind_pool_train = list(range(100, 300))
        self._ind_pool_post = list(range(300, 400))
        self._inds_to_ave = list(range(550, 1000))
        self._inds_to_calc_RF = list(range(550, 1000))
        self._max_ind = 999
        self._downsample_rate = 2
        self._crop = 2
        self._num_features = 85
        self._pixel_sum = 6
        self._downsample_method = 1
        data_dir = self.DATA_DIR if self.DATA_DIR else self.DATA_FOLDER
        self._feat_array, self._active_pixel_inds, self._len_side = generate_ds_mnist(
            self._max_ind, self._class_labels, self._crop, self._downsample_rate,
            self._downsample_method, self._inds_to_ave, self._pixel_sum, self._inds_to_calc_RF,
            self._num_features, self.SCREEN_SIZE, self.RESULTS_FOLDER, 0, data_dir=data_dir)
        n_f, self._num_per_class, self._class_num = self._feat_array.shape

        draw = _core.moth.draw_digits(self._experiment_params(), self._class_num,
                                      self._num_per_class)
        self._draw = draw
        self._tr_classes = np.array([c for c, _ in draw["training_sequence"]])
        # Queues in kenyon's layout [classes, digits, features]; returned transposed.
        queues = np.zeros((self._class_num, self._num_per_class, n_f), dtype=np.float32)
        values = np.transpose(self._feat_array, (2, 1, 0))
        v, tr = self._val_per_class, self.TR_PER_CLASS * self.NUM_SNIFFS
        for c in range(self._class_num):
            train = np.tile(draw["train"][c], self.NUM_SNIFFS)
            queues[c, :v] = values[c, draw["baseline"][c]]
            queues[c, v:v + tr] = values[c, train]
            queues[c, v + tr:2 * v + tr] = values[c, draw["validation"][c]]
        digit_queues = np.transpose(queues, (2, 1, 0))

        if self.N_THUMBNAILS:
            from .show_figs import show_FA_thumbs

            thumbs = np.zeros((self._len_side, self._num_per_class, self._class_num))
            thumbs[self._active_pixel_inds] = digit_queues
            fig = show_FA_thumbs(thumbs, self.N_THUMBNAILS, 1, "Input thumbnails",
                                 self.SCREEN_SIZE, os.path.join(self.RESULTS_FOLDER, "thumbnails"))
            import matplotlib.pyplot as plt

            plt.close(fig)
        return digit_queues

    def train_test_split(self, feature_array):
        """The baselines' split of the queue array: the first ``tr_per_class`` training
        digits of each class and the validation digits. (compat="pymoth" keeps pymoth's
        column arithmetic, whose test set holds training copies when num_sniffs > 1.)
        Returns train_X, test_X, train_y, test_y (labels as [n, 1] columns)."""
        if not isinstance(feature_array, np.ndarray) or feature_array.ndim != 3:
            raise TypeError("feature_array must be the 3-d array load_mnist returns")
        self._need("_val_per_class", "load_mnist")
        v, tr = self._val_per_class, self.TR_PER_CLASS
        test_first = v + tr if self.COMPAT == "pymoth" else v + tr * self.NUM_SNIFFS
        n_f = feature_array.shape[0]
        train_X = np.zeros((10 * tr, n_f))
        test_X = np.zeros((10 * v, n_f))
        train_y = np.zeros((10 * tr, 1))
        test_y = np.zeros((10 * v, 1))
        for i in self._class_labels:
            train_X[i * tr:(i + 1) * tr] = feature_array[:, v:v + tr, i].T
            test_X[i * v:(i + 1) * v] = feature_array[:, test_first:test_first + v, i].T
            train_y[i * tr:(i + 1) * tr] = i
            test_y[i * v:(i + 1) * v] = i
        return train_X, test_X, train_y, test_y

    # -- 3. moth and experiment ------------------------------------------------------------
    def load_moth(self):
        """Draws this run's moth (kenyon's make_network, seeded) into self.model_params."""
        self._need("_active_pixel_inds", "load_mnist")
        self.model_params = ModelParams(len(self._active_pixel_inds), self.GOAL,
                                        compat=self.COMPAT, seed=self.SEED + max(self._run, 0))
        self.model_params.create_connection_matrix()

    def load_exp(self):
        """The experiment's time line into self.experiment_params."""
        self._need("_tr_classes", "load_mnist")
        self.experiment_params = ExpParams(self._tr_classes, self._class_labels,
                                           self._val_per_class)

    def simulate(self, feature_array):
        """Runs the SDE evolution in C++ (sde_wrap); returns pymoth's sim_results dict."""
        self._need("model_params", "load_moth")
        self._need("experiment_params", "load_exp")
        self._print(f"\nStarting sim for goal = {self.GOAL}, tr_per_class = "
                    f"{self.TR_PER_CLASS}, numSniffsPerSample = {self.NUM_SNIFFS}")
        return sde_wrap(self.model_params, self.experiment_params, feature_array)

    def collect_stats(self, sim_results, exp_params, class_labels, show_time_plots,
                      show_acc_plots, images_folder="", images_filename="",
                      screen_size=(1920, 1080)):
        """EN response statistics per class (see kenyon.moth.collect_stats)."""
        return _collect_stats(sim_results, exp_params, class_labels, show_time_plots,
                              show_acc_plots, images_folder=images_folder,
                              images_filename=images_filename, screen_size=screen_size)

    # -- 4. scores --------------------------------------------------------------------------
    def score_moth_on_MNIST(self, EN_resp_trained):
        """Accuracy before (naive) and after training, with the log-likelihood and the
        thresholding classifiers; sets output_trained_log_loss, output_trained_thresholding
        (and the naive ones) and prints them."""
        if not isinstance(EN_resp_trained, (list, tuple)) or not all(isinstance(r, dict) for r in EN_resp_trained):
            raise TypeError("EN_resp_trained must be the list of per-EN dicts collect_stats returns")
        naive = []
        for r in EN_resp_trained:
            n = dict(r)
            n["post_mean_resp"] = np.array(r["pre_mean_resp"], copy=True)
            n["post_std_resp"] = np.array(r["pre_std_resp"], copy=True)
            n["post_train_resp"] = np.array(r["pre_train_resp"], copy=True)
            naive.append(n)
        self.output_naive_log_loss = classify_digits_log_likelihood(naive)
        self.output_trained_log_loss = classify_digits_log_likelihood(EN_resp_trained)
        self.output_naive_thresholding = classify_digits_thresholding(naive, 1e9, -1, 10)
        self.output_trained_thresholding = classify_digits_thresholding(EN_resp_trained, 1e9,
                                                                        -1, 10)
        for name, pre, post in (
                ("LogLikelihood", self.output_naive_log_loss, self.output_trained_log_loss),
                ("Thresholding", self.output_naive_thresholding,
                 self.output_trained_thresholding)):
            self._print(f"{name}:")
            self._print(f" Baseline (Naive) Accuracy: {round(pre['total_acc'])}%, by class: "
                        f"{np.round(pre['acc_perc'])}%")
            self._print(f" Trained Accuracy: {round(post['total_acc'])}%, by class: "
                        f"{np.round(post['acc_perc'])}%")
        if self.SHOW_ROC_PLOTS:
            self._roc_figure(self.output_trained_log_loss, "MothNet")

    def _roc_figure(self, roc, title):
        from .show_figs import show_roc_curves

        fig = show_roc_curves(roc["tpr"], roc["fpr"], roc["roc_auc"], self._class_labels,
                              title_str=title,
                              images_filename=os.path.join(self.RESULTS_FOLDER,
                                                           self.RESULTS_FILENAME))
        import matplotlib.pyplot as plt

        plt.close(fig)

    def _score_baseline(self, name, predict, train_X, train_y, test_X, test_y):
        for label, x in (("train_X", train_X), ("test_X", test_X), ("train_y", train_y),
                         ("test_y", test_y)):
            if not isinstance(x, np.ndarray):
                raise TypeError(f"{label} must be a numpy array, got {type(x).__name__}")
        y_train = np.ravel(train_y).astype(int)
        y_test = np.ravel(test_y).astype(int)
        y_hat = np.asarray(predict(np.asarray(train_X, dtype=float), y_train.tolist(),
                                   np.asarray(test_X, dtype=float)), dtype=int)
        # kenyon's baselines give labels, not probabilities: the ROC scores are one-hot
        # decisions (for 1-NN exactly sklearn's predict_proba).
        scores = np.eye(len(self._class_labels))[y_hat]
        roc = roc_multi(y_test, scores)
        acc = 100 * np.mean(y_hat == y_test)
        class_acc = np.array([np.round(100 * np.mean(y_hat[y_test == i] == i))
                              for i in self._class_labels])
        self._print(f"{name}:\n Trained Accuracy = {np.round(acc)}%, by class: {class_acc}% ")
        if self.SHOW_ROC_PLOTS:
            self._roc_figure(roc, name)
        return roc, acc

    def score_knn(self, train_X, train_y, test_X, test_y):
        """1-nearest-neighbour accuracy on the raw features (kenyon's C++); sets roc_knn and
        knn_acc (percent)."""
        self.roc_knn, self.knn_acc = self._score_baseline(
            "Nearest neighbor (k[# of neighbors]=1)", _core.moth.nearest_neighbour, train_X,
            train_y, test_X, test_y)

    def score_svm(self, train_X, train_y, test_X, test_y):
        """RBF SVM accuracy (C = box_constraint, gamma 'scale'; kenyon's libsvm); sets
        roc_svm and svm_acc (percent)."""
        c = self.BOX_CONSTRAINT
        self.roc_svm, self.svm_acc = self._score_baseline(
            "SVM", lambda a, y, b: _core.moth.svm_rbf(a, y, b, c, 0.0), train_X, train_y,
            test_X, test_y)

    def show_multi_roc(self, model_names, class_labels, images_filename=""):
        """MothNet's, the SVM's and the kNN's ROC curves side by side."""
        from .show_figs import show_multi_roc

        return show_multi_roc(self, model_names, class_labels, images_filename=images_filename)
