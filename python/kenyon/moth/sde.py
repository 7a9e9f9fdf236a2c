"""pymoth's ``sde`` module: the moth's firing-rate SDEs run by kenyon's C++ ``simulate``
(Euler-Maruyama, octopamine-gated Hebbian learning), and the readout statistics.

The simulation releases the GIL. Noise is keyed on (seed, population, neuron, step), so a
run is reproducible from its seed and independent of the thread count.
"""
import os

import numpy as np

from .. import _core
from .._check import error, integer, numeric_array, warn_non_finite
from .params import ExpParams, ModelParams

__all__ = ["sde_wrap", "sde_evo_mnist", "collect_stats"]


def _features(feature_array):
    """[features, digits, classes] as the C-ordered float32 [classes, digits, features]
    kenyon reads; a transposed view of such a buffer passes without a copy."""
    if not isinstance(feature_array, np.ndarray):
        raise TypeError(f"feature_array must be a numpy array, got {type(feature_array).__name__}")
    if not np.issubdtype(feature_array.dtype, np.number):
        raise TypeError(f"feature_array must be numeric, got dtype {feature_array.dtype}")
    if feature_array.ndim != 3:
        raise error("feature_array", "expected [features, digits per class, classes], got "
                     f"{feature_array.ndim} dimensions")
    out = np.ascontiguousarray(np.transpose(feature_array, (2, 1, 0)), dtype=np.float32)
    if not np.all(np.isfinite(out)):
        raise error("feature_array", "expected finite values (found NaN or infinity)")
    return out


def _check_params(model_params, exp_params):
    if not isinstance(model_params, ModelParams):
        raise TypeError("model_params must be a kenyon.moth.ModelParams")
    if not isinstance(exp_params, ExpParams):
        raise TypeError("exp_params must be a kenyon.moth.ExpParams")


def _class_mag_mat(proto, exp_params):
    """The stimulus of each class at each step, as pymoth's ``class_mag_mat``."""
    mat = np.zeros((exp_params.nC, proto.steps))
    for cls, (begin, weight) in zip(proto.classes, proto.stimulus):
        lo, hi = max(begin, 0), min(begin + len(weight), proto.steps)
        mat[cls, lo:hi] += weight[lo - begin:hi - begin]
    return mat


def _initial_condition(mP):
    return np.concatenate((np.ones(mP.nP), np.ones(mP.nG), np.ravel(mP.Rspont), np.ones(mP.nK),
                           np.zeros(mP.nE)))


def sde_wrap(model_params, exp_params, feature_array):
    """Runs one experiment's time line on the moth ``model_params`` (after
    ``create_connection_matrix``) with kenyon's C++ simulation. ``feature_array``
    [features, digits per class, classes] is each class's queue of digits in
    presentation order (baseline, training, validation), as ``MothNet.load_mnist``
    returns it. Returns pymoth's dictionary: ``T`` (times, s), ``E`` [steps, ENs],
    ``octo_hits``, ``K2Efinal`` [ENs, Kenyon cells], ``P2Kfinal`` [Kenyon cells, P], ``nE``.
    """
    _check_params(model_params, exp_params)
    proto = exp_params.to_protocol()
    run = _simulate(model_params, proto, feature_array, model_params.seed)
    return {
        "T": run["T"],
        "E": run["E"],
        "octo_hits": proto.octopamine.astype(np.float64),
        "K2Efinal": run["K2Efinal"],
        "P2Kfinal": run["P2Kfinal"],
        "nE": model_params.nE,
        "non_finite": run["non_finite"],
    }


def _simulate(mP, proto, feature_array, seed):
    features = _features(feature_array)
    out = _core.moth.simulate(mP.to_network(), proto, features, mP.to_core(), seed,
                              reset_at_33s=mP.compat == "pymoth")
    trained = out["trained"]
    # A NaN or infinity stops the C++ simulation (the later E values stay 0): say where.
    warn_non_finite(out["non_finite"], " (the simulation stopped there)")
    return {"T": proto.times, "E": out["E"], "P2Kfinal": trained.P2K,
            "K2Efinal": trained.K2E, "Y": [], "non_finite": out["non_finite"]}


