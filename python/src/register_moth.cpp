// moth/: MothNet's parameters, moths, protocols, the SDE simulation, classifiers and whole
// experiments, for kenyon.moth (pymoth's API) and kenyon.moth.run / sweep (the CLI's).
#include <pybind11/eigen.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <string>

#include "bindings.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/data/dataset.hpp"
#include "kenyon/data/preprocess.hpp"
#include "kenyon/moth/classify.hpp"
#include "kenyon/moth/experiment.hpp"
#include "kenyon/moth/network.hpp"
#include "kenyon/moth/params.hpp"
#include "kenyon/moth/protocol.hpp"
#include "kenyon/moth/simulate.hpp"

namespace kenyon::python {

namespace {

using namespace kenyon::moth;

// The feature set the CLI's `kenyon moth run|sweep` uses: only the images make_features
// reads, with the default pipeline. Called without the GIL.
std::optional<std::filesystem::path> data_folder(const std::optional<std::string>& dir) {
  if (!dir || dir->empty()) return std::nullopt;
  return *dir;
}

data::feature_set cli_features(const std::string& dataset, const std::optional<std::string>& dir) {
  return data::load_features(data::parse_dataset_name(dataset), data_folder(dir));
}

// The test digits of kenyon.moth.run/sweep(test=...): -1 none, 0 all, N the first N.
std::optional<data::labelled_features> test_split(const std::string& dataset,
                                                  const std::optional<std::string>& dir,
                                                  const data::feature_set& features,
                                                  std::int64_t test) {
  if (test < 0) return std::nullopt;
  return data::load_test_features(data::parse_dataset_name(dataset), data_folder(dir), features,
                                  static_cast<std::size_t>(test));
}

// A float64 array of exactly `shape`, all finite; `field` names it in the error.
std::span<const double> checked(const carray<double>& a, std::vector<std::int64_t> shape,
                                const char* field) {
  if (shape_of(a) != shape) {
    std::string want, got;
    for (auto s : shape) want += (want.empty() ? "" : ", ") + std::to_string(s);
    for (auto s : shape_of(a)) got += (got.empty() ? "" : ", ") + std::to_string(s);
    throw parameter_error(field, "expected shape (" + want + "), got (" + got + ")");
  }
  const auto values = span_of(a);
  for (double v : values)
    if (!std::isfinite(v)) throw parameter_error(field, "expected finite values");
  return values;
}

std::vector<float> to_floats(std::span<const double> v) { return {v.begin(), v.end()}; }

py::array_t<double> vector_array(const std::vector<float>& v) {
  return to_numpy(std::vector<double>(v.begin(), v.end()), {static_cast<std::int64_t>(v.size())});
}

// Dense views of a moth, in pymoth's orientation (row = target).
py::array_t<double> dense_f2r(const network& n) {
  const int g = n.num_glomeruli;
  std::vector<double> w(static_cast<std::size_t>(g) * g, 0.0);
  for (int j = 0; j < g; ++j) w[static_cast<std::size_t>(n.feature_to_r[j]) * g + j] = n.f2r_gain;
  return to_numpy(std::move(w), {g, g});
}

py::array_t<double> dense_lateral(const network& n, network::lateral_block block) {
  const int g = n.num_glomeruli;
  const auto begin = n.lateral.begin() + static_cast<std::ptrdiff_t>(block) * g * g;
  return to_numpy(std::vector<double>(begin, begin + static_cast<std::ptrdiff_t>(g) * g), {g, g});
}

py::array_t<double> dense_p2k(const network& n) {
  const auto& w = n.p2k;
  std::vector<double> d(static_cast<std::size_t>(w.rows) * w.cols, 0.0);
  for (int k = 0; k < w.rows; ++k)
    for (auto e = w.row_begin[k]; e < w.row_begin[k + 1]; ++e)
      d[static_cast<std::size_t>(k) * w.cols + w.col[e]] = w.value[e];
  return to_numpy(std::move(d), {w.rows, w.cols});
}

py::array_t<double> dense_k2e(const network& n) {
  const int nk = n.num_kenyon, ne = n.num_readouts;
  std::vector<double> d(static_cast<std::size_t>(ne) * nk);
  for (int k = 0; k < nk; ++k)
    for (int e = 0; e < ne; ++e)
      d[static_cast<std::size_t>(e) * nk + k] = n.k2e[static_cast<std::size_t>(k) * ne + e];
  return to_numpy(std::move(d), {ne, nk});
}

// A moth from dense matrices (pymoth's attributes, possibly edited by the user). The
// feature->receptor matrix must be a permutation with one gain: that is the only wiring
// kenyon's moth (and pymoth's MNIST moth) has.
network network_from_arrays(const carray<double>& f2r, const carray<double>& r_spont,
                            const carray<double>& r2p, const carray<double>& r2l,
                            const carray<double>& l2r, const carray<double>& l2p,
                            const carray<double>& l2l, const carray<double>& p2k,
                            const carray<double>& k2e, const carray<double>& octo2r,
                            const carray<double>& octo2p, const carray<double>& octo2l,
                            const carray<double>& noise_r, const carray<double>& noise_p,
                            const carray<double>& noise_l) {
  if (f2r.ndim() != 2 || f2r.shape(0) != f2r.shape(1) || f2r.shape(0) < 1)
    throw parameter_error("F2R", "expected a square matrix [receptors, features]");
  const int g = static_cast<int>(f2r.shape(0));
  if (p2k.ndim() != 2 || k2e.ndim() != 2)
    throw parameter_error("P2K", "expected 2-d P2K [Kenyon cells, P] and K2E [EN, Kenyon cells]");
  const int nk = static_cast<int>(p2k.shape(0)), ne = static_cast<int>(k2e.shape(0));
  network n;
  n.num_glomeruli = g;
  n.num_kenyon = nk;
  n.num_readouts = ne;
  const auto f = checked(f2r, {g, g}, "F2R");
  n.feature_to_r.assign(g, -1);
  std::vector<bool> used(g, false);
  for (int j = 0; j < g; ++j)
    for (int r = 0; r < g; ++r) {
      const double w = f[static_cast<std::size_t>(r) * g + j];
      if (w == 0) continue;
      if (n.feature_to_r[j] >= 0 || used[r] || (n.f2r_gain != 0 && w != n.f2r_gain) || w < 0)
        throw parameter_error("F2R",
                              "expected a permutation matrix with one positive gain (one "
                              "receptor per feature)");
      n.feature_to_r[j] = r;
      used[r] = true;
      n.f2r_gain = static_cast<float>(w);
    }
  for (int j = 0; j < g; ++j)
    if (n.feature_to_r[j] < 0)
      throw parameter_error("F2R", "feature " + std::to_string(j) + " drives no receptor");
  n.r_spont = to_floats(checked(r_spont, {g}, "Rspont"));
  n.r2p = to_floats(checked(r2p, {g}, "R2P"));
  n.r2l = to_floats(checked(r2l, {g}, "R2L"));
  for (auto* a : {&l2r, &l2p, &l2l}) {
    const char* name = a == &l2r ? "L2R" : a == &l2p ? "L2P" : "L2L";
    const auto v = checked(*a, {g, g}, name);
    n.lateral.insert(n.lateral.end(), v.begin(), v.end());
  }
  const auto pk = checked(p2k, {nk, g}, "P2K");
  n.p2k.rows = nk;
  n.p2k.cols = g;
  n.p2k.row_begin.assign(1, 0);
  for (int k = 0; k < nk; ++k) {
    for (int p = 0; p < g; ++p) {
      const double w = pk[static_cast<std::size_t>(k) * g + p];
      if (w < 0) throw parameter_error("P2K", "expected non-negative weights");
      if (w == 0) continue;  // absent synapses stay absent (spec 5.5)
      n.p2k.col.push_back(static_cast<std::uint16_t>(p));
      n.p2k.value.push_back(static_cast<float>(w));
    }
    n.p2k.row_begin.push_back(static_cast<std::int32_t>(n.p2k.value.size()));
  }
  const auto ke = checked(k2e, {ne, nk}, "K2E");
  n.k2e.resize(static_cast<std::size_t>(nk) * ne);
  for (int e = 0; e < ne; ++e)
    for (int k = 0; k < nk; ++k)
      n.k2e[static_cast<std::size_t>(k) * ne + e] =
          static_cast<float>(ke[static_cast<std::size_t>(e) * nk + k]);
  n.octo2r = to_floats(checked(octo2r, {g}, "octo2R"));
  n.octo2p = to_floats(checked(octo2p, {g}, "octo2P"));
  n.octo2l = to_floats(checked(octo2l, {g}, "octo2L"));
  n.noise_r = to_floats(checked(noise_r, {g}, "noiseRvec"));
  n.noise_p = to_floats(checked(noise_p, {g}, "noisePvec"));
  n.noise_l = to_floats(checked(noise_l, {g}, "noiseLvec"));
  return n;
}

// Features [classes, per_class, features] read in place: the simulation gets a view of the
// numpy buffer, which the caller's array keeps alive for the whole call.
data::feature_view features_of(const carray<float>& values) {
  if (values.ndim() != 3)
    throw parameter_error("feature_array",
                          "expected a 3-d array [features, digits per class, classes]");
  const auto v = span_of(values);
  for (float x : v)
    if (!std::isfinite(x)) throw parameter_error("feature_array", "expected finite values");
  return {static_cast<int>(values.shape(0)), static_cast<int>(values.shape(1)),
          static_cast<int>(values.shape(2)), v.data()};
}

py::dict classification_dict(classification&& c) {
  py::dict d;
  d["truth"] = c.truth;
  d["predicted"] = c.predicted;
  d["scores"] = std::move(c.scores);
  d["accuracy"] = c.accuracy;
  d["per_class_accuracy"] = c.per_class_accuracy;
  d["confusion"] = std::move(c.confusion);
  return d;
}

py::dict curve_dict(const roc_curve& c) {
  py::dict d;
  d["fpr"] = to_numpy(std::vector<double>(c.fpr), {static_cast<std::int64_t>(c.fpr.size())});
  d["tpr"] = to_numpy(std::vector<double>(c.tpr), {static_cast<std::int64_t>(c.tpr.size())});
  d["auc"] = c.auc;
  return d;
}

void check_labels(const std::vector<int>& labels, Eigen::Index rows, const char* field) {
  if (static_cast<Eigen::Index>(labels.size()) != rows)
    throw parameter_error(field, "expected one label per row: " + std::to_string(rows) + " rows, " +
                                     std::to_string(labels.size()) + " labels");
}

}  // namespace

void register_moth(py::module_& m) {
  auto mo = m.def_submodule("moth", "kenyon::moth: MothNet");

  py::class_<model_params>(mo, "ModelParams", doc("moth::model_params"))
      .def(py::init<>())
      .def_readwrite("kenyon_per_glomerulus", &model_params::kenyon_per_glomerulus)
      .def_readwrite("num_readouts", &model_params::num_readouts)
      .def_readwrite("dt", &model_params::dt)
      .def_readwrite("tau", &model_params::tau)
      .def_readwrite("sigmoid_range", &model_params::sigmoid_range)
      .def_readwrite("sigmoid_slope", &model_params::sigmoid_slope)
      .def_readwrite("std_factor", &model_params::std_factor)
      .def_readwrite("f2r_total", &model_params::f2r_total)
      .def_readwrite("r2g_mu", &model_params::r2g_mu)
      .def_readwrite("r2p_mult", &model_params::r2p_mult)
      .def_readwrite("r2l_mult", &model_params::r2l_mult)
      .def_readwrite("spont_r_mu", &model_params::spont_r_mu)
      .def_readwrite("spont_r_std", &model_params::spont_r_std)
      .def_readwrite("l2g_fraction", &model_params::l2g_fraction)
      .def_readwrite("l2g_mu", &model_params::l2g_mu)
      .def_readwrite("l2g_std", &model_params::l2g_std)
      .def_readwrite("gaba_sens_mu", &model_params::gaba_sens_mu)
      .def_readwrite("gaba_sens_std", &model_params::gaba_sens_std)
      .def_readwrite("l2r_numerator", &model_params::l2r_numerator)
      .def_readwrite("l2p_numerator", &model_params::l2p_numerator)
      .def_readwrite("pymoth_lateral", &model_params::pymoth_lateral)
      .def_readwrite("sparsity", &model_params::sparsity)
      .def_readwrite("octo_sparsity", &model_params::octo_sparsity)
      .def_readwrite("p_per_k", &model_params::p_per_k)
      .def_readwrite("p2k_mu", &model_params::p2k_mu)
      .def_readwrite("p2k_std", &model_params::p2k_std)
      .def_readwrite("p2k_max", &model_params::p2k_max)
      .def_readwrite("k2e_mu", &model_params::k2e_mu)
      .def_readwrite("k2e_max", &model_params::k2e_max)
      .def_readwrite("goal", &model_params::goal)
      .def_readwrite("heb_tau_ke", &model_params::heb_tau_ke)
      .def_readwrite("die_back_tau_ke", &model_params::die_back_tau_ke)
      .def_readwrite("heb_tau_pk", &model_params::heb_tau_pk)
      .def_readwrite("octo_neg_discount", &model_params::octo_neg_discount)
      .def_readwrite("octo2g", &model_params::octo2g)
      .def_readwrite("octo2r_mult", &model_params::octo2r_mult)
      .def_readwrite("octo2l_mult", &model_params::octo2l_mult)
      .def_readwrite("octo2p_mult", &model_params::octo2p_mult)
      .def_readwrite("noise", &model_params::noise)
      .def_readwrite("noise_std", &model_params::noise_std)
      .def("validate", &model_params::validate);

  py::class_<experiment_params>(mo, "ExperimentParams", doc("moth::experiment_params"))
      .def(py::init<>())
      .def_readwrite("train_per_class", &experiment_params::train_per_class)
      .def_readwrite("sniffs", &experiment_params::sniffs)
      .def_readwrite("val_per_class", &experiment_params::val_per_class)
      .def_readwrite("seed", &experiment_params::seed)
      .def_property(
          "compat", [](const experiment_params& p) { return to_string(p.compat); },
          [](experiment_params& p, const std::string& s) { p.compat = parse_compat_mode(s); })
      .def("validate", &experiment_params::validate, py::arg("per_class"));

  py::class_<protocol_params>(mo, "ProtocolParams", doc("moth::protocol_params"))
      .def(py::init<>())
      .def_readwrite("t_start", &protocol_params::t_start)
      .def_readwrite("dt", &protocol_params::dt)
      .def_readwrite("first_onset", &protocol_params::first_onset)
      .def_readwrite("digit_spacing", &protocol_params::digit_spacing)
      .def_readwrite("class_gap", &protocol_params::class_gap)
      .def_readwrite("after_baseline", &protocol_params::after_baseline)
      .def_readwrite("train_spacing", &protocol_params::train_spacing)
      .def_readwrite("after_train", &protocol_params::after_train)
      .def_readwrite("after_validation", &protocol_params::after_validation)
      .def_readwrite("stimulus_duration", &protocol_params::stimulus_duration)
      .def_readwrite("stimulus_magnitude", &protocol_params::stimulus_magnitude)
      .def_readwrite("smoothing", &protocol_params::smoothing)
      .def_readwrite("octo_duration", &protocol_params::octo_duration)
      .def_readwrite("hebbian_begin", &protocol_params::hebbian_begin)
      .def_readwrite("hebbian_end", &protocol_params::hebbian_end)
      .def_readwrite("response_half_window", &protocol_params::response_half_window);

  py::class_<network>(mo, "Network", doc("moth::network"))
      .def(py::init(&network_from_arrays), py::arg("F2R"), py::arg("Rspont"), py::arg("R2P"),
           py::arg("R2L"), py::arg("L2R"), py::arg("L2P"), py::arg("L2L"), py::arg("P2K"),
           py::arg("K2E"), py::arg("octo2R"), py::arg("octo2P"), py::arg("octo2L"),
           py::arg("noiseRvec"), py::arg("noisePvec"), py::arg("noiseLvec"),
           "A moth from dense matrices in pymoth's orientation (row = target)")
      .def_readonly("num_glomeruli", &network::num_glomeruli)
      .def_readonly("num_kenyon", &network::num_kenyon)
      .def_readonly("num_readouts", &network::num_readouts)
      .def_property_readonly("F2R", &dense_f2r)
      .def_property_readonly("Rspont", [](const network& n) { return vector_array(n.r_spont); })
      .def_property_readonly("R2P", [](const network& n) { return vector_array(n.r2p); })
      .def_property_readonly("R2L", [](const network& n) { return vector_array(n.r2l); })
      .def_property_readonly("L2R", [](const network& n) { return dense_lateral(n, network::l2r); })
      .def_property_readonly("L2P", [](const network& n) { return dense_lateral(n, network::l2p); })
      .def_property_readonly("L2L", [](const network& n) { return dense_lateral(n, network::l2l); })
      .def_property_readonly("P2K", &dense_p2k)
      .def_property_readonly("K2E", &dense_k2e)
      .def_property_readonly("octo2R", [](const network& n) { return vector_array(n.octo2r); })
      .def_property_readonly("octo2P", [](const network& n) { return vector_array(n.octo2p); })
      .def_property_readonly("octo2L", [](const network& n) { return vector_array(n.octo2l); })
      .def_property_readonly("noiseRvec", [](const network& n) { return vector_array(n.noise_r); })
      .def_property_readonly("noisePvec", [](const network& n) { return vector_array(n.noise_p); })
      .def_property_readonly("noiseLvec", [](const network& n) { return vector_array(n.noise_l); });

  mo.def(
      "make_network",
      [](const model_params& params, int num_glomeruli, std::uint64_t seed) {
        params.validate();
        if (num_glomeruli < 1 || num_glomeruli > 65535)
          throw parameter_error("nF",
                                "expected 1..65535 features, got " + std::to_string(num_glomeruli));
        return make_network(params, num_glomeruli, seed);
      },
      py::arg("params"), py::arg("num_glomeruli"), py::arg("seed") = 0, doc("moth::make_network"));

  py::class_<protocol>(mo, "Protocol", doc("moth::protocol"))
      .def_readonly("steps", &protocol::steps)
      .def_property_readonly("times",
                             [](const protocol& p) {
                               std::vector<double> t(p.steps);
                               for (std::int64_t i = 0; i < p.steps; ++i) t[i] = p.time(i);
                               return to_numpy(std::move(t), {p.steps});
                             })
      .def_property_readonly("onsets",
                             [](const protocol& p) {
                               std::vector<double> v;
                               for (const auto& x : p.presentations) v.push_back(x.onset);
                               return v;
                             })
      .def_property_readonly("classes",
                             [](const protocol& p) {
                               std::vector<int> v;
                               for (const auto& x : p.presentations) v.push_back(x.cls);
                               return v;
                             })
      .def_property_readonly("phases",
                             [](const protocol& p) {
                               std::vector<int> v;
                               for (const auto& x : p.presentations)
                                 v.push_back(static_cast<int>(x.kind));
                               return v;
                             })
      .def_property_readonly(
          "octopamine",
          [](const protocol& p) { return to_numpy(std::vector<float>(p.octopamine), {p.steps}); })
      .def_property_readonly(
          "stimulus",
          [](const protocol& p) {
            py::list out;
            for (const auto& s : p.stimulus)
              out.append(
                  py::make_tuple(s.begin, to_numpy(std::vector<float>(s.weight),
                                                   {static_cast<std::int64_t>(s.weight.size())})));
            return out;
          })
      .def_property_readonly("hebbian", [](const protocol& p) {
        return to_numpy(std::vector<std::uint8_t>(p.hebbian), {p.steps});
      });

  mo.def(
      "make_protocol",
      [](const std::vector<std::vector<int>>& baseline,
         const std::vector<std::pair<int, int>>& training,
         const std::vector<std::vector<int>>& validation, const protocol_params& params) {
        if (baseline.size() != validation.size())
          throw parameter_error("validation", "expected as many classes as the baseline");
        if (!(params.dt > 0) || !(params.smoothing >= params.dt))
          throw parameter_error("dt", "expected dt > 0 and a smoothing window of at least dt");
        return make_protocol(baseline, training, validation, params);
      },
      py::arg("baseline"), py::arg("training"), py::arg("validation"),
      py::arg("params") = protocol_params{}, doc("moth::make_protocol"));

  mo.def(
      "draw_digits",
      [](const experiment_params& params, int num_classes, int per_class) {
        params.validate(per_class);
        const auto d = draw_digits(params, num_classes);
        py::dict out;
        out["baseline"] = d.baseline;
        out["train"] = d.train;
        out["validation"] = d.validation;
        out["training_sequence"] = d.training_sequence;
        return out;
      },
      py::arg("params"), py::arg("num_classes") = 10, py::arg("per_class") = 1000,
      doc("moth::draw_digits"));

  mo.def(
      "simulate",
      [](const network& moth, const protocol& proto, const carray<float>& features,
         const model_params& params, std::uint64_t seed, bool reset_at_33s) {
        const auto f = features_of(features);
        if (moth.num_readouts != params.num_readouts)
          throw parameter_error("nE", "the moth has " + std::to_string(moth.num_readouts) +
                                          " readout neurons, the parameters " +
                                          std::to_string(params.num_readouts));
        simulation_result r;
        {
          py::gil_scoped_release release;
          simulation_options options;
          options.seed = seed;
          options.reset_at_33s = reset_at_33s;
          r = simulate(moth, proto, f, params, options);
        }
        py::dict out;
        out["E"] = to_numpy(std::move(r.en), {r.steps, r.num_readouts});
        out["trained"] = std::move(r.trained);
        out["mean_active_kenyon"] = r.mean_active_kenyon;
        out["non_finite"] = non_finite_object(r.non_finite);
        return out;
      },
      py::arg("moth"), py::arg("protocol"), py::arg("features"), py::arg("params"),
      py::arg("seed") = 0, py::arg("reset_at_33s") = false, doc("moth::simulate"));

  // Classifiers on EN responses [digits, ENs] with statistics [ENs, classes].
  mo.def(
      "classify_log_likelihood",
      [](const Eigen::MatrixXd& responses, const std::vector<int>& labels,
         const Eigen::MatrixXd& mean, const Eigen::MatrixXd& sd) {
        check_labels(labels, responses.rows(), "labels");
        if (mean.rows() != sd.rows() || mean.cols() != sd.cols())
          throw parameter_error("post_std_resp", "expected means and stds of the same shape");
        return classification_dict(classify_log_likelihood(responses, labels, {mean, sd}));
      },
      py::arg("responses"), py::arg("labels"), py::arg("mean"), py::arg("sd"),
      doc("moth::classify_log_likelihood"));

  mo.def(
      "classify_thresholding",
      [](const Eigen::MatrixXd& responses, const std::vector<int>& labels,
         const Eigen::MatrixXd& mean, const Eigen::MatrixXd& sd, double home_advantage,
         double home_thresh_sigmas, double reward) {
        check_labels(labels, responses.rows(), "labels");
        if (mean.rows() != sd.rows() || mean.cols() != sd.cols())
          throw parameter_error("post_std_resp", "expected means and stds of the same shape");
        thresholding_params p{home_advantage, home_thresh_sigmas, reward};
        p.validate();
        return classification_dict(classify_thresholding(responses, labels, {mean, sd}, p));
      },
      py::arg("responses"), py::arg("labels"), py::arg("mean"), py::arg("sd"),
      py::arg("home_advantage") = 1e9, py::arg("home_thresh_sigmas") = -1.0,
      py::arg("reward") = 10.0, doc("moth::classify_thresholding"));

  mo.def(
      "roc_one_vs_rest",
      [](const std::vector<int>& labels, const Eigen::MatrixXd& scores, int num_classes) {
        check_labels(labels, scores.rows(), "true_classes");
        if (scores.cols() != num_classes)
          throw parameter_error("likelihoods", "expected one column per class (" +
                                                   std::to_string(num_classes) + "), got " +
                                                   std::to_string(scores.cols()));
        if (!scores.allFinite()) throw parameter_error("likelihoods", "expected finite scores");
        const auto r = roc_one_vs_rest(labels, scores, num_classes);
        py::dict out;
        py::list per_class;
        for (const auto& c : r.per_class) per_class.append(curve_dict(c));
        out["per_class"] = per_class;
        out["micro"] = curve_dict(r.micro);
        out["macro"] = curve_dict(r.macro);
        return out;
      },
      py::arg("labels"), py::arg("scores"), py::arg("num_classes"), doc("moth::roc_one_vs_rest"));

  mo.def(
      "nearest_neighbour",
      [](const Eigen::MatrixXd& train, const std::vector<int>& labels,
         const Eigen::MatrixXd& test) {
        check_labels(labels, train.rows(), "train_y");
        if (train.cols() != test.cols())
          throw parameter_error("test_X", "expected as many features as train_X");
        if (!train.allFinite() || !test.allFinite())
          throw parameter_error("train_X", "expected finite features");
        py::gil_scoped_release release;
        return nearest_neighbour(train, labels, test);
      },
      py::arg("train"), py::arg("labels"), py::arg("test"), doc("moth::nearest_neighbour"));

  mo.def(
      "svm_rbf",
      [](const Eigen::MatrixXd& train, const std::vector<int>& labels, const Eigen::MatrixXd& test,
         double c, double gamma) {
        check_labels(labels, train.rows(), "train_y");
        if (train.cols() != test.cols())
          throw parameter_error("test_X", "expected as many features as train_X");
        if (!train.allFinite() || !test.allFinite())
          throw parameter_error("train_X", "expected finite features");
        svm_params p{c, gamma};
        p.validate();
        py::gil_scoped_release release;
        return svm_rbf(train, labels, test, p);
      },
      py::arg("train"), py::arg("labels"), py::arg("test"), py::arg("c") = 10.0,
      py::arg("gamma") = 0.0, doc("moth::svm_rbf"));

  // Whole experiments: the library's result types, their JSON and their folders, exactly
  // as `kenyon moth run|sweep --json --out` produce them.
  py::class_<experiment_result>(mo, "RunResult", doc("moth::experiment_result"))
      .def_readonly("accuracy", &experiment_result::accuracy)
      .def_readonly("accuracy_thresholding", &experiment_result::accuracy_thresholding)
      .def_readonly("accuracy_honest", &experiment_result::accuracy_honest)
      .def_readonly("accuracy_naive", &experiment_result::accuracy_naive)
      .def_readonly("steps", &experiment_result::steps)
      .def_readonly("wall_seconds", &experiment_result::wall_seconds)
      .def_readonly("simulate_seconds", &experiment_result::simulate_seconds)
      .def_property_readonly("status",
                             [](const experiment_result& r) { return to_string(r.status()); })
      .def_property_readonly(
          "non_finite", [](const experiment_result& r) { return non_finite_object(r.non_finite); })
      .def_property_readonly("en_trace",
                             [](const experiment_result& r) {
                               const std::int64_t ne = std::max(1, r.num_readouts);
                               return to_numpy(
                                   std::vector<float>(r.en_trace),
                                   {static_cast<std::int64_t>(r.en_trace.size()) / ne, ne});
                             })
      .def("to_json", [](const experiment_result& r) { return to_json(r).dump(2); })
      .def(
          "set_provenance",
          [](experiment_result& r, const std::string& json_text) {
            r.provenance = nlohmann::json::parse(json_text);
          },
          py::arg("json_text"), "how the result was made, merged into its JSON (JSON text)")
      .def(
          "write",
          [](const experiment_result& r, const std::string& dir) {
            py::gil_scoped_release release;
            write_outputs(r, dir);
          },
          py::arg("dir"), doc("moth::write_outputs"));

  mo.def(
      "run_experiment",
      [](const experiment_params& params, const std::string& dataset,
         const std::optional<std::string>& data_dir, bool keep_trace, std::int64_t test,
         bool cyborg) {
        py::gil_scoped_release release;
        const auto features = cli_features(dataset, data_dir);
        params.validate(features.per_class);
        const auto test_digits = test_split(dataset, data_dir, features, test);
        run_options options;
        options.keep_trace = keep_trace;
        options.test = test_digits ? &*test_digits : nullptr;
        options.cyborg = cyborg;
        auto r = run_experiment(features, params, options);
        r.dataset = dataset;
        return r;
      },
      py::arg("params"), py::arg("dataset") = "mnist", py::arg("data_dir") = py::none(),
      py::arg("keep_trace") = false, py::arg("test") = -1, py::arg("cyborg") = false,
      doc("moth::run_experiment"));

  py::class_<sweep_result>(mo, "SweepResult", doc("moth::sweep_result"))
      .def_readonly("wall_seconds", &sweep_result::wall_seconds)
      .def("to_json", [](const sweep_result& r) { return to_json(r).dump(2); })
      .def(
          "set_provenance",
          [](sweep_result& r, const std::string& json_text) {
            r.provenance = nlohmann::json::parse(json_text);
          },
          py::arg("json_text"), "how the result was made, merged into its JSON (JSON text)")
      .def(
          "write",
          [](const sweep_result& r, const std::string& dir) {
            py::gil_scoped_release release;
            write_outputs(r, dir);
          },
          py::arg("dir"), doc("moth::write_outputs"));

  mo.def(
      "run_sweep",
      [](const std::vector<int>& train_per_class, int seeds, std::uint64_t first_seed,
         const experiment_params& base, int threads, const std::string& dataset,
         const std::optional<std::string>& data_dir, std::int64_t test, bool cyborg) {
        sweep_params s;
        s.train_per_class = train_per_class;
        s.seeds = seeds;
        s.first_seed = first_seed;
        s.base = base;
        s.threads = threads;
        auto r = call_interruptibly([&](std::function<bool()> stop) {
          const auto features = cli_features(dataset, data_dir);
          s.validate(features.per_class);
          const auto test_digits = test_split(dataset, data_dir, features, test);
          moth::sweep_control control;
          control.stop = std::move(stop);
          control.test = test_digits ? &*test_digits : nullptr;
          control.cyborg = cyborg;
          return run_sweep(features, s, {}, nullptr, &control);
        });
        r.dataset = dataset;
        return r;
      },
      py::arg("train_per_class"), py::arg("seeds"), py::arg("first_seed"), py::arg("base"),
      py::arg("threads") = 0, py::arg("dataset") = "mnist", py::arg("data_dir") = py::none(),
      py::arg("test") = -1, py::arg("cyborg") = false, doc("moth::run_sweep"));
}

}  // namespace kenyon::python
