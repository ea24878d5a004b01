// The shipped default 2D model (models/hanet_2d_mpii16_h36m.safetensors, docs/models.md): it loads,
// refines a generated MPII-16 sequence keeping shape, skeleton and fps while reducing jitter, and
// `kinepose refine` picks it when --model is omitted; other skeletons get a clear error.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "kinepose/io.h"
#include "kinepose/metrics.h"
#include "models/hanet/hanet_refiner.h"
#include "synthetic/detector_noise.h"
#include "synthetic/motion.h"
#include "test_helpers.h"
#include "util/model_paths.h"

namespace kinepose {
namespace {

using testing::run_cli;
using testing::scratch_dir;
using testing::shell_quote;

const std::string kModel = std::string(KINEPOSE_SOURCE_DIR) + "/models/hanet_2d_mpii16_h36m.safetensors";

// A noisy MPII-16 walk at the model's 50 fps: the kind of input the default model is for.
PoseSequence noisy_walk(PoseSequence* truth_out = nullptr) {
  SynthOptions o;
  o.frames = 200;
  o.fps = 50;
  o.skeleton = "mpii16";
  o.image_width = o.image_height = 1000;
  o.seed = 3;
  PoseSequence truth = synth_motion_2d(o);
  DetectorNoiseParams n;
  n.seed = 3;
  n.missing_rate = 0.0;
  PoseSequence noisy = add_detector_noise(truth, n);
  if (truth_out) *truth_out = truth;
  return noisy;
}

TEST(DefaultModel, IsShippedAndFound) {
  const std::string path = default_model_path("mpii16", 2, false, "test");
  EXPECT_TRUE(path.find("hanet_2d_mpii16_h36m.safetensors") != std::string::npos) << path;
  const hanet::HanetRefiner refiner(kModel);
  EXPECT_EQ(refiner.config().skeleton, "mpii16");
  EXPECT_EQ(refiner.config().dims, 2);
  EXPECT_EQ(refiner.config().input_normalization, "person_box");
}

TEST(DefaultModel, RefinesGeneratedSequenceKeepingShapeAndReducingJitter) {
  PoseSequence truth;
  const PoseSequence noisy = noisy_walk(&truth);
  const hanet::HanetRefiner refiner(kModel);
  const PoseSequence out = refiner.refine(noisy);
  ASSERT_EQ(out.frames, noisy.frames);
  ASSERT_EQ(out.joints(), noisy.joints());
  EXPECT_EQ(out.dims, 2);
  EXPECT_EQ(out.skeleton->name, "mpii16");
  EXPECT_EQ(out.fps, noisy.fps);
  for (float v : out.keypoints) ASSERT_TRUE(std::isfinite(v));
  const double j_in = jitter(noisy).value, j_out = jitter(out).value, j_truth = jitter(truth).value;
  EXPECT_LT(j_out, 0.5 * j_in) << "jitter in " << j_in << " out " << j_out << " truth " << j_truth;
  // The output stays on the person: within the noise level of the ground truth.
  EXPECT_LT(evaluate(out, truth).get("error_2d").value, 2.0 * evaluate(noisy, truth).get("error_2d").value);
}

TEST(DefaultModel, RefineWithoutModelUsesTheDefault) {
  const std::string dir = scratch_dir("default_model_cli");
  const std::string in = dir + "/walk.npz", a = dir + "/a.npz", b = dir + "/b.npz";
  write_poses(in, {noisy_walk()});
  const auto r1 = run_cli("refine " + shell_quote(in) + " -o " + shell_quote(a));
  ASSERT_EQ(r1.exit_code, 0) << r1.output;
  EXPECT_NE(r1.output.find("hanet_2d_mpii16_h36m.safetensors"), std::string::npos) << r1.output;
  const auto r2 = run_cli("refine " + shell_quote(in) + " -o " + shell_quote(b) + " --model " + shell_quote(kModel));
  ASSERT_EQ(r2.exit_code, 0) << r2.output;
  const PoseSequence pa = read_poses(a).at(0), pb = read_poses(b).at(0);
  ASSERT_EQ(pa.keypoints.size(), pb.keypoints.size());
  for (size_t i = 0; i < pa.keypoints.size(); ++i) ASSERT_EQ(pa.keypoints[i], pb.keypoints[i]) << i;
}

TEST(DefaultModel, OtherSkeletonGetsAClearError) {
  const std::string dir = scratch_dir("default_model_coco");
  SynthOptions o;
  o.frames = 40;
  const std::string in = dir + "/coco.npz", out = dir + "/out.npz";
  write_poses(in, {synth_motion_2d(o)});
  const auto r = run_cli("refine " + shell_quote(in) + " -o " + shell_quote(out));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(in), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no default model for coco17 2D"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("mpii16"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--model"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace kinepose
