"""pymoth's ``generate`` module: MNIST into MothNet feature vectors, by kenyon's
``data::make_features`` pipeline (crop, 2x2 mean downsampling, max normalisation,
mean-image subtraction, rectification, pixel-sum normalisation, active pixels).

MNIST is read from kenyon's IDX files (``$KENYON_DATA_DIR/mnist``, the repository's
``data/cache/mnist``, or ``data_dir``), never downloaded: pymoth's ``.npy`` cache and its
keras download are not used.
"""
import os

import numpy as np

from .. import _core
from .._check import error, integer, numeric_array

__all__ = [
    "load_mnist_dict",
    "generate_ds_mnist",
    "extract_mnist_feature_array",
    "crop_downsample_vectorize_images",
    "average_image_stack",
    "select_active_pixels",
]


def _contiguous_range(indices, field):
    inds = np.asarray(list(indices), dtype=int)
    if inds.size == 0 or np.any(np.diff(inds) != 1):
        raise error(field, "kenyon's pipeline needs a contiguous range of sample indices")
    return int(inds[0]), int(inds[-1])


def _data_dir(data_dir):
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise TypeError(f"data_dir must be a folder name, got {type(data_dir).__name__}")
    if data_dir in (None, "", "/tmp"):
        return None  # kenyon's search: $KENYON_DATA_DIR, data/cache
    return os.path.join(os.path.expanduser("~"), data_dir)


def load_mnist_dict(data_dir=None, dataset="mnist"):
    """The MNIST training split as pymoth's ``mnist`` dictionary would hold it:
    ``train_images`` [n, 28, 28] uint8 and ``train_labels`` [n] uint8."""
    images, labels = _core.data.load_training_set(dataset, _data_dir(data_dir), 0)
    return {"train_images": images, "train_labels": labels}


def generate_ds_mnist(max_ind, class_labels, crop, downsample_ratio, downsample_method,
                      inds_to_ave, pixel_sum, inds_to_calc_RF, num_features, screen_size,
                      save_results_folder, show_thumbnails, data_dir="/tmp",
                      data_fname="MNIST_all"):
    """MNIST as MothNet features, as pymoth's ``generate_ds_mnist`` with kenyon's C++
    pipeline. Returns ``(feature_array [features, max_ind + 1, classes], active_pixel_inds,
    len_side)``; ``feature_array`` is a float32 view of kenyon's C-ordered
    [classes, digits, features] buffer, without a copy.

    kenyon's pipeline averages a contiguous tail of samples for both the mean image and the
    receptive field, so ``inds_to_ave`` and ``inds_to_calc_RF`` must be the same range
    ``range(a, max_ind + 1)``. Both downsampling methods give the same features (the 2x2 sum
    and mean differ by a factor that the max normalisation removes). ``data_dir`` is a
    folder under the home directory holding the IDX files (``'/tmp'``, the default: kenyon's
    own search); ``data_fname`` is ignored.
    """
    max_ind = int(max_ind)
    labels = np.asarray(class_labels)
    if labels.ndim != 1 or not np.array_equal(labels, np.arange(labels.size)):
        raise error("class_labels", "expected the labels 0, 1, ..., n - 1")
    if downsample_method not in (0, 1):
        raise error("downsample_method", f"expected 0 or 1, got {downsample_method!r}")
    if not isinstance(crop, (int, np.integer)):
        raise TypeError("crop must be an integer (pixels off every side)")
    ave = _contiguous_range(inds_to_ave, "inds_to_ave")
    rf = _contiguous_range(inds_to_calc_RF, "inds_to_calc_RF")
    if ave != rf or ave[1] != max_ind:
        raise error("inds_to_ave", "kenyon needs inds_to_ave == inds_to_calc_RF == "
                     "range(a, max_ind + 1)")
    params = _core.data.FeatureParams()
    params.per_class = max_ind + 1
    params.crop_border = int(crop)
    params.downsample = int(downsample_ratio)
    params.mean_first = ave[0]
    params.pixel_sum = float(pixel_sum)
    params.num_features = int(num_features)
    f = _core.data.make_features("mnist", _data_dir(data_dir), params)
    if f["values"].shape[0] != labels.size:
        raise error("class_labels", f"the data have {f['values'].shape[0]} classes")
    feature_array = np.transpose(f["values"], (2, 1, 0))
    active_pixel_inds = np.asarray(f["active_pixels"], dtype=int)
    len_side = f["image_rows"] * f["image_cols"]
    if show_thumbnails and save_results_folder:
        from .show_figs import show_FA_thumbs

        # Class means on all pixels, then on the active ones only (as pymoth shows).
        full = np.zeros((len_side, labels.size))
        full[active_pixel_inds, :] = feature_array[:, ave[0]:, :].mean(axis=1)
        show_FA_thumbs(full, labels.size, 1, "class aves, active pixels only", screen_size,
                       os.path.join(save_results_folder, "thumbnails_active"))
    return feature_array, active_pixel_inds, len_side


