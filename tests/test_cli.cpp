// End-to-end tests of the kinepose binary: help, info, convert round trips on the real OpenPose clip,
// and the table of bad inputs that must each fail cleanly (one line naming the file, exit != 0, no
// output file).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <zip.h>

#include "kinepose/io.h"
#include "kinepose/npy.h"
#include "test_helpers.h"

namespace fs = std::filesystem;
using namespace kinepose;
using kinepose::testing::run_cli;
using kinepose::testing::scratch_dir;
using kinepose::testing::shell_quote;

namespace {

const char* kTreadmill = "openpose_treadmill/json_inputs/27";

// Bitwise equality of keypoints (NaN pattern included) and scores.
void expect_same_tracks(const Tracks& a, const Tracks& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].frames, b[i].frames) << "track " << i;
    ASSERT_EQ(a[i].joints(), b[i].joints());
    ASSERT_EQ(a[i].dims, b[i].dims);
    EXPECT_EQ(a[i].skeleton->name, b[i].skeleton->name);
    ASSERT_EQ(a[i].keypoints.size(), b[i].keypoints.size());
    EXPECT_EQ(0, std::memcmp(a[i].keypoints.data(), b[i].keypoints.data(), a[i].keypoints.size() * sizeof(float)))
        << "keypoints differ in track " << i;
    ASSERT_EQ(a[i].scores.size(), b[i].scores.size());
    EXPECT_EQ(0, std::memcmp(a[i].scores.data(), b[i].scores.data(), a[i].scores.size() * sizeof(float)))
        << "scores differ in track " << i;
  }
}

NpzMembers valid_members(int T = 4, int J = 17, int D = 2) {
  std::vector<float> kp(static_cast<size_t>(T) * J * D);
  for (size_t i = 0; i < kp.size(); ++i) kp[i] = static_cast<float>(i % 97);
  NpzMembers m;
  m["keypoints"] = NpyArray::from_float32(kp, {T, J, D});
  m["skeleton"] = NpyArray::from_string("coco17");
  m["fps"] = NpyArray::from_float64({30.0}, {});
  return m;
}

}  // namespace

TEST(Cli, HelpListsSubcommands) {
  auto r = run_cli("--help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* cmd : {"info", "convert", "demo"}) EXPECT_NE(r.output.find(cmd), std::string::npos) << cmd;
}

TEST(Cli, UnknownSubcommandFails) {
  auto r = run_cli("frobnicate");
  EXPECT_NE(r.exit_code, 0);
}

TEST(Cli, InfoOnTreadmillClip) {
  KINEPOSE_REQUIRE_DATA(kTreadmill);
  auto r = run_cli("info " + shell_quote(kinepose::testing::data_path(kTreadmill)) + " --fps 23.976");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("90 frames x 25 joints x 2D, skeleton body25"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("fps 23.976"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("right_wrist"), std::string::npos) << r.output;
  auto j = run_cli("info --json --no-joints " + shell_quote(kinepose::testing::data_path(kTreadmill)));
  ASSERT_EQ(j.exit_code, 0) << j.output;
  EXPECT_NE(j.output.find("\"missing_fraction\""), std::string::npos);
}

TEST(Cli, ConvertTreadmillToNpzAndCocoAndBackWithoutLoss) {
  KINEPOSE_REQUIRE_DATA(kTreadmill);
  const std::string src = kinepose::testing::data_path(kTreadmill);
  const std::string dir = scratch_dir("cli_convert_treadmill");
  const std::string npz = dir + "/clip.npz", coco = dir + "/clip.json", npz2 = dir + "/back.npz",
                    op = dir + "/openpose";
  ASSERT_EQ(run_cli("convert " + shell_quote(src) + " -o " + shell_quote(npz) + " --fps 23.976").exit_code, 0);
  auto r = run_cli("convert " + shell_quote(npz) + " -o " + shell_quote(coco));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_cli("convert " + shell_quote(coco) + " -o " + shell_quote(npz2));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_cli("convert " + shell_quote(npz) + " -o " + shell_quote(op) + " --format openpose");
  ASSERT_EQ(r.exit_code, 0) << r.output;

  Tracks original = read_poses(src);
  Tracks via_npz = read_poses(npz);
  expect_same_tracks(original, via_npz);
  EXPECT_DOUBLE_EQ(via_npz.front().fps, 23.976);
  expect_same_tracks(original, read_poses(npz2));
  expect_same_tracks(original, read_poses(op));
  EXPECT_EQ(std::distance(fs::directory_iterator(op), fs::directory_iterator{}), 90);
}

TEST(Cli, ConvertToSkeleton) {
  KINEPOSE_REQUIRE_DATA(kTreadmill);
  const std::string dir = scratch_dir("cli_convert_skeleton");
  auto r = run_cli("convert " + shell_quote(kinepose::testing::data_path(kTreadmill)) + " -o " +
                   shell_quote(dir + "/coco.npz") + " --to-skeleton coco17");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Tracks t = read_poses(dir + "/coco.npz");
  EXPECT_EQ(t.front().skeleton->name, "coco17");
  EXPECT_EQ(t.front().joints(), 17);
  // H36M has joints BODY_25 lacks (spine, thorax, head): refused without --allow-missing.
  r = run_cli("convert " + shell_quote(dir + "/coco.npz") + " -o " + shell_quote(dir + "/h36m.npz") +
              " --to-skeleton h36m17");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("allow-missing"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir + "/h36m.npz"));
}

// ---- bad inputs ----------------------------------------------------------------------------------

struct BadInput {
  std::string name;      // test case label
  std::string file;      // file name inside the scratch dir
  std::function<void(const std::string& path)> make;
  std::string expected;  // substring of the error message
  std::string extra_args = "";
};

// ctest lists parameterised tests with their printed parameter: print the case name only.
void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

class CliBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CliBadInput, FailsWithOneLineNamingFileAndNoOutput) {
  const BadInput& c = GetParam();
  const std::string dir = scratch_dir("cli_bad_" + c.name);
  const std::string path = dir + "/" + c.file;
  if (c.make) c.make(path);
  const std::string out = dir + "/out.npz";
  auto r = run_cli("convert " + shell_quote(path) + " -o " + shell_quote(out) + " " + c.extra_args);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  // Exactly one line, "kinepose: error: <path>...: <problem>".
  ASSERT_FALSE(r.output.empty());
  EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << r.output;
  EXPECT_EQ(r.output.rfind("kinepose: error: ", 0), 0u) << r.output;
  EXPECT_NE(r.output.find(c.file), std::string::npos) << "error does not name the file: " << r.output;
  EXPECT_NE(r.output.find(c.expected), std::string::npos) << "expected '" << c.expected << "' in: " << r.output;
  EXPECT_FALSE(fs::exists(out)) << "partial output left behind";
  for (const auto& e : fs::directory_iterator(dir))  // no temporary files either
    EXPECT_EQ(e.path().filename().string().find(".out.npz.tmp"), std::string::npos) << e.path();
}

