// Sequence-level HANet refinement: the stitching rule against the fixture's long and short
// sequences, batching, missing-joint filling, normalisation, input checks, and `kinepose refine`.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "fixture_helpers.h"
#include "kinepose/error.h"
#include "kinepose/io.h"
#include "kinepose/npy.h"
#include "kinepose/skeleton.h"
#include "models/hanet/hanet_refiner.h"
#include "test_helpers.h"

using namespace kinepose;
using kinepose::testing::fixture_path;

namespace {

const char* kWeights = "hanet-public/weights.safetensors";

std::vector<float> npy_floats(const std::string& rel, int64_t* frames = nullptr) {
  const NpyArray a = read_npy(fixture_path(rel));
  if (frames) *frames = a.shape.at(0);
  return a.to_float32(rel);
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::abs(double(a[i]) - b[i]));
  return m;
}

PoseSequence coco_sequence(const std::vector<float>& values, int frames) {
  PoseSequence seq(get_skeleton("coco17"), frames, 2);
  seq.keypoints = values;
  seq.fps = 30;
  return seq;
}

}  // namespace

TEST(HanetRefine, WindowStartsFollowTheStitchingRule) {
  const std::vector<int64_t> expected{0,  5,  10, 15, 20, 25, 30, 35, 40,  45,  50,  55,  60, 65,
                                      70, 75, 80, 85, 90, 95, 100, 105, 110, 115, 120, 125, 126};
  EXPECT_EQ(hanet::window_starts(137, 11, 5), expected);
  EXPECT_EQ(hanet::window_starts(11, 11, 5), (std::vector<int64_t>{0}));
  EXPECT_EQ(hanet::window_starts(7, 11, 5), (std::vector<int64_t>{0}));
  EXPECT_EQ(hanet::window_starts(21, 11, 5), (std::vector<int64_t>{0, 5, 10}));
  EXPECT_EQ(hanet::window_starts(22, 11, 11), (std::vector<int64_t>{0, 11}));
  EXPECT_EQ(hanet::window_starts(23, 11, 11), (std::vector<int64_t>{0, 11, 12}));
}

TEST(HanetRefine, LongAndShortSequencesMatchFixture) {
  KINEPOSE_REQUIRE_FIXTURE(kWeights);
  const hanet::HanetRefiner refiner(fixture_path(kWeights));
  int64_t T = 0;
  const std::vector<float> in = npy_floats("hanet-public/sequence_in.npy", &T);
  hanet::RefineReport report;
  const std::vector<float> out = refiner.refine_model_space(in, T, {}, &report);
  EXPECT_EQ(report.windows, 27);
  EXPECT_LE(max_abs_diff(out, npy_floats("hanet-public/sequence_out.npy")), 1e-4);
  // Small batches give the same stitched result.
  hanet::RefineOptions small;
  small.batch_size = 4;
  EXPECT_LE(max_abs_diff(refiner.refine_model_space(in, T, small), out), 1e-5);

  int64_t Ts = 0;
  const std::vector<float> short_in = npy_floats("hanet-public/short_sequence_in.npy", &Ts);
  EXPECT_EQ(Ts, 7);
  EXPECT_LE(max_abs_diff(refiner.refine_model_space(short_in, Ts), npy_floats("hanet-public/short_sequence_out.npy")), 1e-4);
}

TEST(HanetRefine, PoseSequenceRefinementEqualsModelSpaceForNoNormalisation) {
  KINEPOSE_REQUIRE_FIXTURE(kWeights);
  const hanet::HanetRefiner refiner(fixture_path(kWeights));
  int64_t T = 0;
  const std::vector<float> in = npy_floats("hanet-public/sequence_in.npy", &T);
  PoseSequence seq = coco_sequence(in, static_cast<int>(T));
  const PoseSequence out = refiner.refine(seq, {}, nullptr, "seq");
  EXPECT_LE(max_abs_diff(out.keypoints, npy_floats("hanet-public/sequence_out.npy")), 1e-4);
  EXPECT_EQ(out.fps, 30);

  // A missing joint is filled (and reported) rather than poisoning its windows with NaN.
  seq.at(40, 3, 0) = NAN;
  seq.at(41, 3, 1) = NAN;
  hanet::RefineReport report;
  const PoseSequence filled = refiner.refine(seq, {}, &report, "seq");
  EXPECT_EQ(report.filled_entries, 2);
  for (float v : filled.keypoints) ASSERT_TRUE(std::isfinite(v));
}

