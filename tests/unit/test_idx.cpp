#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "kenyon/core/error.hpp"
#include "kenyon/data/dataset.hpp"
#include "kenyon/data/idx.hpp"
#include "require.hpp"
#include "temp_dir.hpp"

namespace kenyon::data {
namespace {

namespace fs = std::filesystem;
using bytes = std::vector<std::uint8_t>;

// An IDX byte stream: magic, big-endian dims, then `data` (which may be short on purpose).
bytes idx_bytes(const std::vector<std::uint32_t>& dims, const bytes& data,
                std::uint8_t type = 0x08) {
  bytes out{0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back((d >> shift) & 0xff);
  }
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

bytes iota_bytes(std::size_t n) {
  bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return out;
}

// Writes IDX files (plain or gzipped) into the test's temporary folder.
class temp_dir_test : public test::temporary_folder_test {
 protected:
  fs::path write_plain(const std::string& name, const bytes& b) {
    const auto p = dir_ / name;
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    return p;
  }
  fs::path write_gz(const std::string& name, const bytes& b) {
    const auto p = dir_ / name;
    gzFile f = gzopen(p.string().c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, b.data(), static_cast<unsigned>(b.size())), static_cast<int>(b.size()));
    gzclose(f);
    return p;
  }
};

// Runs `f`, expecting a file_error whose message names `path` and contains `what`.
template <class F>
void expect_file_error(F f, const fs::path& path, const std::string& what) {
  try {
    f();
    ADD_FAILURE() << "no file_error thrown for " << path;
  } catch (const file_error& e) {
    EXPECT_EQ(e.path(), path.string());
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

class idx : public temp_dir_test {};

TEST_F(idx, reads_plain_and_gzipped_files_identically) {
  const auto data = iota_bytes(2 * 3 * 4);
  const auto plain = read_idx(write_plain("a.idx", idx_bytes({2, 3, 4}, data)));
  const auto gz = read_idx(write_gz("a.idx.gz", idx_bytes({2, 3, 4}, data)));
  for (const auto& a : {plain, gz}) {
    EXPECT_EQ(a.dims, (std::vector<std::uint32_t>{2, 3, 4}));
    EXPECT_EQ(a.values, data);
  }
}

TEST_F(idx, reads_big_endian_dimensions_and_one_d_arrays) {
  const auto data = iota_bytes(70000);  // 0x00011170: every header byte matters
  const auto a = read_idx(write_plain("labels", idx_bytes({70000}, data)));
  ASSERT_EQ(a.dims.size(), 1u);
  EXPECT_EQ(a.dims[0], 70000u);
  EXPECT_EQ(a.values, data);
}

TEST_F(idx, truncated_data_names_file_and_expected_size) {
  const auto p = write_plain("short", idx_bytes({10, 10, 10}, iota_bytes(10)));
  expect_file_error([&] { read_idx(p); }, p,
                    "truncated: header promises 1000 bytes of data, found 10");
  const auto g = write_gz("short.gz", idx_bytes({10, 10, 10}, iota_bytes(999)));
  expect_file_error([&] { read_idx(g); }, g,
                    "truncated: header promises 1000 bytes of data, found 999");
}

TEST_F(idx, truncated_header_and_truncated_gzip_stream_throw) {
  bytes header = idx_bytes({5, 6, 7}, {});
  header.resize(9);  // magic and one full dimension, then two bytes of the second
  const auto p = write_plain("header", header);
  expect_file_error([&] { read_idx(p); }, p, "truncated: header promises 3 dimensions, found 1");
  const auto q = write_plain("tiny", bytes{0, 0});
  expect_file_error([&] { read_idx(q); }, q, "truncated");

  // Damaged gzip files: cut in half, missing the 8-byte trailer's length field, or with a
  // wrong CRC (the trailer's first 4 bytes). The data are random so they barely compress.
  bytes data(10000);
  std::uint32_t x = 1;
  for (auto& v : data) v = static_cast<std::uint8_t>((x = x * 1664525u + 1013904223u) >> 24);
  const auto whole = write_gz("whole.gz", idx_bytes({100, 100}, data));
  EXPECT_EQ(read_idx(whole).values, data);
  std::ifstream in(whole, std::ios::binary);
  const bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  const auto cut = write_plain("cut.gz", bytes(gz.begin(), gz.begin() + gz.size() / 2));
  expect_file_error([&] { read_idx(cut); }, cut, "truncated: header promises 10000 bytes");
  const auto no_length = write_plain("no_length.gz", bytes(gz.begin(), gz.end() - 4));
  expect_file_error([&] { read_idx(no_length); }, no_length, "unexpected end of file");
  bytes bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0xff;
  const auto crc = write_plain("crc.gz", bad_crc);
  expect_file_error([&] { read_idx(crc); }, crc, "incorrect data check");
}

TEST_F(idx, reads_only_the_first_records_when_asked) {
  const auto data = iota_bytes(5 * 3 * 4);
  for (const auto& p : {write_plain("a.idx", idx_bytes({5, 3, 4}, data)),
                        write_gz("a.idx.gz", idx_bytes({5, 3, 4}, data))}) {
    const auto two = read_idx(p, 2);
    EXPECT_EQ(two.dims, (std::vector<std::uint32_t>{2, 3, 4}));
    EXPECT_EQ(two.items_in_file, 5u);
    EXPECT_EQ(two.values, bytes(data.begin(), data.begin() + 2 * 12));
    EXPECT_EQ(read_idx(p, 0).values.size(), 0u);
    EXPECT_EQ(read_idx(p, 0).dims, (std::vector<std::uint32_t>{0, 3, 4}));
    // At or beyond the record count: the whole array, exactly as without a limit.
    for (std::size_t n : {std::size_t{5}, std::size_t{6}, std::size_t{1} << 40}) {
      const auto all = read_idx(p, n);
      EXPECT_EQ(all.dims, (std::vector<std::uint32_t>{5, 3, 4}));
      EXPECT_EQ(all.items_in_file, 5u);
      EXPECT_EQ(all.values, data);
    }
  }
  EXPECT_EQ(read_idx(write_plain("b.idx", idx_bytes({5, 3, 4}, data))).items_in_file, 5u);
}

TEST_F(idx, a_limited_read_checks_truncation_of_what_it_reads) {
  // The header promises 10 records of 10 bytes; only 25 bytes follow.
  const auto p = write_plain("short", idx_bytes({10, 10}, iota_bytes(25)));
  EXPECT_EQ(read_idx(p, 2).values, iota_bytes(20));
  expect_file_error([&] { read_idx(p, 3); }, p,
                    "truncated: header promises 30 bytes of data, found 25");
  expect_file_error([&] { read_idx(p); }, p,
                    "truncated: header promises 100 bytes of data, found 25");
  // A huge (corrupt) header is harmless when only a few records are read.
  const auto huge =
      write_plain("huge", idx_bytes({0xffffffffu, 0xffffffffu, 0xffffffffu}, iota_bytes(8)));
  EXPECT_EQ(read_idx(huge, 0).values.size(), 0u);
}

TEST_F(idx, missing_file_bad_magic_and_bad_type_throw) {
  const auto missing = dir_ / "nope";
  expect_file_error([&] { read_idx(missing); }, missing, "no such file");

  bytes bad = idx_bytes({2}, {1, 2});
  bad[0] = 0x1f;
  const auto m = write_plain("magic", bad);
  expect_file_error([&] { read_idx(m); }, m, "bad magic number");

  const auto t = write_plain("float", idx_bytes({1}, {0, 0, 0, 0}, 0x0d));
  expect_file_error([&] { read_idx(t); }, t, "unsupported IDX type code 0x0d");
}

class dataset : public temp_dir_test {};

TEST_F(dataset, parses_names) {
  EXPECT_EQ(parse_dataset_name("mnist"), dataset_name::mnist);
  EXPECT_EQ(parse_dataset_name("fashion-mnist"), dataset_name::fashion_mnist);
  EXPECT_EQ(to_string(dataset_name::fashion_mnist), "fashion-mnist");
  EXPECT_EQ(to_string(dataset_name::mnist), "mnist");
  try {
    parse_dataset_name("cifar");
    ADD_FAILURE() << "no parameter_error";
  } catch (const parameter_error& e) {
    EXPECT_EQ(e.field(), "dataset");
  }
}

TEST_F(dataset, loads_images_and_labels_from_a_directory_gzipped_or_not) {
  const auto pixels = iota_bytes(3 * 4 * 5);
  write_gz("train-images-idx3-ubyte.gz", idx_bytes({3, 4, 5}, pixels));
  write_plain("train-labels-idx1-ubyte", idx_bytes({3}, {7, 0, 9}));
  const auto s = load_training_set(dataset_name::mnist, dir_);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.rows, 4);
  EXPECT_EQ(s.cols, 5);
  EXPECT_EQ(s.labels, (bytes{7, 0, 9}));
  EXPECT_EQ(s.pixels, pixels);
  EXPECT_EQ(s.image(2)[0], pixels[40]);
}

TEST_F(dataset, per_class_reads_the_shortest_prefix_holding_every_class) {
  // 12 one-pixel images; labels 0..9 once each, then 3 and 7 again at the end.
  // per_class = 1 needs the first 10 images, per_class = 2 never completes (classes other
  // than 3 and 7 have one image), so everything is read.
  const bytes labels{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 3, 7};
  const auto pixels = iota_bytes(12);
  const auto img = write_gz("train-images-idx3-ubyte.gz", idx_bytes({12, 1, 1}, pixels));
  const auto lab = write_plain("train-labels-idx1-ubyte", idx_bytes({12}, labels));
  const auto one = load_image_set(img, lab, 1);
  EXPECT_EQ(one.size(), 10u);
  EXPECT_EQ(one.labels, bytes(labels.begin(), labels.begin() + 10));
  EXPECT_EQ(one.pixels, bytes(pixels.begin(), pixels.begin() + 10));
  EXPECT_EQ(load_training_set(dataset_name::mnist, dir_, 1).size(), 10u);
  for (std::size_t per_class : {0, 2, 1000}) {
    const auto all = load_image_set(img, lab, per_class);
    EXPECT_EQ(all.size(), 12u) << per_class;
    EXPECT_EQ(all.labels, labels);
    EXPECT_EQ(all.pixels, pixels);
  }
  // The image/label count check still compares the files' headers, and every label is
  // checked even when its image is not read.
  const auto lab13 = write_plain("l13", idx_bytes({13}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 3, 7, 1}));
  expect_file_error([&] { load_image_set(img, lab13, 1); }, lab13, "holds 13 labels");
  const auto bad = write_plain("bad", idx_bytes({12}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 3, 11}));
  expect_file_error([&] { load_image_set(img, bad, 1); }, bad, "label 11 outside 0..9");
}

TEST_F(dataset, mismatched_or_malformed_files_throw) {
  const auto images = write_plain("i", idx_bytes({3, 2, 2}, iota_bytes(12)));
  const auto labels = write_plain("l", idx_bytes({2}, {1, 2}));
  expect_file_error([&] { load_image_set(images, labels); }, labels, "holds 2 labels");
  const auto flat = write_plain("flat", idx_bytes({12}, iota_bytes(12)));
  expect_file_error([&] { load_image_set(flat, labels); }, flat, "3-d image array");
  const auto bad_labels = write_plain("bad", idx_bytes({3}, {1, 12, 2}));
  try {
    load_image_set(images, bad_labels);
    ADD_FAILURE() << "no file_error";
  } catch (const file_error& e) {
    EXPECT_EQ(e.row(), 2u);
    EXPECT_NE(std::string(e.what()).find("label 12"), std::string::npos) << e.what();
  }
}

TEST_F(dataset, missing_dataset_says_where_it_looked_and_how_to_fetch) {
  const auto empty = dir_ / "empty";
  fs::create_directories(empty);
  try {
    load_training_set(dataset_name::mnist, empty);
    ADD_FAILURE() << "no file_error";
  } catch (const file_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(empty.string()), std::string::npos) << what;
    EXPECT_NE(what.find("make deps"), std::string::npos) << what;
  }
  try {
    load_training_set(dataset_name::fashion_mnist, empty);
    ADD_FAILURE() << "no file_error";
  } catch (const file_error& e) {
    EXPECT_NE(std::string(e.what()).find("dataset-fashion-mnist"), std::string::npos);
  }
}

