// End-to-end tests of the kenyon CLI: runs the built binary (KENYON_CLI_PATH) with small
// MothNet runs and checks its JSON, its files under --out, its determinism and its
// handling of bad input (one-line error, exit code 2, nothing left in --out).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_run.hpp"
#include "require.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string& cli = kenyon::test::cli_path;
using kenyon::test::lines_of;
using kenyon::test::mnist_dir;
using kenyon::test::without_timings;

bool have_mnist() { return fs::exists(mnist_dir / "train-labels-idx1-ubyte"); }

#define REQUIRE_CLI_AND_MNIST()                                              \
  do {                                                                       \
    KENYON_REQUIRE(!cli.empty() && fs::exists(cli), "kenyon CLI not built"); \
    KENYON_REQUIRE(have_mnist(), "MNIST not in " << mnist_dir);              \
  } while (0)

using kenyon::test::cli_result;
using kenyon::test::quote;
using kenyon::test::read_text;

class cli_test : public kenyon::test::cli_fixture {
 protected:
  // The options of a small, fast run on the real MNIST.
  static std::string small_run(const std::string& extra = "") {
    return "moth run --train-per-class 1 --val-per-class 3 --data-dir " +
           quote(mnist_dir.string()) + " " + extra;
  }
};

// Parses stdout as exactly one JSON object (nlohmann rejects trailing text).
json parse_stdout(const cli_result& r) {
  json j;
  EXPECT_NO_THROW(j = json::parse(r.out)) << "stdout is not one JSON object:\n" << r.out;
  EXPECT_TRUE(j.is_object());
  return j;
}