namespace {

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void write_members(const std::string& path, const NpzMembers& m) { write_npz(path, m, true); }

// A hand-made .npy whose header says `shape` but which carries `data_bytes` bytes of data: the
// writer under test would refuse to produce such a file.
std::vector<uint8_t> raw_npy(const std::string& descr, const std::string& shape, size_t data_bytes) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes += std::string(data_bytes, '\0');
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

void write_raw_npz(const std::string& path, const std::map<std::string, std::vector<uint8_t>>& members) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr);
  for (const auto& [name, bytes] : members) {
    zip_source_t* src = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
    zip_file_add(z, (name + ".npy").c_str(), src, ZIP_FL_OVERWRITE);
  }
  ASSERT_EQ(zip_close(z), 0);
}

std::vector<BadInput> bad_inputs() {
  std::vector<BadInput> v;
  v.push_back({"missing_file", "nothere.npz", nullptr, "no such file"});
  v.push_back({"not_a_zip", "text.npz", [](const std::string& p) { write_bytes(p, "hello, not a zip"); }, "npz"});
  v.push_back({"truncated_npz", "cut.npz",
               [](const std::string& p) {
                 write_members(p + ".full", valid_members(200));
                 std::ifstream in(p + ".full", std::ios::binary);
                 std::string all((std::istreambuf_iterator<char>(in)), {});
                 write_bytes(p, all.substr(0, all.size() / 2));
                 fs::remove(p + ".full");
               },
               ""});
  v.push_back({"keypoints_rank", "rank.npz",
               [](const std::string& p) {
                 auto m = valid_members();
                 m["keypoints"] = NpyArray::from_float32(std::vector<float>(34, 1.f), {17, 2});
                 write_members(p, m);
               },
               "keypoints"});
  v.push_back({"keypoints_dtype", "dtype.npz",
               [](const std::string& p) {
                 auto m = valid_members();
                 m["keypoints"] = NpyArray::from_strings({"a", "b"});
                 write_members(p, m);
               },
               "keypoints"});
  v.push_back({"joint_count", "joints.npz",
               [](const std::string& p) {
                 auto m = valid_members(4, 16);
                 write_members(p, m);
               },
               "16"});
  v.push_back({"unknown_skeleton", "skel.npz",
               [](const std::string& p) {
                 auto m = valid_members();
                 m["skeleton"] = NpyArray::from_string("octopus8");
                 write_members(p, m);
               },
               "octopus8"});
  v.push_back({"inf_value", "inf.npz",
               [](const std::string& p) {
                 auto m = valid_members();
                 std::vector<float> kp(4 * 17 * 2, 1.f);
                 kp[40] = INFINITY;
                 m["keypoints"] = NpyArray::from_float32(kp, {4, 17, 2});
                 write_members(p, m);
               },
               "inf"});
  v.push_back({"nan_scores", "nanscore.npz",
               [](const std::string& p) {
                 auto m = valid_members();
                 std::vector<float> sc(4 * 17, 0.5f);
                 sc[3] = NAN;
                 m["scores"] = NpyArray::from_float32(sc, {4, 17});
                 write_members(p, m);
               },
               "score"});
  v.push_back({"empty_sequence", "empty.npz",
               [](const std::string& p) {
                 auto m = valid_members();
                 m["keypoints"] = NpyArray::from_float32({}, {0, 17, 2});
                 write_members(p, m);
               },
               "empty"});
  v.push_back({"absurd_shape", "huge.npz",
               [](const std::string& p) {
                 // Header claims 10^12 frames; the data is tiny.
                 auto m = valid_members();
                 write_raw_npz(p, {{"keypoints", raw_npy("<f4", "(1000000000000, 17, 2)", 4 * 17 * 2 * 4)},
                                   {"skeleton", serialize_npy(m["skeleton"])},
                                   {"fps", serialize_npy(m["fps"])}});
               },
               ""});
  v.push_back({"truncated_npy_member", "short.npz",
               [](const std::string& p) {
                 auto m = valid_members();
                 write_raw_npz(p, {{"keypoints", raw_npy("<f4", "(4, 17, 2)", 100)},
                                   {"skeleton", serialize_npy(m["skeleton"])},
                                   {"fps", serialize_npy(m["fps"])}});
               },
               "truncated"});
  v.push_back({"pickled_member", "pickle.npz",
               [](const std::string& p) {
                 auto m = valid_members();
                 write_raw_npz(p, {{"keypoints", raw_npy("|O", "(4, 17, 2)", 8 * 4 * 17 * 2)},
                                   {"skeleton", serialize_npy(m["skeleton"])},
                                   {"fps", serialize_npy(m["fps"])}});
               },
               "pickle"});
  v.push_back({"garbled_json", "results.json", [](const std::string& p) { write_bytes(p, "[{\"image_id\": 1, \"keypo"); },
               "json"});
  v.push_back({"json_wrong_count", "wrong.json",
               [](const std::string& p) {
                 write_bytes(p, "[{\"image_id\": 1, \"category_id\": 1, \"keypoints\": [1,2,1,3,4,1], \"score\": 1}]");
               },
               "keypoints", "--skeleton coco17"});
  v.push_back({"garbled_csv", "poses.csv",
               [](const std::string& p) {
                 write_bytes(p, "# skeleton: coco17\ntrack,frame,joint,x,y,score\n0,0,nose,abc,2,1\n");
               },
               "poses.csv:3: x 'abc' is not a number"});
  v.push_back({"truncated_bvh", "cut.bvh",
               [](const std::string& p) {
                 write_bytes(p,
                             "HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 6 Xposition Yposition Zposition "
                             "Zrotation Yrotation Xrotation\n End Site\n {\n  OFFSET 0 1 0\n }\n}\nMOTION\nFrames: 3\n"
                             "Frame Time: 0.0333333\n0 0 0 0 0 0\n0 0 0 0 0 0\n");
               },
               "frame"});
  v.push_back({"unknown_extension", "poses.xyz", [](const std::string& p) { write_bytes(p, "1 2 3"); }, "extension"});
  v.push_back({"empty_openpose_folder", "frames",
               [](const std::string& p) { fs::create_directories(p); }, "", "--in-format openpose"});
  return v;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Table, CliBadInput, ::testing::ValuesIn(bad_inputs()),
                         [](const ::testing::TestParamInfo<BadInput>& i) { return i.param.name; });