TEST(dataset_real, mnist_training_set) {
  const fs::path dir = KENYON_SOURCE_DIR "/data/cache/mnist";
  KENYON_REQUIRE(fs::exists(dir / "train-images-idx3-ubyte"), "no MNIST in " << dir);
  const auto s = load_training_set(dataset_name::mnist, dir);
  EXPECT_EQ(s.size(), 60000u);
  EXPECT_EQ(s.rows, 28);
  EXPECT_EQ(s.cols, 28);
  EXPECT_EQ(s.pixels.size(), 60000u * 784u);
  // The well-known first labels of the MNIST training file.
  EXPECT_EQ((bytes(s.labels.begin(), s.labels.begin() + 5)), (bytes{5, 0, 4, 1, 9}));
}

TEST(dataset_real, fashion_mnist_training_set) {
  const fs::path dir = "/usr/share/datasets/fashion-mnist";
  KENYON_REQUIRE(fs::exists(dir / "train-images-idx3-ubyte.gz"), "no Fashion-MNIST in " << dir);
  const auto s = load_training_set(dataset_name::fashion_mnist, dir);
  EXPECT_EQ(s.size(), 60000u);
  EXPECT_EQ(s.rows, 28);
  EXPECT_EQ(s.cols, 28);
  EXPECT_EQ(s.labels[0], 9);  // the first training item is an ankle boot
  std::vector<int> counts(10);
  for (auto l : s.labels) ++counts[l];
  for (int c : counts) EXPECT_EQ(c, 6000);  // Fashion-MNIST is exactly balanced
}

}  // namespace
}  // namespace kenyon::data
