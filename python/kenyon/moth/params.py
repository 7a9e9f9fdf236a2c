"""pymoth's ``ModelParams`` and ``ExpParams``, backed by kenyon's ``moth::model_params``,
``moth::make_network`` and ``moth::make_protocol``.

The attributes carry pymoth's names and values, so code that reads or edits them keeps
working; kenyon's C++ model is built from them when a moth is drawn or simulated. Two
choices differ from pymoth by default and are restored by ``compat="pymoth"``: the lateral
inhibition multipliers (pymoth computes ``6 / nG * L2Gfr`` for MATLAB's ``6 / (nG * L2Gfr)``)
and, in ``sde_wrap``, the one-step reset of the network at t = 33 s. The inhibitory
projection neurons (PI) are left out (``nPI = 0``): all their weights are zero for MNIST,
and their row normalisation is what gives pymoth its NaN moths.
"""
import numpy as np

from .. import _core
from .._check import error, integer, positive

__all__ = ["ModelParams", "ExpParams"]

_COMPAT = ("fixed", "pymoth")


def _check_compat(compat):
    if compat not in _COMPAT:
        raise error("compat", f"expected 'fixed' or 'pymoth', got {compat!r}")
    return compat


class ModelParams:
    """A moth's parameters under pymoth's names; ``create_connection_matrix`` draws one.

    ``ModelParams(nF, goal)`` as pymoth, plus kenyon's ``compat`` ("fixed" or "pymoth") and
    ``seed`` (every random draw of the moth derives from it; pymoth used numpy's global
    generator instead).
    """

    def __init__(self, nF, goal=15, compat="fixed", seed=0):
        self.nF = integer(nF, "nF", 1)
        self.goal = positive(goal, "goal")
        self.compat = _check_compat(compat)
        self.seed = integer(seed, "seed", 0)
        core = _core.moth.ModelParams()
        self.nG = self.nF
        self.nP = self.nG
        self.nR = self.nG
        self.nK_nG_ratio = core.kenyon_per_glomerulus
        self.nK = self.nK_nG_ratio * self.nG
        self.nPI = 0  # kenyon leaves out the inert PI population (see the module notes)
        self.nE = core.num_readouts
        self.heb_tau_KE = core.heb_tau_ke * goal
        self.die_back_tau_KE = core.die_back_tau_ke * goal
        self.heb_tau_PK = core.heb_tau_pk * goal
        self.die_back_tau_PK = 0
        self.tau = core.tau
        self.tau_R = self.tau_P = self.tau_L = self.tau_K = self.tau_E = self.tau
        self.C = core.sigmoid_range
        self.cR = self.cP = self.cL = self.cK = self.C
        self.desired_slope = core.sigmoid_slope
        self.slope_param = self.desired_slope * 4 / self.C
        self.std_factor = core.std_factor
        self.F2R_mu = core.f2r_total / self.nG
        self.F2R_std = 0
        self.R2G_mu = core.r2g_mu
        self.R2G_std = 0
        self.R2P_mult = core.r2p_mult
        self.R2P_std = self.std_factor * self.R2P_mult
        self.R2L_mult = core.r2l_mult
        self.R2L_std = self.std_factor * self.R2L_mult
        self.spontRdistFlag = 2
        self.spontR_mu = core.spont_r_mu
        self.spontR_std = core.spont_r_std
        self.spontRbase = 0
        self.L2Gfr = core.l2g_fraction
        self.L2G_mu = core.l2g_mu
        self.L2G_std = core.l2g_std
        self.Gsens_mu = core.gaba_sens_mu
        self.Gsens_std = core.gaba_sens_std
        self.L2R_mult = self._lateral_mult(core.l2r_numerator)
        self.L2R_std = 0.1 * self.L2R_mult
        self.L2P_mult = self._lateral_mult(core.l2p_numerator)
        self.L2P_std = self.std_factor * self.L2P_mult
        self.L2L_mult = self.L2P_mult
        self.L2L_std = self.std_factor * self.L2L_mult
        self.sparsityTarget = core.sparsity
        self.octoSparsityTarget = core.octo_sparsity
        self.kGlobalDampFactor = 1
        self.kGlobalDamp_std = 0
        self.numPperK = core.p_per_k
        self.KperPfr_mu = self.numPperK / float(self.nG)
        self.pMeanEstimate = self.R2G_mu * self.R2P_mult * (self.spontRbase + self.spontR_mu)
        self.P2K_mu = core.p2k_mu
        self.P2K_std = core.p2k_std
        self.hebMaxPK = core.p2k_max
        self.KperEfr_mu = 1
        self.K2E_mu = core.k2e_mu
        self.K2E_std = 0
        self.hebMaxKE = core.k2e_max
        self.octoNegDiscount = core.octo_neg_discount
        self.octo2G_mu = core.octo2g
        self.octo2R_mult = core.octo2r_mult
        self.octo2P_mult = core.octo2p_mult
        self.octo2L_mult = core.octo2l_mult
        self.octo2K_mu = 0
        self.octo2E_mu = 0
        self.noise = core.noise
        self.noise_stdFactor = core.noise_std
        self.noiseK = self.noiseE = 0
        self.saveAllNeuralTimecourses = None

    def _derived(self):
        """Attributes kenyon derives from others or does not model, at the values it uses:
        editing one of them alone would be silently ignored, so to_core refuses it."""
        return {
            "R2P_std": self.std_factor * self.R2P_mult,
            "R2L_std": self.std_factor * self.R2L_mult,
            "L2P_std": self.std_factor * self.L2P_mult,
            "L2L_std": self.std_factor * self.L2L_mult,
            "L2R_std": 0.1 * self.L2R_mult,
            "slope_param": self.desired_slope * 4 / self.C,
            "F2R_std": 0, "R2G_std": 0, "K2E_std": 0, "die_back_tau_PK": 0,
            "kGlobalDampFactor": 1, "kGlobalDamp_std": 0, "octo2K_mu": 0, "octo2E_mu": 0,
            "noiseK": 0, "noiseE": 0, "nPI": 0, "spontRbase": 0, "spontRdistFlag": 2,
            "KperEfr_mu": 1,
        }

    def _lateral_mult(self, numerator):
        # pymoth's operator-precedence slip, kept only in compat="pymoth" (spec section 9).
        if self.compat == "pymoth":
            return numerator / self.nG * self.L2Gfr
        return numerator / (self.nG * self.L2Gfr)

    def _lateral_numerator(self, mult):
        if self.compat == "pymoth":
            return mult * self.nG / self.L2Gfr
        return mult * self.nG * self.L2Gfr

    def to_core(self):
        """kenyon's ``moth::model_params`` from the current attributes (validated)."""
        _check_compat(self.compat)
        for name in ("tau_R", "tau_P", "tau_L", "tau_K", "tau_E"):
            if getattr(self, name) != self.tau:
                raise error(name, "kenyon's moth has one decay rate `tau` for all")
        for name in ("cR", "cP", "cL", "cK"):
            if getattr(self, name) != self.C:
                raise error(name, "kenyon's moth has one sigmoid range `C` for all")
        if not self.nG == self.nP == self.nR == self.nF:
            raise error("nG", "kenyon's moth has nG = nP = nR = nF (one glomerulus "
                                   "per feature)")
        if self.nK != self.nK_nG_ratio * self.nG:
            raise error("nK", "set nK_nG_ratio: nK = nK_nG_ratio * nG")
        if self.L2L_mult != self.L2P_mult:
            raise error("L2L_mult", "kenyon's moth has L2L_mult = L2P_mult")
        for name, value in self._derived().items():
            if not np.isclose(getattr(self, name), value, rtol=1e-12, atol=0):
                raise error(
                    name, f"kenyon's moth uses {name} = {value!r} (derived or not modelled); "
                    "set the parameters it derives from instead")
        p = _core.moth.ModelParams()
        p.kenyon_per_glomerulus = integer(self.nK_nG_ratio, "nK_nG_ratio", 1)
        p.num_readouts = integer(self.nE, "nE", 2)
        p.tau = self.tau
        p.sigmoid_range = self.C
        p.sigmoid_slope = self.desired_slope
        p.std_factor = self.std_factor
        p.f2r_total = self.F2R_mu * self.nG
        p.r2g_mu = self.R2G_mu
        p.r2p_mult = self.R2P_mult
        p.r2l_mult = self.R2L_mult
        p.spont_r_mu = self.spontR_mu
        p.spont_r_std = self.spontR_std
        p.l2g_fraction = self.L2Gfr
        p.l2g_mu = self.L2G_mu
        p.l2g_std = self.L2G_std
        p.gaba_sens_mu = self.Gsens_mu
        p.gaba_sens_std = self.Gsens_std
        p.pymoth_lateral = self.compat == "pymoth"
        p.l2r_numerator = self._lateral_numerator(self.L2R_mult)
        p.l2p_numerator = self._lateral_numerator(self.L2P_mult)
        p.sparsity = self.sparsityTarget
        p.octo_sparsity = self.octoSparsityTarget
        p.p_per_k = integer(self.numPperK, "numPperK", 1)
        p.p2k_mu = self.P2K_mu
        p.p2k_std = self.P2K_std
        p.p2k_max = self.hebMaxPK
        p.k2e_mu = self.K2E_mu
        p.k2e_max = self.hebMaxKE
        p.goal = positive(self.goal, "goal")
        p.heb_tau_ke = self.heb_tau_KE / self.goal
        p.die_back_tau_ke = self.die_back_tau_KE / self.goal
        p.heb_tau_pk = self.heb_tau_PK / self.goal
        p.octo_neg_discount = self.octoNegDiscount
        p.octo2g = self.octo2G_mu
        p.octo2r_mult = self.octo2R_mult
        p.octo2l_mult = self.octo2L_mult
        p.octo2p_mult = self.octo2P_mult
        p.noise = self.noise
        p.noise_std = self.noise_stdFactor
        p.validate()
        return p

    def create_connection_matrix(self):
        """Draws the moth (kenyon's ``make_network``) from ``seed`` and sets pymoth's
        matrices as attributes: F2R, Rspont, R2P, R2L, L2R, L2P, L2L, P2K, K2E, the
        octopamine gains and the noise multipliers (row = target, as pymoth)."""
        net = _core.moth.make_network(self.to_core(), self.nF, self.seed)
        col = lambda v: v.reshape(-1, 1)  # noqa: E731 (pymoth keeps vectors as columns)
        self.F2R = net.F2R
        self.Rspont = col(net.Rspont)
        self.R2G = np.full((self.nG, 1), float(self.R2G_mu))
        self.R2P = col(net.R2P)
        self.R2L = col(net.R2L)
        self.L2R = net.L2R
        self.L2P = net.L2P
        self.L2L = net.L2L
        self.P2K = net.P2K
        self.K2E = net.K2E
        self.octo2R = col(net.octo2R)
        self.octo2P = col(net.octo2P)
        self.octo2L = col(net.octo2L)
        self.octo2K = np.zeros((self.nK, 1))
        self.octo2E = np.zeros((self.nE, 1))
        self.noiseRvec = col(net.noiseRvec)
        self.noisePvec = col(net.noisePvec)
        self.noiseLvec = col(net.noiseLvec)
        self.noiseKvec = np.zeros((self.nK, 1))
        self.noiseEvec = np.zeros((self.nE, 1))
        self.kGlobalDampVec = np.ones((self.nK, 1))
        return self

    def to_network(self):
        """kenyon's moth from the (possibly edited) matrices; needs create_connection_matrix."""
        if not hasattr(self, "P2K"):
            raise error(
                "model_params", "no connection matrices: call create_connection_matrix() first"
            )
        flat = lambda name: np.ravel(getattr(self, name))  # noqa: E731
        return _core.moth.Network(
            F2R=self.F2R, Rspont=flat("Rspont"), R2P=flat("R2P"), R2L=flat("R2L"),
            L2R=self.L2R, L2P=self.L2P, L2L=self.L2L, P2K=self.P2K, K2E=self.K2E,
            octo2R=flat("octo2R"), octo2P=flat("octo2P"), octo2L=flat("octo2L"),
            noiseRvec=flat("noiseRvec"), noisePvec=flat("noisePvec"),
            noiseLvec=flat("noiseLvec"))


