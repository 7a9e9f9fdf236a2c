// kenyon net atlas | atlas-merge: one activation maximisation per target set (ratenet/atlas.hpp)
// over this process's threads, the ranks of an MPI run (dist/work_queue.hpp) or one slice of a
// job array (--shard i/n, joined by atlas-merge).
//
// An atlas folder (--out) holds atlas.json (how it is being made: the configuration, the
// slice, the target count, the model's sizes and sensory cell types), parts/<index>.entry for
// every finished target set (written as each finishes, so that --resume skips them), and, once
// every set of the slice is done, the result's files: atlas.csv, inputs.npy, summary.json.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "kenyon/core/checkpoint.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"
#include "kenyon/core/interrupt.hpp"
#include "kenyon/dist/work_queue.hpp"
#include "kenyon/ratenet/atlas.hpp"
#include "net_options.hpp"

namespace kenyon::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Options that change how an atlas is computed or shown, never its numbers: slices and
// resumed runs may differ in these.
const std::vector<std::string> free_options = {"batch", "threads", "shard"};

fs::path part_file(const fs::path& dir, std::size_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "%08zu.entry", index);
  return dir / "parts" / name;
}

// Of every target set, so that a changed targets file cannot be resumed or merged into an
// atlas of the old one.
std::string targets_fingerprint(std::span<const ratenet::atlas_target> targets) {
  std::string text;
  for (const auto& t : targets) {
    text += t.name + '\n' + std::to_string(t.layer) + '=' + json(t.value).dump();
    for (const auto i : t.neurons) text += ' ' + std::to_string(i);
    text += '\n';
  }
  return fingerprint(text);
}

json info_json(const ratenet::run_info& i) {
  return {{"connectome", i.connectome},
          {"neurons", i.neurons},
          {"connections", i.connections},
          {"sensory", i.sensory},
          {"layers", i.layers},
          {"load_seconds", i.load_seconds},
          {"network_seconds", i.network_seconds}};
}

ratenet::run_info info_from_json(const json& j) {
  ratenet::run_info i;
  i.command = "net atlas";
  i.connectome = j.at("connectome").get<std::string>();
  i.neurons = j.at("neurons").get<std::int64_t>();
  i.connections = j.at("connections").get<std::int64_t>();
  i.sensory = j.at("sensory").get<std::int64_t>();
  i.layers = j.at("layers").get<int>();
  i.load_seconds = j.at("load_seconds").get<double>();
  i.network_seconds = j.at("network_seconds").get<double>();
  return i;
}

// The finished target sets saved under dir/parts, each checked to belong to `shard`.
std::vector<ratenet::atlas_entry> read_parts(const fs::path& dir, const dist::shard& shard,
                                             std::size_t targets) {
  std::vector<ratenet::atlas_entry> out;
  std::error_code ec;
  if (!fs::is_directory(dir / "parts", ec)) return out;
  remove_write_leftovers(dir / "parts");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir / "parts"))
    if (e.path().extension() == ".entry") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto e = ratenet::atlas_entry_from_bytes(read_text_file(f, "atlas entry"), f.string());
    if (e.index >= targets || !shard.owns(e.index))
      throw file_error(f.string(), "target set " + std::to_string(e.index) +
                                       " does not belong to slice " + shard.text() + " of " +
                                       std::to_string(targets) + " target sets");
    out.push_back(std::move(e));
  }
  return out;
}

// What an atlas folder says of itself (atlas.json).
json read_atlas_json(const fs::path& dir) {
  const auto file = dir / "atlas.json";
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw file_error(file.string(),
                     "not an atlas folder (no atlas.json): run kenyon net atlas "
                     "with --out first");
  auto j = read_json_file(file);
  for (const char* key :
       {"provenance", "shard", "target_sets", "fingerprint", "run_info", "sensory_types"})
    if (!j.contains(key))
      throw file_error(file.string(), std::string("not an atlas.json: no \"") + key + "\"");
  return j;
}

