"""kenyon.moth under pymoth's names, on real MNIST: the pipeline's pieces agree with the
one-call pipeline, moths and time lines have pymoth's shapes, a trained moth beats chance,
the MothNet steps reproduce kenyon.moth.run number for number, every figure draws, and bad
input from Python raises a clear exception."""
import os
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import kenyon  # noqa: E402
from conftest import needs, seeded  # noqa: E402
from kenyon import moth  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parent.parent.parent
MNIST = pathlib.Path(os.environ.get("KENYON_DATA_DIR", REPO / "data" / "cache")) / "mnist"
needs_mnist = needs(
    (MNIST / "train-images-idx3-ubyte").exists() or (MNIST / "train-images-idx3-ubyte.gz").exists(),
    f"MNIST not fetched into {MNIST} (run scripts/install_deps.sh)")

SCREEN = (1920, 1080)


def generate():
    return moth.generate_ds_mnist(999, np.arange(10), 2, 2, 1, range(550, 1000), 6,
                                  range(550, 1000), 85, SCREEN, "", 0)


@pytest.fixture(scope="module")
def features():
    return generate()


# -- the data pipeline ----------------------------------------------------------------------


@needs_mnist
def test_generate_ds_mnist_shapes_and_ranges(features):
    fa, active, len_side = features
    assert fa.shape == (85, 1000, 10)
    assert len_side == 144
    assert active.shape == (85,) and np.all(np.diff(active) > 0)
    assert active.min() >= 0 and active.max() < 144
    assert np.all(fa >= 0) and np.all(np.isfinite(fa))
    sums = fa.sum(axis=0)  # active pixels of images whose 144 pixels sum to 6
    assert np.all(sums <= 6 + 1e-4) and np.all(sums > 0.5)
    # A view of kenyon's [classes, digits, features] buffer, not a copy.
    assert fa.dtype == np.float32 and fa.base is not None
    assert np.transpose(fa, (2, 1, 0)).flags["C_CONTIGUOUS"]


