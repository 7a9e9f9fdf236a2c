"""pymoth's figures with matplotlib: input thumbnails, per-EN accuracy, EN time courses and
ROC curves. Every function returns its figure (or axis) so that it can be shown, saved or
tested; with a file name it also saves a PNG, creating the folder if needed.
"""
import os

import numpy as np

from .._check import error, finite, integer, numeric_array

__all__ = ["show_FA_thumbs", "show_acc", "show_timecourse", "plot_roc_multi",
           "show_roc_curves", "show_multi_roc"]

_CLASS_COLOURS = [(0, 0, 1), (0, 0.6, 0), (1, 0, 0), (0.8, 0.6, 0), (0.5, 0, 0.8),
                  (0, 0.7, 0.7), (1, 0.3, 0.8), (0.8, 0.3, 1), (0.6, 0.8, 0.2), (0.5, 0.5, 0.5)]


def _plt():
    import matplotlib.pyplot as plt

    return plt


def _save(fig, filename, dpi=100):
    """Saves `fig` as `filename` (its extension gives the format) through a temporary file
    renamed into place, so that an interrupted save never leaves half a picture."""
    if not filename:
        return
    folder = os.path.dirname(filename)
    if folder:
        os.makedirs(folder, exist_ok=True)
    fmt = os.path.splitext(filename)[1].lstrip(".") or "png"
    temporary = f"{filename}.tmp-{os.getpid()}"
    try:
        fig.savefig(temporary, dpi=dpi, format=fmt)
        os.replace(temporary, filename)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _filename(name):
    if name and not isinstance(name, (str, os.PathLike)):
        raise TypeError(f"images_filename must be a path, got {type(name).__name__}")


def _figsize(screen_size):
    """The figure size in inches of a (width, height) screen size in pixels."""
    try:
        w, h = (float(s) for s in screen_size)
    except (TypeError, ValueError):
        raise error("screen_size", f"expected (width, height) in pixels, got {screen_size!r}") from None
    if not (np.isfinite(w) and np.isfinite(h) and w > 0 and h > 0):
        raise error("screen_size", f"expected positive sizes, got {screen_size!r}")
    return w / 100, h / 100


def _axes(ax):
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    return ax


def _index(value, field, size):
    """An integer 0 <= value < size."""
    i = integer(value, field)
    if not 0 <= i < size:
        raise error(field, f"expected 0..{size - 1}, got {i}")
    return i


def _curves(fpr, tpr, roc_auc, class_labels):
    """The keys of roc_multi's dicts to draw, per class label, after checking the curves."""
    for name, d in (("fpr", fpr), ("tpr", tpr), ("roc_auc", roc_auc)):
        if not isinstance(d, dict):
            raise TypeError(f"{name} must be the dict roc_multi returns, got {type(d).__name__}")
    labels = numeric_array(class_labels, "class_labels", 1, lists=True)
    keys = []
    for i, c in enumerate(labels):
        key = int(c) if int(c) in fpr else i
        for name, d in (("fpr", fpr), ("tpr", tpr), ("roc_auc", roc_auc)):
            if key not in d:
                raise KeyError(f"{name}: no curve for class {int(c)}")
        keys.append(key)
    for key in keys + [k for k in ("micro", "macro") if k in fpr]:
        f = numeric_array(fpr[key], "fpr", 1, lists=True)
        numeric_array(tpr[key], "tpr", 1, len(f), lists=True)
        finite(roc_auc.get(key), "roc_auc")
    return keys