void add_atlas(CLI::App* net, command& selected) {
  auto* cmd = net->add_subcommand(
      "atlas",
      "one activation maximisation per cell type (or per target set): which sensory "
      "input drives each");
  struct options : common_options, optimiser_options {
    std::string each, targets_file, by = "type", shard = "0/1";
    int layer = -1, top = 5;
    double value = 1;
    std::int64_t batch = 8;
    bool resume = false;
  };
  auto o = std::make_shared<options>();
  add_common_options(cmd, *o);
  auto* each = cmd->add_option("--each", o->each,
                               "every cell type matching this pattern (shell wildcards, e.g. "
                               "'MBON*') is one target set");
  auto* file = cmd->add_option("--targets-file", o->targets_file,
                               "CSV, one target set per row: target (cell type or neuron ids), "
                               "optionally layer, value, name");
  each->excludes(file);
  cmd->add_option("--layer", o->layer, "the targets' layer (default: the last)")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--value", o->value, "the targets' value")->capture_default_str();
  cmd->add_option("--by", o->by, "one target set per cell type (type) or per neuron (neuron)")
      ->capture_default_str()
      ->check(CLI::IsMember({"type", "neuron"}));
  cmd->add_option("--batch", o->batch, "target sets optimised together")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
  cmd->add_option("--top", o->top, "cell types listed per target set")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  add_optimiser_options(cmd, *o);
  cmd->add_option("--shard", o->shard,
                  "run slice i of n (i/n, for job arrays; join with "
                  "kenyon net atlas-merge)")
      ->capture_default_str();
  cmd->add_flag("--resume", o->resume,
                "skip the target sets already finished under --out (after a stop, a crash or a "
                "cancelled job)");
  cmd->callback([o, &selected] {
    selected = [o]() -> int {
      const auto world = dist::init_world();
      const bool root = world.rank == 0;
      if (!root) o->quiet = true;
      const auto shard = dist::shard::parse(o->shard);
      if (o->each.empty() && o->targets_file.empty())
        throw parameter_error("--each", "give --each PATTERN or --targets-file CSV");
      if (o->resume && o->out.empty())
        throw parameter_error("--resume", "needs --out, the stopped atlas's folder");
      const auto m = load_model(*o);
      const int layers = m.net.num_layers();
      const int layer = o->layer < 0 ? layers - 1 : o->layer;
      if (layer >= layers)
        throw parameter_error("--layer", std::to_string(layer) + " is outside 0.." +
                                             std::to_string(layers - 1) + " (--layers " +
                                             std::to_string(layers) + ")");
      const auto targets =
          o->each.empty() ? ratenet::read_atlas_targets(o->targets_file, m.conn, layer, o->value)
                          : ratenet::atlas_targets_matching(m.conn, o->each, layer, o->value,
                                                            o->by == "neuron");
      ratenet::check_atlas_targets(targets, m.net);
      ratenet::atlas_params params;
      params.optimise = o->params(o->seed);
      params.batch = o->batch;
      params.top = o->top;
      params.validate();
      check_fits_in_memory(params.batch, m.net.size(), layers);

      auto info = ratenet::run_info_of(m, "atlas");
      const auto sensory_types = ratenet::sensory_types_of(m);
      const auto made_by = provenance(*o->cmd);
      const fs::path dir = o->out;
      std::vector<ratenet::atlas_entry> entries;  // finished, here or before (rank 0)
      std::vector<std::size_t> todo;
      if (root) {
        if (!o->out.empty()) {
          const json about = {
              {"provenance", made_by},         {"shard", shard.text()},
              {"target_sets", targets.size()}, {"fingerprint", targets_fingerprint(targets)},
              {"run_info", info_json(info)},   {"sensory_types", sensory_types}};
          std::error_code ec;
          if (o->resume && fs::exists(dir / "atlas.json", ec)) {
            const auto saved = read_atlas_json(dir);
            check_same_configuration(saved["provenance"], made_by, free_options);
            if (saved["shard"] != shard.text() || saved["fingerprint"] != about["fingerprint"])
              throw parameter_error("--resume", dir.string() + " holds slice " +
                                                    saved["shard"].dump() +
                                                    " of other target "
                                                    "sets; --resume needs the same ones");
            entries = read_parts(dir, shard, targets.size());
          } else {
            if (o->resume)
              std::fprintf(stderr, "kenyon: no atlas in %s, starting from the beginning\n",
                           o->out.c_str());
            fs::remove_all(dir / "parts", ec);  // another atlas's
          }
          fs::create_directories(dir / "parts");
          write_json_atomic(dir / "atlas.json", about);
        }
        std::set<std::size_t> done;
        for (const auto& e : entries) done.insert(e.index);
        for (std::size_t k = 0; k < targets.size(); ++k)
          if (shard.owns(k) && !done.count(k)) todo.push_back(k);
      }

      auto bar = make_bar(*o, "atlas", todo.size());
      std::vector<ratenet::atlas_entry> fresh;
      dist::work_queue queue(world, todo, [&](std::size_t unit, std::string bytes) {
        auto e = ratenet::atlas_entry_from_bytes(
            bytes, "the result of target set " + std::to_string(unit));
        if (!o->out.empty()) write_file_atomic(part_file(dir, e.index), bytes);
        fresh.push_back(std::move(e));
        bar->advance(1);
      });
      catch_stop_signals();
      const auto t0 = std::chrono::steady_clock::now();
      const bool finished = ratenet::optimise_atlas(
          m.net, m.conn.neurons.type, targets, params,
          {.next = [&] { return queue.next(); },
           .done = [&](ratenet::atlas_entry e) { queue.submit(e.index, ratenet::to_bytes(e)); },
           .poll = [&] { queue.poll(); },
           .stop = [] { return stop_requested(); }});
      queue.finish();
      info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      bar.reset();
      if (!root) return 0;
      if (!finished) {
        if (o->out.empty())
          return report_stopped(static_cast<std::int64_t>(fresh.size()),
                                static_cast<std::int64_t>(todo.size()), "target sets",
                                "nothing (no --out)");
        return report_stopped(static_cast<std::int64_t>(entries.size() + fresh.size()),
                              static_cast<std::int64_t>(entries.size() + todo.size()),
                              "target sets", o->out);
      }
      for (auto& e : fresh) entries.push_back(std::move(e));
      auto r = ratenet::make_atlas_result(std::move(info), std::move(entries), sensory_types,
                                          o->figures());
      r.details["batch"] = params.batch;
      r.details["shard"] = shard.text();
      r.details["ranks"] = world.size;
      return finish(*o, std::move(r));
    };
  });
}