def sde_evo_mnist(tspan, init_cond, time, class_mag_mat, feature_array, octo_hits, mP, exP,
                  seed_val):
    """Euler-Maruyama evolution of the moth ``mP`` through the experiment ``exP``, in C++.

    kenyon simulates the time line that ``exP`` defines; ``tspan``, ``init_cond``,
    ``time``, ``class_mag_mat`` and ``octo_hits`` must be the ones ``sde_wrap`` derives
    from it (they are checked, and a ParameterError names the first that differs).
    ``seed_val`` keys the noise (pymoth: 0 meant "do not reseed"; here every value is a
    seed). In ``mP.compat == "pymoth"`` the network is reset for one step at t = 33 s, as
    pymoth's storage slip did. Returns ``T``, ``E``, ``P2Kfinal``, ``K2Efinal`` and ``Y``
    (empty: only EN time courses are kept).
    """
    _check_params(mP, exP)
    seed = int(seed_val)
    if seed < 0:
        raise error("seed_val", f"expected a non-negative seed, got {seed}")
    proto = exP.to_protocol()
    if tuple(float(t) for t in tspan) != (float(exP.sim_start), float(exP.sim_stop)):
        raise error("tspan", "expected (exP.sim_start, exP.sim_stop)")
    for name, given, expected in (
        ("time", time, proto.times),
        ("init_cond", init_cond, _initial_condition(mP)),
        ("class_mag_mat", class_mag_mat, _class_mag_mat(proto, exP)),
        ("octo_hits", octo_hits, proto.octopamine),
    ):
        if not isinstance(given, np.ndarray):
            raise TypeError(f"{name} must be a numpy array, got {type(given).__name__}")
        if given.shape != expected.shape or not np.allclose(given, expected, atol=1e-5):
            raise error(name, "differs from the time line kenyon derives from exP")
    return _simulate(mP, proto, feature_array, seed)


def _peak_responses(E, T, onsets):
    """Each EN's peak within (t - 1, t + 1) s of every onset: [onsets, ENs]."""
    lo = np.searchsorted(T, onsets - 1, side="right")
    hi = np.searchsorted(T, onsets + 1, side="left")
    return np.stack([E[a:b].max(axis=0) for a, b in zip(lo, hi)])


