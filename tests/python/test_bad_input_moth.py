"""The bad-input suite (see bad_input.py) for kenyon.moth: at least eight malformed inputs
per public name (the MothNet class counting its methods), each raising a clear exception
that names the argument. None of them needs MNIST: each fails before any data is read."""
import types

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import kenyon  # noqa: E402
from bad_input import Cases, expect_clear_error  # noqa: E402
from kenyon import moth  # noqa: E402

NAN = float("nan")
SCREEN = (1920, 1080)
cases = Cases()
add = cases.add


def responses(noise=0.5, seed=0):
    """Ten EN readouts' statistics as collect_stats returns them (15 digits per class)."""
    rng = np.random.default_rng(seed)
    classes = np.repeat(np.arange(10), 15)
    resp = 1 + 5 * np.eye(10)[classes] + noise * rng.standard_normal((150, 10))
    mu = np.stack([resp[classes == c].mean(axis=0) for c in range(10)], axis=1)
    sd = np.stack([resp[classes == c].std(axis=0) for c in range(10)], axis=1)
    return [{"post_train_resp": resp[:, en], "odor_class": classes, "post_mean_resp": mu[en],
             "post_std_resp": sd[en], "pre_train_resp": resp[:, en], "pre_mean_resp": mu[en],
             "pre_std_resp": sd[en]} for en in range(10)]


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    c = types.SimpleNamespace()
    c.tmp = tmp_path_factory.mktemp("bad_moth")
    c.mp = moth.ModelParams(85, 15).create_connection_matrix()
    c.ep = moth.ExpParams(np.arange(10), np.arange(10), 1)
    c.features = np.random.default_rng(0).random((85, 17, 10)).astype(np.float32)
    c.images = np.random.default_rng(1).random((4, 28, 28))
    c.results = responses()
    c.roc = moth.classify_digits_log_likelihood(c.results)
    c.sim = moth.sde_wrap(c.mp, c.ep, c.features)
    c.fresh = moth.MothNet({"verbose": False, "n_thumbnails": 0})
    c.ax = plt.subplots()[1]
    return c


def nan_at(a, index=None):
    a = np.array(a, dtype=np.float64)
    a[(0,) * a.ndim if index is None else index] = NAN
    return a


def with_(d, **changes):
    out = [dict(r) for r in d]
    for k, v in changes.items():
        out[2][k] = v
    return out


# ------------------------------------------------------------------ parameters

add("ModelParams", "zero_features", lambda c: moth.ModelParams(0, 15), ValueError, "nF")
add("ModelParams", "fractional_features", lambda c: moth.ModelParams(85.5, 15), TypeError, "nF")
add("ModelParams", "text_features", lambda c: moth.ModelParams("85", 15), TypeError, "nF")
add("ModelParams", "compat", lambda c: moth.ModelParams(85, 15, compat="matlab"), ValueError, "compat")
add("ModelParams", "negative_goal", lambda c: moth.ModelParams(85, -1), ValueError, "goal")
add("ModelParams", "nan_goal", lambda c: moth.ModelParams(85, NAN), ValueError, "goal")
add("ModelParams", "negative_seed", lambda c: moth.ModelParams(85, 15, seed=-3), ValueError, "seed")
add("ModelParams", "bool_features", lambda c: moth.ModelParams(True, 15), TypeError, "nF")


def _edited(c, **fields):
    mp = moth.ModelParams(85, 15).create_connection_matrix()
    for k, v in fields.items():
        setattr(mp, k, v)
    return moth.sde_wrap(mp, c.ep, c.features)


add("ModelParams", "edited_nan_weight", lambda c: _edited(c, K2E=nan_at(c.mp.K2E)), ValueError, "K2E")
add("ModelParams", "edited_wrong_shape", lambda c: _edited(c, F2R=np.ones((85, 85))), ValueError, "F2R")

add("ExpParams", "labels_not_0_to_9", lambda c: moth.ExpParams(np.arange(10), np.arange(1, 11), 15), ValueError,
    "class_labels")
add("ExpParams", "train_class_unknown", lambda c: moth.ExpParams(np.array([0, 12]), np.arange(10), 15), ValueError,
    "train_classes")
add("ExpParams", "zero_validation", lambda c: moth.ExpParams(np.arange(10), np.arange(10), 0), ValueError,
    "val_per_class")
add("ExpParams", "text_validation", lambda c: moth.ExpParams(np.arange(10), np.arange(10), "15"), TypeError,
    "val_per_class")
