// JHMDB joint_positions.mat reader: the real annotated clip, plus malformed files written with matio.
#include <matio.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "io/format_factories.h"
#include "kinepose/error.h"
#include "kinepose/io.h"
#include "test_helpers.h"

namespace kinepose {
namespace {

using kinepose::testing::data_path;
using kinepose::testing::scratch_dir;

const char* kClip = "jhmdb/clip_Goal_Keeping_Tips_catch_f_cm_np1_fr_med_2/joint_positions.mat";

// Writes double arrays (values given in MATLAB column-major order) to a v5 .mat file.
void write_mat(const std::string& path, const std::vector<std::pair<std::string, std::vector<size_t>>>& vars) {
  mat_t* mat = Mat_CreateVer(path.c_str(), nullptr, MAT_FT_MAT5);
  ASSERT_NE(mat, nullptr);
  for (const auto& [name, dims_in] : vars) {
    std::vector<size_t> dims = dims_in;
    size_t n = 1;
    for (size_t d : dims) n *= d;
    std::vector<double> data(n);
    for (size_t i = 0; i < n; ++i) data[i] = 100.0 + static_cast<double>(i % 97);
    matvar_t* mv = Mat_VarCreate(name.c_str(), MAT_C_DOUBLE, MAT_T_DOUBLE, static_cast<int>(dims.size()), dims.data(),
                                 data.data(), 0);
    ASSERT_NE(mv, nullptr);
    ASSERT_EQ(Mat_VarWrite(mat, mv, MAT_COMPRESSION_ZLIB), 0);
    Mat_VarFree(mv);
  }
  Mat_Close(mat);
}

Tracks read_jhmdb(const std::string& path, ReadOptions opts = {}) { return jhmdb_mat_format().read(path, opts); }

void expect_error(const std::function<void()>& fn, const std::string& file, const std::string& what) {
  try {
    fn();
    ADD_FAILURE() << "no Error thrown (expected '" << what << "')";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(file), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

TEST(JhmdbMat, ReadsTheAnnotatedClipInPixels) {
  KINEPOSE_REQUIRE_DATA(kClip);
  const std::string path = data_path(kClip);
  const Tracks tracks = read_jhmdb(path);
  ASSERT_EQ(tracks.size(), 1u);
  const PoseSequence& s = tracks[0];
  EXPECT_EQ(s.skeleton->name, "jhmdb15");
  EXPECT_EQ(s.frames, 40);
  EXPECT_EQ(s.joints(), 15);
  EXPECT_EQ(s.dims, 2);
  EXPECT_EQ(s.units, "px");
  EXPECT_EQ(s.fps, 30.0);
  ASSERT_TRUE(s.image_size.has_value());
  EXPECT_EQ((*s.image_size)[0], 320);
  EXPECT_EQ((*s.image_size)[1], 240);
  EXPECT_EQ(s.name, "clip_Goal_Keeping_Tips_catch_f_cm_np1_fr_med_2");
  EXPECT_EQ(s.missing_fraction(), 0.0);
  double step = 0;
  for (int t = 0; t < s.frames; ++t)
    for (int j = 0; j < 15; ++j) {
      EXPECT_GE(s.at(t, j, 0), 0.0f);
      EXPECT_LE(s.at(t, j, 0), 320.0f);
      EXPECT_GE(s.at(t, j, 1), 0.0f);
      EXPECT_LE(s.at(t, j, 1), 240.0f);
      if (t > 0) step += std::hypot(s.at(t, j, 0) - s.at(t - 1, j, 0), s.at(t, j, 1) - s.at(t - 1, j, 1));
    }
  // A joint moves ~13 px between annotated frames of this fast clip; a wrong (row- vs
  // column-major) layout scrambles joints and frames and gives jumps of ~60 px.
  step /= 39.0 * 15.0;
  EXPECT_LT(step, 25.0) << "mean per-frame joint displacement " << step << " px";
  // The neck (0) lies above the ankles (13, 14) in the image.
  EXPECT_LT(s.at(0, 0, 1), s.at(0, 13, 1));
  EXPECT_LT(s.at(0, 0, 1), s.at(0, 14, 1));
}

TEST(JhmdbMat, WorldCoordinatesAndFpsOption) {
  KINEPOSE_REQUIRE_DATA(kClip);
  const std::string path = data_path(kClip);
  ReadOptions opts;
  opts.params["coords"] = "world";
  opts.fps = 25;
  const PoseSequence s = read_jhmdb(path, opts).at(0);
  EXPECT_EQ(s.units, "");
  EXPECT_FALSE(s.image_size.has_value());
  EXPECT_EQ(s.fps, 25.0);
  EXPECT_EQ(s.frames, 40);
  for (float v : s.keypoints) {
    EXPECT_GT(v, -5.0f);  // JHMDB's normalised coordinates, roughly [-2.8, 1.8]
    EXPECT_LT(v, 5.0f);
  }
  EXPECT_TRUE(jhmdb_mat_format().sniff(path));
  EXPECT_FALSE(penn_mat_format().sniff(path));
  EXPECT_EQ(detect_read_format(path).name, jhmdb_mat_format().name);
  EXPECT_EQ(read_poses(path).at(0).frames, 40);
}

TEST(JhmdbMat, SingleFrameAndImageSizeOverride) {
  const std::string dir = scratch_dir("jhmdb_mat_single");
  const std::string path = dir + "/single.mat";
  write_mat(path, {{"pos_img", {2, 15, 1}}, {"image_size", {1, 2}}});
  const PoseSequence s = read_jhmdb(path).at(0);
  EXPECT_EQ(s.frames, 1);
  EXPECT_EQ(s.name, "single");
  // Values written column-major 100 + i: (d, j) = element d + 2 j.
  EXPECT_EQ(s.at(0, 4, 1), 100.0f + 9);
  ASSERT_TRUE(s.image_size.has_value());
  EXPECT_EQ((*s.image_size)[0], 101);  // image_size [H W] = [100 101]
  EXPECT_EQ((*s.image_size)[1], 100);
}

TEST(JhmdbMat, BadInputsNameTheFileAndProblem) {
  const std::string dir = scratch_dir("jhmdb_mat_bad");
  expect_error([&] { read_jhmdb(dir + "/joint_positions.mat"); }, dir + "/joint_positions.mat", "no such file");

  const std::string text_file = dir + "/fake.mat";
  std::ofstream(text_file) << "{\"not\": \"a mat file\"}\n";
  expect_error([&] { read_jhmdb(text_file); }, text_file, "not a MATLAB .mat file");
  EXPECT_FALSE(jhmdb_mat_format().sniff(text_file));

  const std::string other = dir + "/other.mat";
  write_mat(other, {{"scale", {1, 40}}});
  expect_error([&] { read_jhmdb(other); }, other, "'pos_img' / 'pos_world' are missing");

  const std::string only_img = dir + "/only_img.mat";
  write_mat(only_img, {{"pos_img", {2, 15, 3}}});
  ReadOptions world;
  world.params["coords"] = "world";
  expect_error([&] { read_jhmdb(only_img, world); }, only_img, "'pos_world' is missing");

  const std::string wrong_joints = dir + "/wrong_joints.mat";
  write_mat(wrong_joints, {{"pos_img", {2, 14, 5}}});
  expect_error([&] { read_jhmdb(wrong_joints); }, wrong_joints, "shape 2x14x5, expected 2x15xframes");

  const std::string three_d = dir + "/three_d.mat";
  write_mat(three_d, {{"pos_img", {3, 15, 5}}});
  expect_error([&] { read_jhmdb(three_d); }, three_d, "shape 3x15x5");

  ReadOptions bad;
  bad.params["coords"] = "normalised";
  expect_error([&] { read_jhmdb(only_img, bad); }, only_img, "coords=normalised");
  bad.params = {{"subject", "S1"}};
  expect_error([&] { read_jhmdb(only_img, bad); }, only_img, "unknown option 'subject'");
  bad.params.clear();
  bad.skeleton = "coco17";
  expect_error([&] { read_jhmdb(only_img, bad); }, only_img, "jhmdb15");
}

}  // namespace
}  // namespace kinepose
