// NumPy .npy / .npz container: round trips for every dtype, header variants (big-endian, Fortran
// order, v2 headers), files written by numpy itself, and bad inputs that must give clear errors.
#include <gtest/gtest.h>
#include <zip.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "kinepose/npy.h"
#include "test_helpers.h"

using namespace kinepose;
namespace kt = kinepose::testing;
namespace fs = std::filesystem;

namespace {

bool have_numpy() {
  static const bool ok = fs::exists("/usr/bin/python3") &&
                         std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
  return ok;
}

// Runs a python snippet; returns its exit code.
int run_python(const std::string& code) {
  return std::system(("/usr/bin/python3 -c " + kt::shell_quote(code) + " >/dev/null 2>&1").c_str());
}

std::vector<uint8_t> npy_bytes(const std::string& header_dict, const std::vector<uint8_t>& data, int major = 1) {
  std::string h = header_dict;
  const size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
  for (size_t k = 0; k < prefix - 8; ++k) out.push_back(static_cast<uint8_t>((h.size() >> (8 * k)) & 0xFF));
  out.insert(out.end(), h.begin(), h.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// A zip holding arbitrary member bytes (to build broken .npz files the writer refuses to make).
void make_zip(const std::string& path, const std::vector<std::pair<std::string, std::vector<uint8_t>>>& members) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr);
  for (const auto& [name, bytes] : members) {
    zip_source_t* src = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
    ASSERT_GE(zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE), 0);
  }
  ASSERT_EQ(zip_close(z), 0);
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

NpyArray raw(const std::string& dtype, std::vector<int64_t> shape, size_t item) {
  NpyArray a{dtype, std::move(shape), {}};
  a.data.resize(static_cast<size_t>(a.size()) * item);
  for (size_t k = 0; k < a.data.size(); ++k) a.data[k] = static_cast<uint8_t>((k * 37 + 11) & 0xFF);
  return a;
}

using kinepose::testing::error_of;

}  // namespace

TEST(Npy, RoundTripsEveryDtypeThroughNpyAndNpz) {
  const std::string dir = kt::scratch_dir("npy_dtypes");
  NpzMembers members;
  const std::vector<std::pair<std::string, size_t>> dtypes = {
      {"<f4", 4}, {"<f8", 8}, {"<i2", 2}, {"<i4", 4}, {"<i8", 8}, {"|u1", 1}, {"|i1", 1},
      {"<u2", 2}, {"<u4", 4}, {"<u8", 8}, {"<U5", 20}, {"|S3", 3}};
  for (const auto& [dtype, item] : dtypes) {
    NpyArray a = raw(dtype, {2, 3}, item);
    if (dtype == "<U5")  // valid code points only
      for (size_t k = 0; k < a.data.size(); ++k) a.data[k] = (k % 4 == 0) ? static_cast<uint8_t>('a' + k % 26) : 0;
    const auto bytes = serialize_npy(a);
    EXPECT_EQ((bytes.size() - a.data.size()) % 64, 0u) << dtype;  // numpy's 64-byte alignment
    NpyArray b = parse_npy(bytes.data(), bytes.size(), dtype);
    EXPECT_EQ(b.dtype, a.dtype);
    EXPECT_EQ(b.shape, a.shape);
    EXPECT_EQ(b.data, a.data) << dtype;
    members["m" + std::to_string(members.size())] = a;
  }
  NpyArray flags{"|b1", {4}, {1, 0, 0, 1}};
  members["flags"] = flags;
  members["scalar"] = NpyArray::from_float64({2.5}, {});
  members["text"] = NpyArray::from_string("mpii16");
  members["empty"] = NpyArray::from_float32({}, {0, 3});
  for (bool compress : {false, true}) {
    const std::string path = dir + (compress ? "/c.npz" : "/s.npz");
    write_npz(path, members, compress);
    NpzMembers back = read_npz(path);
    ASSERT_EQ(back.size(), members.size());
    for (const auto& [name, a] : members) {
      EXPECT_EQ(back[name].dtype, a.dtype) << name;
      EXPECT_EQ(back[name].shape, a.shape) << name;
      EXPECT_EQ(back[name].data, a.data) << name;
    }
    EXPECT_EQ(back["text"].to_string(), "mpii16");
    EXPECT_TRUE(back["scalar"].shape.empty());
    EXPECT_EQ(back["flags"].to_int64(), (std::vector<int64_t>{1, 0, 0, 1}));
  }
  EXPECT_LT(fs::file_size(dir + "/c.npz"), fs::file_size(dir + "/s.npz"));
  write_npy(dir + "/one.npy", members["m0"]);
  EXPECT_EQ(read_npy(dir + "/one.npy").data, members["m0"].data);
}