add("ExpParams", "train_classes_list_of_text", lambda c: moth.ExpParams(["a"], np.arange(10), 15),
    (TypeError, ValueError), "train_classes")
add("ExpParams", "nan_train_classes", lambda c: moth.ExpParams(np.array([0.0, NAN]), np.arange(10), 15),
    ValueError, "train_classes")
add("ExpParams", "2d_labels", lambda c: moth.ExpParams(np.arange(10), np.eye(10), 15), ValueError, "class_labels")
add("ExpParams", "negative_train_class", lambda c: moth.ExpParams(np.array([-1]), np.arange(10), 15), ValueError,
    "train_classes")

# ------------------------------------------------------------------ the data pipeline


def _gen(c, **kw):
    args = dict(max_ind=999, class_labels=np.arange(10), crop=2, downsample_ratio=2, downsample_method=1,
                inds_to_ave=range(550, 1000), pixel_sum=6, inds_to_calc_RF=range(550, 1000), num_features=85,
                screen_size=SCREEN, save_results_folder="", show_thumbnails=0)
    args.update(kw)
    return moth.generate_ds_mnist(**args)


add("generate_ds_mnist", "inds_differ", lambda c: _gen(c, inds_to_ave=range(500, 1000)), ValueError,
    "inds_to_ave")
add("generate_ds_mnist", "downsample_method", lambda c: _gen(c, downsample_method=3), ValueError,
    "downsample_method")
add("generate_ds_mnist", "labels", lambda c: _gen(c, class_labels=np.arange(1, 11)), ValueError, "class_labels")
add("generate_ds_mnist", "negative_max_ind", lambda c: _gen(c, max_ind=-1), ValueError, "max_ind")
add("generate_ds_mnist", "too_many_features", lambda c: _gen(c, num_features=10000), ValueError, "num_features")
add("generate_ds_mnist", "nan_pixel_sum", lambda c: _gen(c, pixel_sum=NAN), ValueError, "pixel_sum")
add("generate_ds_mnist", "missing_data_dir", lambda c: _gen(c, data_dir=str(c.tmp / "nope")), OSError, "nope")
add("generate_ds_mnist", "crop_text", lambda c: _gen(c, crop="x"), TypeError, "crop")
add("generate_ds_mnist", "ratio_not_dividing", lambda c: _gen(c, downsample_ratio=5), ValueError,
    "downsample_ratio|num_features")


def _mnist(n=3):
    return {"train_images": np.zeros((n, 28, 28)), "train_labels": np.zeros(n), "test_images": np.zeros((n, 28, 28)),
            "test_labels": np.zeros(n)}


add("extract_mnist_feature_array", "phase", lambda c: moth.extract_mnist_feature_array(_mnist(), range(10), range(2),
                                                                                       "validation"),
    ValueError, "phase_label")
add("extract_mnist_feature_array", "not_dict", lambda c: moth.extract_mnist_feature_array([1], range(10), range(2),
                                                                                          "train"),
    TypeError, "mnist")
add("extract_mnist_feature_array", "labels_length",
    lambda c: moth.extract_mnist_feature_array({**_mnist(), "train_labels": np.zeros(2)}, range(1), range(2), "train"),
    ValueError, "train_labels")
add("extract_mnist_feature_array", "negative_index",
    lambda c: moth.extract_mnist_feature_array(_mnist(), range(1), [-1], "train"), ValueError, "image_indices")
add("extract_mnist_feature_array", "too_few_images",
    lambda c: moth.extract_mnist_feature_array(_mnist(), range(1), range(10), "train"), ValueError, "image_indices")
add("extract_mnist_feature_array", "missing_key",
    lambda c: moth.extract_mnist_feature_array({"train_images": np.zeros((3, 28, 28))}, range(1), range(2), "train"),
    (KeyError, TypeError), "train_labels")
add("extract_mnist_feature_array", "nan_images",
    lambda c: moth.extract_mnist_feature_array({**_mnist(), "train_images": np.full((3, 28, 28), NAN)}, range(1),
                                               range(2), "train"), ValueError, "train_images")
add("extract_mnist_feature_array", "images_2d",
    lambda c: moth.extract_mnist_feature_array({**_mnist(), "train_images": np.zeros((3, 28))}, range(1), range(2),
                                               "train"), ValueError, "train_images")

