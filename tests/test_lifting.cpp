// 2D -> 3D lifting (src/models/lifting, src/training/lifter_trainer): the camera-frame transform
// round trip, config round trip and errors, lifters overfitting a tiny synthetic set, the weights
// file (BatchNorm statistics included), `kinepose lift` then `kinepose refine` on a generated 2D
// sequence (stable bone lengths), bad input, and the Human3.6M pipeline on a small slice of the data.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>

#include "kinepose/error.h"
#include "kinepose/h36m.h"
#include "kinepose/io.h"
#include "kinepose/metrics.h"
#include "kinepose/skeleton.h"
#include "models/lifting/lifter_config.h"
#include "models/lifting/lifter_modules.h"
#include "models/lifting/pose_lifter.h"
#include "synthetic/motion.h"
#include "test_helpers.h"
#include "training/dataset_builder.h"
#include "training/lifter_trainer.h"
#include "util/model_paths.h"

namespace kinepose {
namespace {

using testing::error_of;
using testing::run_cli;
using testing::scratch_dir;
using testing::shell_quote;

const std::string kModels = std::string(KINEPOSE_SOURCE_DIR) + "/models/";

TEST(Lifting, CameraFrameRoundTrip) {
  H36mCamera cam{};
  // A rotation from Euler angles and an arbitrary centre.
  const double a = 0.3, b = -1.1, c = 2.0;
  const double Rx[3][3] = {{1, 0, 0}, {0, std::cos(a), -std::sin(a)}, {0, std::sin(a), std::cos(a)}};
  const double Ry[3][3] = {{std::cos(b), 0, std::sin(b)}, {0, 1, 0}, {-std::sin(b), 0, std::cos(b)}};
  const double Rz[3][3] = {{std::cos(c), -std::sin(c), 0}, {std::sin(c), std::cos(c), 0}, {0, 0, 1}};
  double tmp[3][3] = {};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) tmp[i][j] += Ry[i][k] * Rz[k][j];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      cam.R[i][j] = 0;
      for (int k = 0; k < 3; ++k) cam.R[i][j] += Rx[i][k] * tmp[k][j];
    }
  cam.T[0] = 1500, cam.T[1] = -4000, cam.T[2] = 1700;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-3000, 3000);
  std::vector<float> world(3 * 50), camera(3 * 50), back(3 * 50);
  for (float& v : world) v = u(rng);
  world_to_camera(cam, world.data(), 50, camera.data());
  camera_to_world(cam, camera.data(), 50, back.data());
  for (size_t i = 0; i < world.size(); ++i) ASSERT_NEAR(back[i], world[i], 1e-2) << i;
  // Distances are preserved (a rigid transform), and the camera centre maps to the origin.
  const auto dist = [](const float* p, const float* q) {
    return std::sqrt((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2]));
  };
  EXPECT_NEAR(dist(&world[0], &world[3]), dist(&camera[0], &camera[3]), 1e-2);
  const float centre[3] = {1500, -4000, 1700};
  float origin[3];
  world_to_camera(cam, centre, 1, origin);
  for (float v : origin) EXPECT_NEAR(v, 0.f, 1e-3);
}

TEST(Lifting, RealCamerasRoundTripTheGroundTruth) {
  KINEPOSE_REQUIRE_DATA("h36m_sh/h36m_cameras.npz");
  const auto cams = load_h36m_cameras(testing::data_path("h36m_sh/h36m_cameras.npz"));
  H36mSelection sel;
  sel.subjects = {"S9"};
  sel.actions = {"Walking_1"};
  sel.kind = "gt3d";
  const Tracks world = read_h36m(testing::data_path("h36m_sh"), sel);
  sel.kind = "gt3d_camera";
  sel.cameras = {"55011271"};
  const Tracks camera = read_h36m(testing::data_path("h36m_sh"), sel);
  ASSERT_EQ(world.size(), 1u);
  ASSERT_EQ(camera.size(), 1u);
  const H36mCamera* cam = nullptr;
  for (const auto& c : cams)
    if (c.subject == "S9" && c.name == "55011271") cam = &c;
  ASSERT_NE(cam, nullptr);
  std::vector<float> back(camera[0].keypoints.size());
  camera_to_world(*cam, camera[0].keypoints.data(), camera[0].frames * 17, back.data());
  double worst = 0;
  for (size_t i = 0; i < back.size(); ++i) worst = std::max(worst, std::abs(double(back[i]) - world[0].keypoints[i]));
  EXPECT_LT(worst, 0.05);  // mm
  // Depth: every joint is in front of the camera, several metres away.
  for (int t = 0; t < camera[0].frames; t += 50) EXPECT_GT(camera[0].at(t, 0, 2), 2000.f);
}