TEST(Npy, ConversionsAndStrings) {
  NpyArray f = NpyArray::from_float32({1.5f, -2.0f, NAN}, {3});
  auto d = f.to_float64();
  EXPECT_EQ(d[0], 1.5);
  EXPECT_TRUE(std::isnan(d[2]));
  EXPECT_THROW(f.to_int64("x"), Error);  // 1.5 is no integer
  NpyArray i = NpyArray::from_int32({-7, 40000}, {2});
  EXPECT_EQ(i.to_float32(), (std::vector<float>{-7.0f, 40000.0f}));
  EXPECT_EQ(i.to_int64(), (std::vector<int64_t>{-7, 40000}));
  NpyArray s = NpyArray::from_strings({"S1", "Ünïcödé", "日本", ""});
  EXPECT_EQ(s.dtype, "<U7");
  EXPECT_EQ(s.to_strings(), (std::vector<std::string>{"S1", "Ünïcödé", "日本", ""}));
  EXPECT_THROW(s.to_float32("names"), Error);
  EXPECT_THROW(s.to_string("names"), Error);  // four elements, not one
  EXPECT_EQ(NpyArray::from_string("").dtype, "<U1");
  NpyArray bytes{"|S4", {}, {'a', 'b', 0, 0}};
  EXPECT_EQ(bytes.to_string(), "ab");
  EXPECT_THROW(NpyArray::from_float32({1, 2, 3}, {2, 2}), Error);
}