F = "crop_downsample_vectorize_images"
add(F, "list", lambda c: moth.crop_downsample_vectorize_images([[1.0]], 2, 2, 1), TypeError, "im_stack")
add(F, "nan", lambda c: moth.crop_downsample_vectorize_images(nan_at(c.images), 2, 2, 1), ValueError, "im_stack")
add(F, "method", lambda c: moth.crop_downsample_vectorize_images(c.images, 2, 2, 7), ValueError, "downsample_method")
add(F, "ratio", lambda c: moth.crop_downsample_vectorize_images(c.images, 2, 5, 1), ValueError, "downsample_ratio")
add(F, "negative_crop", lambda c: moth.crop_downsample_vectorize_images(c.images, -2, 2, 1), ValueError, "crop")
add(F, "crop_too_big", lambda c: moth.crop_downsample_vectorize_images(c.images, 14, 2, 1), ValueError, "crop")
add(F, "4d_stack", lambda c: moth.crop_downsample_vectorize_images(c.images[None], 2, 2, 1), ValueError, "im_stack")
add(F, "text_stack", lambda c: moth.crop_downsample_vectorize_images(c.images.astype(str), 2, 2, 1), TypeError,
    "im_stack")
add(F, "zero_ratio", lambda c: moth.crop_downsample_vectorize_images(c.images, 2, 0, 1), ValueError,
    "downsample_ratio")

F = "average_image_stack"
add(F, "empty", lambda c: moth.average_image_stack(c.features[:, :, 0], []), ValueError, "indices_to_average")
add(F, "list", lambda c: moth.average_image_stack([[1.0]], [0]), TypeError, "im_stack")
add(F, "nan", lambda c: moth.average_image_stack(nan_at(c.features[:, :, 0]), [0]), ValueError, "im_stack")
add(F, "index_outside", lambda c: moth.average_image_stack(c.features[:, :, 0], [500]), ValueError,
    "indices_to_average")
add(F, "negative_index", lambda c: moth.average_image_stack(c.features[:, :, 0], [-1]), ValueError,
    "indices_to_average")
add(F, "4d", lambda c: moth.average_image_stack(c.features[..., None], [0]), ValueError, "im_stack")
add(F, "text_index", lambda c: moth.average_image_stack(c.features[:, :, 0], ["a"]), (TypeError, ValueError),
    "indices_to_average")
add(F, "text_stack", lambda c: moth.average_image_stack(c.features[:, :, 0].astype(str), [0]), TypeError, "im_stack")

F = "select_active_pixels"
add(F, "too_many", lambda c: moth.select_active_pixels(np.ones((144, 5, 10)), 200, SCREEN), ValueError,
    "num_features")
add(F, "zero", lambda c: moth.select_active_pixels(np.ones((144, 5, 10)), 0, SCREEN), ValueError, "num_features")
add(F, "nan", lambda c: moth.select_active_pixels(nan_at(np.ones((144, 5, 10))), 5, SCREEN), ValueError,
    "feature_array")
add(F, "2d", lambda c: moth.select_active_pixels(np.ones((144, 5)), 5, SCREEN), ValueError, "feature_array")
add(F, "list", lambda c: moth.select_active_pixels([[1.0]], 5, SCREEN), TypeError, "feature_array")
add(F, "text_count", lambda c: moth.select_active_pixels(np.ones((144, 5, 10)), "5", SCREEN), TypeError,
    "num_features")
add(F, "negative_count", lambda c: moth.select_active_pixels(np.ones((144, 5, 10)), -5, SCREEN), ValueError,
    "num_features")
add(F, "no_samples", lambda c: moth.select_active_pixels(np.ones((144, 0, 10)), 5, SCREEN), ValueError,
    "feature_array")

F = "load_mnist_dict"
add(F, "missing_dir", lambda c: moth.load_mnist_dict(str(c.tmp / "none")), OSError, "none")
add(F, "dataset", lambda c: moth.load_mnist_dict(dataset="cifar"), ValueError, "dataset")
add(F, "file_not_dir", lambda c: moth.load_mnist_dict(str(_file(c, "f.txt", "x"))), OSError, "f.txt")
add(F, "empty_dir", lambda c: moth.load_mnist_dict(str(_dir(c, "empty"))), OSError, "empty")
add(F, "truncated_idx", lambda c: moth.load_mnist_dict(str(_idx_dir(c, "trunc", b"\x00\x00\x08\x03\x00"))), OSError,
    "trunc")
