"""kenyon.moth: MothNet (the moth olfactory network learning MNIST from a few samples)
under the names of the Python package pymoth, on kenyon's C++ simulation.

Switching from pymoth takes an import::

    from kenyon.moth import MothNet          # was: from pymoth import MothNet

The pymoth-named functions keep pymoth's argument names and return dictionaries. kenyon's
model repairs pymoth's defects by default (MATLAB's lateral inhibition, digits drawn
without replacement, no NaN moths, no state reset at 33 s); ``compat="pymoth"`` restores
pymoth's choices, as ``kenyon moth run --compat pymoth`` does. Every random draw derives
from an explicit seed.

``run`` and ``sweep`` are the CLI's ``kenyon moth run`` and ``kenyon moth sweep`` in one
call, returning the same JSON as a dict and writing the same folder with ``out=``.
"""
from .classify import classify_digits_log_likelihood, classify_digits_thresholding, roc_multi
from .data import (average_image_stack, crop_downsample_vectorize_images,
                   extract_mnist_feature_array, generate_ds_mnist, load_mnist_dict,
                   select_active_pixels)
from .experiment import run, sweep, sweep_table
from .mothnet import MothNet
from .params import ExpParams, ModelParams
from .sde import collect_stats, sde_evo_mnist, sde_wrap
from .show_figs import (plot_roc_multi, show_acc, show_FA_thumbs, show_multi_roc,
                        show_roc_curves, show_timecourse)

__all__ = [
    "MothNet", "ModelParams", "ExpParams",
    "generate_ds_mnist", "extract_mnist_feature_array", "crop_downsample_vectorize_images",
    "average_image_stack", "select_active_pixels", "load_mnist_dict",
    "sde_wrap", "sde_evo_mnist", "collect_stats",
    "classify_digits_log_likelihood", "classify_digits_thresholding", "roc_multi",
    "show_FA_thumbs", "show_acc", "show_timecourse", "plot_roc_multi", "show_multi_roc",
    "show_roc_curves",
    "run", "sweep", "sweep_table",
]