TEST(Lifting, ConfigMetadataRoundTripAndErrors) {
  for (const char* preset : {"fcn", "dgnet"}) {
    const LifterConfig c = LifterConfig::preset(preset);
    const LifterConfig back = LifterConfig::from_metadata(c.to_metadata(), "w.safetensors");
    EXPECT_EQ(back.to_metadata(), c.to_metadata()) << preset;
  }
  LifterConfig head = LifterConfig::preset("dgnet");
  head.head_hidden = 32;
  EXPECT_EQ(LifterConfig::from_metadata(head.to_metadata(), "w.safetensors").head_hidden, 32);
  EXPECT_EQ(LifterConfig::preset("dgnet").to_metadata().count("head_hidden"), 0u);  // first-release files
  head.head_frame = true;
  EXPECT_TRUE(LifterConfig::from_metadata(head.to_metadata(), "w.safetensors").head_frame);
  EXPECT_EQ(LifterConfig::preset("dgnet").to_metadata().count("head_frame"), 0u);
  head.head_hidden = 0;
  EXPECT_NE(error_of([&] { head.validate(); }).find("head_frame: needs head_hidden"), std::string::npos);
  head.head_frame = false;
  head.head_hidden = -1;
  EXPECT_NE(error_of([&] { head.validate(); }).find("head_hidden"), std::string::npos);
  auto m = LifterConfig::preset("fcn").to_metadata();
  m["in_joints"] = "17";
  EXPECT_NE(error_of([&] { LifterConfig::from_metadata(m, "w.safetensors"); }).find("in_joints"), std::string::npos);
  m = LifterConfig::preset("dgnet").to_metadata();
  m["window"] = "26";
  EXPECT_NE(error_of([&] { LifterConfig::from_metadata(m, "w.safetensors"); }).find("odd"), std::string::npos);
  m.erase("format");
  EXPECT_NE(error_of([&] { LifterConfig::from_metadata(m, "w.safetensors"); }).find("not a kinepose lifter"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_lifter_config(R"({"task": "lift", "h36m": "/", "epoch": 3})", "c.json"); })
                .find("unknown key 'epoch'"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_lifter_config(R"({"task": "refine"})", "c.json"); }).find("task"), std::string::npos);
}

// A tiny synthetic set: the 2D MPII-16 projection and the 3D H36M-17 pose of the same motion.
void tiny_set(Tracks& in, Tracks& gt, int frames = 48) {
  SynthOptions o;
  o.frames = frames;
  o.fps = 50;
  o.image_width = o.image_height = 1000;
  o.motion = "squat";
  o.skeleton = "mpii16";
  in = {synth_motion_2d(o)};
  o.skeleton = "h36m17";
  gt = {synth_motion_3d(o)};
}

// A small, fast training configuration on in-memory tracks (one thread, no output).
LifterTrainConfig tiny_config(const std::string& preset, const std::string& name, int width, int epochs) {
  LifterTrainConfig c;
  c.model = LifterConfig::preset(preset);
  c.model.linear_size = width;
  c.h36m = "(in memory)";
  c.epochs = epochs;
  c.frame_stride = 1;
  c.threads = 1;
  c.progress = false;
  c.quiet = true;
  c.out_dir = scratch_dir(name);
  return c;
}

double trained_error(const std::string& preset, const std::string& name, double* first_epoch, int head_hidden = 0) {
  Tracks in, gt;
  tiny_set(in, gt);
  LifterTrainConfig c = tiny_config(preset, name, 128, preset == "fcn" ? 60 : 40);
  c.model.head_hidden = head_hidden;
  c.model.dropout = 0.0;
  c.model.window = 9;
  c.model.hidden = 16;
  c.model.radius = 2;
  c.batch_size = 16;
  c.lr = 3e-3;
  c.lr_decay = 1.0;
  c.window_stride = 3;
  const LifterTrainResult r = train_lifter_on(c, in, gt, in, gt);
  *first_epoch = r.epochs.front().val_mpjpe;
  return r.epochs.back().val_mpjpe;
}