add(F, "wrong_magic", lambda c: moth.load_mnist_dict(str(_idx_dir(c, "magic", b"\x12\x34\x56\x78" + bytes(12)))),
    OSError, "magic")
add(F, "number_dir", lambda c: moth.load_mnist_dict(5), TypeError, "data_dir")
add(F, "dataset_number", lambda c: moth.load_mnist_dict(dataset=3), (TypeError, ValueError), "dataset")


def _file(c, name, text):
    p = c.tmp / name
    p.write_text(text)
    return p


def _dir(c, name):
    p = c.tmp / name
    p.mkdir(exist_ok=True)
    return p


def _idx_dir(c, name, content):
    d = _dir(c, name)
    for f in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
              "t10k-labels-idx1-ubyte"):
        (d / f).write_bytes(content)
    return d


# ------------------------------------------------------------------ simulation

add("sde_wrap", "text_features", lambda c: moth.sde_wrap(c.mp, c.ep, c.features.astype(str)), TypeError,
    "feature_array")
add("sde_wrap", "2d_features", lambda c: moth.sde_wrap(c.mp, c.ep, c.features[0]), ValueError, "feature_array")
add("sde_wrap", "nan_features", lambda c: moth.sde_wrap(c.mp, c.ep, nan_at(c.features)), ValueError,
    "feature_array")
add("sde_wrap", "params_text", lambda c: moth.sde_wrap("params", c.ep, c.features), TypeError, "model_params")
add("sde_wrap", "exp_text", lambda c: moth.sde_wrap(c.mp, "exp", c.features), TypeError, "exp_params")
add("sde_wrap", "wrong_feature_count", lambda c: moth.sde_wrap(c.mp, c.ep, c.features[:50]), ValueError,
    "features")
add("sde_wrap", "too_few_digits", lambda c: moth.sde_wrap(c.mp, c.ep, c.features[:, :1]), ValueError,
    "feature set")
add("sde_wrap", "undrawn_params", lambda c: moth.sde_wrap(moth.ModelParams(85, 15), c.ep, c.features), ValueError,
    "create_connection_matrix")


def _evo(c, **kw):
    proto = c.ep.to_protocol()
    from kenyon.moth.sde import _class_mag_mat, _initial_condition

    args = dict(tspan=(c.ep.sim_start, c.ep.sim_stop), init_cond=_initial_condition(c.mp), time=proto.times,
                class_mag_mat=_class_mag_mat(proto, c.ep), feature_array=c.features,
                octo_hits=c.sim["octo_hits"], mP=c.mp, exP=c.ep, seed_val=0)
    args.update(kw)
    return moth.sde_evo_mnist(**args)


add("sde_evo_mnist", "nan_features", lambda c: _evo(c, feature_array=nan_at(c.features)), ValueError,
    "feature_array")
add("sde_evo_mnist", "tspan_reversed", lambda c: _evo(c, tspan=(10, -30)), ValueError, "tspan")
add("sde_evo_mnist", "init_wrong_length", lambda c: _evo(c, init_cond=np.zeros(3)), ValueError, "init_cond")
add("sde_evo_mnist", "time_wrong", lambda c: _evo(c, time=np.arange(5.0)), ValueError, "time")
add("sde_evo_mnist", "class_mag_wrong_shape", lambda c: _evo(c, class_mag_mat=np.zeros((2, 2))), ValueError,
    "class_mag_mat")
add("sde_evo_mnist", "octo_wrong_length", lambda c: _evo(c, octo_hits=np.zeros(3)), ValueError, "octo_hits")
add("sde_evo_mnist", "negative_seed", lambda c: _evo(c, seed_val=-1), ValueError, "seed")
add("sde_evo_mnist", "params_text", lambda c: _evo(c, mP="x"), TypeError, "mP|model_params")


def _stats(c, **kw):
    args = dict(sim_results=c.sim, exp_params=c.ep, class_labels=np.arange(10), show_time_plots=False,
                show_acc_plots=False)
    args.update(kw)
    return moth.collect_stats(**args)


add("collect_stats", "not_dict", lambda c: _stats(c, sim_results=[1]), TypeError, "sim_results")
add("collect_stats", "missing_key", lambda c: _stats(c, sim_results={"T": c.sim["T"]}), KeyError, "'E'")
add("collect_stats", "nan_E", lambda c: _stats(c, sim_results={**c.sim, "E": nan_at(c.sim["E"])}), ValueError, "E")
add("collect_stats", "E_wrong_rows", lambda c: _stats(c, sim_results={**c.sim, "E": np.ones((5, 10))}), ValueError,
    "E")
