// The fitted detector-noise model (src/synthetic/noise_model.h): fitting recovers known bias, jitter,
// AR(1), outlier bursts, swaps and missing rates from synthetic pairs; apply_noise is seeded and keeps
// the sequence's shape; JSON round trip and one-line errors.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "kinepose/error.h"
#include "synthetic/noise_model.h"
#include "synthetic/random.h"
#include "test_helpers.h"

namespace kinepose {
namespace {

// A 16-joint MPII pose, ~200 px tall, left/right partners >= 40 px apart, drifting slowly.
PoseSequence clean_walk(int frames, uint64_t seed) {
  const SkeletonPtr sk = get_skeleton("mpii16");
  PoseSequence s(sk, frames, 2);
  s.fps = 50;
  s.image_size = std::array<int, 2>{1000, 1000};
  s.units = "px";
  s.name = "walk" + std::to_string(seed);
  // x, y offsets per joint in MPII order (image y down).
  const float base[16][2] = {{-40, 200}, {-40, 130}, {-40, 60}, {40, 60}, {40, 130}, {40, 200}, {0, 60}, {0, -40},
                             {0, -60},   {0, -100},  {-90, 40}, {-80, -5}, {-50, -40}, {50, -40}, {80, -5}, {90, 40}};
  SeededRandom rng(seed);
  const double ph = rng.uniform(0, 6.28);
  for (int t = 0; t < frames; ++t) {
    const double cx = 500 + 100 * std::sin(0.01 * t + ph), cy = 500 + 20 * std::cos(0.013 * t);
    for (int j = 0; j < 16; ++j) {
      s.at(t, j, 0) = static_cast<float>(cx + base[j][0] + 5 * std::sin(0.05 * t + j));
      s.at(t, j, 1) = static_cast<float>(cy + base[j][1]);
    }
  }
  return s;
}

NoiseModel known_model() {
  NoiseModel m;
  m.skeleton = "mpii16";
  m.fps = 50;
  m.outlier_k = kOutlierK;
  for (const auto& name : get_skeleton("mpii16")->joints) {
    JointNoise j;
    j.name = name;
    j.bias = {0.02, -0.01};
    j.std = {0.012, 0.008};
    j.ar = 0.7;
    j.outlier_rate = 0.004;
    j.outlier_len = {0.0, 0.0, 1.0};  // always 3 frames
    j.outlier_log_mean = std::log(0.12);  // below half the left/right separation: never nearer the partner
    j.outlier_log_std = 0.1;
    const bool paired = name.rfind("left_", 0) == 0 || name.rfind("right_", 0) == 0;
    j.swap_rate = paired ? 0.002 : 0.0;
    j.swap_len = {0.0, 1.0};  // always 2 frames
    j.missing_rate = 0.01;
    m.joints.push_back(j);
  }
  return m;
}

std::vector<std::pair<PoseSequence, PoseSequence>> synthetic_pairs(const NoiseModel& m, int n, int frames) {
  std::vector<std::pair<PoseSequence, PoseSequence>> pairs;
  for (int i = 0; i < n; ++i) {
    PoseSequence gt = clean_walk(frames, static_cast<uint64_t>(i));
    PoseSequence det = apply_noise(gt, m, 100 + static_cast<uint64_t>(i));
    pairs.emplace_back(std::move(det), std::move(gt));
  }
  return pairs;
}

TEST(NoiseModel, FitRecoversKnownParameters) {
  const NoiseModel truth = known_model();
  const auto pairs = synthetic_pairs(truth, 20, 2500);
  const NoiseModel fit = fit_noise_model(pairs);
  ASSERT_EQ(fit.joints.size(), 16u);
  EXPECT_EQ(fit.skeleton, "mpii16");
  EXPECT_DOUBLE_EQ(fit.fps, 50.0);
  EXPECT_EQ(fit.frames, 50000);
  for (const auto& j : fit.joints) {
    SCOPED_TRACE(j.name);
    EXPECT_NEAR(j.bias[0], 0.02, 0.002);
    EXPECT_NEAR(j.bias[1], -0.01, 0.002);
    // Std is measured with speed_gain folded in; the clean motion is slow, so it is close to the truth.
    const double g = 1.0 + j.speed_gain * 0.3;
    EXPECT_NEAR(j.std[0] * g, 0.012, 0.0015);
    EXPECT_NEAR(j.std[1] * g, 0.008, 0.0012);
    EXPECT_NEAR(j.ar, 0.7, 0.05);
    EXPECT_NEAR(j.outlier_rate, 0.004, 0.0015);
    ASSERT_GE(j.outlier_len.size(), 3u);
    EXPECT_GT(j.outlier_len[2], 0.7);  // mostly 3-frame bursts
    EXPECT_NEAR(std::exp(j.outlier_log_mean), 0.12, 0.02);
    EXPECT_NEAR(j.missing_rate, 0.01, 0.003);
    const bool paired = j.name.rfind("left_", 0) == 0 || j.name.rfind("right_", 0) == 0;
    if (paired) {
      EXPECT_NEAR(j.swap_rate, 0.002, 0.0008);
      ASSERT_GE(j.swap_len.size(), 2u);
      EXPECT_GT(j.swap_len[1], 0.7);
    } else {
      EXPECT_EQ(j.swap_rate, 0.0);
    }
  }
}

TEST(NoiseModel, FitOnCleanPairsGivesNoOutliersOrSwaps) {
  NoiseModel m = known_model();
  for (auto& j : m.joints) j.outlier_rate = j.swap_rate = j.missing_rate = 0.0;
  const NoiseModel fit = fit_noise_model(synthetic_pairs(m, 4, 2000));
  for (const auto& j : fit.joints) {
    EXPECT_EQ(j.missing_rate, 0.0);
    EXPECT_LT(j.outlier_rate, 0.0005) << j.name;  // Gaussian tail beyond 5 sigma only
    EXPECT_LT(j.swap_rate, 0.0005) << j.name;
  }
}

TEST(NoiseModel, ApplyIsSeededAndKeepsShape) {
  const NoiseModel m = known_model();
  const PoseSequence clean = clean_walk(300, 7);
  const PoseSequence a = apply_noise(clean, m, 42), b = apply_noise(clean, m, 42), c = apply_noise(clean, m, 43);
  EXPECT_EQ(a.skeleton, clean.skeleton);
  EXPECT_EQ(a.frames, clean.frames);
  EXPECT_EQ(a.dims, 2);
  EXPECT_DOUBLE_EQ(a.fps, 50.0);
  EXPECT_EQ(a.image_size, clean.image_size);
  EXPECT_EQ(a.name, clean.name);
  ASSERT_EQ(a.keypoints.size(), b.keypoints.size());
  for (size_t i = 0; i < a.keypoints.size(); ++i) {
    if (std::isnan(a.keypoints[i])) {
      EXPECT_TRUE(std::isnan(b.keypoints[i]));
      continue;
    }
    ASSERT_EQ(a.keypoints[i], b.keypoints[i]) << i;
  }
  bool differs = false;
  for (size_t i = 0; i < a.keypoints.size(); ++i)
    if (!std::isnan(a.keypoints[i]) && !std::isnan(c.keypoints[i]) && a.keypoints[i] != c.keypoints[i]) differs = true;
  EXPECT_TRUE(differs);
  // Noise is present and roughly of the modelled size (person ~300 px: jitter ~3-4 px).
  double sum = 0;
  int n = 0;
  for (int t = 0; t < clean.frames; ++t)
    for (int j = 0; j < 16; ++j)
      if (!a.missing(t, j)) sum += std::hypot(a.at(t, j, 0) - clean.at(t, j, 0), a.at(t, j, 1) - clean.at(t, j, 1)), ++n;
  EXPECT_GT(sum / n, 3.0);
  EXPECT_LT(sum / n, 30.0);
}

TEST(NoiseModel, UnmatchedJointsUseMeanStatistics) {
  const NoiseModel m = known_model();
  PoseSequence clean = clean_walk(200, 1);
  PoseSequence penn(get_skeleton("penn13"), 200, 2);
  penn.fps = 30;
  for (int t = 0; t < 200; ++t)
    for (int j = 0; j < 13; ++j)
      for (int d = 0; d < 2; ++d) penn.at(t, j, d) = clean.at(t, j, d);
  const PoseSequence out = apply_noise(penn, m, 3);
  EXPECT_EQ(out.skeleton->name, "penn13");
  EXPECT_DOUBLE_EQ(out.fps, 30.0);
  int moved = 0;
  for (int t = 0; t < 200; ++t)
    if (!out.missing(t, 0) && out.at(t, 0, 0) != penn.at(t, 0, 0)) ++moved;  // penn_head: not in mpii16
  EXPECT_GT(moved, 150);
}

TEST(NoiseModel, RejectsThreeD) {
  PoseSequence s(get_skeleton("mpii16"), 10, 3);
  EXPECT_THROW(apply_noise(s, known_model(), 0), Error);
}

TEST(NoiseModel, SaveLoadRoundTrip) {
  const std::string dir = testing::scratch_dir("noise_model_io");
  const NoiseModel m = known_model();
  save_noise_model(m, dir + "/m.json");
  const NoiseModel r = load_noise_model(dir + "/m.json");
  ASSERT_EQ(r.joints.size(), m.joints.size());
  EXPECT_EQ(r.skeleton, "mpii16");
  for (size_t i = 0; i < m.joints.size(); ++i) {
    EXPECT_EQ(r.joints[i].name, m.joints[i].name);
    EXPECT_NEAR(r.joints[i].bias[0], m.joints[i].bias[0], 1e-6);
    EXPECT_NEAR(r.joints[i].ar, m.joints[i].ar, 1e-6);
    EXPECT_NEAR(r.joints[i].swap_rate, m.joints[i].swap_rate, 1e-6);
    EXPECT_EQ(r.joints[i].outlier_len.size(), m.joints[i].outlier_len.size());
  }
  // Same seed, same model -> the same noise after the round trip.
  const PoseSequence clean = clean_walk(100, 2);
  EXPECT_EQ(apply_noise(clean, m, 5).keypoints.size(), apply_noise(clean, r, 5).keypoints.size());
  EXPECT_NEAR(apply_noise(clean, m, 5).at(50, 3, 0), apply_noise(clean, r, 5).at(50, 3, 0), 1e-3);
}

TEST(NoiseModel, BadJsonIsOneLineErrorNamingTheFile) {
  const std::string dir = testing::scratch_dir("noise_model_bad");
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name) << text;
    return dir + "/" + name;
  };
  for (const auto& [file, text] : std::vector<std::pair<std::string, std::string>>{
           {"syntax.json", "{ not json"},
           {"other.json", "{\"format\": \"something\"}"},
           {"nojoints.json", "{\"format\": \"kinepose-noise-model\", \"version\": 1, \"fps\": 50, \"joints\": []}"},
           {"field.json", "{\"format\": \"kinepose-noise-model\", \"version\": 1, \"fps\": 50, \"joints\": [{\"name\": \"x\"}]}"},
           {"range.json",
            "{\"format\": \"kinepose-noise-model\", \"version\": 1, \"fps\": 50, \"joints\": [{\"name\": \"x\", \"bias\": [0,0], "
            "\"std\": [0.1,0.1], \"ar\": 1.5, \"outlier_rate\": 0, \"outlier_len\": [1], \"outlier_log_mean\": 0, "
            "\"outlier_log_std\": 0}]}"}}) {
    const std::string path = write(file, text);
    const std::string msg = testing::error_of([&] { load_noise_model(path); });
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  const std::string missing = testing::error_of([&] { load_noise_model(dir + "/absent.json"); });
  EXPECT_NE(missing.find("absent.json"), std::string::npos) << missing;
}

TEST(NoiseModel, StatsMeasureResiduals) {
  PoseSequence gt = clean_walk(100, 3);
  PoseSequence det = gt;
  for (int t = 0; t < 100; ++t) det.at(t, 0, 0) += 3.0f;  // constant 3 px on right_ankle: no acceleration
  for (int t = 0; t < 100; ++t) det.at(t, 1, 0) += (t % 2 ? 2.0f : -2.0f);  // alternating: accel 8 px/frame^2
  const NoiseStats st = noise_stats({{det, gt}});
  ASSERT_EQ(st.joints.size(), 16u);
  EXPECT_NEAR(st.joints[0].mean, 3.0, 1e-4);
  EXPECT_NEAR(st.joints[0].median, 3.0, 1e-4);
  EXPECT_NEAR(st.joints[0].accel, 0.0, 1e-3);
  EXPECT_NEAR(st.joints[1].accel, 8.0, 1e-3);
  EXPECT_EQ(st.joints[2].mean, 0.0);
  EXPECT_EQ(st.overall.outlier_rate, 0.0);
  const std::string table = noise_report_table(st, st, true);
  EXPECT_NE(table.find("| right_ankle |"), std::string::npos);
  EXPECT_NE(table.find("all joints"), std::string::npos);
}

}  // namespace
}  // namespace kinepose