TEST(Lifting, FcnOverfitsATinySyntheticSet) {
  double first = 0;
  const double last = trained_error("fcn", "lift_overfit_fcn", &first);
  EXPECT_LT(last, 0.2 * first) << "first epoch " << first << " mm, last " << last << " mm";
  EXPECT_LT(last, 30.0);
}

TEST(Lifting, DgNetOverfitsATinySyntheticSet) {
  double first = 0;
  const double last = trained_error("dgnet", "lift_overfit_dgnet", &first);
  EXPECT_LT(last, 0.35 * first) << "first epoch " << first << " mm, last " << last << " mm";
}

TEST(Lifting, DgNetWithAnMlpHeadOverfitsATinySyntheticSet) {
  double first = 0;
  const double last = trained_error("dgnet", "lift_overfit_dgnet_head", &first, 64);
  EXPECT_LT(last, 0.35 * first) << "first epoch " << first << " mm, last " << last << " mm";
}

TEST(Lifting, InitCopiesTheGraphIntoADgNetWithANewHead) {
  // A DG-Net with the first release's linear head initialises one with an MLP head: every graph
  // tensor is copied, the new head starts fresh (lr ~ 0 so that the copy is what is saved).
  Tracks in, gt;
  tiny_set(in, gt);
  LifterTrainConfig a = tiny_config("dgnet", "lift_init_dg_a", 64, 3);
  a.model.window = 9;
  a.model.hidden = 16;
  a.model.radius = 2;
  a.window_stride = 3;
  a.lr = 3e-3;
  const LifterTrainResult ra = train_lifter_on(a, in, gt, in, gt);
  LifterTrainConfig b = a;
  b.out_dir = scratch_dir("lift_init_dg_b");
  b.model.head_hidden = 24;
  b.epochs = 1;
  b.lr = 1e-12;
  b.init = ra.last_path;
  const LifterTrainResult rb = train_lifter_on(b, in, gt, in, gt);
  lifting::Lifter la = lifting::load_lifter(ra.last_path), lb = lifting::load_lifter(rb.last_path);
  EXPECT_EQ(lb->config().head_hidden, 24);
  const auto pa = la->named_parameters(), pb = lb->named_parameters();
  int copied = 0, fresh = 0;
  for (const auto& p : pb) {
    const at::Tensor* src = pa.find(p.key());
    if (src && src->sizes() == p.value().sizes()) {
      EXPECT_LE((*src - p.value()).abs().max().item<double>(), 1e-6) << p.key();
      ++copied;
    } else {
      ++fresh;
    }
  }
  EXPECT_GT(copied, 10);
  EXPECT_EQ(fresh, 13);  // head.weight (new shape; head.bias keeps its shape), head_in, head_block{1,2}, head_norm{0,1,2}
}

TEST(Lifting, DgNetFrameInputStartsAsTheModelWithoutItAndLearns) {
  // head_frame adds the frame's 2D to the head through a zero-initialised layer: a model given the
  // other's tensors computes the same outputs, and the new layer receives a gradient.
  LifterConfig c = LifterConfig::preset("dgnet");
  c.window = 9;
  c.hidden = 8;
  c.radius = 2;
  c.head_hidden = 16;
  torch::manual_seed(3);
  lifting::Lifter a(c);
  c.head_frame = true;
  lifting::Lifter b(c);
  const auto pa = a->named_parameters();
  {
    at::NoGradGuard g;
    for (auto& p : b->named_parameters())
      if (pa.find(p.key())) p.value().copy_(pa[p.key()]);
  }
  a->eval();
  b->eval();
  const at::Tensor x = at::randn({2, 9, c.in_values()});
  EXPECT_LE((a->forward(x) - b->forward(x)).abs().max().item<double>(), 1e-6);
  EXPECT_EQ(b->named_parameters().size(), pa.size() + 1);
  b->forward(x).pow(2).sum().backward();
  const at::Tensor grad = b->dgnet->head_frame_in->weight.grad();
  ASSERT_TRUE(grad.defined());
  EXPECT_GT(grad.abs().max().item<double>(), 0.0);
}

