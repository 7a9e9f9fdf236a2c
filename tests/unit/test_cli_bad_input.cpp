// The bad-input suite of the kenyon CLI: a table of malformed inputs for every command
// (truncated and empty files, wrong types, NaN and infinity, negative and huge sizes,
// unknown names, duplicate ids, options out of range, unreadable paths, an --out that is a
// file). Each must end with exit code 2 and one line on stderr naming the file, row, column
// or option at fault: no crash, no abort, no internal error, and nothing already written
// under --out touched.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "cli_run.hpp"
#include "kenyon/core/npy.hpp"
#include "require.hpp"

namespace {

namespace fs = std::filesystem;
using kenyon::test::quote;
using kenyon::test::read_text;
using testing::HasSubstr;

struct bad_case {
  std::string name;  // command__what, the test's name
  // The arguments after `kenyon`; "@" stands for the test's folder (with a trailing /).
  std::string args;
  // Each must appear in the error line (file names, rows, columns, options).
  std::vector<std::string> fragments;
  bool needs_mnist = false;
};

// Printed by gtest for a failing case.
void PrintTo(const bad_case& c, std::ostream* os) { *os << "kenyon " << c.args; }

using kenyon::test::lines_of;
using kenyon::test::mnist_dir;

// The small connectome of cli_fixture::write_small_connectome, by file; its sensory
// neurons are the two of type S, B is the inhibitory one.
const std::string small = "--connectome @edges.csv --neurons @neurons.csv ";
// Its input (batch 2, 2 sensory neurons, 3 steps) and a stimulus.
const std::string with_input = small + "--layers 3 --input @input.npy ";
const std::string with_stimulus = small + "--layers 3 --stimulus S:0=1 ";

const std::vector<bad_case>& cases() {
  static const std::vector<bad_case> all = {
      // kenyon moth run: refused before any simulation.
      {"moth_run__out_is_a_file", "moth run --out @precious.txt", {"--out", "precious.txt"}},
      {"moth_run__seed_negative", "moth run --seed -1", {"--seed"}},
      {"moth_run__seed_huge", "moth run --seed 99999999999999999999999", {"--seed"}},
      {"moth_run__seed_not_an_integer", "moth run --seed 1e30", {"--seed"}},
      {"moth_run__train_per_class_huge",
       "moth run --train-per-class 99999999999",
       {"--train-per-class"}},
      {"moth_run__val_per_class_not_an_integer",
       "moth run --val-per-class 1e30",
       {"--val-per-class"}},
      {"moth_run__sniffs_missing_value", "moth run --sniffs", {"--sniffs"}},
      {"moth_run__unknown_option", "moth run --bogus 3", {"--bogus"}},
      {"moth_run__dataset_unknown", "moth run --dataset imagenet", {"--dataset", "imagenet"}},
      {"moth_run__compat_unknown", "moth run --compat matlab", {"--compat", "matlab"}},
      {"moth_run__data_dir_missing", "moth run --data-dir @no_such_folder", {"no_such_folder"}},
      {"moth_run__data_dir_is_a_file", "moth run --data-dir @precious.txt", {"precious.txt"}},
      {"moth_run__idx_truncated",
       "moth run --data-dir @truncated_idx",
       {"train-labels-idx1-ubyte", "truncated"}},
      {"moth_run__train_per_class_negative",
       "moth run --train-per-class -1 --data-dir {mnist}",
       {"--train-per-class", "-1"},
       true},
      {"moth_run__sniffs_negative",
       "moth run --sniffs -2 --data-dir {mnist}",
       {"--sniffs", "-2"},
       true},
      {"moth_run__test_zero", "moth run --test 0 --data-dir {mnist}", {"--test", "'0'"}, true},
      {"moth_run__test_not_a_number",
       "moth run --test most --data-dir {mnist}",
       {"--test", "most"},
       true},
      {"moth_run__test_more_than_the_set",
       "moth run --test 10001 --data-dir {mnist}",
       {"--test", "10001", "10000"},
       true},
      {"moth_run__cyborg_without_test",
       "moth run --cyborg --data-dir {mnist}",
       {"--cyborg", "--test"},
       true},
      {"moth_sweep__cyborg_without_a_test_split",
       "moth sweep --seeds 1 --train-per-class 1 --cyborg --test all --data-dir @train_only",
       {"train_only", "t10k-images-idx3-ubyte"},
       true},
      {"moth_run__test_without_a_test_split",
       "moth run --test 5 --data-dir @train_only",
       {"train_only", "t10k-images-idx3-ubyte"},
       true},

      // kenyon moth sweep
      {"moth_sweep__out_is_a_file",
       "moth sweep --seeds 1 --out @precious.txt",
       {"--out", "precious.txt"}},
      {"moth_sweep__first_seed_negative", "moth sweep --first-seed -3", {"--first-seed"}},
      {"moth_sweep__first_seed_huge",
       "moth sweep --first-seed 18446744073709551616",
       {"--first-seed"}},
      {"moth_sweep__seeds_huge", "moth sweep --seeds 99999999999", {"--seeds"}},
      {"moth_sweep__train_per_class_not_a_number",
       "moth sweep --train-per-class 1,x",
       {"--train-per-class"}},
      {"moth_sweep__train_per_class_empty_item",
       "moth sweep --train-per-class 1,,3",
       {"--train-per-class", "1,,3"}},
      {"moth_sweep__train_per_class_empty",
       "moth sweep --train-per-class ''",
       {"--train-per-class"}},
      {"moth_sweep__dataset_unknown", "moth sweep --dataset cifar", {"--dataset", "cifar"}},
      {"moth_sweep__compat_unknown", "moth sweep --compat x", {"--compat"}},
      {"moth_sweep__data_dir_missing", "moth sweep --data-dir @no_such_folder", {"no_such_folder"}},
      {"moth_sweep__seeds_negative",
       "moth sweep --seeds -1 --data-dir {mnist}",
       {"--seeds", "-1"},
       true},
      {"moth_sweep__threads_negative",
       "moth sweep --threads -1 --data-dir {mnist}",
       {"--threads"},
       true},
      {"moth_sweep__train_per_class_out_of_range",
       "moth sweep --train-per-class 1,201 --seeds 1 --data-dir {mnist}",
       {"--train-per-class", "201"},
       true},

      // kenyon bench moth (no --out; it reads MNIST from the cache)
      {"bench_moth__repeats_zero", "bench moth --repeats 0", {"--repeats"}},
      {"bench_moth__repeats_huge", "bench moth --repeats 99999999999", {"--repeats"}},
      {"bench_moth__repeats_missing_value", "bench moth --repeats", {"--repeats"}},
      {"bench_moth__seed_negative", "bench moth --seed -1", {"--seed"}},
      {"bench_moth__seed_huge", "bench moth --seed 18446744073709551616", {"--seed"}},
      {"bench_moth__train_per_class_not_a_number",
       "bench moth --train-per-class ten",
       {"--train-per-class"}},
      {"bench_moth__train_per_class_huge",
       "bench moth --train-per-class 99999999999",
       {"--train-per-class"}},
      {"bench_moth__unknown_option", "bench moth --bogus", {"--bogus"}},
      {"bench_moth__train_per_class_negative",
       "bench moth --repeats 1 --train-per-class -1",
       {"--train-per-class", "-1"},
       true},

      // kenyon bench net
      {"bench_net__neurons_one", "bench net --neurons 1 --connections 1", {"--neurons"}},
      {"bench_net__neurons_negative", "bench net --neurons -5", {"--neurons"}},
      {"bench_net__neurons_huge",
       "bench net --neurons 99999999999999 --connections 1",
       {"--neurons"}},
      {"bench_net__connections_negative",
       "bench net --neurons 100 --connections -5",
       {"--connections"}},
      {"bench_net__connections_huge",
       "bench net --neurons 1000 --connections 99999999999999",
       {"--connections"}},
      {"bench_net__layers_zero", "bench net --layers 0", {"--layers"}},
      {"bench_net__batch_and_layers_beyond_the_memory",
       "bench net --neurons 1000 --connections 10 --batch 1048576 --layers 100000",
       {"--batch", "--layers", "GB"}},
      {"bench_net__batch_huge", "bench net --batch 1e30", {"--batch"}},
      {"bench_net__iterations_huge", "bench net --iterations 99999999999", {"--iterations"}},
      {"bench_net__threads_negative", "bench net --threads -1", {"--threads"}},
      {"bench_net__checkpoint_negative", "bench net --checkpoint -1", {"--checkpoint"}},
      {"bench_net__seed_negative",
       "bench net --neurons 100 --connections 100 --iterations 1 --seed -1",
       {"--seed"}},

      // kenyon bench load
      {"bench_load__rows_zero", "bench load --rows 0", {"--rows"}},
      {"bench_load__rows_negative", "bench load --rows -10", {"--rows"}},
      {"bench_load__rows_not_a_number", "bench load --rows many", {"--rows"}},
      {"bench_load__neurons_one", "bench load --neurons 1", {"--neurons"}},
      {"bench_load__neurons_huge", "bench load --neurons 99999999999999999", {"--neurons"}},
      {"bench_load__neurons_missing_value", "bench load --neurons", {"--neurons"}},
      {"bench_load__seed_negative", "bench load --rows 10 --neurons 10 --seed -1", {"--seed"}},
      {"bench_load__seed_huge",
       "bench load --rows 10 --neurons 10 --seed 99999999999999999999",
       {"--seed"}},
      {"bench_load__unknown_option", "bench load --bogus", {"--bogus"}},

      // kenyon net forward
      {"net_forward__out_is_a_file",
       "net forward " + with_stimulus + "--out @precious.txt",
       {"precious.txt"}},
      {"net_forward__connectome_unknown_name",
       "net forward --connectome nowhere --stimulus S:0",
       {"nowhere", "larva"}},
      {"net_forward__connectome_is_a_folder",
       "net forward --connectome @a_folder --stimulus S:0",
       {"a_folder"}},
      {"net_forward__connectome_empty",
       "net forward --connectome @empty.csv --neurons @neurons.csv --stimulus S:0",
       {"empty.csv"}},
      {"net_forward__connectome_header_only",
       "net forward --connectome @header_only.csv --neurons @neurons.csv --stimulus S:0",
       {"header_only.csv"}},
      {"net_forward__connectome_truncated",
       "net forward --connectome @truncated.csv --neurons @neurons.csv --stimulus S:0",
       {"truncated.csv:3", "syn_count"}},
      {"net_forward__connectome_nan_weight",
       "net forward --connectome @nan_weight.csv --neurons @neurons.csv --stimulus S:0",
       {"nan_weight.csv:2", "syn_count"}},
      {"net_forward__connectome_infinite_weight",
       "net forward --connectome @inf_weight.csv --neurons @neurons.csv --stimulus S:0",
       {"inf_weight.csv:2", "syn_count"}},
      {"net_forward__connectome_negative_weight",
       "net forward --connectome @negative_weight.csv --neurons @neurons.csv --stimulus S:0",
       {"negative_weight.csv:2", "syn_count"}},
      {"net_forward__connectome_huge_id",
       "net forward --connectome @huge_id.csv --neurons @neurons.csv --stimulus S:0",
       {"huge_id.csv:2", "pre"}},
      {"net_forward__connectome_bad_gzip",
       "net forward --connectome @bad.csv.gz --neurons @neurons.csv --stimulus S:0",
       {"bad.csv.gz"}},
      {"net_forward__neurons_missing",
       "net forward --connectome @edges.csv --neurons @missing.csv --stimulus S:0",
       {"missing.csv"}},
      {"net_forward__neurons_duplicate_ids",
       "net forward --connectome @edges.csv --neurons @duplicate_ids.csv --stimulus S:0",
       {"duplicate_ids.csv:3", "id"}},
      {"net_forward__neurons_for_a_shipped_connectome",
       "net forward --connectome larva --neurons @neurons.csv --stimulus sensory:0",
       {"--neurons", "larva"}},
      {"net_forward__classification_for_an_edge_list",
       "net forward " + with_stimulus + "--classification @neurons.csv",
       {"--classification", "edges.csv"}},
      {"net_forward__stimulus_nan", "net forward " + small + "--stimulus S:0=nan", {"--stimulus"}},
      {"net_forward__stimulus_step_out_of_range",
       "net forward " + small + "--layers 3 --stimulus S:99=1",
       {"S", "99"}},
      {"net_forward__layers_negative",
       "net forward " + with_stimulus + "--layers -1",
       {"--layers"}},
      {"net_forward__layers_huge",
       "net forward " + with_stimulus + "--layers 99999999999",
       {"--layers"}},
      {"net_forward__batch_huge", "net forward " + with_stimulus + "--batch 1e30", {"--batch"}},
      {"net_forward__batch_and_layers_beyond_the_memory",
       "net forward " + small + "--stimulus S:0 --batch 1048576 --layers 1000000",
       {"--batch", "--layers", "GB"}},
      {"net_forward__input_not_npy",
       "net forward " + small + "--input @not_npy.npy",
       {"not_npy.npy"}},
      {"net_forward__input_huge_shape",
       "net forward " + small + "--input @huge_shape.npy",
       {"huge_shape.npy"}},
      {"net_forward__clamp_unknown_type",
       "net forward " + with_stimulus + "--clamp Q:0=1",
       {"'Q'", "edges.csv"}},
      {"net_forward__group_slope_unknown_type",
       "net forward " + with_stimulus + "--group-slope Q=1",
       {"--group-slope", "'Q'"}},
      {"net_forward__seed_negative", "net forward " + with_stimulus + "--seed -1", {"--seed"}},
      {"net_forward__format_unknown",
       "net forward " + with_stimulus + "--format xml",
       {"--format"}},
      {"net_forward__tau_zero", "net forward " + with_stimulus + "--tau 0", {"--tau"}},
      {"net_forward__slope_nan", "net forward " + with_stimulus + "--slope nan", {"--slope"}},
      {"net_forward__out_below_a_file",
       "net forward " + with_stimulus + "--out @precious.txt/results",
       {"precious.txt/results"}},
      {"net_forward__group_tau_not_a_pair",
       "net forward " + with_stimulus + "--group-tau A",
       {"--group-tau", "'A'"}},
      {"net_forward__group_bias_without_groups",
       "net forward " + with_stimulus + "--no-groups --group-bias A=1",
       {"--group-bias", "--no-groups"}},
      {"net_forward__transmitter_sign_out_of_range",
       "net forward " + with_stimulus + "--transmitter-sign GLUT=2",
       {"--transmitter-sign", "GLUT"}},
      {"net_forward__stimulus_batch_out_of_range",
       "net forward " + small + "--stimulus 1/S:0=1",
       {"S", "batch item 1"}},
      {"net_forward__config_duplicate_key",
       "net forward " + with_stimulus + "--config @duplicate_key.json",
       {"duplicate_key.json", "'layers'", "twice"}},
      {"net_forward__config_date_value",
       "net forward " + with_stimulus + "--config @date_value.toml",
       {"date_value.toml", "'layers'"}},
      {"net_forward__no_input", "net forward " + small, {"--input"}},
      {"net_forward__config_is_a_folder",
       "net forward " + with_stimulus + "--config @a_folder",
       {"a_folder"}},

      // kenyon net maximise
      {"net_maximise__out_is_a_file",
       "net maximise " + small + "--target B:2=1 --layers 3 --out @precious.txt",
       {"precious.txt"}},
      {"net_maximise__target_batch_negative",
       "net maximise " + small + "--target -1/B:1=1",
       {"--target", "-1/B:1=1"}},
      {"net_maximise__target_layer_beyond_the_network",
       "net maximise " + small + "--target B:99=1 --layers 3",
       {"B", "layer 99"}},
      {"net_maximise__target_nan", "net maximise " + small + "--target B:1=nan", {"--target"}},
      {"net_maximise__target_overflows",
       "net maximise " + small + "--target B:1=1e400",
       {"--target", "1e400"}},
      {"net_maximise__target_batch_out_of_range",
       "net maximise " + small + "--target 5/B:1=1 --batch 2",
       {"batch item 5"}},
      {"net_maximise__target_missing", "net maximise " + small + "--layers 3", {"--target"}},
      {"net_maximise__batch_and_layers_beyond_the_memory",
       "net maximise " + small + "--target B:1 --batch 1048576 --layers 1000000",
       {"--batch", "--layers", "GB"}},
      {"net_maximise__iterations_huge",
       "net maximise " + small + "--target B:1 --iterations 99999999999",
       {"--iterations"}},
      {"net_maximise__iterations_negative",
       "net maximise " + small + "--target B:1 --iterations -5",
       {"--iterations"}},
      {"net_maximise__learning_rate_nan",
       "net maximise " + small + "--target B:1 --learning-rate nan",
       {"--learning-rate"}},
      {"net_maximise__learning_rate_infinite",
       "net maximise " + small + "--target B:1 --learning-rate inf",
       {"--learning-rate"}},
      {"net_maximise__in_reg_infinite",
       "net maximise " + small + "--target B:1 --in-reg inf",
       {"--in-reg"}},
      {"net_maximise__n_runs_zero",
       "net maximise " + small + "--target B:1 --n-runs 0",
       {"--n-runs"}},
      {"net_maximise__checkpoint_negative",
       "net maximise " + small + "--target B:1 --checkpoint -1",
       {"--checkpoint"}},
      {"net_maximise__reg_unknown",
       "net maximise " + small + "--target B:1 --reg max",
       {"--reg", "max"}},
      {"net_maximise__stopping_threshold_nan",
       "net maximise " + small + "--target B:1 --stopping-threshold nan",
       {"--stopping-threshold"}},
      {"net_maximise__batch_negative",
       "net maximise " + small + "--target B:1 --batch -2",
       {"--batch"}},
      {"net_maximise__init_missing",
       "net maximise " + small + "--target B:1 --init @missing.npy",
       {"missing.npy"}},
      {"net_maximise__config_bad_toml",
       "net maximise " + small + "--target B:1 --config @bad.toml",
       {"bad.toml:2"}},
      {"net_maximise__config_bad_json",
       "net maximise " + small + "--target B:1 --config @bad.json",
       {"bad.json", "JSON"}},
      {"net_maximise__config_json_number_overflow",
       "net maximise " + small + "--target B:1 --config @overflow.json",
       {"overflow.json", "JSON", "number overflow"}},
      {"net_maximise__config_unknown_key",
       "net maximise " + small + "--target B:1 --config @unknown_key.toml",
       {"unknown_key.toml", "bogus"}},
      {"net_maximise__config_wrong_type",
       "net maximise " + small + "--target B:1 --config @table_value.toml",
       {"table_value.toml", "layers"}},
      {"net_maximise__config_negative_layers",
       "net maximise " + small + "--target B:1 --config @negative_layers.toml",
       {"--layers"}},
      {"net_maximise__config_missing",
       "net maximise " + small + "--target B:1 --config @missing.toml",
       {"missing.toml"}},

      // kenyon net train
      {"net_train__out_is_a_file",
       "net train " + with_input + "--targets @targets.csv --out @precious.txt",
       {"precious.txt"}},
      {"net_train__targets_empty",
       "net train " + with_input + "--targets @empty.csv",
       {"empty.csv"}},
      {"net_train__targets_nan",
       "net train " + with_input + "--targets @targets_nan.csv",
       {"targets_nan.csv:3", "value"}},
      {"net_train__targets_infinite",
       "net train " + with_input + "--targets @targets_inf.csv",
       {"targets_inf.csv:2", "value"}},
      {"net_train__targets_not_a_number",
       "net train " + with_input + "--targets @targets_text.csv",
       {"targets_text.csv:2", "value", "abc"}},
      {"net_train__targets_unknown_neuron",
       "net train " + with_input + "--targets @targets_unknown.csv",
       {"targets_unknown.csv:3", "neuron", "'Q'"}},
      {"net_train__targets_layer_out_of_range",
       "net train " + with_input + "--targets @targets_layer.csv",
       {"targets_layer.csv:3", "layer", "9"}},
      {"net_train__targets_batch_out_of_range",
       "net train " + with_input + "--targets @targets_batch.csv",
       {"targets_batch.csv:2", "batch", "5"}},
      {"net_train__targets_short_row",
       "net train " + with_input + "--targets @targets_short.csv",
       {"targets_short.csv:2"}},
      {"net_train__targets_missing_column",
       "net train " + with_input + "--targets @targets_no_value.csv",
       {"targets_no_value.csv:1", "value"}},
      {"net_train__targets_is_a_folder",
       "net train " + with_input + "--targets @a_folder",
       {"a_folder"}},
      {"net_train__input_not_npy",
       "net train " + small + "--layers 3 --input @targets.csv --targets @targets.csv",
       {"targets.csv"}},
      {"net_train__input_too_few_steps",
       "net train " + small + "--layers 4 --input @input.npy --targets @targets.csv",
       {"input.npy"}},
      {"net_train__epochs_negative",
       "net train " + with_input + "--targets @targets.csv --epochs -1",
       {"--epochs"}},
      {"net_train__epochs_huge",
       "net train " + with_input + "--targets @targets.csv --epochs 99999999999",
       {"--epochs"}},
      {"net_train__train_fraction_nan",
       "net train " + with_input + "--targets @targets.csv --train-fraction nan",
       {"--train-fraction"}},
      {"net_train__param_reg_nan",
       "net train " + with_input + "--targets @targets.csv --param-reg nan",
       {"--param-reg"}},
      {"net_train__loss_unknown",
       "net train " + with_input + "--targets @targets.csv --loss huber",
       {"--loss", "huber"}},

      // kenyon net saliency
      {"net_saliency__out_is_a_file",
       "net saliency " + with_stimulus + "--target B:2 --out @precious.txt",
       {"precious.txt"}},
      {"net_saliency__method_unknown",
       "net saliency " + with_stimulus + "--target B:2 --method magic",
       {"--method", "magic"}},
      {"net_saliency__target_layer_out_of_range",
       "net saliency " + with_stimulus + "--target B:9",
       {"B", "layer 9"}},
      {"net_saliency__target_unknown",
       "net saliency " + with_stimulus + "--target Q:1",
       {"'Q'", "edges.csv"}},
      {"net_saliency__target_nan",
       "net saliency " + with_stimulus + "--target B:1=nan",
       {"--target"}},
      {"net_saliency__target_missing", "net saliency " + with_stimulus, {"--target"}},
      {"net_saliency__input_and_stimulus",
       "net saliency " + with_stimulus + "--input @input.npy --target B:1",
       {"--input", "--stimulus"}},
      {"net_saliency__input_missing",
       "net saliency " + small + "--layers 3 --input @missing.npy --target B:1",
       {"missing.npy"}},
      {"net_saliency__input_nan",
       "net saliency " + small + "--layers 3 --input @nan_input.npy --target B:1",
       {"nan_input.npy", "finite"}},
      {"net_saliency__threads_negative",
       "net saliency " + with_stimulus + "--target B:1 --threads -1",
       {"--threads"}},

      // kenyon net gradients
      {"net_gradients__out_is_a_file",
       "net gradients " + with_stimulus + "--target B:2 --monitor A --out @precious.txt",
       {"precious.txt"}},
      {"net_gradients__monitor_unknown",
       "net gradients " + with_stimulus + "--target B:2 --monitor Q",
       {"'Q'"}},
      {"net_gradients__monitor_missing",
       "net gradients " + with_stimulus + "--target B:2",
       {"--monitor"}},
      {"net_gradients__monitor_layer_out_of_range",
       "net gradients " + with_stimulus + "--target B:2 --monitor A --monitor-layer 9",
       {"layer 9"}},
      {"net_gradients__monitor_layer_negative",
       "net gradients " + with_stimulus + "--target B:2 --monitor A --monitor-layer -1",
       {"layer -1"}},
      {"net_gradients__monitor_layer_not_a_number",
       "net gradients " + with_stimulus + "--target B:2 --monitor A --monitor-layer x",
       {"--monitor-layer"}},
      {"net_gradients__target_unknown",
       "net gradients " + with_stimulus + "--target Q:2 --monitor A",
       {"'Q'"}},
      {"net_gradients__target_layer_out_of_range",
       "net gradients " + with_stimulus + "--target B:3 --monitor A",
       {"B", "layer 3"}},
      {"net_gradients__method_unknown",
       "net gradients " + with_stimulus + "--target B:2 --monitor A --method smooth",
       {"--method", "smooth"}},
      {"net_gradients__stimulus_negative_step",
       "net gradients " + small + "--stimulus S:-1=1 --target B:2 --monitor A",
       {"--stimulus", "S:-1=1"}},

      // kenyon net paths
      {"net_paths__out_is_a_file",
       "net paths " + with_stimulus + "--out @precious.txt",
       {"precious.txt"}},
      {"net_paths__activation_threshold_nan",
       "net paths " + with_stimulus + "--activation-threshold nan",
       {"--activation-threshold"}},
      {"net_paths__connectivity_threshold_nan",
       "net paths " + with_stimulus + "--connectivity-threshold nan",
       {"--connectivity-threshold"}},
      {"net_paths__stimulus_unknown_type",
       "net paths " + small + "--layers 3 --stimulus Q:0=1",
       {"'Q'"}},
      {"net_paths__stimulus_not_sensory",
       "net paths " + small + "--layers 3 --stimulus A:0=1",
       {"A", "sensory"}},
      {"net_paths__input_negative_shape",
       "net paths " + small + "--layers 3 --input @negative_shape.npy",
       {"negative_shape.npy", "-1"}},
      {"net_paths__input_truncated",
       "net paths " + small + "--layers 3 --input @truncated.npy",
       {"truncated.npy", "truncated"}},
      {"net_paths__layers_zero", "net paths " + with_stimulus + "--layers 0", {"--layers"}},
      {"net_paths__min_synapses_negative",
       "net paths " + with_stimulus + "--min-synapses -1",
       {"--min-synapses"}},
      {"net_paths__transmitter_sign_not_a_number",
       "net paths " + with_stimulus + "--transmitter-sign GLUT=x",
       {"--transmitter-sign", "GLUT=x"}},

      // kenyon net guess
      {"net_guess__out_is_a_file",
       "net guess " + small + "--target B:1 --out @precious.txt",
       {"precious.txt"}},
      {"net_guess__longest_path_zero",
       "net guess " + small + "--target B:2 --longest-path 0",
       {"--longest-path"}},
      {"net_guess__longest_path_huge",
       "net guess " + small + "--target B:2 --longest-path 99999999999",
       {"--longest-path"}},
      {"net_guess__target_layer_out_of_range",
       "net guess " + small + "--layers 3 --target B:9",
       {"B", "layer 9"}},
      {"net_guess__target_infinite",
       "net guess " + small + "--target B:1=inf",
       {"--target", "B:1=inf"}},
      {"net_guess__target_unknown", "net guess " + small + "--target Q:1", {"'Q'"}},
      {"net_guess__target_without_layer",
       "net guess " + small + "--target B=1",
       {"--target", "B=1"}},
      {"net_guess__sensory_unknown",
       "net guess " + small + "--target B:1 --sensory NOPE",
       {"'NOPE'"}},
      {"net_guess__neurons_bad_sign",
       "net guess --connectome @edges.csv --neurons @bad_sign.csv --target B:1",
       {"bad_sign.csv:2", "sign"}},
      {"net_guess__neurons_bad_sensory",
       "net guess --connectome @edges.csv --neurons @bad_sensory.csv --target B:1",
       {"bad_sensory.csv:2", "sensory"}},
      {"net_guess__bias_infinite", "net guess " + small + "--target B:1 --bias inf", {"--bias"}},
      {"net_guess__default_sign_out_of_range",
       "net guess " + small + "--target B:1 --default-sign 5",
       {"--default-sign"}},
  };
  return all;
}

// The bytes of an .npy file of float32 with `shape` written as numpy writes it, followed by
// `data_bytes` zero bytes (so the header may promise more or less than there is).
std::string npy_with_shape(const std::string& shape, std::size_t data_bytes) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + std::string(data_bytes, '\0');
}