def show_FA_thumbs(feature_array, show_per_class, normalize, title_string, screen_size,
                   images_filename):
    """Thumbnails of feature vectors as square images: ``feature_array`` is
    [pixels, samples, classes] (one row per class, ``show_per_class`` per row) or
    [pixels, images]. ``normalize`` rescales each to [0, 1]. Saved as
    ``images_filename + '.png'`` when a name is given."""
    _filename(images_filename)
    if not isinstance(feature_array, np.ndarray):
        raise TypeError("feature_array must be a numpy array")
    if feature_array.ndim not in (2, 3):
        raise error("feature_array", f"expected [pixels, samples(, classes)], got shape {feature_array.shape}")
    numeric_array(feature_array, "feature_array")
    fa = feature_array if feature_array.ndim == 3 else feature_array[:, :, np.newaxis]
    side = int(round(np.sqrt(fa.shape[0])))
    if side * side != fa.shape[0]:
        raise error("feature_array", f"{fa.shape[0]} pixels do not make a square thumbnail")
    if feature_array.ndim == 2:  # one row of images
        fa = fa.transpose(0, 2, 1)
    per_row = min(integer(show_per_class, "show_per_class", 1), fa.shape[1])
    figsize = _figsize(screen_size)
    rows = fa.shape[2]
    plt = _plt()
    fig, axes = plt.subplots(rows, per_row, figsize=figsize, squeeze=False)
    for c in range(rows):
        for k in range(per_row):
            im = np.asarray(fa[:, k, c], dtype=float).reshape(side, side)
            if normalize and im.max() > im.min():
                im = (im - im.min()) / (im.max() - im.min())
            ax = axes[c, k]
            ax.imshow(im, cmap="gray", vmin=0 if normalize else None,
                      vmax=1 if normalize else None)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle(title_string)
    _save(fig, images_filename + ".png" if images_filename else "")
    return fig


def show_acc(pre_SA, post_SA, en_ind, pre_mean_resp, pre_median_resp, pre_std_resp,
             post_offset, post_mean_resp, post_median_resp, post_std_resp, class_labels,
             pre_heb_mean, pre_heb_std, post_heb_mean, post_heb_std, percent_change_mean_resp,
             screen_size):
    """One EN's responses per class before and after training (median with std bars; the
    spontaneous level shaded) and the percent change of its mean response."""
    labels = numeric_array(class_labels, "class_labels", 1, lists=True)
    n = labels.size
    en_ind = _index(en_ind, "en_ind", n)
    for name, v in (("pre_mean_resp", pre_mean_resp), ("pre_median_resp", pre_median_resp),
                    ("pre_std_resp", pre_std_resp), ("post_mean_resp", post_mean_resp),
                    ("post_median_resp", post_median_resp), ("post_std_resp", post_std_resp)):
        numeric_array(v, name, 1, n, lists=True)
    for name, v in (("pre_SA", pre_SA), ("post_SA", post_SA)):
        sa = numeric_array(v, name, 1, lists=True)
        if np.any(sa != np.round(sa)) or sa.min(initial=0) < 0 or sa.max(initial=0) >= n:
            raise error(name, f"expected class indices 0..{n - 1}")
    numeric_array(post_offset, "post_offset", 1, len(post_SA), lists=True)
    change = numeric_array(percent_change_mean_resp, "percent_change_mean_resp", 1, lists=True,
                           allow_nan=True)
    if change.size > len(pre_SA):
        raise error("percent_change_mean_resp", f"{change.size} values for {len(pre_SA)} classes in pre_SA")
    for name, v in (("pre_heb_mean", pre_heb_mean), ("pre_heb_std", pre_heb_std),
                    ("post_heb_mean", post_heb_mean), ("post_heb_std", post_heb_std)):
        finite(v, name)
    figsize = _figsize(screen_size)
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize)
    pre_SA = np.asarray(pre_SA, dtype=int)
    post_SA = np.asarray(post_SA, dtype=int)
    ax1.errorbar(pre_SA, np.asarray(pre_median_resp)[pre_SA], yerr=np.asarray(pre_std_resp)[pre_SA],
                 fmt="o", color="b", label="before training")
    ax1.errorbar(np.asarray(post_offset), np.asarray(post_median_resp)[post_SA],
                 yerr=np.asarray(post_std_resp)[post_SA], fmt="o", color="r",
                 label="after training")
    ax1.plot(pre_SA, np.asarray(pre_mean_resp)[pre_SA], "b+")
    ax1.plot(np.asarray(post_offset), np.asarray(post_mean_resp)[post_SA], "r+")
    ax1.axhspan(pre_heb_mean - pre_heb_std, pre_heb_mean + pre_heb_std, color="b", alpha=0.1)
    ax1.axhspan(post_heb_mean - post_heb_std, post_heb_mean + post_heb_std, color="r", alpha=0.1)
    ax1.set_xticks(np.arange(len(class_labels)))
    ax1.set_xticklabels([str(int(c)) for c in class_labels])
    ax1.set_xlabel("digit class")
    ax1.set_ylabel("EN response (peak)")
    ax1.set_title(f"EN {en_ind}: responses per class (trained on class {en_ind})")
    ax1.legend()
    change = np.asarray(percent_change_mean_resp, dtype=float)
    colours = ["r" if c == en_ind else "0.5" for c in pre_SA[:change.size]]
    ax2.bar(pre_SA[:change.size], np.nan_to_num(change), color=colours)
    ax2.axhline(0, color="k", linewidth=0.5)
    ax2.set_xlabel("digit class")
    ax2.set_ylabel("change of mean response (%)")
    ax2.set_title(f"EN {en_ind}: effect of training")
    fig.tight_layout()
    return fig