TEST(Lifting, InitContinuesFromAWeightsFile) {
  Tracks in, gt;
  tiny_set(in, gt);
  LifterTrainConfig c = tiny_config("fcn", "lift_init_a", 64, 20);
  c.batch_size = 8;
  c.lr = 3e-3;
  c.lr_decay = 1.0;
  const LifterTrainResult a = train_lifter_on(c, in, gt, in, gt);
  ASSERT_LT(a.epochs.back().val_mpjpe, 0.5 * a.epochs.front().val_mpjpe);
  LifterTrainConfig more = tiny_config("fcn", "lift_init_b", 64, 1);
  more.batch_size = 8;
  more.lr = 1e-4;
  more.init = a.last_path;
  const LifterTrainResult b = train_lifter_on(more, in, gt, in, gt);
  // One more epoch from the file is about where the file was, far from a fresh start's first epoch.
  EXPECT_LT(b.epochs.front().val_mpjpe, 0.5 * a.epochs.front().val_mpjpe);
  EXPECT_LT(b.epochs.front().val_mpjpe, 1.5 * a.epochs.back().val_mpjpe + 1.0);
  LifterTrainConfig other = tiny_config("fcn", "lift_init_c", 32, 1);
  other.init = a.last_path;
  EXPECT_NE(error_of([&] { train_lifter_on(other, in, gt, in, gt); }).find("init"), std::string::npos);
}

// A 32-wide FCN trained for two epochs (batch 8) on tiny_set, which `in` / `gt` receive.
LifterTrainResult tiny_fcn(const std::string& name, Tracks& in, Tracks& gt, LifterTrainConfig& c) {
  tiny_set(in, gt);
  c = tiny_config("fcn", name, 32, 2);
  c.batch_size = 8;
  return train_lifter_on(c, in, gt, in, gt);
}

TEST(Lifting, WeightsKeepBatchNormStatisticsAndLiftLikeTraining) {
  Tracks in, gt;
  LifterTrainConfig c;
  const LifterTrainResult r = tiny_fcn("lift_weights", in, gt, c);
  const PoseLifter lifter(r.last_path);
  const PoseSequence out = lifter.lift(in[0], "tiny");
  ASSERT_EQ(out.frames, in[0].frames);
  EXPECT_EQ(out.skeleton->name, "h36m17");
  EXPECT_EQ(out.units, "mm");
  const MetricsReport m = evaluate(out, lifter_target_pose(gt[0], c.model, "gt"));
  // The file's lifter scores what validation scored at the last epoch (BatchNorm running statistics
  // and standardisation are part of the file).
  EXPECT_NEAR(m.mpjpe.value, r.epochs.back().val_mpjpe, 1e-3);
  for (int j = 0; j < 3; ++j) EXPECT_EQ(out.at(5, 0, j), 0.f);  // root at the origin
}

// x -> -x about the image centre (2D, image_size set) or the origin (3D), left/right joints swapped.
PoseSequence mirrored(const PoseSequence& s) {
  PoseSequence m = s;
  const std::vector<int> flip = s.skeleton->flip_permutation();
  const float w = s.dims == 2 ? static_cast<float>((*s.image_size)[0]) : 0.f;
  for (int t = 0; t < s.frames; ++t)
    for (int j = 0; j < s.joints(); ++j)
      for (int d = 0; d < s.dims; ++d) m.at(t, j, d) = d == 0 ? w - s.at(t, flip[j], 0) : s.at(t, flip[j], d);
  return m;
}