TEST(HanetRefine, UnobservedLeadingAndTrailingFramesStayMissing) {
  // A track that starts late and ends early (or NaN padding of a multi-track npz) is refined over
  // its observed span only; the frames outside stay missing and nothing is reported as filled.
  KINEPOSE_REQUIRE_FIXTURE(kWeights);
  const hanet::HanetRefiner refiner(fixture_path(kWeights));
  int64_t T = 0;
  const std::vector<float> in = npy_floats("hanet-public/sequence_in.npy", &T);
  const PoseSequence full = coco_sequence(in, static_cast<int>(T));
  PoseSequence padded = full;
  for (int t = 0; t < padded.frames; ++t)
    if (t < 7 || t >= 100)
      for (int j = 0; j < padded.joints(); ++j)
        for (int d = 0; d < padded.dims; ++d) padded.at(t, j, d) = NAN;
  hanet::RefineReport report;
  const PoseSequence out = refiner.refine(padded, {}, &report, "padded");
  EXPECT_EQ(report.filled_entries, 0);
  const PoseSequence span = refiner.refine(full.slice(7, 100), {}, nullptr, "span");
  for (int t = 0; t < out.frames; ++t)
    for (int j = 0; j < out.joints(); ++j)
      for (int d = 0; d < out.dims; ++d) {
        if (t < 7 || t >= 100) ASSERT_TRUE(std::isnan(out.at(t, j, d))) << t;
        else ASSERT_EQ(out.at(t, j, d), span.at(t - 7, j, d)) << t;
      }
  PoseSequence none = full;
  std::fill(none.keypoints.begin(), none.keypoints.end(), NAN);
  EXPECT_THROW(refiner.refine(none, {}, nullptr, "none"), Error);
}

TEST(HanetRefine, RejectsInputsThatDoNotMatchTheModel) {
  KINEPOSE_REQUIRE_FIXTURE(kWeights);
  const hanet::HanetRefiner refiner(fixture_path(kWeights));
  PoseSequence h36m(get_skeleton("h36m17"), 20, 2);
  std::fill(h36m.keypoints.begin(), h36m.keypoints.end(), 0.5f);
  try {
    refiner.refine(h36m, {}, nullptr, "in.npz");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("in.npz: skeleton 'h36m17' does not match the model's 'coco17'"), std::string::npos)
        << e.what();
  }
  PoseSequence three_d(get_skeleton("coco17"), 20, 3);
  std::fill(three_d.keypoints.begin(), three_d.keypoints.end(), 0.5f);
  EXPECT_THROW(refiner.refine(three_d, {}, nullptr, "in.npz"), Error);
  PoseSequence empty(get_skeleton("coco17"), 20, 2);  // all NaN
  EXPECT_THROW(refiner.refine(empty, {}, nullptr, "in.npz"), Error);
  hanet::RefineOptions bad;
  bad.stride = 12;  // > L = 11
  EXPECT_THROW(refiner.refine_model_space(std::vector<float>(34 * 20, 0.f), 20, bad), Error);
}

TEST(HanetRefine, FillsMissingJointsByLinearInterpolation) {
  PoseSequence seq(get_skeleton("coco17"), 6, 2);
  for (int t = 0; t < 6; ++t)
    for (int j = 0; j < 17; ++j) seq.at(t, j, 0) = seq.at(t, j, 1) = static_cast<float>(10 * t + j);
  seq.at(0, 1, 0) = NAN;  // leading gap: held from frame 1
  seq.at(2, 1, 1) = NAN;  // interior gap of two frames
  seq.at(3, 1, 0) = NAN;
  seq.at(5, 1, 0) = NAN;  // trailing gap: held from frame 4
  for (int t = 0; t < 6; ++t) seq.at(t, 4, 0) = NAN;  // never seen
  std::vector<std::string> never;
  EXPECT_EQ(hanet::fill_missing_joints(seq, &never, "s"), 4 + 6);
  EXPECT_FLOAT_EQ(seq.at(0, 1, 0), 11.f);
  EXPECT_FLOAT_EQ(seq.at(2, 1, 0), 21.f);
  EXPECT_FLOAT_EQ(seq.at(3, 1, 1), 31.f);
  EXPECT_FLOAT_EQ(seq.at(5, 1, 1), 41.f);
  EXPECT_EQ(never, (std::vector<std::string>{seq.skeleton->joints[4]}));
  EXPECT_TRUE(std::isfinite(seq.at(2, 4, 0)));
}