TEST(Cli, MissingOutputFolderFailsCleanly) {
  const std::string dir = scratch_dir("cli_missing_out");
  write_npz(dir + "/ok.npz", valid_members(), true);
  auto r = run_cli("convert " + shell_quote(dir + "/ok.npz") + " -o " + shell_quote(dir + "/no/such/dir/out.npz"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("does not exist"), std::string::npos) << r.output;
}

TEST(Cli, ReadOnlyFormatRefusedAsOutput) {
  const std::string dir = scratch_dir("cli_readonly_out");
  write_npz(dir + "/ok.npz", valid_members(), true);
  auto r = run_cli("convert " + shell_quote(dir + "/ok.npz") + " -o " + shell_quote(dir + "/out.bvh"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_FALSE(fs::exists(dir + "/out.bvh"));
}

TEST(Cli, ConvertsMocapWithItsOwnSkeletonToNpzAndBack) {
  KINEPOSE_REQUIRE_DATA("cmu_mocap_samples/01_01.bvh");
  const std::string dir = scratch_dir("cli_mocap_npz");
  const std::string bvh = kinepose::testing::data_path("cmu_mocap_samples/01_01.bvh");
  auto r = run_cli("convert " + shell_quote(bvh) + " -o " + shell_quote(dir + "/mocap.npz"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Tracks original = read_poses(bvh), back = read_poses(dir + "/mocap.npz");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].skeleton->joints, original[0].skeleton->joints);
  EXPECT_EQ(back[0].skeleton->parents, original[0].skeleton->parents);
  EXPECT_EQ(back[0].keypoints, original[0].keypoints);
  EXPECT_EQ(back[0].fps, 120);
}