add("collect_stats", "exp_text", lambda c: _stats(c, exp_params="x"), TypeError, "exp_params")
add("collect_stats", "labels", lambda c: _stats(c, class_labels=np.arange(3)), ValueError, "class_labels")
add("collect_stats", "T_text", lambda c: _stats(c, sim_results={**c.sim, "T": c.sim["T"].astype(str)}), TypeError,
    "T")
add("collect_stats", "octo_wrong_length", lambda c: _stats(c, sim_results={**c.sim, "octo_hits": np.ones(4)}),
    ValueError, "octo_hits")

# ------------------------------------------------------------------ classifiers and ROC

for name, call in (("classify_digits_log_likelihood", lambda r: moth.classify_digits_log_likelihood(r)),
                   ("classify_digits_thresholding", lambda r: moth.classify_digits_thresholding(r, 1e9, -1, 10))):
    add(name, "not_list", lambda c, f=call: f({"not": "a list"}), TypeError, "results")
    add(name, "nan_response", lambda c, f=call: f(with_(c.results, post_train_resp=nan_at(c.results[2]["post_train_resp"],
                                                                                      (7,)))),
        ValueError, "post_train_resp")
    add(name, "missing_key", lambda c, f=call: f([{k: v for k, v in r.items() if k != "odor_class"}
                                                  for r in c.results]), ValueError, "odor_class")
    add(name, "empty", lambda c, f=call: f([]), ValueError, "results")
    add(name, "lengths_differ", lambda c, f=call: f(with_(c.results, odor_class=np.zeros(3))), ValueError,
        "odor_class|post_train_resp")
    add(name, "text_classes", lambda c, f=call: f(with_(c.results, odor_class=np.array(["a"] * 150))), TypeError,
        "odor_class")
    add(name, "means_wrong_length", lambda c, f=call: f(with_(c.results, post_mean_resp=np.ones(3))), ValueError,
        "post_mean_resp")
    add(name, "list_of_text", lambda c, f=call: f(["a", "b"]), TypeError, "results")
add("classify_digits_thresholding", "zero_advantage",
    lambda c: moth.classify_digits_thresholding(c.results, 0, -1, 10), ValueError, "home_advantage")
add("classify_digits_thresholding", "nan_reward",
    lambda c: moth.classify_digits_thresholding(c.results, 1e9, -1, NAN), ValueError, "above_home_thresh_reward")

add("roc_multi", "list", lambda c: moth.roc_multi([0, 1], np.eye(2)), TypeError, "true_classes")
add("roc_multi", "rows_differ", lambda c: moth.roc_multi(np.array([0, 1, 1]), np.eye(2)), ValueError, "likelihoods")
add("roc_multi", "nan", lambda c: moth.roc_multi(np.array([0, 1]), nan_at(np.eye(2))), ValueError, "likelihoods")
add("roc_multi", "empty", lambda c: moth.roc_multi(np.array([]), np.zeros((0, 2))), ValueError, "true_classes")
add("roc_multi", "fractional_class", lambda c: moth.roc_multi(np.array([0.5, 1]), np.eye(2)), ValueError,
    "true_classes")
add("roc_multi", "negative_class", lambda c: moth.roc_multi(np.array([-1, 1]), np.eye(2)), ValueError,
    "true_classes")
add("roc_multi", "class_beyond_columns", lambda c: moth.roc_multi(np.array([0, 5]), np.eye(2)), ValueError,
    "likelihoods|true_classes")
add("roc_multi", "1d_likelihoods", lambda c: moth.roc_multi(np.array([0, 1]), np.ones(2)), ValueError,
    "likelihoods")

# ------------------------------------------------------------------ figures

F = "show_FA_thumbs"
thumbs = np.ones((144, 4, 10))
add(F, "list", lambda c: moth.show_FA_thumbs([[1]], 3, 1, "t", SCREEN, ""), TypeError, "feature_array")
add(F, "nan", lambda c: moth.show_FA_thumbs(nan_at(thumbs), 3, 1, "t", SCREEN, ""), ValueError, "feature_array")
add(F, "4d", lambda c: moth.show_FA_thumbs(thumbs[..., None], 3, 1, "t", SCREEN, ""), ValueError, "feature_array")
add(F, "zero_per_class", lambda c: moth.show_FA_thumbs(thumbs, 0, 1, "t", SCREEN, ""), ValueError, "show_per_class")
add(F, "text_per_class", lambda c: moth.show_FA_thumbs(thumbs, "3", 1, "t", SCREEN, ""), TypeError,
    "show_per_class")