def collect_stats(sim_results, exp_params, class_labels, show_time_plots, show_acc_plots,
                  images_folder="", images_filename="", screen_size=(1920, 1080)):
    """Per EN, the peak responses to every digit before and after training (-1 where a
    digit belongs to the other phase) and their per-class mean, median and std, as
    pymoth's ``collect_stats``: a list of one dict per EN with pymoth's keys
    (``pre_train_resp``, ``post_train_resp``, ``odor_class``, ``pre_mean_resp``,
    ``pre_std_resp``, ``post_mean_resp``, ``post_std_resp``, ``percent_change_mean_resp``,
    ...). Optionally draws the accuracy and time-course figures into ``images_folder``."""
    if not isinstance(sim_results, dict):
        raise TypeError("sim_results must be the dict sde_wrap returns")
    missing = [k for k in ("T", "E", "octo_hits", "nE") if k not in sim_results]
    if missing:
        raise KeyError(f"sim_results has no {missing[0]!r} (expected the dict sde_wrap returns)")
    if not isinstance(exp_params, ExpParams):
        raise TypeError("exp_params must be a kenyon.moth.ExpParams")
    T = np.asarray(numeric_array(np.asarray(sim_results["T"]), "T", 1), dtype=float)
    E = numeric_array(np.asarray(sim_results["E"]), "E", 2)
    octo = numeric_array(np.asarray(sim_results["octo_hits"]), "octo_hits", 1)
    n_en = integer(sim_results["nE"], "nE", 1)
    if E.shape != (T.size, n_en):
        raise error("E", f"expected [steps, nE] = ({T.size}, {n_en}), got {E.shape}")
    if octo.shape != T.shape:
        raise error("octo_hits", f"expected one value per time step ({T.size}), got {octo.shape}")
    labels = numeric_array(np.asarray(class_labels), "class_labels", 1)
    if not np.all(np.isin(np.unique(exp_params.whichClass), labels)):
        raise error("class_labels", "does not hold every class of exp_params")
    octo_times = T[octo > 0] if octo.max() > 0 else np.empty(0)
    for name, start, stop in (("pre", exp_params.preHebSpontStart, exp_params.preHebSpontStop),
                              ("post", exp_params.postHebSpontStart, exp_params.postHebSpontStop)):
        if not np.any((start < T) & (T < stop)):
            raise error("T", f"the simulation does not cover exp_params' {name}-training spontaneous window "
                             f"({start}, {stop})")

    pre_mask = (exp_params.preHebSpontStart < T) & (T < exp_params.preHebSpontStop)
    post_mask = (exp_params.postHebSpontStart < T) & (T < exp_params.postHebSpontStop)
    pre_spont, post_spont = E[pre_mask], E[post_mask]
    pre_heb_mean, pre_heb_std = pre_spont.mean(), pre_spont.std()
    post_heb_mean, post_heb_std = post_spont.mean(), post_spont.std()

    live = exp_params.classMags > 0
    stim_starts = exp_params.stimStarts * live
    which_class = exp_params.whichClass * live
    labels = np.unique(which_class)

    # A digit counts before training if no octopamine coincides with it and it precedes
    # training; after training likewise, after it (pymoth's rule, vectorised).
    small = 1e-8
    if octo_times.size:
        near = np.abs(octo_times[None, :] - stim_starts[:, None]).min(axis=1) <= small
    else:
        near = np.zeros(stim_starts.size, dtype=bool)
    is_pre = ~near & (stim_starts < exp_params.startTrain) | (octo_times.size == 0)
    is_post = ~near & (stim_starts > exp_params.endTrain) & (octo_times.size > 0)
    peaks = _peak_responses(E.astype(np.float64), T, stim_starts)  # [digits, ENs]

    results = []
    for en in range(n_en):
        pre_resp = np.where(is_pre, peaks[:, en], -1.0)
        post_resp = np.where(is_post, peaks[:, en], -1.0)
        stats = {k: np.full(len(labels), np.nan) for k in (
            "pre_mean", "pre_median", "pre_std", "pre_n", "post_mean", "post_median",
            "post_std", "post_n")}
        for k, cl in enumerate(labels):
            for ph, resp in (("pre", pre_resp), ("post", post_resp)):
                sample = resp[(resp >= 0) & (which_class == cl)]
                if sample.size == 0:
                    stats[f"{ph}_mean"][k] = stats[f"{ph}_median"][k] = stats[f"{ph}_std"][k] = -1
                    stats[f"{ph}_n"][k] = 0
                else:
                    stats[f"{ph}_mean"][k] = sample.mean()
                    stats[f"{ph}_median"][k] = np.median(sample)
                    stats[f"{ph}_std"][k] = sample.std()
                    stats[f"{ph}_n"][k] = sample.size
        pre_sa = np.nonzero(stats["pre_n"] > 0)[0]
        post_sa = np.nonzero(stats["post_n"] > 0)[0]
        pre_mean, post_mean = stats["pre_mean"], stats["post_mean"]
        pre_median, post_median = stats["pre_median"], stats["post_median"]
        with np.errstate(divide="ignore", invalid="ignore"):
            pc_mean = 100 * (post_mean[pre_sa] - pre_mean[pre_sa]) / pre_mean[pre_sa]
            pc_ns_mean = 100 * (post_mean[pre_sa] - pre_mean[pre_sa] - post_heb_mean) / pre_mean[
                pre_sa]
            pc_median = 100 * (post_median[pre_sa] - pre_median[pre_sa]) / pre_median[pre_sa]
            pc_ns_median = 100 * (post_median[pre_sa] - pre_median[pre_sa] - post_heb_mean) / \
                pre_median[pre_sa]
            home = en if en < pc_ns_mean.size else -1
            rel_mean = pc_ns_mean / pc_ns_mean[home] if pc_ns_mean.size else pc_ns_mean
            rel_median_all = (post_median - pre_median - post_heb_mean) / pre_median
            rel_median = rel_median_all / rel_median_all[min(en, rel_median_all.size - 1)]
        if show_acc_plots:
            from .show_figs import _save, show_acc

            fig = show_acc(pre_sa, post_sa, en, pre_mean, pre_median, stats["pre_std"],
                           post_sa + 0.25, post_mean, post_median, stats["post_std"], labels,
                           pre_heb_mean, pre_heb_std, post_heb_mean, post_heb_std, pc_mean,
                           screen_size)
            if images_folder:
                _save(fig, os.path.join(images_folder, f"{images_filename}_en{en}.png"))
            import matplotlib.pyplot as plt

            plt.close(fig)
        results.append({
            "pre_train_resp": pre_resp,
            "post_train_resp": post_resp,
            "pre_resp_sniffs_ave": pre_sa,
            "post_resp_sniffs_ave": post_sa,
            "odor_class": which_class,
            "percent_change_mean_resp": pc_mean,
            "percent_change_noise_sub_mean_resp": pc_ns_mean,
            "rel_change_noise_sub_mean_resp": rel_mean,
            "percent_change_median_resp": pc_median,
            "percent_change_noise_sub_median_resp": pc_ns_median,
            "rel_change_noise_sub_median_resp": rel_median,
            "trained": en,
            "pre_mean_resp": pre_mean,
            "pre_median_resp": pre_median,
            "pre_std_resp": stats["pre_std"],
            "post_mean_resp": post_mean,
            "post_median_resp": post_median,
            "post_std_resp": stats["post_std"],
            "pre_spont_mean": pre_spont.mean(),
            "pre_spont_std": pre_spont.std(),
            "post_spont_mean": post_spont.mean(),
            "post_spont_std": post_spont.std(),
        })

    if show_time_plots:
        import matplotlib.pyplot as plt

        from .show_figs import _save, show_timecourse

        fig = None
        for en in range(n_en):
            if en % 3 == 0:
                fig = plt.figure(figsize=[np.floor(s / 100) for s in screen_size], dpi=100)
            ax = fig.add_subplot(3, 1, en % 3 + 1)
            show_timecourse(ax, en, sim_results, octo_times, labels, results, exp_params,
                            stim_starts, which_class)
            if en % 3 == 2 or en == n_en - 1:
                if images_folder:
                    _save(fig, os.path.join(images_folder, f"{images_filename}_en_timecourses{en}.png"))
                plt.close(fig)
    return results
