#include "kenyon/connectome/source.hpp"

#include <zlib.h>
#include <algorithm>

#include "kenyon/connectome/shipped.hpp"
#include "kenyon/core/error.hpp"
#include "kenyon/core/files.hpp"

namespace kenyon::connectome {

source_format parse_source_format(const std::string& name) {
  static const std::pair<const char*, source_format> names[] = {
      {"auto", source_format::automatic},         {"shipped", source_format::shipped},
      {"edge-list", source_format::edge_list},    {"codex", source_format::codex},
      {"neuprint", source_format::neuprint},      {"npz", source_format::npz},
      {"flyvis-json", source_format::flyvis_json}};
  std::string choices;
  for (const auto& [n, f] : names) {
    if (name == n) return f;
    choices += (choices.empty() ? "" : ", ") + std::string(n);
  }
  throw parameter_error("--format", "'" + name + "' is not one of " + choices);
}

namespace {

// The first line of a CSV file, plain or gzipped, lower-cased.
std::string header_of(const std::filesystem::path& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw file_error(path.string(), "cannot open the file");
  char buffer[4096];
  const char* line = gzgets(f, buffer, sizeof buffer);
  gzclose(f);
  return line ? to_lower(line) : std::string();
}

source_format detect(const source& from) {
  const std::filesystem::path path(from.connectome);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    const auto names = shipped_names();
    if (std::find(names.begin(), names.end(), from.connectome) != names.end())
      return source_format::shipped;
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw file_error(from.connectome, "no such file, and not a shipped connectome (" + list + ")");
  }
  const auto ext = to_lower(path.extension().string());
  if (ext == ".npz") return source_format::npz;
  if (ext == ".json") return source_format::flyvis_json;
  const auto header = header_of(path);
  if (header.find("pre_root_id") != std::string::npos) return source_format::codex;
  if (header.find("bodyid_pre") != std::string::npos) return source_format::neuprint;
  return source_format::edge_list;
}

}  // namespace

connectome load(const source& from) {
  from.options.validate();
  const auto format = from.format == source_format::automatic ? detect(from) : from.format;
  const std::filesystem::path file(from.connectome);
  // A table the format does not read would be silently ignored (a mistyped format or file).
  const bool self_contained =
      format == source_format::shipped || format == source_format::flyvis_json;
  if (from.neurons && self_contained)
    throw parameter_error("--neurons", from.connectome +
                                           " carries its own neuron table; a neuron table (" +
                                           from.neurons->string() + ") is for connectome files");
  if (from.classification && format != source_format::codex)
    throw parameter_error("--classification",
                          "only FlyWire Codex connections take a classification table; " +
                              from.connectome + " is not read as one");
  switch (format) {
    case source_format::shipped:
      return load_shipped(from.connectome, from.options);
    case source_format::edge_list:
      return load_edge_list(file, from.neurons, from.options);
    case source_format::codex:
      return load_codex(file, from.classification, from.neurons, from.options);
    case source_format::neuprint:
      return load_neuprint(file, from.neurons, from.options);
    case source_format::npz:
      if (!from.neurons)
        throw file_error(from.connectome,
                         "an .npz matrix needs its metadata table (--neurons FILE.csv)");
      return load_npz(file, *from.neurons, from.options);
    case source_format::flyvis_json:
      return expand_flyvis(file);
    case source_format::automatic:
      break;
  }
  throw internal_error("connectome::load: unhandled format");
}

}  // namespace kenyon::connectome