class cli_bad_input : public kenyon::test::cli_fixture,
                      public testing::WithParamInterface<bad_case> {
 protected:
  void SetUp() override {
    cli_fixture::SetUp();
    write_small_connectome();
    write("precious.txt", "written before; must stay\n");
    fs::create_directories(dir_ / "a_folder");
    fs::create_directories(dir_ / "out");
    write("out/keep.txt", "mine\n");
    write("empty.csv", "");
    write("header_only.csv", "pre,post,syn_count\n");
    write("truncated.csv", "pre,post,syn_count\n1,3,4\n2,3");
    write("nan_weight.csv", "pre,post,syn_count\n1,3,nan\n");
    write("inf_weight.csv", "pre,post,syn_count\n1,3,inf\n");
    write("negative_weight.csv", "pre,post,syn_count\n1,3,-4\n");
    write("huge_id.csv", "pre,post,syn_count\n99999999999999999999999,3,1\n");
    write("bad.csv.gz", std::string("\x1f\x8b\x08\x00", 4) + "not deflate data");
    const std::string table = "id,type,sign,sensory\n";
    write("duplicate_ids.csv",
          table + "1,S,1,true\n1,S,1,true\n3,A,1,false\n4,B,-1,false\n5,A,1,false\n");
    write("bad_sign.csv", table + "1,S,x,true\n2,S,1,true\n3,A,1,false\n4,B,-1,false\n");
    write("bad_sensory.csv", table + "1,S,1,maybe\n2,S,1,true\n3,A,1,false\n4,B,-1,false\n");

    const std::vector<float> input(2 * 2 * 3, 0.5f);
    kenyon::write_npy(dir_ / "input.npy", {2, 2, 3}, input.data());
    std::vector<float> nan_input = input;
    nan_input[7] = std::numeric_limits<float>::quiet_NaN();
    kenyon::write_npy(dir_ / "nan_input.npy", {2, 2, 3}, nan_input.data());
    write("not_npy.npy", "batch,sensory,step\n0,0,0\n");
    write("huge_shape.npy", npy_with_shape("(4611686018427387904, 2, 3)", 0));
    write("negative_shape.npy", npy_with_shape("(-1, 2, 3)", 0));
    write("truncated.npy", npy_with_shape("(2, 2, 3)", 8));

    const std::string targets = "batch,neuron,layer,value\n";
    write("targets.csv", targets + "0,A,1,0.5\n1,B,2,0.2\n");
    write("targets_nan.csv", targets + "0,A,1,0.5\n0,B,2,nan\n");
    write("targets_inf.csv", targets + "0,A,1,-inf\n");
    write("targets_text.csv", targets + "0,A,1,abc\n");
    write("targets_unknown.csv", targets + "0,A,1,0.5\n0,Q,1,1\n");
    write("targets_layer.csv", targets + "0,A,1,0.5\n1,B,9,1\n");
    write("targets_batch.csv", targets + "5,A,1,1\n");
    write("targets_short.csv", targets + "0,A,1\n");
    write("targets_no_value.csv", "batch,neuron,layer\n0,A,1\n");

    write("bad.toml", "layers = 3\nlearning_rate = \n");
    write("bad.json", "{\"layers\": 3,\n");
    write("overflow.json", "{\"layers\": 1e999999}");  // found by fuzz_config
    write("unknown_key.toml", "bogus = 3\n");
    write("table_value.toml", "layers = {a = 1}\n");
    write("negative_layers.toml", "layers = -1\n");
    write("duplicate_key.json", "{\"layers\": 3, \"tau\": 2, \"layers\": 4}");
    write("date_value.toml", "layers = 1979-05-27\n");

    // MNIST's training split without its test split.
    fs::create_directories(dir_ / "train_only");
    for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"})
      if (fs::exists(mnist_dir / name))
        fs::create_symlink(mnist_dir / name, dir_ / "train_only" / name);

    // Promises 60000 labels, holds two.
    fs::create_directories(dir_ / "truncated_idx");
    write("truncated_idx/train-labels-idx1-ubyte", std::string("\0\0\x08\x01\0\0\xea\x60\1\2", 10));
    write("truncated_idx/train-images-idx3-ubyte",
          std::string("\0\0\x08\x03\0\0\xea\x60\0\0\0\x1c\0\0\0\x1c", 16));
  }

  // The case's arguments with "@" and "{mnist}" filled in.
  std::string arguments(const bad_case& c) const {
    std::string out;
    for (char ch : c.args) out += ch == '@' ? (dir_ / "").string() : std::string(1, ch);
    const std::string mnist = "{mnist}";
    if (const auto at = out.find(mnist); at != std::string::npos)
      out.replace(at, mnist.size(), quote(mnist_dir.string()));
    return out;
  }
};