add(F, "not_square", lambda c: moth.show_FA_thumbs(np.ones((143, 4, 10)), 3, 1, "t", SCREEN, ""), ValueError,
    "feature_array")
add(F, "bad_screen", lambda c: moth.show_FA_thumbs(thumbs, 3, 1, "t", "big", ""), (TypeError, ValueError),
    "screen_size")
add(F, "filename_number", lambda c: moth.show_FA_thumbs(thumbs, 3, 1, "t", SCREEN, 5), TypeError,
    "images_filename")


def _acc(c, **kw):
    r = np.arange(10.0)
    args = dict(pre_SA=r, post_SA=r, en_ind=3, pre_mean_resp=r, pre_median_resp=r, pre_std_resp=r, post_offset=r,
                post_mean_resp=r, post_median_resp=r, post_std_resp=r, class_labels=np.arange(10), pre_heb_mean=0.1,
                pre_heb_std=0.1, post_heb_mean=0.1, post_heb_std=0.1, percent_change_mean_resp=r,
                screen_size=SCREEN)
    args.update(kw)
    return moth.show_acc(**args)


add("show_acc", "en_outside", lambda c: _acc(c, en_ind=12), ValueError, "en_ind")
add("show_acc", "nan_mean", lambda c: _acc(c, pre_mean_resp=nan_at(np.ones(10))), ValueError, "pre_mean_resp")
add("show_acc", "short_std", lambda c: _acc(c, post_std_resp=np.ones(3)), ValueError, "post_std_resp")
add("show_acc", "text_sa", lambda c: _acc(c, pre_SA=["a", "b"]), TypeError, "pre_SA")
add("show_acc", "text_heb", lambda c: _acc(c, pre_heb_mean="x"), (TypeError, ValueError), "pre_heb_mean")
add("show_acc", "labels", lambda c: _acc(c, class_labels=np.arange(3), en_ind=1), ValueError, "pre_mean_resp")
add("show_acc", "bad_screen", lambda c: _acc(c, screen_size=(0, 0)), ValueError, "screen_size")
add("show_acc", "negative_en", lambda c: _acc(c, en_ind=-1), ValueError, "en_ind")


def _tc(c, **kw):
    T = c.sim["T"]
    args = dict(ax=c.ax, en_ind=2, sim_results=c.sim, octo_times=T[(T > 50) & (T < 51)], class_list=np.arange(10),
                results=[{"pre_mean_resp": np.ones(10), "post_mean_resp": 2 * np.ones(10)}] * 10, exp_params=c.ep,
                stim_starts=np.array([35.0, 40.0]), which_class=np.array([1, 2]))
    args.update(kw)
    return moth.show_timecourse(**args)


add("show_timecourse", "not_axes", lambda c: _tc(c, ax="axes"), TypeError, "ax")
add("show_timecourse", "en_outside", lambda c: _tc(c, en_ind=11), ValueError, "en_ind")
add("show_timecourse", "nan_E", lambda c: _tc(c, sim_results={**c.sim, "E": nan_at(c.sim["E"])}), ValueError, "E")
add("show_timecourse", "starts_classes_differ", lambda c: _tc(c, which_class=np.array([1])), ValueError,
    "which_class")
add("show_timecourse", "class_unknown", lambda c: _tc(c, which_class=np.array([1, 42])), ValueError, "which_class")
add("show_timecourse", "results_short", lambda c: _tc(c, results=[]), ValueError, "results")
add("show_timecourse", "sim_not_dict", lambda c: _tc(c, sim_results=[1]), TypeError, "sim_results")
add("show_timecourse", "exp_text", lambda c: _tc(c, exp_params="x"), TypeError, "exp_params")


def _prm(c, **kw):
    args = dict(ax=c.ax, fpr=c.roc["fpr"], tpr=c.roc["tpr"], roc_auc=c.roc["roc_auc"], class_labels=np.arange(10),
                title_str="t")
    args.update(kw)
    return moth.plot_roc_multi(**args)


def _src(c, **kw):
    args = dict(tpr=c.roc["tpr"], fpr=c.roc["fpr"], roc_auc=c.roc["roc_auc"], class_labels=np.arange(10),
                title_str="t")
    args.update(kw)
    return moth.show_roc_curves(**args)