TEST(Lifting, FlipTestAveragingIsMirrorEquivariant) {
  Tracks in, gt;
  LifterTrainConfig c;
  const LifterTrainResult r = tiny_fcn("lift_flip", in, gt, c);
  PoseLifter lifter(r.last_path);
  EXPECT_FALSE(lifter.flip_test());  // as the file says (trained without flip_test)
  const auto max_diff = [](const PoseSequence& a, const PoseSequence& b) {
    float m = 0;
    for (size_t i = 0; i < a.keypoints.size(); ++i) m = std::max(m, std::abs(a.keypoints[i] - b.keypoints[i]));
    return m;
  };
  // One pass is not mirror-equivariant; the average of the pass and the mirrored pass is, exactly.
  const PoseSequence plain = lifter.lift(in[0], "tiny"), plain_m = lifter.lift(mirrored(in[0]), "tiny mirrored");
  EXPECT_GT(max_diff(mirrored(plain), plain_m), 1.0f);
  lifter.set_flip_test(true);
  const PoseSequence avg = lifter.lift(in[0], "tiny"), avg_m = lifter.lift(mirrored(in[0]), "tiny mirrored");
  EXPECT_LT(max_diff(mirrored(avg), avg_m), 1e-2f);
  EXPECT_GT(max_diff(avg, plain), 1e-3f);
  // `kinepose lift --flip-test` / `--no-flip-test` override the file.
  const std::string dir = scratch_dir("lift_flip_cli");
  write_poses(dir + "/in.npz", in);
  for (const char* flag : {"--flip-test", "--no-flip-test"}) {
    const auto cli = run_cli("lift " + shell_quote(dir + "/in.npz") + " -o " + shell_quote(dir + "/out.npz") + " --model " +
                             shell_quote(r.last_path) + " --threads 1 " + flag);
    ASSERT_EQ(cli.exit_code, 0) << cli.output;
    EXPECT_LT(max_diff(read_poses(dir + "/out.npz")[0], std::string(flag) == "--flip-test" ? avg : plain), 1e-3f) << flag;
  }
  // flip_test is part of the weights' metadata.
  LifterConfig f = c.model;
  f.flip_test = true;
  EXPECT_TRUE(LifterConfig::from_metadata(f.to_metadata(), "w.safetensors").flip_test);
}

