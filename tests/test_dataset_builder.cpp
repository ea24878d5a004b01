// Dataset builders (src/training/dataset_builder.h) and `kinepose dataset`: Human3.6M pairs on the
// real data (one subject, one camera), mocap through virtual cameras, and the CLI's error cases.
#include <gtest/gtest.h>

#include <filesystem>

#include "kinepose/error.h"
#include "kinepose/h36m.h"
#include "kinepose/io.h"
#include "synthetic/noise_model.h"
#include "test_helpers.h"
#include "training/dataset_builder.h"

namespace fs = std::filesystem;

namespace kinepose {
namespace {

using testing::data_path;
using testing::run_cli;
using testing::scratch_dir;
using testing::shell_quote;

TEST(DatasetBuilder, H36mPairsOnRealData) {
  KINEPOSE_REQUIRE_DATA("h36m_sh");
  const std::string dir = data_path("h36m_sh");
  const PosePairs pairs = load_h36m_pairs(dir, {"S9"}, {"54138969"});
  ASSERT_GT(pairs.size(), 20u);
  H36mSelection sel;
  sel.subjects = {"S9"};
  sel.cameras = {"54138969"};
  sel.actions = {"Walking"};
  sel.kind = "gt2d_mpii";
  const Tracks walk = read_h36m(dir, sel);
  ASSERT_FALSE(walk.empty());
  bool found = false;
  for (const auto& [det, gt] : pairs) {
    SCOPED_TRACE(det.name);
    EXPECT_EQ(det.name, gt.name);
    EXPECT_EQ(det.frames, gt.frames);
    EXPECT_EQ(det.skeleton->name, "mpii16");
    EXPECT_EQ(gt.skeleton->name, "mpii16");
    EXPECT_DOUBLE_EQ(det.fps, 50.0);
    EXPECT_DOUBLE_EQ(gt.fps, 50.0);
    ASSERT_TRUE(det.image_size.has_value());
    ASSERT_TRUE(gt.image_size.has_value());
    EXPECT_EQ((*gt.image_size)[0], 1000);
    EXPECT_EQ((*gt.image_size)[1], 1002);
    EXPECT_NE(det.name.find("__54138969"), std::string::npos);
    if (gt.name == walk.front().name) {  // the target is exactly gt2d_mpii
      found = true;
      ASSERT_EQ(gt.keypoints.size(), walk.front().keypoints.size());
      for (size_t i = 0; i < gt.keypoints.size(); i += 97) ASSERT_EQ(gt.keypoints[i], walk.front().keypoints[i]);
    }
  }
  EXPECT_TRUE(found);
  // Real residual size is in the documented range (README: ~13 px mean).
  const NoiseStats st = noise_stats(pairs);
  EXPECT_GT(st.overall.mean, 8.0);
  EXPECT_LT(st.overall.mean, 25.0);
}

TEST(DatasetBuilder, H36mBuildOneSubjectOneCamera) {
  KINEPOSE_REQUIRE_DATA("h36m_sh");
  const std::string out = scratch_dir("dataset_h36m") + "/out";
  auto r = run_cli("dataset build h36m --data " + shell_quote(data_path("h36m_sh")) + " --out " + shell_quote(out) +
                   " --train S9 --val '' --cameras 54138969 --actions Walking,Eating");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(fs::exists(out + "/dataset.json"));
  const Tracks in = read_poses(out + "/train/input/S9_54138969.npz");
  const Tracks tg = read_poses(out + "/train/target/S9_54138969.npz");
  ASSERT_EQ(in.size(), tg.size());
  EXPECT_EQ(in.size(), 4u);  // Walking, Walking_1, Eating, Eating_1
  EXPECT_EQ(in.front().name, tg.front().name);
  EXPECT_EQ(in.front().name.rfind("S9__", 0), 0u);
  EXPECT_DOUBLE_EQ(tg.front().fps, 50.0);
  EXPECT_TRUE(tg.front().image_size.has_value());
  EXPECT_FALSE(fs::exists(out + "/val"));
}

TEST(DatasetBuilder, H36mCliErrorsLeaveNoOutput) {
  const std::string root = scratch_dir("dataset_h36m_errors");
  const std::string out = root + "/out";
  auto missing = run_cli("dataset build h36m --data " + shell_quote(root + "/no_such_folder") + " --out " + shell_quote(out));
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("no_such_folder"), std::string::npos) << missing.output;
  EXPECT_EQ(std::count(missing.output.begin(), missing.output.end(), '\n'), 1) << missing.output;
  EXPECT_FALSE(fs::exists(out));
  for (const char* fold : {" --fold-lifter S8", " --fold-lifter =w.safetensors", " --fold-lifter S8=a --fold-lifter S8=b"}) {
    auto f = run_cli("dataset build h36m --out " + shell_quote(out) + " --lifter x.safetensors" + fold);
    EXPECT_EQ(f.exit_code, 1) << fold << ": " << f.output;
    EXPECT_NE(f.output.find("--fold-lifter"), std::string::npos) << f.output;
    EXPECT_EQ(std::count(f.output.begin(), f.output.end(), '\n'), 1) << f.output;
    EXPECT_FALSE(fs::exists(out));
  }
  KINEPOSE_REQUIRE_DATA("h36m_sh");
  auto bad = run_cli("dataset build h36m --data " + shell_quote(data_path("h36m_sh")) + " --out " + shell_quote(out) +
                     " --train S99 --val S9 --cameras 54138969");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("S99"), std::string::npos) << bad.output;
  EXPECT_EQ(std::count(bad.output.begin(), bad.output.end(), '\n'), 1) << bad.output;
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(root)) ADD_FAILURE() << "left behind: " << e.path();
}