def extract_mnist_feature_array(mnist, labels, image_indices, phase_label):
    """The images ``image_indices`` of each class in ``labels`` as floats on [0, 1)
    (bytes / 256), [max(image_indices) + 1, rows, cols, classes], as pymoth's. ``mnist``
    holds ``{phase}_images`` [n, rows, cols] and ``{phase}_labels`` [n] (see
    ``load_mnist_dict``)."""
    if not isinstance(mnist, dict):
        raise TypeError("mnist must be a dict with train_images and train_labels")
    if phase_label not in ("train", "test"):
        raise error("phase_label", f"expected 'train' or 'test', got {phase_label!r}")
    images = numeric_array(mnist.get(f"{phase_label}_images"), f"{phase_label}_images", 3)
    targets = numeric_array(mnist.get(f"{phase_label}_labels"), f"{phase_label}_labels", (1, 2)).ravel()
    if targets.size != images.shape[0]:
        raise error(f"{phase_label}_labels", "expected one label per image")
    inds = np.asarray(list(image_indices), dtype=int)
    if inds.size == 0 or inds.min() < 0:
        raise error("image_indices", "expected non-negative indices")
    out = np.zeros((inds.max() + 1, images.shape[1], images.shape[2], len(labels)))
    for k, c in enumerate(labels):
        of_class = images[targets == c]
        if of_class.shape[0] <= inds.max():
            raise error("image_indices",
                         f"class {c} has only {of_class.shape[0]} images")
        out[inds, :, :, k] = of_class[inds].astype(np.float64) / 256
    return out


def crop_downsample_vectorize_images(im_stack, crop_val, downsample_ratio, downsample_method):
    """Crops, downsamples (mean of blocks) and max-normalises every image of
    ``im_stack`` [images, rows, cols] (or one [rows, cols] image) in C++; returns
    [pixels, images]. ``crop_val``: pixels off every side, or [top, bottom, left, right]."""
    im_stack = numeric_array(im_stack, "im_stack", (2, 3))
    if im_stack.ndim == 2:
        im_stack = im_stack[np.newaxis]
    if downsample_method not in (0, 1):
        raise error("downsample_method", f"expected 0 or 1, got {downsample_method!r}")
    if isinstance(crop_val, (int, np.integer)):
        crop_val = [int(crop_val)] * 4
    crop_val = [int(c) for c in crop_val]
    if len(crop_val) != 4 or min(crop_val) < 0:
        raise error("crop_val", "expected a non-negative int or [top, bottom, left, right]")
    top, bottom, left, right = crop_val
    rows, cols = im_stack.shape[1:]
    cropped = im_stack[:, top:rows - bottom, left:cols - right]
    return _core.data.crop_downsample_vectorize(cropped.astype(np.float64, copy=False), 0,
                                                int(downsample_ratio))


def average_image_stack(im_stack, indices_to_average):
    """The mean of the images ``indices_to_average`` of a [pixels, images] stack (or the
    columns of a 3-d stack). pymoth divides the sum by the stack's column count; kenyon
    divides by the number of images averaged (the same when all are)."""
    im_stack = numeric_array(im_stack, "im_stack", (2, 3))
    inds = np.asarray(list(indices_to_average))
    if inds.size == 0:
        raise error("indices_to_average", "expected at least one index")
    if not np.issubdtype(inds.dtype, np.integer):
        raise TypeError(f"indices_to_average must be integers, got {inds.dtype}")
    if inds.min() < 0 or inds.max() >= im_stack.shape[1]:
        raise error("indices_to_average", f"expected indices 0..{im_stack.shape[1] - 1}, got {inds.min()}..{inds.max()}")
    return im_stack[:, inds].mean(axis=1)


def select_active_pixels(feature_array, num_features, screen_size, save_image_folder=[],
                         show_thumbnails=0):
    """The pixels kept as features (kenyon's ``data::select_active_pixels``): lowers a
    threshold over the class-mean images until ``num_features`` pixels have some class
    mean above it. ``feature_array`` is [pixels, samples per class, classes]."""
    feature_array = numeric_array(feature_array, "feature_array", 3)
    if min(feature_array.shape) < 1:
        raise error("feature_array", f"expected pixels, samples and classes, got shape "
                     f"{feature_array.shape}")
    num_features = integer(num_features, "num_features", 1)
    class_means = feature_array.mean(axis=1)
    inds = np.asarray(_core.data.select_active_pixels(class_means, num_features), dtype=int)
    if show_thumbnails and save_image_folder:
        from .show_figs import show_FA_thumbs

        active = np.zeros_like(class_means)
        active[inds, :] = class_means[inds, :]
        show_FA_thumbs(active, class_means.shape[1], 1, "class aves, active pixels only",
                       screen_size, os.path.join(save_image_folder, "thumbnails_active"))
    return inds