TEST(Lifting, BadInputGetsClearErrors) {
  Tracks in, gt;
  tiny_set(in, gt, 20);
  const LifterTrainConfig c = tiny_config("fcn", "lift_bad_input", 16, 1);
  const PoseLifter lifter(train_lifter_on(c, in, gt, in, gt).last_path);
  EXPECT_NE(error_of([&] { lifter.lift(gt[0], "pose3d.npz"); }).find("3D needs no lifting"), std::string::npos);
  SynthOptions o;
  o.frames = 10;
  const PoseSequence coco = synth_motion_2d(o);
  const std::string e = error_of([&] { lifter.lift(coco, "coco.json"); });
  EXPECT_NE(e.find("coco.json"), std::string::npos) << e;
  EXPECT_NE(e.find("--skeleton mpii16"), std::string::npos) << e;
  PoseSequence no_size = in[0];
  no_size.image_size.reset();
  EXPECT_NE(error_of([&] { lifter.lift(no_size, "x.csv"); }).find("--image-size"), std::string::npos);
  PoseSequence empty(in[0].skeleton, 0, 2);
  empty.image_size = in[0].image_size;
  EXPECT_NE(error_of([&] { lifter.lift(empty, "e.npz"); }).find("empty"), std::string::npos);
  // The CLI: a lifter given to refine, 3D given to lift, a missing model file.
  const std::string dir = scratch_dir("lift_bad_input_cli");
  write_poses(dir + "/pose3d.npz", {gt[0]});
  auto r = run_cli("lift " + shell_quote(dir + "/pose3d.npz") + " -o " + shell_quote(dir + "/out.npz") + " --model " +
                   shell_quote(lifter.path()));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("3D needs no lifting"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/out.npz"));
  r = run_cli("lift " + shell_quote(dir + "/pose3d.npz") + " -o " + shell_quote(dir + "/out.npz") + " --model " +
              shell_quote(dir + "/nope.safetensors"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("nope.safetensors"), std::string::npos) << r.output;
}

// Per bone of an H36M-17 sequence (child joint order): mean and standard deviation over time of its length.
struct BoneStats {
  std::vector<double> mean, sd;
};
BoneStats bone_stats(const PoseSequence& s) {
  BoneStats b;
  for (int j = 0; j < s.joints(); ++j) {
    const int p = s.skeleton->parents[j];
    if (p < 0) continue;
    double sum = 0, sq = 0;
    for (int t = 0; t < s.frames; ++t) {
      double d = 0;
      for (int k = 0; k < 3; ++k) d += (s.at(t, j, k) - s.at(t, p, k)) * (s.at(t, j, k) - s.at(t, p, k));
      d = std::sqrt(d);
      sum += d;
      sq += d * d;
    }
    b.mean.push_back(sum / s.frames);
    b.sd.push_back(std::sqrt(std::max(0.0, sq / s.frames - b.mean.back() * b.mean.back())));
  }
  return b;
}

TEST(Lifting, LiftThenRefineGivesStableBones) {
  const std::string dir = scratch_dir("lift_refine");
  SynthOptions o;
  o.frames = 250;
  o.fps = 50;
  o.skeleton = "mpii16";
  o.image_width = o.image_height = 1000;
  o.focal_px = 1700;  // at the figure's 7 m, the person's size in pixels of a Human3.6M camera at ~4.5 m
  o.motion = "walk";
  write_poses(dir + "/walk2d.npz", {synth_motion_2d(o)});
  auto r = run_cli("lift " + shell_quote(dir + "/walk2d.npz") + " -o " + shell_quote(dir + "/walk3d.npz") + " --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("default lifter"), std::string::npos) << r.output;
  r = run_cli("refine " + shell_quote(dir + "/walk3d.npz") + " -o " + shell_quote(dir + "/refined.npz") + " --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("default for h36m17 3D"), std::string::npos) << r.output;
  const Tracks lifted = read_poses(dir + "/walk3d.npz"), refined = read_poses(dir + "/refined.npz");
  ASSERT_EQ(refined.size(), 1u);
  ASSERT_EQ(refined[0].frames, 250);
  EXPECT_EQ(refined[0].skeleton->name, "h36m17");
  const BoneStats a = bone_stats(lifted[0]), b = bone_stats(refined[0]);
  double sd_a = 0, sd_b = 0;
  for (size_t i = 0; i < b.sd.size(); ++i) {
    // A plausible body: no bone's length varies by more than 40 mm or 15 % (one standard deviation).
    EXPECT_LT(b.sd[i], std::max(40.0, 0.15 * b.mean[i])) << "bone " << i << ": mean " << b.mean[i] << " mm";
    sd_a += a.sd[i] / a.sd.size();
    sd_b += b.sd[i] / b.sd.size();
  }
  EXPECT_LE(sd_b, sd_a + 3.0) << "refinement should not make bone lengths less stable";
  EXPECT_LT(jitter(refined[0]).value, 0.5 * jitter(lifted[0]).value) << "refinement should remove the per-frame jitter";
  // Plausible sizes: thigh and shin between 250 and 600 mm on average.
  const SkeletonPtr s = refined[0].skeleton;
  for (const char* joint : {"right_knee", "right_ankle", "left_knee", "left_ankle"}) {
    const int j = s->index_of(joint), p = s->parents[j];
    double len = 0;
    for (int t = 0; t < refined[0].frames; ++t) {
      double d = 0;
      for (int k = 0; k < 3; ++k) d += std::pow(refined[0].at(t, j, k) - refined[0].at(t, p, k), 2);
      len += std::sqrt(d) / refined[0].frames;
    }
    EXPECT_GT(len, 250) << joint;
    EXPECT_LT(len, 600) << joint;
  }
}

TEST(Lifting, TwoDInputToTheThreeDModelIsAClearError) {
  const std::string dir = scratch_dir("lift_2d_to_3d");
  SynthOptions o;
  o.frames = 30;
  o.skeleton = "h36m17";
  write_poses(dir + "/h36m2d.npz", {synth_motion_2d(o)});
  const auto r = run_cli("refine " + shell_quote(dir + "/h36m2d.npz") + " -o " + shell_quote(dir + "/o.npz") +
                         " --model " + shell_quote(kModels + "hanet_3d_h36m17.safetensors"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("h36m2d.npz"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("3D"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/o.npz"));
}

TEST(Lifting, H36mPipelineOnASlice) {
  KINEPOSE_REQUIRE_DATA("h36m_sh/h36m_sh2d_mpii16_px_int16.npz");
  // The shipped lifter on real S9 detections: close to its documented accuracy on one trial.
  Tracks det, gt;
  load_h36m_lifting_pairs(testing::data_path("h36m_sh"), {"S9"}, {"54138969"}, {"Walking_1"}, det, gt);
  ASSERT_EQ(det.size(), 1u);
  const PoseLifter lifter(find_model_file(default_lifter_file()));
  const PoseSequence out = lifter.lift(det[0], det[0].name);
  const LifterConfig& c = lifter.config();
  const MetricsReport m = evaluate(out, lifter_target_pose(gt[0], c, "gt"));
  EXPECT_LT(m.mpjpe.value, 90.0);
  // The 3D refinement dataset builder writes lifted inputs and root-relative camera-frame targets.
  H36mBuildOptions b;
  b.data_dir = testing::data_path("h36m_sh");
  b.out_dir = scratch_dir("lift_dataset") + "/out";
  b.train = {"S8"};
  b.val = {"S9"};
  b.cameras = {"54138969"};
  b.actions = {"Walking_1"};
  b.lifter = lifter.path();
  b.progress = false;
  build_h36m_dataset(b);
  const Tracks in = read_poses(b.out_dir + "/val/input/S9_54138969.npz");
  const Tracks tg = read_poses(b.out_dir + "/val/target/S9_54138969.npz");
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].skeleton->name, "h36m17");
  EXPECT_EQ(in[0].dims, 3);
  EXPECT_NEAR(evaluate(in[0], tg[0]).mpjpe.value, m.mpjpe.value, 1e-3);
  EXPECT_EQ(tg[0].at(10, 0, 0), 0.f);

  // Out-of-fold inputs: the training subject is lifted by its fold lifter (here the DG-Net weights),
  // the validation subject still by --lifter.
  const PoseLifter other(find_model_file("lifter_dgnet_mpii16_h36m17.safetensors"));
  b.out_dir = scratch_dir("lift_dataset_folds") + "/out";
  b.fold_lifters = {{"S8", other.path()}};
  build_h36m_dataset(b);
  Tracks det8, gt8;
  load_h36m_lifting_pairs(testing::data_path("h36m_sh"), {"S8"}, {"54138969"}, {"Walking_1"}, det8, gt8);
  const Tracks in8 = read_poses(b.out_dir + "/train/input/S8_54138969.npz");
  ASSERT_EQ(in8.size(), 1u);
  const PoseSequence want8 = other.lift(det8[0], det8[0].name);
  EXPECT_LT(evaluate(in8[0], want8).mpjpe.value, 1e-3);
  EXPECT_GT(evaluate(in8[0], lifter.lift(det8[0], det8[0].name)).mpjpe.value, 1.0);
  EXPECT_NEAR(evaluate(read_poses(b.out_dir + "/val/input/S9_54138969.npz")[0], tg[0]).mpjpe.value, m.mpjpe.value, 1e-3);
  // A fold lifter for a subject that is not in the training split is refused before any work.
  b.out_dir = scratch_dir("lift_dataset_folds_bad") + "/out";
  b.fold_lifters = {{"S9", other.path()}};
  try {
    build_h36m_dataset(b);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a training subject"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(b.out_dir));
}

}  // namespace
}  // namespace kinepose

namespace kinepose {
namespace {

TEST(Lifting, BenchLiftingTableOnASlice) {
  KINEPOSE_REQUIRE_DATA("h36m_sh/h36m_sh2d_mpii16_px_int16.npz");
  const std::string lifter = find_model_file(default_lifter_file());
  // Two refiner files with the same name (two training runs' best.safetensors) are told apart by folder.
  const std::string dir = testing::scratch_dir("bench_lifting_names");
  for (const char* run : {"/run_a", "/run_b"}) {
    std::filesystem::create_directories(dir + run);
    std::filesystem::copy_file(find_model_file("hanet_3d_h36m17.safetensors"), dir + run + "/best.safetensors");
  }
  const auto r = testing::run_cli("bench lifting --data " + testing::shell_quote(testing::data_path("h36m_sh")) +
                                  " --lifters " + testing::shell_quote(lifter) + " --refiners " +
                                  testing::shell_quote(dir + "/run_a/best.safetensors," + dir + "/run_b/best.safetensors") +
                                  " --filters gaussian --actions Walking_1 --cameras 54138969 --threads 1 --no-progress");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* row : {"| FCN (per frame) |", "| FCN + gaussian (tuned) |", "| FCN + HANet | run_a/best.safetensors |",
                          "| FCN + HANet | run_b/best.safetensors |"})
    EXPECT_NE(r.output.find(row), std::string::npos) << row << "\n" << r.output;
  // A 2D refiner is refused with the reason.
  const auto bad = testing::run_cli("bench lifting --data " + testing::shell_quote(testing::data_path("h36m_sh")) +
                                    " --lifters " + testing::shell_quote(lifter) + " --refiners " +
                                    testing::shell_quote(find_model_file("hanet_2d_mpii16_h36m.safetensors")) +
                                    " --actions Walking_1 --cameras 54138969 --no-progress");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("needs refiners of the lifters' 3D h36m17 output"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace kinepose