TEST_P(cli_bad_input, exits_2_with_one_line_naming_the_fault) {
  const auto& c = GetParam();
  KENYON_REQUIRE(!kenyon::test::cli_path.empty() && fs::exists(kenyon::test::cli_path),
                 "kenyon CLI not built");
  if (c.needs_mnist)
    KENYON_REQUIRE(fs::exists(mnist_dir / "train-labels-idx1-ubyte"), "MNIST not in " << mnist_dir);
  std::string args = arguments(c);
  // Commands that write results get an existing folder as --out (unless the case gives
  // its own) whose contents a failed run must leave as they were.
  const bool writes = c.args.rfind("moth run", 0) == 0 || c.args.rfind("moth sweep", 0) == 0 ||
                      c.args.rfind("net ", 0) == 0;
  if (writes && c.args.find("--out") == std::string::npos)
    args += " --out " + quote((dir_ / "out").string());

  const auto r = run(args);
  SCOPED_TRACE("kenyon " + args);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << "expected one line on stderr, got:\n" << r.err;
  EXPECT_EQ(lines[0].rfind("kenyon: error: ", 0), 0u) << lines[0];
  for (const auto& f : c.fragments) EXPECT_THAT(lines[0], HasSubstr(f));
  for (const char* crash : {"terminate called", "Aborted", "internal error", "what():"})
    EXPECT_THAT(r.err, testing::Not(HasSubstr(crash)));

  EXPECT_EQ(read_text(dir_ / "precious.txt"), "written before; must stay\n");
  std::vector<std::string> kept;
  for (const auto& e : fs::directory_iterator(dir_ / "out"))
    kept.push_back(e.path().filename().string());
  EXPECT_EQ(kept, std::vector<std::string>{"keep.txt"}) << "a failed run wrote under --out";
  EXPECT_EQ(read_text(dir_ / "out" / "keep.txt"), "mine\n");
}

INSTANTIATE_TEST_SUITE_P(table, cli_bad_input, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<bad_case>& info) {
                           return info.param.name;
                         });

// At least eight malformed inputs for every command, as the suite promises.
TEST(cli_bad_input_table, covers_every_command_at_least_eight_times) {
  const std::vector<std::string> commands = {
      "moth run",     "moth sweep", "bench moth",   "bench net",     "bench load", "net forward",
      "net maximise", "net train",  "net saliency", "net gradients", "net paths",  "net guess"};
  std::vector<std::string> names;
  for (const auto& command : commands) {
    const auto n = std::count_if(cases().begin(), cases().end(), [&](const bad_case& c) {
      return c.args.rfind(command + " ", 0) == 0;
    });
    EXPECT_GE(n, 8) << command;
  }
  for (const auto& c : cases()) names.push_back(c.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << "a name twice";
}

}  // namespace
