// NumPy .npy files: round trips, files numpy wrote, hand-made headers, and errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "kenyon/core/error.hpp"
#include "kenyon/core/npy.hpp"
#include "messages.hpp"
#include "temp_dir.hpp"

namespace kenyon {
namespace {

using kenyon::test::message_of;

namespace fs = std::filesystem;
using shape_t = std::vector<std::int64_t>;

const fs::path ref_dir = fs::path(KENYON_TEST_DATA_DIR) / "connectome_interpreter";

class npy_test : public test::temporary_folder_test {
 protected:
  // A version-1 (or 2) .npy file with the given header dictionary and raw data.
  fs::path write_npy_by_hand(const std::string& name, std::string dict, const std::string& data,
                             int version = 1) {
    dict += '\n';
    std::string out = "\x93NUMPY";
    out += static_cast<char>(version);
    out += '\0';
    const std::size_t len = dict.size();
    out += static_cast<char>(len & 0xff);
    out += static_cast<char>((len >> 8) & 0xff);
    if (version >= 2) {
      out += '\0';
      out += '\0';
    }
    return write(name, out + dict + data);
  }
};

template <class T>
std::string bytes_of(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

template <class T>
std::vector<T> iota_values(std::size_t n, double scale) {
  std::vector<T> v(n);
  for (std::size_t k = 0; k < n; ++k)
    v[k] = static_cast<T>(scale * (static_cast<double>(k) - static_cast<double>(n) / 3));
  return v;
}

template <class T>
void round_trip(const fs::path& p, const shape_t& shape, const char* dtype, double scale) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  const auto values = iota_values<T>(static_cast<std::size_t>(n), scale);
  write_npy(p, shape, values.data());
  const auto a = read_npy(p);
  EXPECT_EQ(a.shape, shape);
  EXPECT_EQ(a.dtype, dtype);
  EXPECT_EQ(a.size(), n);
  EXPECT_EQ(a.values<T>(), values);
  // The header is padded so that the data starts at a multiple of 64 bytes (numpy's rule).
  EXPECT_EQ((fs::file_size(p) - static_cast<std::uintmax_t>(n) * sizeof(T)) % 64, 0u);
}

TEST_F(npy_test, round_trips_f4_f8_i8_in_1_2_and_3_dimensions) {
  for (const shape_t& shape : {shape_t{7}, shape_t{3, 4}, shape_t{2, 3, 5}, shape_t{0, 4}}) {
    SCOPED_TRACE(std::to_string(shape.size()) + "-d");
    round_trip<float>(dir_ / "f4.npy", shape, "<f4", 0.37);
    round_trip<double>(dir_ / "f8.npy", shape, "<f8", 1.0 / 3.0);
    round_trip<std::int64_t>(dir_ / "i8.npy", shape, "<i8", 1e12);
  }
}

TEST_F(npy_test, header_is_what_numpy_writes) {
  const std::vector<float> v{1, 2, 3};
  write_npy(dir_ / "a.npy", {3}, v.data());
  std::ifstream in(dir_ / "a.npy", std::ios::binary);
  std::string header(128, '\0');
  in.read(header.data(), 128);
  EXPECT_EQ(header.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos);
  EXPECT_NE(header.find("'fortran_order': False"), std::string::npos);
  EXPECT_NE(header.find("'shape': (3,"), std::string::npos);  // a 1-tuple keeps its comma
}

TEST_F(npy_test, converts_between_dtypes) {
  const std::vector<std::int64_t> v{-3, 0, 5};
  write_npy(dir_ / "i.npy", {3}, v.data());
  const auto a = read_npy(dir_ / "i.npy");
  EXPECT_EQ(a.values<double>(), (std::vector<double>{-3, 0, 5}));
  EXPECT_EQ(a.values<float>(), (std::vector<float>{-3, 0, 5}));
  EXPECT_EQ(a.values<std::int32_t>(), (std::vector<std::int32_t>{-3, 0, 5}));
}

TEST_F(npy_test, reads_files_numpy_wrote) {
  const auto s = read_npy(ref_dir / "sensory_indices.npy");
  EXPECT_EQ(s.dtype, "<i8");
  EXPECT_EQ(s.shape, shape_t{40});
  std::vector<std::int64_t> expected(40);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(s.values<std::int64_t>(), expected);

  const auto x = read_npy(ref_dir / "h_input_from_df.npy");
  EXPECT_EQ(x.dtype, "<f4");
  EXPECT_EQ(x.shape, (shape_t{2, 40, 6}));
  const auto v = x.values<float>();
  // Batch 0 ("odourA"), sensory neuron 0 (group S0 = 1.0) at timepoints 0 and 1 only.
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], 1.0f);
  EXPECT_EQ(v[2], 0.0f);
}

TEST_F(npy_test, reads_fortran_order_into_c_order) {
  // shape (2, 3): C order 0 1 2 / 3 4 5, stored column by column.
  const std::vector<float> column_major{0, 3, 1, 4, 2, 5};
  const auto p =
      write_npy_by_hand("f.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                        bytes_of(column_major));
  const auto a = read_npy(p);
  EXPECT_EQ(a.shape, (shape_t{2, 3}));
  EXPECT_EQ(a.values<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));

  // 3-d, as numpy saved guess_optimal_stimulus's result: C value = 100 i + 10 j + k.
  std::vector<double> f(2 * 3 * 4);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        f[static_cast<std::size_t>(i + 2 * (j + 3 * k))] = 100 * i + 10 * j + k;
  const auto b = read_npy(write_npy_by_hand(
      "g.npy", "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 4), }", bytes_of(f)));
  const auto values = b.values<double>();
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        EXPECT_EQ(values[static_cast<std::size_t>((i * 3 + j) * 4 + k)], 100 * i + 10 * j + k);

  const auto ref = read_npy(ref_dir / "h_guess_optimal_stimulus.npy");  // Fortran on disk
  EXPECT_EQ(ref.shape, (shape_t{1, 40, 3}));
}

