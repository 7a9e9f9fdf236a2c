// MothNet micro-benchmarks: the P->K product (kenyon's kernel against a plain CSR loop
// and a dense Eigen product of the same matrix), the normal draws of the SDE noise, and
// whole simulate() runs. Why each exists and a sample result: benchmarks/README.md.
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <cstdint>
#include <utility>
#include <vector>

#include "kenyon/core/rng.hpp"
#include "kenyon/data/preprocess.hpp"
#include "kenyon/moth/network.hpp"
#include "kenyon/moth/params.hpp"
#include "kenyon/moth/protocol.hpp"
#include "kenyon/moth/simulate.hpp"
#include "moth/p2k_kernel.hpp"

namespace {

using namespace kenyon;

constexpr std::uint64_t seed = 1;

// A moth with `glomeruli` glomeruli (nK = 30 per glomerulus) and `p_per_k` mean P inputs
// per Kenyon cell, and a P vector of rates in [0, 2).
struct p2k_case {
  moth::network net;
  std::vector<float> p;
  std::vector<float> out;
  p2k_case(int glomeruli, int p_per_k) {
    moth::model_params params;
    params.p_per_k = p_per_k;
    net = moth::make_network(params, glomeruli, seed);
    rng_stream gen(seed, streams::test);
    for (int j = 0; j < glomeruli; ++j) p.push_back(static_cast<float>(2 * gen.uniform()));
    out.assign(static_cast<std::size_t>(net.num_kenyon), 0.0f);
  }
};

void set_matrix_counters(benchmark::State& state, const moth::p2k_matrix& w,
                         std::int64_t bytes_per_product) {
  state.counters["rows"] = w.rows;
  state.counters["nnz"] = static_cast<double>(w.nonzeros());
  state.counters["nnz_per_row"] = static_cast<double>(w.nonzeros()) / w.rows;
  state.SetBytesProcessed(state.iterations() * bytes_per_product);
}

// kenyon's sliced-ELLPACK kernel, as the simulation calls it every step. Bytes: the padded
// value and column slots plus the overflow list it streams per product.
void p2k_kernel_multiply(benchmark::State& state) {
  p2k_case c(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const moth::detail::p2k_kernel kernel(c.net.p2k);
  for (auto _ : state) {
    kernel.multiply(c.p.data(), c.out.data());
    benchmark::DoNotOptimize(c.out.data());
    benchmark::ClobberMemory();
  }
  const auto bytes = static_cast<std::int64_t>(
      kernel.padded_slots() * (sizeof(float) + sizeof(std::uint8_t)) +
      kernel.overflow_entries() * (sizeof(float) + sizeof(std::int32_t) + sizeof(std::uint16_t)));
  set_matrix_counters(state, c.net.p2k, bytes);
  state.counters["slots_per_nnz"] =
      static_cast<double>(kernel.padded_slots() + kernel.overflow_entries()) /
      static_cast<double>(c.net.p2k.nonzeros());
  state.counters["overflow"] = static_cast<double>(kernel.overflow_entries());
}

// The textbook CSR row loop over the same matrix: what the kernel must beat.
void p2k_csr_multiply(benchmark::State& state) {
  p2k_case c(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const auto& w = c.net.p2k;
  for (auto _ : state) {
    for (int k = 0; k < w.rows; ++k) {
      float sum = 0;
      for (auto n = w.row_begin[k]; n < w.row_begin[k + 1]; ++n) sum += w.value[n] * c.p[w.col[n]];
      c.out[k] = sum;
    }
    benchmark::DoNotOptimize(c.out.data());
    benchmark::ClobberMemory();
  }
  const auto bytes =
      static_cast<std::int64_t>(w.nonzeros() * (sizeof(float) + sizeof(std::uint16_t)) +
                                w.row_begin.size() * sizeof(std::int32_t));
  set_matrix_counters(state, w, bytes);
}

// The same matrix stored dense (zeros included), multiplied by Eigen's GEMV.
void p2k_dense_multiply(benchmark::State& state) {
  p2k_case c(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const auto& w = c.net.p2k;
  Eigen::MatrixXf dense = Eigen::MatrixXf::Zero(w.rows, w.cols);
  for (int k = 0; k < w.rows; ++k)
    for (auto n = w.row_begin[k]; n < w.row_begin[k + 1]; ++n) dense(k, w.col[n]) = w.value[n];
  const Eigen::Map<const Eigen::VectorXf> p(c.p.data(), w.cols);
  Eigen::Map<Eigen::VectorXf> out(c.out.data(), w.rows);
  for (auto _ : state) {
    out.noalias() = dense * p;
    benchmark::DoNotOptimize(c.out.data());
    benchmark::ClobberMemory();
  }
  set_matrix_counters(state, w, static_cast<std::int64_t>(dense.size() * sizeof(float)));
}

// Network size (glomeruli; nK = 30 per glomerulus) against mean P inputs per Kenyon cell
// (the default moth: 85 glomeruli, 10 inputs).
void p2k_sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"glomeruli", "p_per_k"})->ArgsProduct({{40, 85, 150}, {5, 10, 20}});
}
BENCHMARK(p2k_kernel_multiply)->Apply(p2k_sizes);
BENCHMARK(p2k_csr_multiply)->Apply(p2k_sizes);
BENCHMARK(p2k_dense_multiply)->Apply(p2k_sizes);

// The SDE noise: three calls of 85 items per step in the default moth. A new step each
// iteration, as in the simulation.
void rng_fill_normals(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<float> out(n);
  std::uint64_t step = 0;
  for (auto _ : state) {
    fill_normals(seed, streams::test, step++, out.data(), n);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(rng_fill_normals)->ArgName("items")->Arg(85)->Arg(1000);

// Synthetic digits: 10 classes x 400 per class x `features` non-negative values, each
// digit's summing to feature_params::pixel_sum like the real preprocessed ones (whose
// values are mostly small with a few large). No MNIST files needed.
data::feature_set synthetic_features(int features) {
  data::feature_set f;
  f.num_classes = 10;
  f.per_class = 400;
  f.num_features = features;
  const float target = data::feature_params{}.pixel_sum;
  rng_stream gen(seed, streams::test);
  f.values.resize(static_cast<std::size_t>(f.num_classes) * f.per_class * features);
  for (std::size_t d = 0; d < f.values.size(); d += features) {
    float sum = 0;
    for (int j = 0; j < features; ++j) {
      const double u = gen.uniform();
      f.values[d + j] = static_cast<float>(u * u * u);  // skewed towards 0
      sum += f.values[d + j];
    }
    for (int j = 0; j < features; ++j) f.values[d + j] *= target / sum;
  }
  return f;
}

// A whole run of the default 85-glomerulus moth on a short protocol: 2 baseline and 2
// validation digits per class, 10 training presentations. Covers everything per step
// (antennal lobe, noise, P->K, damper, readout, Hebbian windows); steps/s is comparable
// with `kenyon bench moth`'s steps_per_second.
void moth_simulate(benchmark::State& state) {
  const moth::model_params params;
  const int glomeruli = 85;
  const auto features = synthetic_features(glomeruli);
  std::vector<std::vector<int>> baseline(10), validation(10);
  for (int c = 0; c < 10; ++c) {
    baseline[c] = {0, 1};
    validation[c] = {300, 301};
  }
  std::vector<std::pair<int, int>> training;
  for (int k = 0; k < 10; ++k) training.emplace_back(k, 100 + k);
  moth::protocol_params pp;
  pp.dt = params.dt;
  const auto proto = moth::make_protocol(baseline, training, validation, pp);
  const auto net = moth::make_network(params, glomeruli, seed);
  moth::simulation_options options;
  options.seed = seed;
  for (auto _ : state) {
    auto result = moth::simulate(net, proto, features, params, options);  // copies the moth
    benchmark::DoNotOptimize(result.en.data());
  }
  state.counters["steps"] = static_cast<double>(proto.steps);
  state.counters["steps_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * (proto.steps - 1)), benchmark::Counter::kIsRate);
}
BENCHMARK(moth_simulate)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