def show_timecourse(ax, en_ind, sim_results, octo_times, class_list, results, exp_params,
                    stim_starts, which_class):
    """One EN's time course on ``ax``: the trace, each digit's onset coloured by class, the
    octopamine (training) times shaded, and the class means before and after training."""
    from .params import ExpParams

    _axes(ax)
    if not isinstance(sim_results, dict):
        raise TypeError("sim_results must be the dict sde_wrap returns")
    if not isinstance(exp_params, ExpParams):
        raise TypeError(f"exp_params must be an ExpParams, got {type(exp_params).__name__}")
    for key in ("T", "E"):
        if key not in sim_results:
            raise KeyError(f"sim_results has no {key!r}")
    T = numeric_array(sim_results["T"], "T", 1, lists=True)
    E_all = numeric_array(sim_results["E"], "E", 2, T.size, lists=True)
    en_ind = _index(en_ind, "en_ind", E_all.shape[1])
    E = E_all[:, en_ind]
    classes = numeric_array(class_list, "class_list", 1, lists=True)
    starts = numeric_array(stim_starts, "stim_starts", 1, lists=True)
    which = numeric_array(which_class, "which_class", 1, starts.size, lists=True)
    if not np.all(np.isin(which, classes)):
        raise error("which_class", f"class {which[~np.isin(which, classes)][0]} is not in class_list")
    if not isinstance(results, (list, tuple)) or len(results) <= en_ind:
        raise error("results", f"expected collect_stats' list with an entry for EN {en_ind}")
    # From t = 0: the settling before it starts far above the digit responses.
    shown = T >= min(0.0, T[-1])
    ax.plot(T[shown], E[shown], color="k", linewidth=0.6)
    top = float(E[shown].max()) if shown.any() and E[shown].max() > 0 else 1.0
    for t, c in zip(np.asarray(stim_starts), np.asarray(which_class)):
        ax.plot([t, t], [0, 0.05 * top], color=_CLASS_COLOURS[int(c) % 10], linewidth=1)
    octo_times = np.asarray(octo_times)
    if octo_times.size:
        ax.axvspan(octo_times.min(), octo_times.max(), color="y", alpha=0.15, label="training")
    r = results[en_ind]
    for ph, colour in (("pre", "b"), ("post", "r")):
        mean = np.asarray(r[f"{ph}_mean_resp"])
        ax.plot([T[0], T[-1]], [mean[en_ind]] * 2, color=colour, linestyle=":", linewidth=0.8)
    ax.set_xlim(max(T[0], 0), T[-1])
    ax.set_ylim(0, 1.1 * top)
    ax.set_ylabel(f"EN {en_ind}")
    ax.set_title(f"EN {en_ind} (trained on class {en_ind}); ticks: digit onsets by class",
                 fontsize=9)
    return ax