@needs_mnist
def test_pipeline_pieces_reproduce_generate(features):
    fa, active, len_side = features
    mnist = moth.load_mnist_dict()
    assert mnist["train_images"].shape == (60000, 28, 28)
    images = moth.extract_mnist_feature_array(mnist, np.arange(10), range(1000), "train")
    assert images.shape == (1000, 28, 28, 10)
    assert images.min() >= 0 and images.max() < 1
    # Class 3's 7th image is the 7th 3 in the file.
    threes = mnist["train_images"][mnist["train_labels"] == 3]
    np.testing.assert_array_equal(images[6, :, :, 3], threes[6] / 256)

    stack = np.stack([moth.crop_downsample_vectorize_images(images[..., c], 2, 2, 1)
                      for c in range(10)], axis=2)  # [144, 1000, 10]
    assert stack.shape == (144, 1000, 10)
    # The same as numpy's crop and 2x2 block means, max-normalised.
    im = images[17, 2:26, 2:26, 5].reshape(12, 2, 12, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(stack[:, 17, 5], (im / im.max()).ravel(), rtol=1e-6)
    # Method 0 (block sums) gives the same features after the max normalisation.
    np.testing.assert_allclose(
        moth.crop_downsample_vectorize_images(images[:5, ..., 1], 2, 2, 0), stack[:, :5, 1])

    class_means = np.stack([moth.average_image_stack(stack[:, 550:, c], range(450))
                            for c in range(10)], axis=1)
    overall = class_means.mean(axis=1)
    normed = np.maximum(stack - overall[:, None, None], 0)
    normed *= 6 / normed.sum(axis=0)
    got = moth.select_active_pixels(normed[:, 550:, :], 85, SCREEN)
    np.testing.assert_array_equal(got, active)
    np.testing.assert_allclose(normed[active], fa, atol=2e-6)


# -- moths and time lines ---------------------------------------------------------------------


def test_model_params_draws_a_pymoth_shaped_moth():
    mp = moth.ModelParams(85, 15, seed=4).create_connection_matrix()
    assert mp.nK == 2550 and mp.nE == 10 and mp.nG == 85
    assert mp.F2R.shape == (85, 85)
    assert np.all((mp.F2R != 0).sum(axis=0) == 1) and np.all((mp.F2R != 0).sum(axis=1) == 1)
    np.testing.assert_allclose(mp.F2R.max(), 100 / 85, rtol=1e-6)
    assert mp.P2K.shape == (2550, 85) and mp.K2E.shape == (10, 2550)
    assert np.all(mp.K2E == 3)
    density = (mp.P2K > 0).mean()
    assert 0.09 < density < 0.14  # about 10 P inputs per Kenyon cell
    assert mp.P2K.max() <= 5.5 + 1e-6
    for name in ("Rspont", "R2P", "R2L", "octo2R", "octo2L", "noiseRvec"):
        assert getattr(mp, name).shape == (85, 1)
    np.testing.assert_allclose(mp.octo2R, 3.0)
    np.testing.assert_allclose(mp.octo2L, 2.4, rtol=1e-6)
    assert np.all(np.diag(mp.L2R) == 0)
    # Seeded: the same seed gives the same moth, another seed another.
    again = moth.ModelParams(85, 15, seed=4).create_connection_matrix()
    np.testing.assert_array_equal(again.P2K, mp.P2K)
    other = moth.ModelParams(85, 15, seed=5).create_connection_matrix()
    assert not np.array_equal(other.P2K, mp.P2K)


def test_edited_parameters_reach_the_cpp_model():
    mp = moth.ModelParams(85, 15, seed=3)
    mp.K2E_mu = 5
    mp.numPperK = 20
    mp.nK_nG_ratio = 10
    mp.nK = 850
    mp.create_connection_matrix()
    assert mp.K2E.shape == (10, 850) and np.all(mp.K2E == 5)
    assert 0.2 < (mp.P2K > 0).mean() < 0.27  # about 20 of 85 P per Kenyon cell
    core = mp.to_core()
    assert core.k2e_mu == 5 and core.p_per_k == 20 and core.kenyon_per_glomerulus == 10
    assert core.heb_tau_ke * core.goal == pytest.approx(mp.heb_tau_KE)


def test_lateral_inhibition_fixed_and_pymoth():
    fixed, old = moth.ModelParams(85, 15), moth.ModelParams(85, 15, compat="pymoth")
    assert fixed.L2R_mult == pytest.approx(6 / (85 * 0.8))
    assert old.L2R_mult == pytest.approx(6 / 85 * 0.8)
    f = fixed.create_connection_matrix().L2P
    o = old.create_connection_matrix().L2P
    # Same draws, scaled by the ratio of the multipliers (0.64).
    ratio = o[f > 0] / f[f > 0]
    assert np.median(ratio) == pytest.approx(0.64, rel=0.02)


def test_exp_params_time_line():
    tr = np.tile(np.random.default_rng(seeded(0)).permutation(np.repeat(np.arange(10), 2)), 2)
    ep = moth.ExpParams(tr, np.arange(10), 15)
    # 60 V + 235 + 5 n seconds (spec section 4), n = 40 presentations.
    assert ep.sim_stop - ep.sim_start == pytest.approx(60 * 15 + 235 + 5 * 40)
    assert ep.stimStarts.size == 150 + 40 + 150
    assert ep.baselineTimes[-1] == 30 * 15 + 90
    proto = ep.to_protocol()
    assert proto.steps == round((ep.sim_stop - ep.sim_start) / 0.02)
    np.testing.assert_allclose(proto.onsets, ep.stimStarts)
    np.testing.assert_array_equal(proto.classes, ep.whichClass.astype(int))


# -- one MothNet run, step by step --------------------------------------------------------------


@pytest.fixture(scope="module")
def mothnet_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mothnet")
    m = moth.MothNet({"tr_per_class": 2, "num_sniffs": 1, "seed": 11, "n_thumbnails": 1,
                      "show_acc_plots": True, "show_time_plots": True, "show_roc_plots": True,
                      "results_folder": str(folder), "verbose": False})
    fa = m.load_mnist()
    split = m.train_test_split(fa)
    m.load_moth()
    m.load_exp()
    sim = m.simulate(fa)
    stats = m.collect_stats(sim, m.experiment_params, m._class_labels, True, True,
                            images_filename=m.RESULTS_FILENAME, images_folder=m.RESULTS_FOLDER,
                            screen_size=SCREEN)
    m.score_moth_on_MNIST(stats)
    m.score_knn(split[0], split[2], split[1], split[3])
    m.score_svm(split[0], split[2], split[1], split[3])
    m.show_multi_roc(["MothNet", "SVM", "KNN"], m._class_labels,
                     images_filename=os.path.join(m.RESULTS_FOLDER, "results_ROC_multi"))
    plt.close("all")
    return m, fa, split, sim, stats, folder


@needs_mnist
def test_mothnet_queue_and_split(mothnet_run):
    m, fa, (train_X, test_X, train_y, test_y), *_ = mothnet_run
    assert fa.shape == (85, 1000, 10)
    # Columns: 15 baseline, 2 training, 15 validation digits; the rest unused (zero).
    assert np.all(fa[:, :32, :].sum(axis=0) > 0) and np.all(fa[:, 32:, :] == 0)
    assert train_X.shape == (20, 85) and test_X.shape == (150, 85)
    np.testing.assert_array_equal(np.bincount(train_y.ravel().astype(int)), [2] * 10)
    np.testing.assert_array_equal(test_X[:15], fa[:, 17:32, 0].T)
    assert sorted(m._tr_classes.tolist()) == sorted(list(range(10)) * 2)


@needs_mnist
def test_mothnet_simulation_outputs(mothnet_run):
    m, fa, _, sim, *_ = mothnet_run
    ep, mp = m.experiment_params, m.model_params
    n = round((ep.sim_stop - ep.sim_start) / 0.02)
    assert sim["T"].shape == (n,) and sim["E"].shape == (n, 10) and sim["nE"] == 10
    assert sim["T"][0] == pytest.approx(-30) and np.diff(sim["T"]) == pytest.approx(0.02)
    assert np.all(np.isfinite(sim["E"])) and sim["E"].min() >= 0
    assert sim["octo_hits"].shape == (n,) and sim["octo_hits"].max() == pytest.approx(1, abs=1e-5)
    # Octopamine only around the 20 training onsets.
    on = sim["T"][sim["octo_hits"] > 0]
    assert on.min() >= ep.trainTimes.min() - 0.1 and on.max() <= ep.trainTimes.max() + 1.1
    # Learning changed the readout weights and kept them within their bounds.
    assert sim["K2Efinal"].shape == (10, 2550) and sim["P2Kfinal"].shape == (2550, 85)
    assert not np.array_equal(sim["K2Efinal"], mp.K2E)
    assert sim["K2Efinal"].min() >= 0 and sim["K2Efinal"].max() <= mp.hebMaxKE
    np.testing.assert_array_equal(sim["P2Kfinal"] > 0, mp.P2K > 0)  # no new synapses
    # ENs respond to digits: the peak after a digit onset rises well above rest.
    assert sim["E"][sim["T"] > 30].max() > 5 * max(sim["E"][(sim["T"] > 0) & (sim["T"] < 28)].mean(),
                                                   1e-3)


@needs_mnist
def test_collect_stats_layout(mothnet_run):
    m, _, _, _, stats, _ = mothnet_run
    assert len(stats) == 10
    for en, s in enumerate(stats):
        assert s["trained"] == en
        for key in ("pre_mean_resp", "pre_std_resp", "post_mean_resp", "post_std_resp"):
            assert s[key].shape == (10,) and np.all(s[key] >= 0)
        # 150 baseline digits before training, 150 validation digits after; the 20
        # training digits count in neither.
        assert (s["pre_train_resp"] >= 0).sum() == 150
        assert (s["post_train_resp"] >= 0).sum() == 150
        assert s["odor_class"].shape == (320,)
        assert s["percent_change_mean_resp"].shape == (10,)
    # The home EN gains the most from training, on average over ENs.
    gains = np.array([s["percent_change_mean_resp"] for s in stats])
    assert np.mean(np.diag(gains)) > np.mean(gains[~np.eye(10, dtype=bool)])


@needs_mnist
def test_trained_moth_beats_chance(mothnet_run):
    m = mothnet_run[0]
    out = m.output_trained_log_loss
    assert out["total_acc"] > 40  # chance is 10%
    assert out["total_acc"] > m.output_naive_log_loss["total_acc"] + 15
    # The thresholding classifier is the weaker one (about 17-24% at 2 digits per class
    # over seeds 0-3); 15% is two binomial sds above chance on 150 digits.
    assert m.output_trained_thresholding["total_acc"] > 15
    assert out["conf_mat"].shape == (10, 10) and out["conf_mat"].sum() == 150
    assert np.trace(out["conf_mat"]) == round(out["total_acc"] * 1.5)
    assert out["likelihoods"].shape == (150, 10)
    np.testing.assert_array_equal(out["pred_classes"], out["likelihoods"].argmin(axis=1))
    assert out["targets"].shape == (150, 10)
    assert 0.7 < out["roc_auc"]["macro"] <= 1 and 0.7 < out["roc_auc"]["micro"] <= 1
    assert set(out["fpr"]) == set(range(10)) | {"micro", "macro"}
    assert m.knn_acc > 20 and m.svm_acc > 20


@needs_mnist
def test_mothnet_reproduces_run(mothnet_run):
    """The pymoth-named steps and kenyon.moth.run (the CLI's library call) agree number for
    number for the same seed: same digits, moth, noise and classifiers."""
    m = mothnet_run[0]
    r = moth.run(train_per_class=2, seed=11)
    assert r["accuracy"] == pytest.approx(m.output_trained_log_loss["total_acc"], abs=1e-9)
    assert r["accuracy_thresholding"] == pytest.approx(
        m.output_trained_thresholding["total_acc"], abs=1e-9)
    assert r["accuracy_naive"] == pytest.approx(m.output_naive_log_loss["total_acc"], abs=1e-9)
    assert r["per_class_accuracy"] == pytest.approx(list(m.output_trained_log_loss["acc_perc"]))
    assert r["confusion"] == m.output_trained_log_loss["conf_mat"].tolist()
    assert r["roc_auc_macro"] == pytest.approx(m.output_trained_log_loss["roc_auc"]["macro"])
    assert r["baselines"]["nearest_neighbour"] == pytest.approx(m.knn_acc)
    assert r["baselines"]["svm"] == pytest.approx(m.svm_acc)


@needs_mnist
def test_run_reads_the_official_test_split():
    """test=N: the trained moth reads N unseen digits of the test split; the run's own
    numbers are those of a run without them."""
    plain = moth.run(train_per_class=2, seed=11)
    r = moth.run(train_per_class=2, seed=11, test=120)
    assert "test" not in plain
    assert r["accuracy"] == plain["accuracy"] and r["confusion"] == plain["confusion"]
    t = r["test"]
    assert t["digits"] == 120
    confusion = np.array(t["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 120
    assert t["accuracy"] == pytest.approx(100 * np.trace(confusion) / 120)
    assert t["accuracy"] > 15  # chance is 10 %
    assert len(t["per_class_accuracy"]) == 10 and 0.5 < t["roc_auc_macro"] <= 1
    for bad in (0, -3, "most", 10001, True):
        with pytest.raises(kenyon.ParameterError) as info:
            moth.run(train_per_class=2, test=bad)
        assert info.value.field == "test"
    # A sweep's rows: the mean of its runs' test accuracies.
    d = moth.sweep(train_per_class=[2], seeds=1, first_seed=11, test=120)
    assert d["rows"][0]["test_accuracy_mean"] == pytest.approx(t["accuracy"])
    assert "test_accuracy_mean" not in moth.sweep(train_per_class=[2], seeds=1)["rows"][0]
    # Cyborg baselines on the test digits, in runs and sweeps; they need test digits.
    c = moth.run(train_per_class=2, seed=11, test=120, cyborg=True)["test"]["baselines"]
    assert set(c) == {"nearest_neighbour", "svm", "logistic", "cyborg_nearest_neighbour",
                      "cyborg_svm", "cyborg_logistic"}
    row = moth.sweep(train_per_class=[2], seeds=1, first_seed=11, test=120, cyborg=True)["rows"][0]
    assert row["cyborg_svm_mean"] == pytest.approx(c["cyborg_svm"])
    with pytest.raises(kenyon.ParameterError) as info:
        moth.run(cyborg=True)
    assert info.value.field == "cyborg"


@needs_mnist
def test_mothnet_figures_saved(mothnet_run):
    folder = mothnet_run[-1]
    names = ["thumbnails.png", "results_en0.png", "results_en9.png",
             "results_en_timecourses2.png", "results_en_timecourses9.png",
             "results_ROC_MothNet.png", "results_ROC_SVM.png",
             "results_ROC_Nearest neighbor (k[# of neighbors]=1).png", "results_ROC_multi.png"]
    for name in names:
        assert (folder / name).stat().st_size > 1000, name


@needs_mnist
def test_sde_evo_mnist_low_level_matches_sde_wrap(mothnet_run):
    m, fa, _, sim, *_ = mothnet_run
    mp, ep = m.model_params, m.experiment_params
    proto = ep.to_protocol()
    from kenyon.moth.sde import _class_mag_mat, _initial_condition

    run = moth.sde_evo_mnist((ep.sim_start, ep.sim_stop), _initial_condition(mp), proto.times,
                             _class_mag_mat(proto, ep), fa, sim["octo_hits"], mp, ep, mp.seed)
    np.testing.assert_array_equal(run["E"], sim["E"])
    # A stimulus kenyon would not simulate is refused, not ignored.
    bad = _class_mag_mat(proto, ep)
    bad[0, 100:110] = 20
    with pytest.raises(kenyon.ParameterError) as info:
        moth.sde_evo_mnist((ep.sim_start, ep.sim_stop), _initial_condition(mp), proto.times, bad,
                           fa, sim["octo_hits"], mp, ep, mp.seed)
    assert info.value.field == "class_mag_mat"


@needs_mnist
def test_edited_weights_are_simulated(mothnet_run):
    """sde_wrap simulates the matrices as they are: silencing the readout silences E."""
    m, fa, *_ = mothnet_run
    mp = moth.ModelParams(85, 15, seed=2).create_connection_matrix()
    mp.K2E = np.zeros_like(mp.K2E)
    sim = moth.sde_wrap(mp, m.experiment_params, fa)
    assert np.all(sim["E"] == 0)


# -- classifiers on synthetic responses ---------------------------------------------------------


def synthetic_results(noise, seed=0):
    rng = np.random.default_rng(seeded(seed))
    classes = np.repeat(np.arange(10), 15)
    resp = 1 + 5 * np.eye(10)[classes] + noise * rng.standard_normal((150, 10))
    mu = np.stack([resp[classes == c].mean(axis=0) for c in range(10)], axis=1)
    sd = np.stack([resp[classes == c].std(axis=0) for c in range(10)], axis=1)
    return [{"post_train_resp": resp[:, en], "odor_class": classes, "post_mean_resp": mu[en],
             "post_std_resp": sd[en]} for en in range(10)]


def test_classifiers_on_separable_responses():
    out = moth.classify_digits_log_likelihood(synthetic_results(0.1))
    assert out["total_acc"] == 100 and np.all(out["acc_perc"] == 100)
    np.testing.assert_array_equal(out["conf_mat"], 15 * np.eye(10))
    assert out["roc_auc"]["macro"] == pytest.approx(1)
    thr = moth.classify_digits_thresholding(synthetic_results(0.1), 1e9, -1, 10)
    assert thr["total_acc"] == 100 and thr["home_advantage"] == 1e9
    # Pure noise: about chance.
    noisy = moth.classify_digits_log_likelihood(synthetic_results(100.0))
    assert noisy["total_acc"] < 40


def test_roc_multi_against_a_hand_computed_curve():
    truth = np.array([0, 0, 1, 1])
    scores = np.array([[0.9, 0.1], [0.4, 0.6], [0.35, 0.65], [0.2, 0.8]])
    roc = moth.roc_multi(truth, scores)
    np.testing.assert_array_equal(roc["targets"], np.eye(2)[truth])
    # Class 0 scores 0.9 (pos), 0.4 (pos), 0.35 (neg), 0.2 (neg): perfect ranking.
    assert roc["roc_auc"][0] == pytest.approx(1.0)
    assert roc["roc_auc"][1] == pytest.approx(1.0)
    scores[1] = [0.1, 0.9]  # now one positive of class 0 ranks below both negatives
    assert moth.roc_multi(truth, scores)["roc_auc"][0] == pytest.approx(0.5)


# -- figures ------------------------------------------------------------------------------------


def _has_data(fig):
    for ax in fig.axes:
        if ax.lines or ax.images or ax.collections or ax.patches:
            return True
    return False


def _saved(fig, path):
    fig.savefig(path)
    plt.close(fig)
    return path.stat().st_size


def test_every_figure_draws(tmp_path):
    rng = np.random.default_rng(seeded(1))
    thumbs = rng.random((144, 4, 10))
    fig = moth.show_FA_thumbs(thumbs, 3, 1, "thumbs", SCREEN, str(tmp_path / "thumbs"))
    assert (tmp_path / "thumbs.png").stat().st_size > 0 and _has_data(fig)
    assert len(fig.axes) == 30
    assert _saved(fig, tmp_path / "t2.png") > 0

    pre, post = np.arange(10), np.arange(10)
    fig = moth.show_acc(pre, post, 3, rng.random(10), rng.random(10), rng.random(10) / 5,
                        post + 0.25, rng.random(10) + 1, rng.random(10) + 1, rng.random(10) / 5,
                        np.arange(10), 0.1, 0.05, 0.2, 0.05, 100 * rng.random(10), SCREEN)
    assert _has_data(fig) and _saved(fig, tmp_path / "acc.png") > 0

    T = np.arange(-30, 100, 0.02)
    E = np.abs(rng.standard_normal((T.size, 10)))
    sim = {"T": T, "E": E, "octo_hits": (T > 50) & (T < 51), "nE": 10}
    results = [{"pre_mean_resp": np.ones(10), "post_mean_resp": 2 * np.ones(10)}] * 10
    ep = moth.ExpParams(np.arange(10), np.arange(10), 1)
    fig, ax = plt.subplots()
    out = moth.show_timecourse(ax, 2, sim, T[(T > 50) & (T < 51)], np.arange(10), results, ep,
                               np.array([35.0, 40.0]), np.array([1, 2]))
    assert out is ax and _has_data(fig) and _saved(fig, tmp_path / "tc.png") > 0

    roc = moth.classify_digits_log_likelihood(synthetic_results(1.0))
    fig, ax = plt.subplots()
    moth.plot_roc_multi(ax, roc["fpr"], roc["tpr"], roc["roc_auc"], np.arange(10), "MothNet")
    assert len(ax.lines) == 13 and _saved(fig, tmp_path / "roc.png") > 0

    fig = moth.show_roc_curves(roc["tpr"], roc["fpr"], roc["roc_auc"], np.arange(10), "Moth",
                               str(tmp_path / "r"))
    assert (tmp_path / "r_ROC_Moth.png").stat().st_size > 0 and _has_data(fig)
    plt.close(fig)

    fig = moth.show_multi_roc([roc, roc, roc], ["MothNet", "SVM", "KNN"], np.arange(10),
                              images_filename=str(tmp_path / "multi"))
    assert (tmp_path / "multi.png").stat().st_size > 0
    assert len(fig.axes) == 3 and all(ax.lines for ax in fig.axes)
    plt.close(fig)


# -- bad input ------------------------------------------------------------------------------------


def test_bad_model_and_experiment_parameters():
    with pytest.raises(kenyon.ParameterError) as info:
        moth.ModelParams(0, 15)
    assert info.value.field == "nF"
    with pytest.raises(TypeError):
        moth.ModelParams(85.5, 15)
    with pytest.raises(ValueError) as info:
        moth.ModelParams(85, 15, compat="matlab")
    assert info.value.field == "compat"
    mp = moth.ModelParams(85, 15)
    mp.sparsityTarget = float("nan")
    with pytest.raises(kenyon.ParameterError) as info:
        mp.create_connection_matrix()
    assert info.value.field == "sparsity"
    mp = moth.ModelParams(85, 15)
    mp.tau_P = 3
    with pytest.raises(kenyon.ParameterError):
        mp.create_connection_matrix()
    mp = moth.ModelParams(85, 15)
    mp.nK = 1000  # not a multiple of nG: kenyon sizes the mushroom body by nK_nG_ratio
    with pytest.raises(kenyon.ParameterError) as info:
        mp.create_connection_matrix()
    assert info.value.field == "nK"
    # Attributes kenyon derives or does not model are refused, not silently ignored...
    for name, value in (("R2P_std", 0.5), ("nPI", 3), ("octo2E_mu", 0.1), ("L2R_std", 1.0)):
        mp = moth.ModelParams(85, 15)
        setattr(mp, name, value)
        with pytest.raises(kenyon.ParameterError) as info:
            mp.create_connection_matrix()
        assert info.value.field == name and name in str(info.value)
    # ...while editing what they derive from keeps them consistent.
    mp = moth.ModelParams(85, 15)
    mp.std_factor = 0.2
    mp.R2P_std = mp.std_factor * mp.R2P_mult
    mp.R2L_std = mp.std_factor * mp.R2L_mult
    mp.L2P_std = mp.std_factor * mp.L2P_mult
    mp.L2L_std = mp.std_factor * mp.L2L_mult
    assert mp.to_core().std_factor == 0.2
    with pytest.raises(kenyon.ParameterError):
        moth.ModelParams(85, 15).to_network()  # no matrices drawn yet
    with pytest.raises(kenyon.ParameterError):
        moth.ExpParams(np.arange(10), np.arange(1, 11), 15)
    with pytest.raises(kenyon.ParameterError):
        moth.ExpParams(np.array([0, 12]), np.arange(10), 15)
    with pytest.raises(kenyon.ParameterError):
        moth.MothNet({"num_neighbors": 3})
    with pytest.raises(kenyon.ParameterError):
        moth.MothNet({"tr_per_clas": 3})  # a misspelt setting is not silently ignored


def test_bad_arrays_for_the_simulation():
    mp = moth.ModelParams(85, 15).create_connection_matrix()
    ep = moth.ExpParams(np.arange(10), np.arange(10), 1)
    good = np.zeros((85, 20, 10), dtype=np.float32)
    with pytest.raises(TypeError):
        moth.sde_wrap(mp, ep, good.tolist())  # pymoth needs an array here
    with pytest.raises(TypeError):
        moth.sde_wrap(mp, ep, good.astype(str))
    with pytest.raises(kenyon.ParameterError):
        moth.sde_wrap(mp, ep, good[0])
    nan = good.copy()
    nan[3, 4, 5] = np.nan
    with pytest.raises(kenyon.ParameterError) as info:
        moth.sde_wrap(mp, ep, nan)
    assert info.value.field == "feature_array"
    with pytest.raises(kenyon.ParameterError) as info:
        moth.sde_wrap(mp, ep, np.zeros((80, 20, 10)))  # 80 features for an 85-glomerulus moth
    assert info.value.field == "features"
    with pytest.raises(kenyon.ParameterError) as info:
        moth.sde_wrap(mp, ep, np.zeros((85, 1, 10)))  # digits the time line needs are missing
    assert info.value.field == "protocol"
    broken = moth.ModelParams(85, 15).create_connection_matrix()
    broken.P2K = broken.P2K.copy()
    broken.P2K[0, 0] = np.inf
    with pytest.raises(kenyon.ParameterError) as info:
        moth.sde_wrap(broken, ep, good)
    assert info.value.field == "P2K"
    broken = moth.ModelParams(85, 15).create_connection_matrix()
    broken.F2R = np.ones((85, 85))
    with pytest.raises(kenyon.ParameterError) as info:
        moth.sde_wrap(broken, ep, good)
    assert info.value.field == "F2R"
    broken = moth.ModelParams(85, 15).create_connection_matrix()
    broken.K2E = broken.K2E[:, :100]
    with pytest.raises(kenyon.ParameterError) as info:
        moth.sde_wrap(broken, ep, good)
    assert info.value.field == "K2E"
    with pytest.raises(TypeError):
        moth.sde_wrap("params", ep, good)


def test_bad_input_to_the_pipeline_and_classifiers():
    with pytest.raises(TypeError):
        moth.crop_downsample_vectorize_images([[1.0]], 2, 2, 1)
    with pytest.raises(kenyon.ParameterError):
        moth.crop_downsample_vectorize_images(np.full((2, 28, 28), np.nan), 2, 2, 1)
    with pytest.raises(kenyon.ParameterError):
        moth.crop_downsample_vectorize_images(np.ones((2, 28, 28)), 2, 2, 7)
    with pytest.raises(kenyon.ParameterError):
        moth.crop_downsample_vectorize_images(np.ones((2, 28, 28)), 2, 5, 1)  # 24 % 5 != 0
    with pytest.raises(kenyon.ParameterError) as info:
        moth.select_active_pixels(np.ones((144, 5, 10)), 200, SCREEN)
    assert info.value.field == "num_features"
    with pytest.raises(kenyon.ParameterError):
        moth.extract_mnist_feature_array({"train_images": np.zeros((3, 28, 28)),
                                          "train_labels": np.zeros(3)}, range(10), range(5),
                                         "validation")
    with pytest.raises(kenyon.ParameterError):
        moth.generate_ds_mnist(999, np.arange(10), 2, 2, 1, range(500, 1000), 6,
                               range(550, 1000), 85, SCREEN, "", 0)
    with pytest.raises(kenyon.ParameterError):
        moth.generate_ds_mnist(999, np.arange(10), 2, 2, 3, range(550, 1000), 6,
                               range(550, 1000), 85, SCREEN, "", 0)
    results = synthetic_results(0.5)
    results[2]["post_train_resp"] = results[2]["post_train_resp"].copy()
    results[2]["post_train_resp"][7] = np.nan
    with pytest.raises(ValueError):
        moth.classify_digits_log_likelihood(results)
    with pytest.raises(TypeError):
        moth.classify_digits_log_likelihood({"not": "a list"})
    with pytest.raises(TypeError):
        moth.roc_multi([0, 1], np.eye(2))
    with pytest.raises(kenyon.ParameterError):
        moth.roc_multi(np.array([0, 1, 1]), np.eye(2))
    with pytest.raises(kenyon.ParameterError):
        moth.classify_digits_thresholding(synthetic_results(0.5), 0, -1, 10)


def test_bad_input_to_run():
    with pytest.raises(kenyon.ParameterError) as info:
        moth.run(seed=-1)
    assert info.value.field == "seed"
    with pytest.raises(kenyon.ParameterError) as info:
        moth.run(compat="MATLAB")
    assert info.value.field == "compat"
    with pytest.raises(kenyon.ParameterError) as info:
        moth.run(dataset="cifar")
    assert info.value.field == "dataset"
    with pytest.raises(kenyon.ParameterError) as info:
        moth.run(train_per_class=0)
    assert info.value.field == "train-per-class"  # the library names it as the CLI option
    with pytest.raises(TypeError):
        moth.run(train_per_class="3")
    with pytest.raises(kenyon.FileError) as info:
        moth.run(data_dir="/nonexistent/mnist")
    assert isinstance(info.value, OSError)
    with pytest.raises(kenyon.ParameterError):
        moth.sweep(seeds=0)


@needs_mnist
@pytest.mark.parametrize("path", ["run", "sde_wrap"])
def test_long_calls_release_the_gil(path, features):
    """While a moth is simulated in another thread, Python keeps running here: the longest
    pause between two iterations of a pure-Python loop stays far below the call's length
    (holding the GIL would stall this loop for the whole simulation)."""
    import threading
    import time

    if path == "run":
        work = lambda: moth.run(train_per_class=5, seed=1)  # noqa: E731
    else:
        mp = moth.ModelParams(85, 15, seed=1).create_connection_matrix()
        ep = moth.ExpParams(np.repeat(np.arange(10), 5), np.arange(10), 15)
        work = lambda: moth.sde_wrap(mp, ep, features[0])  # noqa: E731
    done = threading.Event()
    thread = threading.Thread(target=lambda: (work(), done.set()))
    start = time.perf_counter()
    thread.start()
    last, longest = start, 0.0
    while not done.is_set():
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    thread.join()
    duration = time.perf_counter() - start
    assert duration > 0.3
    assert longest < 0.5 * duration, (longest, duration)


@needs_mnist
@pytest.mark.parametrize("compat", ["fixed", "pymoth"])
def test_mothnet_with_sniffs_reproduces_run(compat):
    """Two sniffs per training digit, in both modes: pymoth's draws with replacement, its
    lateral inhibition, its reset at 33 s and its baselines' split (whose test set holds
    training copies when sniffs > 1) all match the library's compat="pymoth" run."""
    m = moth.MothNet({"tr_per_class": 1, "num_sniffs": 2, "seed": 21, "compat": compat,
                      "n_thumbnails": 0, "show_acc_plots": False, "show_time_plots": False,
                      "show_roc_plots": False, "verbose": False})
    fa = m.load_mnist()
    train_X, test_X, train_y, test_y = m.train_test_split(fa)
    m.load_moth()
    m.load_exp()
    sim = m.simulate(fa)
    stats = m.collect_stats(sim, m.experiment_params, m._class_labels, False, False)
    m.score_moth_on_MNIST(stats)
    m.score_knn(train_X, train_y, test_X, test_y)
    m.score_svm(train_X, train_y, test_X, test_y)
    r = moth.run(train_per_class=1, sniffs=2, seed=21, compat=compat)
    assert r["accuracy"] == pytest.approx(m.output_trained_log_loss["total_acc"], abs=1e-9)
    assert r["accuracy_naive"] == pytest.approx(m.output_naive_log_loss["total_acc"], abs=1e-9)
    assert r["baselines"]["nearest_neighbour"] == pytest.approx(m.knn_acc)
    assert r["baselines"]["svm"] == pytest.approx(m.svm_acc)
    assert len(m._tr_classes) == 20
    # The training presentations repeat: sniff 2 shows sniff 1's digits in the same order.
    np.testing.assert_array_equal(m._tr_classes[:10], m._tr_classes[10:])
    if compat == "pymoth":  # pymoth's split: test columns start right after one sniff
        np.testing.assert_array_equal(test_X[:15], fa[:, 16:31, 0].T)
    else:
        np.testing.assert_array_equal(test_X[:15], fa[:, 17:32, 0].T)


@needs_mnist
def test_simulation_reads_the_features_in_place(features):
    """sde_wrap hands kenyon's float32 feature buffer to the simulation without a copy: the
    Python-side allocations stay far below the features' size, while a float64 array
    (which must be converted) allocates at least one float32 copy."""
    import tracemalloc

    fa = features[0]
    mp = moth.ModelParams(85, 15, seed=1).create_connection_matrix()
    ep = moth.ExpParams(np.arange(10), np.arange(10), 15)
    moth.sde_wrap(mp, ep, fa)  # warm-up: first-call allocations are not the point
    tracemalloc.start()
    try:
        in_place = moth.sde_wrap(mp, ep, fa)
        peak_in_place = tracemalloc.get_traced_memory()[1]
        as_double = fa.astype(np.float64)
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        converted = moth.sde_wrap(mp, ep, as_double)
        peak_converted = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    nbytes = fa.nbytes  # 3.4 MB
    assert peak_in_place < nbytes / 2, (peak_in_place, nbytes)
    assert peak_converted >= nbytes, (peak_converted, nbytes)
    np.testing.assert_array_equal(in_place["E"], converted["E"])
