#pragma once
// Running the built kenyon binary (KENYON_CLI_PATH) from a test, with stdout and stderr
// captured, in a fresh temporary folder per test.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace kenyon::test {

inline const std::string cli_path = KENYON_CLI_PATH;
// Where the set-up (scripts/install_deps.sh) puts MNIST.
inline const std::filesystem::path mnist_dir =
    std::filesystem::path(KENYON_SOURCE_DIR) / "data" / "cache" / "mnist";

inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// A result file without what differs between two runs: the timings and how the run was
// invoked (working directory, command line, options).
inline nlohmann::json without_timings(nlohmann::json j) {
  for (const char* k :
       {"wall_seconds", "working_directory", "command_line", "configuration", "inputs"})
    j.erase(k);
  return j;
}

struct cli_result {
  int code = -1;
  std::string out, err;
};

class cli_fixture : public temporary_folder_test {
 protected:
  // A five-neuron connectome in the folder: neurons.csv (two sensory S, A, an inhibitory
  // B) and edges.csv (synapse counts), small enough to check results by hand.
  void write_small_connectome() {
    write("neurons.csv",
          "id,type,sign,sensory\n"
          "1,S,1,true\n"
          "2,S,1,true\n"
          "3,A,1,false\n"
          "4,B,-1,false\n"
          "5,A,1,false\n");
    write("edges.csv",
          "pre,post,syn_count\n"
          "1,3,4\n"
          "2,3,1\n"
          "1,5,2\n"
          "3,4,3\n"
          "5,4,1\n"
          "4,3,2\n"
          "3,5,1\n");
  }

  // Runs `kenyon <args>` with stdout and stderr captured to files; `env` prefixes the
  // command (e.g. "OMP_NUM_THREADS=1").
  cli_result run(const std::string& args, const std::string& env = "") {
    const auto out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    const std::string command = env + (env.empty() ? "" : " ") + quote(cli_path) + " " + args +
                                " >" + quote(out.string()) + " 2>" + quote(err.string()) +
                                " </dev/null";
    const int status = std::system(command.c_str());
    cli_result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
  }
};

}  // namespace kenyon::test