TEST(HanetRefine, NormalisationsInvertAndPersonBoxIgnoresPlacement) {
  PoseSequence seq(get_skeleton("coco17"), 5, 2);
  for (size_t i = 0; i < seq.keypoints.size(); ++i) seq.keypoints[i] = static_cast<float>(100 + (i * 37) % 211);
  seq.image_size = std::array<int, 2>{640, 480};
  for (const char* mode : {"none", "image_size", "person_box", "root_relative", "root_box"}) {
    PoseSequence s = seq;
    const hanet::Normalization n = hanet::make_normalization(mode, s, "s");
    n.apply(s);
    n.invert(s);
    for (size_t i = 0; i < s.keypoints.size(); ++i) ASSERT_NEAR(s.keypoints[i], seq.keypoints[i], 1e-3) << mode;
  }
  PoseSequence moved = seq;  // same person, twice as large, elsewhere in the image
  for (size_t i = 0; i < moved.keypoints.size(); ++i) moved.keypoints[i] = 2 * seq.keypoints[i] + (i % 2 ? 300.f : -50.f);
  PoseSequence a = seq, b = moved;
  hanet::make_normalization("person_box", a, "a").apply(a);
  hanet::make_normalization("person_box", b, "b").apply(b);
  for (size_t i = 0; i < a.keypoints.size(); ++i) ASSERT_NEAR(a.keypoints[i], b.keypoints[i], 1e-5);
  // root_box: the same pose in other units (x 1000) and elsewhere gives the same model input.
  PoseSequence c = seq, d = moved;
  for (size_t i = 0; i < d.keypoints.size(); ++i) d.keypoints[i] = 1000 * seq.keypoints[i] + (i % 2 ? 5e4f : -2e4f);
  hanet::make_normalization("root_box", c, "c").apply(c);
  hanet::make_normalization("root_box", d, "d").apply(d);
  for (size_t i = 0; i < c.keypoints.size(); ++i) ASSERT_NEAR(c.keypoints[i], d.keypoints[i], 1e-4);
  int at_origin = 0;  // the root joint, in every frame
  for (int j = 0; j < c.joints(); ++j) at_origin += c.at(3, j, 0) == 0.f && c.at(3, j, 1) == 0.f;
  EXPECT_EQ(at_origin, 1);
  PoseSequence no_size = seq;
  no_size.image_size.reset();
  EXPECT_THROW(hanet::make_normalization("image_size", no_size, "s"), Error);
}

TEST(HanetRefine, CliRefinesFileLikeTheLibrary) {
  KINEPOSE_REQUIRE_FIXTURE(kWeights);
  int64_t T = 0;
  const std::vector<float> in = npy_floats("hanet-public/sequence_in.npy", &T);
  const std::string dir = kinepose::testing::scratch_dir("hanet_refine_cli");
  write_poses(dir + "/in.npz", {coco_sequence(in, static_cast<int>(T))});
  const auto q = kinepose::testing::shell_quote;
  const auto r = kinepose::testing::run_cli("refine " + q(dir + "/in.npz") + " -o " + q(dir + "/out.npz") + " --model " +
                                            q(fixture_path(kWeights)) + " --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("27 windows"), std::string::npos) << r.output;
  const Tracks out = read_poses(dir + "/out.npz");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_LE(max_abs_diff(out[0].keypoints, npy_floats("hanet-public/sequence_out.npy")), 1e-4);

  // Bad model file / mismatching input: one-line error, non-zero exit, no output file.
  const auto bad = kinepose::testing::run_cli("refine " + q(dir + "/in.npz") + " -o " + q(dir + "/bad.npz") + " --model " +
                                              q(dir + "/in.npz"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("safetensors"), std::string::npos) << bad.output;
  PoseSequence h36m(get_skeleton("h36m17"), 30, 2);
  std::fill(h36m.keypoints.begin(), h36m.keypoints.end(), 0.5f);
  write_poses(dir + "/h36m.npz", {h36m});
  const auto mismatch = kinepose::testing::run_cli("refine " + q(dir + "/h36m.npz") + " -o " + q(dir + "/bad.npz") +
                                                   " --model " + q(fixture_path(kWeights)));
  EXPECT_NE(mismatch.exit_code, 0);
  EXPECT_NE(mismatch.output.find("does not match the model"), std::string::npos) << mismatch.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/bad.npz"));
}