# Both draw roc_multi's curves: the same bad curves for each.
for name, draw in (("plot_roc_multi", _prm), ("show_roc_curves", _src)):
    add(name, "fpr_list", lambda c, f=draw: f(c, fpr=[0, 1]), TypeError, "fpr")
    add(name, "missing_class", lambda c, f=draw: f(c, tpr={k: v for k, v in c.roc["tpr"].items() if k != 3}),
        KeyError, "tpr")
    add(name, "nan_auc", lambda c, f=draw: f(c, roc_auc={**c.roc["roc_auc"], 0: NAN}), ValueError, "roc_auc")
    add(name, "lengths_differ", lambda c, f=draw: f(c, fpr={**c.roc["fpr"], 0: np.array([0.0])}), ValueError,
        "fpr|tpr")
    add(name, "labels", lambda c, f=draw: f(c, class_labels=np.arange(12)), KeyError, "fpr|tpr|12|10")
    add(name, "nan_rate", lambda c, f=draw: f(c, tpr={**c.roc["tpr"], 1: nan_at(c.roc["tpr"][1])}), ValueError,
        "tpr")
    add(name, "auc_text", lambda c, f=draw: f(c, roc_auc={**c.roc["roc_auc"], 0: "x"}), (TypeError, ValueError),
        "roc_auc")
add("plot_roc_multi", "not_axes", lambda c: _prm(c, ax=None), TypeError, "ax")
add("show_roc_curves", "filename_number", lambda c: _src(c, images_filename=5), TypeError, "images_filename")


def _smr(c, models=None, names=("MothNet", "SVM", "KNN"), **kw):
    return moth.show_multi_roc([c.roc] * 3 if models is None else models, list(names), np.arange(10), **kw)


add("show_multi_roc", "names_differ", lambda c: _smr(c, names=("a",)), ValueError, "model_names")
add("show_multi_roc", "not_dicts", lambda c: _smr(c, models=[1, 2, 3]), TypeError, "models")
add("show_multi_roc", "missing_key", lambda c: _smr(c, models=[{"fpr": {}}] * 3), KeyError, "tpr|roc_auc")
add("show_multi_roc", "empty", lambda c: _smr(c, models=[], names=()), ValueError, "models")
add("show_multi_roc", "nan_rate", lambda c: _smr(c, models=[{**c.roc, "tpr": {**c.roc["tpr"], 1: nan_at(
    c.roc["tpr"][1])}}] * 3), ValueError, "tpr")
add("show_multi_roc", "labels", lambda c: moth.show_multi_roc([c.roc] * 3, ["a", "b", "c"], np.arange(12)),
    KeyError, "fpr|tpr|12|10")
add("show_multi_roc", "filename_number", lambda c: _smr(c, images_filename=5), TypeError, "images_filename")
add("show_multi_roc", "models_not_list", lambda c: _smr(c, models=c.roc), TypeError, "models")


# ------------------------------------------------------------------ one-call runs

add("run", "negative_seed", lambda c: moth.run(seed=-1), ValueError, "seed")
add("run", "compat", lambda c: moth.run(compat="MATLAB"), ValueError, "compat")
add("run", "dataset", lambda c: moth.run(dataset="cifar"), ValueError, "dataset")
add("run", "zero_train", lambda c: moth.run(train_per_class=0), ValueError, "train-per-class")
add("run", "text_train", lambda c: moth.run(train_per_class="3"), TypeError, "train_per_class")
add("run", "missing_data", lambda c: moth.run(data_dir=str(c.tmp / "nomnist")), OSError, "nomnist")
add("run", "zero_sniffs", lambda c: moth.run(sniffs=0), ValueError, "sniffs")
add("run", "out_is_file", lambda c: moth.run(out=str(_file(c, "run_out", "keep"))), kenyon.Error, "run_out")
add("run", "huge_train", lambda c: moth.run(train_per_class=10**9), ValueError, "train")

add("sweep", "zero_seeds", lambda c: moth.sweep(seeds=0), ValueError, "seeds")
add("sweep", "empty_sizes", lambda c: moth.sweep(train_per_class=()), ValueError, "train")
add("sweep", "zero_size", lambda c: moth.sweep(train_per_class=(0, 3)), ValueError, "train")
add("sweep", "negative_first_seed", lambda c: moth.sweep(first_seed=-2), ValueError, "first_seed")
add("sweep", "compat", lambda c: moth.sweep(compat="x"), ValueError, "compat")
add("sweep", "negative_threads", lambda c: moth.sweep(threads=-1), ValueError, "threads")
add("sweep", "missing_data", lambda c: moth.sweep(seeds=1, train_per_class=(1,), data_dir=str(c.tmp / "nomnist")),
    OSError, "nomnist")