TEST_F(cli_test, RunJsonHoldsTheRequiredFields) {
  REQUIRE_CLI_AND_MNIST();
  const auto r = run(small_run("--seed 3 --json"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "no progress bar (or anything else) when stderr is not a terminal";
  const json j = parse_stdout(r);
  for (const char* key : {"accuracy", "accuracy_thresholding", "accuracy_naive", "accuracy_honest",
                          "per_class_accuracy", "roc_auc_macro", "baselines", "train_per_class",
                          "sniffs", "seed", "steps", "wall_seconds"})
    EXPECT_TRUE(j.contains(key)) << key;
  ASSERT_TRUE(j["baselines"].is_object());
  EXPECT_TRUE(j["baselines"].contains("nearest_neighbour"));
  EXPECT_TRUE(j["baselines"].contains("svm"));
  for (const char* key :
       {"accuracy", "accuracy_thresholding", "accuracy_naive", "accuracy_honest"}) {
    EXPECT_GE(j[key].get<double>(), 0) << key;
    EXPECT_LE(j[key].get<double>(), 100) << key;
  }
  EXPECT_EQ(j["per_class_accuracy"].size(), 10u);
  EXPECT_GE(j["roc_auc_macro"].get<double>(), 0);
  EXPECT_LE(j["roc_auc_macro"].get<double>(), 1);
  EXPECT_EQ(j["train_per_class"], 1);
  EXPECT_EQ(j["sniffs"], 1);
  EXPECT_EQ(j["seed"], 3);
  EXPECT_GT(j["steps"].get<std::int64_t>(), 0);
  EXPECT_GT(j["wall_seconds"].get<double>(), 0);
}

TEST_F(cli_test, RunWithoutJsonPrintsASummary) {
  REQUIRE_CLI_AND_MNIST();
  const auto r = run(small_run("--sniffs 2 --compat pymoth"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("accuracy"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pymoth"), std::string::npos) << r.out;
}

TEST_F(cli_test, SameSeedSameNumbersOtherSeedOtherNumbers) {
  REQUIRE_CLI_AND_MNIST();
  const auto a = run(small_run("--seed 7 --json")), b = run(small_run("--seed 7 --json")),
             c = run(small_run("--seed 8 --json"));
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  ASSERT_EQ(c.code, 0) << c.err;
  const json ja = without_timings(parse_stdout(a)), jb = without_timings(parse_stdout(b)),
             jc = without_timings(parse_stdout(c));
  EXPECT_EQ(ja, jb);
  jc.at("seed");  // the seed itself differs, of course; the numbers must too
  json ja_noseed = ja, jc_noseed = jc;
  ja_noseed.erase("seed");
  jc_noseed.erase("seed");
  EXPECT_NE(ja_noseed, jc_noseed);
  EXPECT_NE(ja["confusion"], jc["confusion"]);
}

TEST_F(cli_test, RunDoesNotDependOnOmpNumThreads) {
  REQUIRE_CLI_AND_MNIST();
  const auto one = run(small_run("--seed 2 --json"), "OMP_NUM_THREADS=1");
  const auto two = run(small_run("--seed 2 --json"), "OMP_NUM_THREADS=2");
  ASSERT_EQ(one.code, 0) << one.err;
  ASSERT_EQ(two.code, 0) << two.err;
  EXPECT_EQ(without_timings(parse_stdout(one)), without_timings(parse_stdout(two)));
}

TEST_F(cli_test, RunOutWritesResultsAndCsvs) {
  REQUIRE_CLI_AND_MNIST();
  const auto out = dir_ / "results" / "nested";
  const auto r = run(small_run("--seed 1 --json --out " + quote(out.string())));
  ASSERT_EQ(r.code, 0) << r.err;
  const json printed = parse_stdout(r);
  ASSERT_TRUE(fs::is_regular_file(out / "results.json"));
  EXPECT_EQ(json::parse(read_text(out / "results.json")), printed);

  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(out)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"confusion.csv", "en_responses.csv",
                                             "en_timecourses.csv", "en_timecourses.svg",
                                             "results.json", "roc.csv", "roc.svg", "stimuli.csv"}))
      << "no staging or temporary files left behind";

  const auto confusion = lines_of(read_text(out / "confusion.csv"));
  ASSERT_EQ(confusion.size(), 11u);  // header + one row per class
  EXPECT_EQ(confusion[0].rfind("true,pred0", 0), 0u) << confusion[0];
  // Baseline and validation digits: 3 per class each.
  const auto responses = lines_of(read_text(out / "en_responses.csv"));
  EXPECT_EQ(responses.size(), 1u + 2 * 10 * 3);
  EXPECT_EQ(responses[0].rfind("phase,class,digit,en0", 0), 0u) << responses[0];
  const auto trace = lines_of(read_text(out / "en_timecourses.csv"));
  EXPECT_GT(trace.size(), 10u);
  EXPECT_EQ(trace[0].rfind("time,en0", 0), 0u) << trace[0];
  const auto roc = lines_of(read_text(out / "roc.csv"));
  EXPECT_GT(roc.size(), 12u);
  EXPECT_EQ(roc[0], "curve,fpr,tpr");
  // The pictures: one line per readout neuron, one ROC curve per class plus the macro one.
  const auto svg = read_text(out / "en_timecourses.svg");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  std::size_t lines = 0;
  for (auto at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1))
    ++lines;
  EXPECT_EQ(lines, 10u);
  EXPECT_NE(read_text(out / "roc.svg").find("macro (AUC"), std::string::npos);
}

TEST_F(cli_test, SweepJsonHasRowsAndIgnoresThreadCount) {
  REQUIRE_CLI_AND_MNIST();
  const std::string args =
      "moth sweep --train-per-class 1,2 --seeds 2 --val-per-class 3 --json "
      "--data-dir " +
      quote(mnist_dir.string());
  const auto one = run(args + " --threads 1"), two = run(args + " --threads 2");
  ASSERT_EQ(one.code, 0) << one.err;
  ASSERT_EQ(two.code, 0) << two.err;
  EXPECT_EQ(one.err, "");
  const json j = parse_stdout(one);
  ASSERT_TRUE(j.contains("rows"));
  ASSERT_EQ(j["rows"].size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    const auto& row = j["rows"][k];
    EXPECT_EQ(row["train_per_class"], static_cast<int>(k + 1));
    for (const char* key : {"accuracy_mean", "accuracy_sd", "nearest_neighbour_mean",
                            "nearest_neighbour_sd", "svm_mean", "svm_sd"})
      EXPECT_TRUE(row.contains(key) && row[key].is_number()) << key;
    EXPECT_TRUE(row["baselines"]["nearest_neighbour"].contains("mean"));
    EXPECT_TRUE(row["baselines"]["svm"].contains("sd"));
    EXPECT_GT(row["accuracy_sd"].get<double>(), 0) << "two seeds, two different accuracies";
  }
  EXPECT_EQ(without_timings(j), without_timings(parse_stdout(two)));

  // --out: the same JSON, the table as CSV and the figure as SVG.
  const auto out = dir_ / "sweep";
  const auto written = run(args + " --threads 2 --out " + quote(out.string()));
  ASSERT_EQ(written.code, 0) << written.err;
  EXPECT_EQ(without_timings(json::parse(read_text(out / "results.json"))), without_timings(j));
  EXPECT_EQ(lines_of(read_text(out / "accuracy.csv")).size(), 3u);
  EXPECT_NE(read_text(out / "accuracy.svg").find("nearest neighbour"), std::string::npos);
}

// A progress bar goes to stderr only when it is a terminal; `script` gives one.
TEST_F(cli_test, ProgressBarOnlyOnATerminal) {
  REQUIRE_CLI_AND_MNIST();
  KENYON_REQUIRE(std::system("command -v script >/dev/null 2>&1") == 0, "no `script` (util-linux)");
  const auto out = dir_ / "tty_stdout.json", typescript = dir_ / "typescript";
  const std::string inner = quote(cli) + " " + small_run("--json") + " >" + quote(out.string());
  const std::string command = "script -qec " + quote(inner) + " " + quote(typescript.string()) +
                              " >/dev/null 2>&1 </dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_NE(read_text(typescript).find("moth run ["), std::string::npos)
      << "expected a progress bar on the terminal";
  EXPECT_NO_THROW(json::parse(read_text(out))) << "stdout stays pure JSON";
}

// ---- bad input --------------------------------------------------------------------

using bytes = std::vector<std::uint8_t>;

bytes idx_header(std::uint8_t ndims, const std::vector<std::uint32_t>& dims) {
  bytes out{0, 0, 0x08, ndims};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back((d >> shift) & 0xff);
  return out;
}

void write_bytes(const fs::path& p, const bytes& b) {
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

bytes labels_file(std::uint32_t n) {
  bytes b = idx_header(1, {n});
  for (std::uint32_t i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(i % 10));
  return b;
}

bytes images_file(std::uint32_t n, std::size_t data_bytes) {
  bytes b = idx_header(3, {n, 28, 28});
  b.resize(b.size() + data_bytes, 17);
  return b;
}

// Expects a failed run: exit code 2, nothing on stdout, one line on stderr starting
// "kenyon: error:" and mentioning `expected`, and no --out folder.
void expect_bad_input(const cli_result& r, const std::string& expected, const fs::path& out) {
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << "expected one line on stderr, got:\n" << r.err;
  EXPECT_EQ(lines[0].rfind("kenyon: error:", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(expected), std::string::npos)
      << "expected '" << expected << "' in: " << lines[0];
  EXPECT_FALSE(fs::exists(out)) << "a failed run created " << out;
}

TEST_F(cli_test, BadOptionsGiveOneLineErrors) {
  KENYON_REQUIRE(!cli.empty() && fs::exists(cli), "kenyon CLI not built");
  const auto out = dir_ / "out";
  const std::string o = " --json --out " + quote(out.string());
  struct bad_case {
    std::string args, expected;
    bool needs_mnist;
  };
  const std::vector<bad_case> cases = {
      {"moth run --seed abc", "--seed", false},
      {"moth run --seed -1", "--seed", false},
      {"moth run --train-per-class x", "--train-per-class", false},
      {"moth run --bogus", "--bogus", false},
      {"moth run --sniffs", "--sniffs", false},
      {"moth run --dataset imagenet", "imagenet", false},
      {"moth run --compat matlab", "compat", false},
      {"moth sweep --train-per-class 1,x", "--train-per-class", false},
      {"moth sweep --seeds 2 --first-seed -3", "--first-seed", false},
      {"moth", "subcommand", false},
      {"moth run --train-per-class 0", "train-per-class", true},
      {"moth run --train-per-class 201", "train-per-class", true},
      {"moth run --train-per-class 1 --val-per-class 1", "val-per-class", true},
      {"moth run --train-per-class 1 --val-per-class 3 --sniffs 0", "sniffs", true},
      {"moth sweep --train-per-class 1,201 --seeds 1", "train-per-class", true},
      {"moth sweep --train-per-class 1 --seeds 0", "seeds", true},
  };
  for (const auto& c : cases) {
    if (c.needs_mnist && !have_mnist()) continue;
    SCOPED_TRACE(c.args);
    const std::string data = c.needs_mnist ? " --data-dir " + quote(mnist_dir.string()) : "";
    // Only `moth run` takes --out; `moth` alone takes no options.
    const bool is_run = c.args.rfind("moth run", 0) == 0;
    const std::string extra = is_run ? o + data : c.args == "moth" ? "" : " --json" + data;
    expect_bad_input(run(c.args + extra), c.expected, out);
  }
}

TEST_F(cli_test, BadDataFilesGiveOneLineErrors) {
  KENYON_REQUIRE(!cli.empty() && fs::exists(cli), "kenyon CLI not built");
  const auto out = dir_ / "out";
  auto run_on = [&](const fs::path& data) {
    return run("moth run --train-per-class 1 --val-per-class 3 --json --data-dir " +
               quote(data.string()) + " --out " + quote(out.string()));
  };

  const auto empty = dir_ / "empty";
  fs::create_directories(empty);
  expect_bad_input(run_on(empty), "train-images-idx3-ubyte", out);
  expect_bad_input(run_on(dir_ / "no_such_folder"), "no_such_folder", out);

  // Images promising 60000 digits but holding a few hundred bytes.
  const auto short_images = dir_ / "short_images";
  fs::create_directories(short_images);
  write_bytes(short_images / "train-images-idx3-ubyte", images_file(60000, 500));
  write_bytes(short_images / "train-labels-idx1-ubyte", labels_file(60000));
  expect_bad_input(run_on(short_images), "truncated", out);

  // Labels promising 60000 entries but holding 12.
  const auto short_labels = dir_ / "short_labels";
  fs::create_directories(short_labels);
  write_bytes(short_labels / "train-images-idx3-ubyte", images_file(60000, 500));
  bytes labels = labels_file(12);
  labels[4] = 0, labels[5] = 0, labels[6] = 0xea, labels[7] = 0x60;  // header: 60000
  write_bytes(short_labels / "train-labels-idx1-ubyte", labels);
  expect_bad_input(run_on(short_labels), "truncated", out);

  // Not IDX at all.
  const auto garbage = dir_ / "garbage";
  fs::create_directories(garbage);
  std::ofstream(garbage / "train-images-idx3-ubyte") << "hello, not an IDX file\n";
  std::ofstream(garbage / "train-labels-idx1-ubyte") << "hello, not an IDX file\n";
  expect_bad_input(run_on(garbage), "magic", out);

  // Only the labels: the images file is missing.
  const auto half = dir_ / "half";
  fs::create_directories(half);
  write_bytes(half / "train-labels-idx1-ubyte", labels_file(60000));
  expect_bad_input(run_on(half), "train-images-idx3-ubyte", out);
}

TEST_F(cli_test, FailedRunLeavesAnExistingOutFolderUntouched) {
  KENYON_REQUIRE(!cli.empty() && fs::exists(cli), "kenyon CLI not built");
  const auto out = dir_ / "out";
  fs::create_directories(out);
  std::ofstream(out / "keep.txt") << "mine\n";
  const auto r = run("moth run --train-per-class 1 --val-per-class 3 --json --data-dir " +
                     quote((dir_ / "nothing_here").string()) + " --out " + quote(out.string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(out)) names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"keep.txt"});
}

TEST_F(cli_test, OutThatCannotBeAFolderIsRefused) {
  REQUIRE_CLI_AND_MNIST();
  const auto file = dir_ / "a_file";
  std::ofstream(file) << "x\n";
  // An existing file: refused before the run.
  auto r = run(small_run("--json --out " + quote(file.string())));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  ASSERT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_EQ(r.err.rfind("kenyon: error:", 0), 0u) << r.err;
  // A folder below a file: fails when writing, leaves nothing behind.
  r = run(small_run("--json --out " + quote((file / "sub").string())));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  ASSERT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_EQ(r.err.rfind("kenyon: error:", 0), 0u) << r.err;
  EXPECT_EQ(read_text(file), "x\n");
}

}  // namespace