NoiseModel small_model() {
  NoiseModel m;
  m.skeleton = "mpii16";
  m.fps = 50;
  for (const auto& name : get_skeleton("mpii16")->joints) {
    JointNoise j;
    j.name = name;
    j.std = {0.01, 0.01};
    j.ar = 0.8;
    j.outlier_len = {1.0};
    j.swap_len = {1.0};
    m.joints.push_back(j);
  }
  return m;
}

TEST(DatasetBuilder, MocapThroughVirtualCameras) {
  KINEPOSE_REQUIRE_DATA("cmu_mocap_samples/131_01.bvh");
  const std::string dir = scratch_dir("dataset_mocap");
  save_noise_model(small_model(), dir + "/noise.json");
  MocapBuildOptions o;
  o.data = data_path("cmu_mocap_samples/131_01.bvh");
  o.noise_model = dir + "/noise.json";
  o.out_dir = dir + "/out";
  o.cameras_per_clip = 2;
  o.progress = false;
  const DatasetSummary s = build_mocap_dataset(o);
  EXPECT_EQ(s.sequences, 2);
  const Tracks in = read_poses(dir + "/out/input/131_01.npz"), tg = read_poses(dir + "/out/target/131_01.npz");
  ASSERT_EQ(in.size(), 2u);
  ASSERT_EQ(tg.size(), 2u);
  EXPECT_EQ(tg[0].skeleton->name, "mpii16");
  EXPECT_EQ(tg[0].name, "131_01__cam0");
  // The person is upright, in view and of plausible size (3-6 m away, f 1150 px: ~300-700 px tall).
  const auto& g = tg[0];
  const int head = g.skeleton->index_of("head_top"), ankle = g.skeleton->index_of("left_ankle");
  const int t = g.frames / 2;
  EXPECT_LT(g.at(t, head, 1), g.at(t, ankle, 1));
  const double h = g.at(t, ankle, 1) - g.at(t, head, 1);
  EXPECT_GT(h, 200.0);
  EXPECT_LT(h, 800.0);
  for (int j = 0; j < g.joints(); ++j) {
    EXPECT_GT(g.at(t, j, 0), 0.0f);
    EXPECT_LT(g.at(t, j, 0), 1000.0f);
  }
  // The input is the target plus noise.
  EXPECT_NE(in[0].at(t, head, 0), g.at(t, head, 0));
  EXPECT_NEAR(in[0].at(t, head, 0), g.at(t, head, 0), 60.0);
}

TEST(DatasetBuilder, NoiseModelMissingIsOneLineError) {
  const std::string dir = scratch_dir("dataset_mocap_err");
  auto r = run_cli("dataset build mocap --data " + shell_quote(dir) + " --noise " + shell_quote(dir + "/absent.json") +
                   " --out " + shell_quote(dir + "/out"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_FALSE(fs::exists(dir + "/out"));
}

}  // namespace
}  // namespace kinepose
