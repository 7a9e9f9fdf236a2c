"""pymoth's ``classify`` module on kenyon's C++ classifiers and ROC analysis.

Differences from pymoth, all deliberate: a zero standard deviation is raised to a tiny
floor (a huge but finite score, never NaN); the thresholding classifier's ROC uses
``-likelihoods`` like the log-likelihood one (pymoth passed ``+likelihoods``, which
inverts its curves); ROC curves follow sklearn's ``roc_curve`` without needing sklearn.
"""
import numpy as np

from .. import _core
from .._check import error, number, numeric_array

__all__ = ["roc_multi", "classify_digits_log_likelihood", "classify_digits_thresholding"]


def roc_multi(true_classes, likelihoods):
    """One-vs-rest ROC curves (kenyon's ``roc_one_vs_rest``): ``true_classes`` [n] labels
    0..c-1, ``likelihoods`` [n, c], higher meaning more likely. Returns pymoth's dict:
    ``targets`` (one-hot), and ``fpr``, ``tpr``, ``roc_auc`` keyed by class, "micro" and
    "macro"."""
    true_classes = numeric_array(true_classes, "true_classes", 1)
    likelihoods = numeric_array(likelihoods, "likelihoods", 2)
    if true_classes.size == 0:
        raise error("true_classes", "expected at least one observation")
    labels = true_classes.astype(int)
    if not np.array_equal(labels, true_classes) or labels.min() < 0:
        raise error("true_classes", "expected integer class labels 0, 1, ...")
    n_classes = len(set(labels.tolist()))
    if likelihoods.shape[0] != labels.size:
        raise error("likelihoods", "expected one row per observation")
    if likelihoods.shape[1] < n_classes or labels.max() >= likelihoods.shape[1]:
        raise error("likelihoods", "expected one column per class")
    roc = _core.moth.roc_one_vs_rest(labels.tolist(), likelihoods.astype(np.float64),
                                     likelihoods.shape[1])
    fpr, tpr, auc = {}, {}, {}
    for c, curve in enumerate(roc["per_class"]):
        fpr[c], tpr[c], auc[c] = curve["fpr"], curve["tpr"], curve["auc"]
    for key in ("micro", "macro"):
        fpr[key], tpr[key], auc[key] = roc[key]["fpr"], roc[key]["tpr"], roc[key]["auc"]
    targets = np.eye(likelihoods.shape[1])[labels]
    return {"targets": targets, "roc_auc": auc, "fpr": fpr, "tpr": tpr}


def _unpack(results):
    """(responses [digits, ENs], true classes, mean and std [ENs, classes]) of the
    validation digits in collect_stats' list of per-EN dicts."""
    if isinstance(results, (list, tuple)) and not results:
        raise error("results", "expected one dict per EN, got an empty list")
    if not isinstance(results, (list, tuple)) or not all(isinstance(r, dict) for r in results):
        raise TypeError("results must be the list of per-EN dicts collect_stats returns")
    keys = ("post_train_resp", "odor_class", "post_mean_resp", "post_std_resp")
    for en, r in enumerate(results):
        missing = [k for k in keys if k not in r]
        if missing:
            raise error("results", f"EN {en} has no {missing[0]!r}")

    def field(en, key, length=None, allow_nan=False):
        value = np.asarray(results[en][key])
        if not np.issubdtype(value.dtype, np.number):
            raise TypeError(f"results[{en}][{key!r}] must hold numbers, got dtype {value.dtype}")
        if value.ndim != 1 or (length is not None and value.size != length):
            raise error(key, f"EN {en}: expected {length or 'a vector of'} values, got shape {value.shape}")
        if not allow_nan and not np.all(np.isfinite(value)):
            raise error(key, f"EN {en}: contains NaN or infinite values")
        return value.astype(float)

    flags = field(0, "post_train_resp", allow_nan=True)
    inds = np.nonzero(flags >= 0)[0]
    if inds.size == 0:
        raise error("results", "no validation digits (post_train_resp >= 0)")
    classes = field(0, "odor_class", flags.size)
    if np.any(classes != np.round(classes)) or classes.min() < 0:
        raise error("odor_class", "expected class labels 0, 1, ...")
    for en in range(1, len(results)):
        if not np.array_equal(field(en, "odor_class", flags.size), classes):
            raise error("odor_class", f"EN {en}: differs from EN 0's (every EN sees the same digits)")
    truth = classes[inds].astype(int)
    n_classes = len(field(0, "post_mean_resp"))
    if truth.max() >= n_classes:
        raise error("odor_class", f"class {truth.max()} but post_mean_resp has {n_classes} classes")
    resp = np.stack([field(en, "post_train_resp", flags.size, allow_nan=True)[inds]
                     for en in range(len(results))], axis=1)
    bad = np.argwhere(~np.isfinite(resp))
    if bad.size:
        raise error("post_train_resp", f"EN {bad[0][1]}: validation digit {inds[bad[0][0]]} is NaN or infinite")
    mu = np.stack([field(en, "post_mean_resp", n_classes) for en in range(len(results))])
    sig = np.stack([field(en, "post_std_resp", n_classes) for en in range(len(results))])
    return resp, truth, mu, sig


def _output(c, truth, roc_scores):
    pred = np.asarray(c["predicted"], dtype=int)
    roc = roc_multi(truth, roc_scores)
    return {
        "true_classes": truth,
        "targets": roc["targets"],
        "roc_auc": roc["roc_auc"],
        "fpr": roc["fpr"],
        "tpr": roc["tpr"],
        "pred_classes": pred,
        "likelihoods": c["scores"],
        "acc_perc": np.asarray(c["per_class_accuracy"]),
        "total_acc": c["accuracy"],
        "conf_mat": np.asarray(c["confusion"]),
    }


def classify_digits_log_likelihood(results):
    """Classifies the validation digits by the fourth-power distance of their EN responses
    from each class's mean, in class standard deviations (kenyon's
    ``classify_log_likelihood``); ``results`` is collect_stats' output. Returns pymoth's
    dict: true_classes, targets, roc_auc, fpr, tpr, pred_classes, likelihoods, acc_perc,
    total_acc, conf_mat."""
    resp, truth, mu, sig = _unpack(results)
    c = _core.moth.classify_log_likelihood(resp, truth.tolist(), mu, sig)
    return _output(c, truth, -np.asarray(c["scores"]))


def classify_digits_thresholding(results, home_advantage, home_thresh_sigmas,
                                 above_home_thresh_reward):
    """The "home advantage" thresholding classifier (kenyon's ``classify_thresholding``):
    off-diagonal distances divided by ``home_advantage``, an EN's home-class distance
    divided by ``above_home_thresh_reward`` above ``home_thresh_sigmas``. Returns the
    log-likelihood dict plus home_advantage and home_thresh_sigmas."""
    resp, truth, mu, sig = _unpack(results)
    reward = number(above_home_thresh_reward, "above_home_thresh_reward")
    if not (np.isfinite(reward) and reward > 0):  # the C++ field is "reward"
        raise error("above_home_thresh_reward", f"must be positive and finite, got {reward}")
    c = _core.moth.classify_thresholding(resp, truth.tolist(), mu, sig,
                                         number(home_advantage, "home_advantage"),
                                         number(home_thresh_sigmas, "home_thresh_sigmas"),
                                         reward)
    out = _output(c, truth, -np.asarray(c["scores"]))
    out["home_advantage"] = home_advantage
    out["home_thresh_sigmas"] = home_thresh_sigmas
    return out