class ExpParams:
    """The time line of one experiment, as pymoth's ``ExpParams(train_classes,
    class_labels, val_per_class)``: baseline digits, training digits with octopamine and
    Hebbian windows, validation digits. kenyon's ``make_protocol`` builds the same time
    line from these attributes when ``sde_wrap`` runs (and checks that it agrees)."""

    def __init__(self, train_classes, class_labels, val_per_class):
        train_classes = np.asarray(train_classes)
        class_labels = np.asarray(class_labels)
        if train_classes.ndim != 1 or train_classes.size == 0:
            raise error("train_classes", "expected a non-empty 1-d array of classes")
        if class_labels.ndim != 1 or class_labels.size < 2:
            raise error("class_labels", "expected a 1-d array of at least 2 labels")
        if not np.array_equal(class_labels, np.arange(class_labels.size)):
            raise error("class_labels", "expected the labels 0, 1, ..., n - 1")
        if not np.issubdtype(train_classes.dtype, np.number) or np.any(
            (train_classes < 0) | (train_classes >= class_labels.size)
            | (train_classes != np.round(train_classes))
        ):
            raise error("train_classes", "expected class labels 0..n - 1")
        val_per_class = integer(val_per_class, "val_per_class", 1)
        proto = _core.moth.ProtocolParams()
        self.val_per_class = val_per_class
        self.stimMag = proto.stimulus_magnitude
        self.stimLength = proto.stimulus_duration
        self.class_labels = class_labels
        self.nC = len(class_labels)
        self.step = proto.digit_spacing
        self.trStep = proto.train_spacing
        self.sim_start = proto.t_start
        self.firstStart = proto.first_onset
        self.gap = proto.class_gap
        self.afterBaseline = proto.after_baseline
        self.afterTrain = proto.after_train
        self.afterVal = proto.after_validation

        def block(start):
            times = []
            for _ in range(self.nC):
                times.extend(start + self.step * np.arange(val_per_class))
                start = times[-1] + self.gap
            return np.array(times, dtype=float)

        self.baselineTimes = block(self.firstStart)
        self.endOfBaseline = self.baselineTimes.max() + self.afterBaseline
        self.trainTimes = self.endOfBaseline + self.trStep * np.arange(len(train_classes))
        self.endOfTrain = self.trainTimes.max() + self.afterTrain
        self.valTimes = block(self.endOfTrain)
        self.endOfVal = self.valTimes.max() + 4
        self.stimStarts = np.hstack((self.baselineTimes, self.trainTimes, self.valTimes))
        self.numBaseline = val_per_class * self.nC
        self.numTrain = len(train_classes)
        per_class = np.repeat(class_labels, val_per_class)
        self.whichClass = np.hstack((per_class, train_classes, per_class)).astype(float)
        self.durations = self.stimLength * np.ones(len(self.stimStarts))
        self.classMags = self.stimMag * np.ones(len(self.stimStarts))
        self.octoMag = 1
        self.octoStart = self.trainTimes
        self.durationOcto = proto.octo_duration
        self.hebStarts = [t + proto.hebbian_begin * self.stimLength for t in self.trainTimes]
        self.hebDurations = (proto.hebbian_end - proto.hebbian_begin) * self.stimLength * np.ones(
            len(self.trainTimes))
        self.startTrain = min(self.hebStarts)
        self.endTrain = max(self.hebStarts) + max(self.hebDurations)
        self.startPreNoiseSpontMean1, self.stopPreNoiseSpontMean1 = -25, -15
        self.startSpontMean2, self.stopSpontMean2 = -10, -5
        self.startSpontMean3, self.stopSpontMean3 = 0, 28
        self.preHebPollTime = min(self.trainTimes) - 5
        self.postHebPollTime = max(self.trainTimes) + 5
        self.preHebSpontStart = self.startSpontMean3
        self.preHebSpontStop = self.stopSpontMean3
        self.postHebSpontStart = max(self.trainTimes) + 5
        self.postHebSpontStop = min(self.valTimes) - 3
        self.lpParam = proto.smoothing
        self.sim_start = proto.t_start
        self.sim_stop = max(self.stimStarts) + self.afterVal

    def to_protocol(self, dt=0.02):
        """kenyon's protocol for a feature queue laid out as pymoth's ``load_mnist`` does:
        per class, ``val_per_class`` baseline digits, the training digits in presentation
        order, then the validation digits."""
        p = _core.moth.ProtocolParams()
        p.t_start = float(self.sim_start)
        p.dt = dt
        p.first_onset = float(self.firstStart)
        p.digit_spacing = float(self.step)
        p.class_gap = float(self.gap)
        p.after_baseline = float(self.afterBaseline)
        p.train_spacing = float(self.trStep)
        p.after_train = float(self.afterTrain)
        p.after_validation = float(self.afterVal)
        p.stimulus_duration = float(self.stimLength)
        p.stimulus_magnitude = float(self.stimMag)
        p.smoothing = float(self.lpParam)
        p.octo_duration = float(self.durationOcto)
        v = self.val_per_class
        train = self.whichClass[self.numBaseline:self.numBaseline + self.numTrain].astype(int)
        counter = np.zeros(self.nC, dtype=int)
        training = []
        for c in train:
            training.append((int(c), int(v + counter[c])))
            counter[c] += 1
        baseline = [list(range(v)) for _ in range(self.nC)]
        validation = [list(range(v + counter[c], 2 * v + counter[c])) for c in range(self.nC)]
        proto = _core.moth.make_protocol(baseline, training, validation, p)
        onsets = np.asarray(proto.onsets)
        if onsets.shape != self.stimStarts.shape or not np.allclose(onsets, self.stimStarts):
            raise error(
                "exp_params", "stimStarts were edited away from the protocol's time line; "
                "kenyon builds the time line from step, trStep, gap and stimLength")
        return proto