add("sweep", "out_is_file", lambda c: moth.sweep(seeds=1, train_per_class=(1,), out=str(_file(c, "sw_out", "keep"))),
    kenyon.Error, "sw_out")

add("sweep_table", "not_dict", lambda c: moth.sweep_table([1]), TypeError, "result")
add("sweep_table", "missing_rows", lambda c: moth.sweep_table({}), KeyError, "rows")
add("sweep_table", "rows_not_list", lambda c: moth.sweep_table({"rows": 3}), TypeError, "rows")
add("sweep_table", "row_missing_field", lambda c: moth.sweep_table({"rows": [{"seed": 1}]}), KeyError,
    "train_per_class|accuracy_mean")
add("sweep_table", "none", lambda c: moth.sweep_table(None), TypeError, "result")
add("sweep_table", "text", lambda c: moth.sweep_table("result.json"), TypeError, "result")
add("sweep_table", "row_text", lambda c: moth.sweep_table({"rows": ["x"]}), TypeError, "rows")
add("sweep_table", "nan_accuracy",
    lambda c: moth.sweep_table({"rows": [{"train_per_class": 1, "accuracy_mean": "x"}]}), (TypeError, ValueError),
    "accuracy_mean")

# ------------------------------------------------------------------ the MothNet class

add("MothNet", "unknown_setting", lambda c: moth.MothNet({"nosuch": 1}), ValueError, "nosuch")
add("MothNet", "k_neighbours", lambda c: moth.MothNet({"num_neighbors": 3}), ValueError, "num_neighbors")
add("MothNet", "text_setting", lambda c: moth.MothNet({"num_runs": "x"}), (TypeError, ValueError), "num_runs")
add("MothNet", "settings_not_dict", lambda c: moth.MothNet([1]), TypeError, "settings")
add("MothNet", "zero_sniffs", lambda c: moth.MothNet({"num_sniffs": 0}), ValueError, "num_sniffs")
add("MothNet", "compat", lambda c: moth.MothNet({"compat": "x"}), ValueError, "compat")
add("MothNet", "moth_before_data", lambda c: c.fresh.load_moth(), kenyon.Error, "load_mnist")
add("MothNet", "exp_before_data", lambda c: c.fresh.load_exp(), kenyon.Error, "load_mnist")
add("MothNet", "split_before_data", lambda c: c.fresh.train_test_split(c.features), kenyon.Error, "load_mnist")
add("MothNet", "simulate_before_moth", lambda c: c.fresh.simulate(c.features), kenyon.Error, "load_moth")
add("MothNet", "split_2d", lambda c: c.fresh.train_test_split(c.features[0]), TypeError, "feature_array")
add("MothNet", "score_not_list", lambda c: c.fresh.score_moth_on_MNIST({"a": 1}), TypeError, "results|EN_resp")
add("MothNet", "knn_shapes", lambda c: c.fresh.score_knn(np.ones((5, 3)), np.ones((4, 1)), np.ones((2, 3)),
                                                         np.ones((2, 1))), ValueError, "train_y|train_X")
add("MothNet", "svm_nan", lambda c: c.fresh.score_svm(nan_at(np.ones((5, 3))), np.arange(5)[:, None],
                                                      np.ones((2, 3)), np.ones((2, 1))), ValueError, "train_X")
add("MothNet", "roc_before_scores", lambda c: c.fresh.show_multi_roc(["a"], np.arange(10)), kenyon.Error,
    "score")


def public_names():
    return set(moth.__all__)


def test_every_public_function_has_eight_bad_inputs():
    cases.check_coverage(public_names())


@pytest.mark.parametrize("function, thunk, exception, match", cases.params())
def test_bad_input(ctx, function, thunk, exception, match):
    expect_clear_error(thunk, ctx, exception, match)
    plt.close("all")


def test_out_is_a_file_keeps_the_file(ctx):
    path = _file(ctx, "kept", "keep me")
    with pytest.raises(kenyon.Error):
        moth.run(out=str(path))
    assert path.read_text() == "keep me"