TEST_F(npy_test, reads_version_2_headers) {
  const std::vector<std::int64_t> v{4, 5};
  const auto p = write_npy_by_hand(
      "v2.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", bytes_of(v), 2);
  const auto a = read_npy(p);
  EXPECT_EQ(a.values<std::int64_t>(), v);
}

TEST_F(npy_test, errors_name_the_file) {
  auto msg = message_of<file_error>([&] { read_npy(dir_ / "missing.npy"); });
  EXPECT_NE(msg.find("missing.npy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;

  msg =
      message_of<file_error>([&] { read_npy(write("magic.npy", "PK\x03\x04 not numpy at all")); });
  EXPECT_NE(msg.find("magic.npy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bad magic"), std::string::npos) << msg;

  msg = message_of<file_error>([&] { read_npy(write("tiny.npy", "\x93NU")); });
  EXPECT_NE(msg.find("bad magic"), std::string::npos) << msg;

  // A valid file cut short inside its data.
  const std::vector<double> v(10, 1.5);
  write_npy(dir_ / "cut.npy", {10}, v.data());
  fs::resize_file(dir_ / "cut.npy", fs::file_size(dir_ / "cut.npy") - 12);
  msg = message_of<file_error>([&] { read_npy(dir_ / "cut.npy"); });
  EXPECT_NE(msg.find("cut.npy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  EXPECT_NE(msg.find("80 bytes"), std::string::npos) << msg;

  // ... and inside its header.
  fs::resize_file(dir_ / "cut.npy", 30);
  msg = message_of<file_error>([&] { read_npy(dir_ / "cut.npy"); });
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;

  msg = message_of<file_error>([&] {
    read_npy(write_npy_by_hand("big.npy",
                               "{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }",
                               std::string(8, '\0')));
  });
  EXPECT_NE(msg.find("'>f8'"), std::string::npos) << msg;

  msg = message_of<file_error>([&] {
    read_npy(write_npy_by_hand("noshape.npy", "{'descr': '<f8', 'fortran_order': False, }", ""));
  });
  EXPECT_NE(msg.find("shape"), std::string::npos) << msg;

  msg = message_of<file_error>([&] { read_npy(write_npy_by_hand("v9.npy", "{}", "", 9)); });
  EXPECT_NE(msg.find("version 9"), std::string::npos) << msg;
}

// Found by fuzz/fuzz_npy: a malformed dimension threw std::invalid_argument (from stoll); a
// negative one, a shape whose size overflows, or one far larger than the file must be
// file_errors too, without allocating what the header claims.
TEST_F(npy_test, bad_shapes_are_file_errors) {
  const std::string prefix = "{'descr': '|b1', 'fortran_order': False, 'shape': (";
  for (const std::string shape :
       {":,", "x", "1.5,", "-1,", "99999999999999999999,", "4294967296, 4294967296, 4294967296",
        "1000000000000,", "3037000499, 3037000499"}) {
    const auto p = write_npy_by_hand("bad.npy", prefix + shape + "), }", std::string(4, '\1'));
    const auto msg = message_of<file_error>([&] { read_npy(p); });
    EXPECT_NE(msg.find("bad.npy"), std::string::npos) << shape << ": " << msg;
  }
  // A version-2 header claiming 4 GB on a short file: truncated, not an allocation of 4 GB.
  std::string v2 = "\x93NUMPY\x02";
  v2 += '\0';
  v2 += "\xf0\xff\xff\xff{'descr': '<f8'";
  const auto msg = message_of<file_error>([&] { read_npy(write("v2.npy", v2)); });
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  // Dimensions that numpy writes stay readable: Python 2's long suffix, spaces, 0.
  const auto ok = write_npy_by_hand("ok.npy", prefix + " 2L, 0 ), }", "");
  EXPECT_EQ(read_npy(ok).shape, (shape_t{2, 0}));
}

// Found by fuzz/fuzz_npy: a float value outside the integer type's range (or NaN) was cast to
// it, which is undefined behaviour; now it is an error.
TEST_F(npy_test, floats_out_of_integer_range_are_errors) {
  const std::vector<double> v{1.0, -9.28304e+139};
  write_npy(dir_ / "big.npy", {2}, v.data());
  const auto a = read_npy(dir_ / "big.npy");
  EXPECT_THROW(a.values<std::int64_t>(), error);
  EXPECT_THROW(a.values<std::int32_t>(), error);
  EXPECT_EQ(a.values<double>(), v);
  const std::vector<double> edge{-2147483648.0, 2147483648.0};
  write_npy(dir_ / "edge.npy", {2}, edge.data());
  const auto e = read_npy(dir_ / "edge.npy");
  EXPECT_EQ(e.values<std::int64_t>(), (std::vector<std::int64_t>{-2147483648LL, 2147483648LL}));
  EXPECT_THROW(e.values<std::int32_t>(), error);
  const std::vector<float> nan{std::numeric_limits<float>::quiet_NaN()};
  write_npy(dir_ / "nan.npy", {1}, nan.data());
  EXPECT_THROW(read_npy(dir_ / "nan.npy").values<std::int64_t>(), error);
}

TEST_F(npy_test, string_arrays_cannot_become_numbers) {
  const auto p = write_npy_by_hand(
      "u.npy", "{'descr': '<U2', 'fortran_order': False, 'shape': (1,), }", std::string(8, 'a'));
  const auto a = read_npy(p);
  EXPECT_THROW(a.values<double>(), error);
}

}  // namespace
}  // namespace kenyon
