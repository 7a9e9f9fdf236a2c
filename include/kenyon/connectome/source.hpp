#pragma once
// One entry point for "a connectome given as files or by a shipped name", as the command
// line and the Python package take it: picks the loader from the file's name and header.
#include <filesystem>
#include <optional>
#include <string>

#include "kenyon/connectome/connectome.hpp"
#include "kenyon/connectome/loaders.hpp"

namespace kenyon::connectome {

enum class source_format { automatic, shipped, edge_list, codex, neuprint, npz, flyvis_json };
// "auto", "shipped", "edge-list", "codex", "neuprint", "npz", "flyvis-json"; throws
// parameter_error naming the choices for anything else.
source_format parse_source_format(const std::string& name);

struct source {
  // A shipped name (shipped_names()) or the main file: the edge list, Codex connections,
  // neuPrint adjacency, .npz matrix or flyvis JSON template.
  std::string connectome;
  std::optional<std::filesystem::path> neurons;         // neuron table / npz metadata
  std::optional<std::filesystem::path> classification;  // Codex classification table
  source_format format = source_format::automatic;
  load_options options;
};

// automatic: a shipped name if `connectome` is one and no such file exists; .npz -> npz;
// .json -> flyvis_json; a CSV whose header has pre_root_id -> codex, bodyId_pre ->
// neuprint, anything else -> edge_list. Throws kenyon::error (file_error for files) naming
// what is wrong, e.g. an npz without its metadata table.
connectome load(const source& from);

}  // namespace kenyon::connectome