TEST(Npy, BigEndianIsConvertedAndFortranOrderTransposed) {
  // >f8 scalar 1.0 and >i4 (2,) [1, -2]
  auto be = npy_bytes("{'descr': '>f8', 'fortran_order': False, 'shape': (), }", {0x3F, 0xF0, 0, 0, 0, 0, 0, 0});
  NpyArray a = parse_npy(be.data(), be.size(), "be.npy");
  EXPECT_EQ(a.dtype, "<f8");
  EXPECT_EQ(a.to_float64()[0], 1.0);
  auto bi = npy_bytes("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", {0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFE}, 2);
  EXPECT_EQ(parse_npy(bi.data(), bi.size(), "bi.npy").to_int64(), (std::vector<int64_t>{1, -2}));
  // Fortran (2,3): column-major storage of [[0,1,2],[3,4,5]] is 0,3,1,4,2,5.
  std::vector<uint8_t> fdata;
  for (int v : {0, 3, 1, 4, 2, 5}) fdata.insert(fdata.end(), {static_cast<uint8_t>(v), 0, 0, 0});
  auto fo = npy_bytes("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", fdata, 3);
  NpyArray c = parse_npy(fo.data(), fo.size(), "f.npy");
  EXPECT_EQ(c.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(c.to_int64(), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
}

TEST(Npy, RejectsBadNpyWithClearMessages) {
  struct Case {
    std::vector<uint8_t> bytes;
    std::string expect;
  };
  std::vector<uint8_t> twelve(12, 0);
  const std::vector<Case> cases = {
      {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", twelve),
       "truncated: expected 24 bytes of data, found 12"},
      {npy_bytes("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", std::vector<uint8_t>(8)), "object dtype"},
      {npy_bytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", std::vector<uint8_t>(4)), "structured"},
      {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 1000), }", twelve), "absurd"},
      {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", twelve), "negative"},
      {npy_bytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", std::vector<uint8_t>(8)), "complex"},
      {npy_bytes("{'descr': '<f4', 'shape': (3,), }", twelve), "malformed .npy header"},
      {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", twelve), "unexpected bytes"},
      {{0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 0, 0, 0}, "pickle"},
      {{'h', 'e', 'l', 'l', 'o'}, "bad magic"},
      {{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0xFF}, "truncated .npy header"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of([&] { parse_npy(c.bytes.data(), c.bytes.size(), "bad.npy"); });
    EXPECT_NE(msg.find("bad.npy"), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in: " << msg;
  }
}

TEST(Npy, RejectsBadNpzFilesNamingTheFile) {
  const std::string dir = kt::scratch_dir("npy_bad");
  NpzMembers good = {{"a", NpyArray::from_float32(std::vector<float>(4000, 1.25f), {1000, 4})},
                     {"b", NpyArray::from_int64({1, 2, 3}, {3})}};
  write_npz(dir + "/good.npz", good, false);
  const auto bytes = read_binary_file(dir + "/good.npz");
  write_bytes(dir + "/half.npz", std::vector<uint8_t>(bytes.begin(), bytes.begin() + bytes.size() / 2));
  write_bytes(dir + "/text.npz", {'n', 'o', 't', ' ', 'a', ' ', 'z', 'i', 'p'});
  write_bytes(dir + "/empty.npz", {});
  auto npy = serialize_npy(NpyArray::from_float32(std::vector<float>(10, 0.f), {10}));
  make_zip(dir + "/cut_member.npz", {{"x.npy", std::vector<uint8_t>(npy.begin(), npy.end() - 8)}});
  make_zip(dir + "/object.npz",
           {{"x.npy", npy_bytes("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", std::vector<uint8_t>(8))}});
  make_zip(dir + "/pickle.npz", {{"x.npy", {0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 0, 0, 0, '.'}}});

  const std::vector<std::pair<std::string, std::string>> cases = {
      {dir + "/missing.npz", "no such file"},
      {dir + "/text.npz", "not a zip archive"},
      {dir + "/empty.npz", "not a zip archive"},
      {dir + "/half.npz", "truncated"},
      {dir + "/cut_member.npz", "truncated: expected 40 bytes of data, found 32"},
      {dir + "/object.npz", "object dtype"},
      {dir + "/pickle.npz", "pickle"},
  };
  for (const auto& [path, expect] : cases) {
    const std::string msg = error_of([&] { read_npz(path); });
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(expect), std::string::npos) << "expected '" << expect << "' in: " << msg;
  }
  EXPECT_NE(error_of([&] { read_npz(dir + "/good.npz", {"a", "zz"}); }).find("no array 'zz'"), std::string::npos);
  EXPECT_EQ(read_npz(dir + "/good.npz", {"b"}).size(), 1u);
  EXPECT_EQ(list_npz(dir + "/good.npz"), (std::vector<std::string>{"a", "b"}));
}

TEST(Npy, FailedWriteLeavesNoFile) {
  const std::string dir = kt::scratch_dir("npy_atomic");
  NpyArray bad{"<f4", {3}, {1, 2}};  // 2 bytes for 3 floats
  EXPECT_THROW(write_npz(dir + "/out.npz", {{"a", bad}}), Error);
  EXPECT_THROW(write_npz(dir + "/nofolder/out.npz", {{"a", NpyArray::from_int64({1}, {1})}}), Error);
  EXPECT_TRUE(fs::is_empty(dir));
  write_npz(dir + "/none.npz", {});  // numpy.savez() with no arrays is legal too
  EXPECT_TRUE(read_npz(dir + "/none.npz").empty());
}

TEST(Npy, ReadsSharedH36mCameras) {
  KINEPOSE_REQUIRE_DATA("h36m_sh/h36m_cameras.npz");
  const std::string path = kt::data_path("h36m_sh/h36m_cameras.npz");
  NpzMembers m = read_npz(path);
  EXPECT_EQ(m.at("subjects").to_strings(), (std::vector<std::string>{"S1", "S5", "S6", "S7", "S8", "S9", "S11"}));
  EXPECT_EQ(m.at("camera_names").to_strings().size(), 4u);
  EXPECT_EQ(m.at("R").shape, (std::vector<int64_t>{7, 4, 3, 3}));
  EXPECT_EQ(m.at("R").dtype, "<f8");
  // Rotation matrices: rows have unit length.
  auto R = m.at("R").to_float64();
  for (int r = 0; r < 3; ++r) EXPECT_NEAR(R[3 * r] * R[3 * r] + R[3 * r + 1] * R[3 * r + 1] + R[3 * r + 2] * R[3 * r + 2], 1.0, 1e-6);
}

TEST(Npy, ReadsSharedPennActionKeys) {
  KINEPOSE_REQUIRE_DATA("penn_action/penn_action_train.npz");
  const std::string path = kt::data_path("penn_action/penn_action_train.npz");
  auto names = list_npz(path);
  for (const char* k : {"keypoints", "visibility", "bbox", "seq_offsets", "seq_names", "action", "view", "train", "dimensions"})
    EXPECT_NE(std::find(names.begin(), names.end(), k), names.end()) << k;
  NpzMembers m = read_npz(path, {"seq_offsets", "seq_names", "keypoints"});
  EXPECT_EQ(m.at("seq_offsets").shape, (std::vector<int64_t>{1259}));
  EXPECT_EQ(m.at("seq_names").to_strings().size(), 1258u);
  EXPECT_EQ(m.at("keypoints").shape.size(), 3u);
  EXPECT_EQ(m.at("keypoints").shape[1], 13);
  EXPECT_EQ(m.at("seq_offsets").to_int64().back(), m.at("keypoints").shape[0]);
}

TEST(Npy, ReadsSharedH36mDetectionMember) {
  KINEPOSE_REQUIRE_DATA("h36m_sh/h36m_sh2d_mpii16_px_int16.npz");
  const std::string path = kt::data_path("h36m_sh/h36m_sh2d_mpii16_px_int16.npz");
  EXPECT_EQ(list_npz(path).size(), 700u);
  const NpyArray a = read_npz(path, {"S9__Walking__54138969"}).at("S9__Walking__54138969");
  EXPECT_EQ(a.dtype, "<i2");
  ASSERT_EQ(a.shape.size(), 3u);
  EXPECT_EQ(a.shape[1], 16);
  EXPECT_EQ(a.shape[2], 2);
  const auto v = a.to_float32();
  EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](float x) { return x > -100 && x < 1100; }));  // pixels
}

TEST(Npy, ReadsWhatNumpyWritesNow) {
  if (!have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  const std::string dir = kt::scratch_dir("npy_numpy_writes");
  for (const char* fn : {"savez", "savez_compressed"}) {
    const std::string path = dir + "/" + fn + ".npz";
    ASSERT_EQ(run_python(std::string("import numpy as np\n"
                                     "np.") + fn + "('" + path + "',"
                         " f=np.arange(6, dtype=np.float32).reshape(2,3),"
                         " be=np.array([1.5, -2.25], dtype='>f8'),"
                         " fo=np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2,3)),"
                         " u=np.array(['ab', 'Ünï', '']),"
                         " s=np.array(b'xyz'),"
                         " b=np.array([True, False]),"
                         " sc=np.float64(29.97),"
                         " u8=np.array([255], dtype=np.uint8))"),
              0);
    NpzMembers m = read_npz(path);
    EXPECT_EQ(m.at("f").to_float32(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(m.at("be").to_float64(), (std::vector<double>{1.5, -2.25}));
    EXPECT_EQ(m.at("fo").to_int64(), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(m.at("u").to_strings(), (std::vector<std::string>{"ab", "Ünï", ""}));
    EXPECT_EQ(m.at("s").to_string(), "xyz");
    EXPECT_EQ(m.at("b").to_int64(), (std::vector<int64_t>{1, 0}));
    EXPECT_EQ(m.at("sc").to_float64()[0], 29.97);
    EXPECT_EQ(m.at("u8").to_int64()[0], 255);
  }
}

TEST(Npy, NumpyReadsWhatWeWrite) {
  if (!have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  const std::string dir = kt::scratch_dir("npy_numpy_reads");
  NpzMembers m = {{"kp", NpyArray::from_float32({0.5f, NAN, 2.0f, -3.0f}, {1, 2, 2})},
                  {"ids", NpyArray::from_int64({7}, {1})},
                  {"name", NpyArray::from_string("Ünïcode")},
                  {"fps", NpyArray::from_float64({50.0}, {})}};
  for (bool compress : {false, true}) {
    const std::string path = dir + (compress ? "/c.npz" : "/s.npz");
    write_npz(path, m, compress);
    EXPECT_EQ(run_python("import numpy as np, math\n"
                         "d = np.load('" + path + "', allow_pickle=False)\n"
                         "assert d['kp'].shape == (1,2,2) and d['kp'].dtype == np.float32\n"
                         "assert d['kp'][0,0,0] == 0.5 and math.isnan(d['kp'][0,0,1])\n"
                         "assert d['ids'].tolist() == [7] and d['ids'].dtype == np.int64\n"
                         "assert str(d['name']) == 'Ünïcode' and d['name'].shape == ()\n"
                         "assert float(d['fps']) == 50.0\n"),
              0)
        << path;
  }
}