def plot_roc_multi(ax, fpr, tpr, roc_auc, class_labels, title_str, y_axis_label=True,
                   legend=True):
    """ROC curves of every class plus the micro and macro averages on ``ax``."""
    _axes(ax)
    keys = _curves(fpr, tpr, roc_auc, class_labels)
    for i, (c, key) in enumerate(zip(class_labels, keys)):
        ax.plot(fpr[key], tpr[key], color=_CLASS_COLOURS[i % 10], linewidth=1,
                label=f"class {int(c)} (AUC {roc_auc[key]:.2f})")
    for key, style in (("micro", ":"), ("macro", "--")):
        if key in fpr:
            ax.plot(fpr[key], tpr[key], color="k", linestyle=style, linewidth=2,
                    label=f"{key} (AUC {roc_auc[key]:.2f})")
    ax.plot([0, 1], [0, 1], color="0.7", linewidth=0.5)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("false positive rate")
    if y_axis_label:
        ax.set_ylabel("true positive rate")
    ax.set_title(title_str)
    if legend:
        ax.legend(loc="lower right", fontsize=7)
    return ax


def show_roc_curves(tpr, fpr, roc_auc, class_labels, title_str="", images_filename=""):
    """One model's ROC curves in a figure of their own, saved as
    ``images_filename + '_ROC_' + title_str + '.png'`` when a name is given."""
    _filename(images_filename)
    _curves(fpr, tpr, roc_auc, class_labels)
    plt = _plt()
    fig, ax = plt.subplots()
    plot_roc_multi(ax, fpr, tpr, roc_auc, class_labels, title_str)
    if images_filename:
        _save(fig, f"{images_filename}_ROC_{title_str}.png", dpi=150)
    return fig


def show_multi_roc(models, model_names, class_labels, images_filename=""):
    """Several models' ROC curves side by side. ``models`` is a MothNet that has been
    scored (its MothNet, SVM and kNN ROCs, as pymoth's method) or a list of roc_multi
    dicts. Saved as ``images_filename + '.png'`` when a name is given."""
    _filename(images_filename)
    if isinstance(models, (list, tuple)):
        rocs = list(models)
    elif all(hasattr(models, a) for a in ("output_trained_log_loss", "roc_svm", "roc_knn")):
        rocs = [models.output_trained_log_loss, models.roc_svm, models.roc_knn]
    elif hasattr(models, "score_moth_on_MNIST"):
        raise error("models", "score the MothNet first (score_moth_on_MNIST, score_svm, score_knn)")
    else:
        raise TypeError(f"models must be a list of roc_multi dicts or a scored MothNet, got {type(models).__name__}")
    if not rocs:
        raise error("models", "expected at least one model")
    if not all(isinstance(r, dict) for r in rocs):
        raise TypeError("models must be roc_multi dicts (fpr, tpr, roc_auc)")
    for r in rocs:
        missing = [k for k in ("fpr", "tpr", "roc_auc") if k not in r]
        if missing:
            raise KeyError(f"models: a model has no {missing[0]!r}")
        _curves(r["fpr"], r["tpr"], r["roc_auc"], class_labels)
    if len(model_names) != len(rocs):
        raise error("model_names", f"{len(rocs)} models but {len(model_names)} names")
    plt = _plt()
    fig, axes = plt.subplots(1, len(rocs), figsize=(5 * len(rocs), 5), sharey=True,
                             squeeze=False)
    for i, (roc, name) in enumerate(zip(rocs, model_names)):
        plot_roc_multi(axes[0, i], roc["fpr"], roc["tpr"], roc["roc_auc"], class_labels, name,
                       y_axis_label=i == 0, legend=i == 0)
    fig.tight_layout()
    if images_filename:
        _save(fig, images_filename + ".png", dpi=150)
    return fig