void add_atlas_merge(CLI::App* net, command& selected) {
  auto* cmd = net->add_subcommand(
      "atlas-merge", "join the slices of an atlas (kenyon net atlas --shard i/n --out DIR_i)");
  struct options {
    std::vector<std::string> dirs;
    common_options shown;  // only out, json, plots and quiet are used
  };
  auto o = std::make_shared<options>();
  o->shown.cmd = cmd;
  cmd->add_option("dirs", o->dirs, "the slices' --out folders")->required();
  cmd->add_option("--out,-o", o->shown.out, "write the joined atlas into DIR")->required();
  cmd->add_flag("--json", o->shown.json, "print a JSON summary");
  cmd->add_flag("--plots", o->shown.plots, "also write SVG figures under --out");
  cmd->add_flag("--quiet,-q", o->shown.quiet, "no progress bar");
  cmd->callback([o, &selected] {
    selected = [o]() -> int {
      std::vector<json> about;
      for (const auto& d : o->dirs) about.push_back(read_atlas_json(d));
      const auto& first = about.front();
      const auto targets = first["target_sets"].get<std::size_t>();
      std::set<int> slices;
      int count = 0;
      std::vector<ratenet::atlas_entry> entries;
      double seconds = 0;
      for (std::size_t k = 0; k < about.size(); ++k) {
        const auto& a = about[k];
        const auto& dir = o->dirs[k];
        try {
          check_same_configuration(first["provenance"], a["provenance"], free_options,
                                   "the slice " + o->dirs.front());
        } catch (const parameter_error& e) {
          throw parameter_error(e.field(), "the slices " + o->dirs.front() + " and " + dir +
                                               " come from different configurations: " + e.what());
        }
        if (a["fingerprint"] != first["fingerprint"] || a["target_sets"] != first["target_sets"])
          throw parameter_error("dirs", "the slices " + o->dirs.front() + " and " + dir +
                                            " optimise different target sets");
        const auto shard = dist::shard::parse(a["shard"].get<std::string>(), dir + "/atlas.json");
        if (count && shard.count != count)
          throw parameter_error("dirs", dir + " is slice " + shard.text() + ", the others are of " +
                                            std::to_string(count));
        count = shard.count;
        if (!slices.insert(shard.index).second)
          throw parameter_error("dirs", "slice " + shard.text() + " is given twice (" + dir + ")");
        auto part = read_parts(dir, shard, targets);
        std::error_code ec;
        if (fs::exists(fs::path(dir) / "summary.json", ec))
          seconds += read_json_file(fs::path(dir) / "summary.json").value("seconds", 0.0);
        for (auto& e : part) entries.push_back(std::move(e));
      }
      if (entries.size() != targets) {
        std::vector<char> have(targets, 0);
        for (const auto& e : entries) have[e.index] = 1;
        const auto missing = std::find(have.begin(), have.end(), 0) - have.begin();
        throw parameter_error(
            "dirs", std::to_string(targets - entries.size()) + " of " + std::to_string(targets) +
                        " target sets are missing from the slices given (the "
                        "first is number " +
                        std::to_string(missing) + "): merge every slice, each finished");
      }
      auto info = info_from_json(first["run_info"]);
      info.seconds = seconds;
      auto r = ratenet::make_atlas_result(std::move(info), std::move(entries),
                                          first["sensory_types"].get<std::vector<std::string>>(),
                                          o->shown.figures());
      r.details["slices"] = count;
      return finish(o->shown, std::move(r));
    };
  });
}

}  // namespace

void add_atlas_commands(CLI::App* net, command& selected) {
  add_atlas(net, selected);
  add_atlas_merge(net, selected);
}

}  // namespace kenyon::cli
