// Tests for `kinepose demo` and what it stands on: the synthetic motion generator, the detector
// noise model, the Gaussian filter, the trajectory plot, the progress bar, and the demo CLI itself.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>

#include "filters/gaussian_filter.h"
#include "kinepose/error.h"
#include "kinepose/io.h"
#include "kinepose/metrics.h"
#include "synthetic/detector_noise.h"
#include "synthetic/motion.h"
#include "test_helpers.h"
#include "util/progress.h"
#include "visualization/trajectory_plot.h"

namespace kinepose {
namespace {

namespace fs = std::filesystem;
const float kNaN = std::numeric_limits<float>::quiet_NaN();

// Mean joint distance (2D) and mean |second difference| via the metrics module.
double mean_joint_error(const PoseSequence& estimate, const PoseSequence& truth) {
  return evaluate(estimate, truth).get("error_2d").value;
}
double mean_acceleration(const PoseSequence& seq) { return jitter(seq).value; }

// ---------------------------------------------------------------------------------------------
// Synthetic motion

TEST(SyntheticMotion, DeterministicForASeedAndDifferentAcrossSeeds) {
  for (const auto& motion : synth_motion_names()) {
    SynthOptions o;
    o.frames = 60;
    o.motion = motion;
    o.seed = 7;
    const PoseSequence a = synth_motion_2d(o), b = synth_motion_2d(o);
    EXPECT_EQ(a.keypoints, b.keypoints) << motion;
    o.seed = 8;
    const PoseSequence c = synth_motion_2d(o);
    ASSERT_EQ(a.keypoints.size(), c.keypoints.size());
    EXPECT_GT(mean_joint_error(a, c), 1.0) << motion << ": seeds 7 and 8 give (nearly) the same motion";
  }
}

TEST(SyntheticMotion, TwoDimensionalOutputFitsTheImage) {
  for (const auto& motion : synth_motion_names())
    for (const char* skel : {"coco17", "mpii16", "h36m17"})
      for (uint64_t seed : {0, 1, 2, 3}) {
        SynthOptions o;
        o.motion = motion;
        o.skeleton = skel;
        o.seed = seed;
        const PoseSequence s = synth_motion_2d(o);
        ASSERT_NO_THROW(s.validate("synthetic"));
        EXPECT_EQ(s.frames, 300);
        EXPECT_EQ(s.dims, 2);
        EXPECT_EQ(s.fps, 30.0);
        EXPECT_EQ(s.units, "px");
        ASSERT_TRUE(s.image_size.has_value());
        EXPECT_EQ((*s.image_size)[0], 1280);
        EXPECT_EQ((*s.image_size)[1], 720);
        EXPECT_EQ(s.skeleton->name, skel);
        EXPECT_EQ(s.missing_fraction(), 0.0);
        for (int t = 0; t < s.frames; ++t)
          for (int j = 0; j < s.joints(); ++j) {
            ASSERT_GE(s.at(t, j, 0), 0.0f) << motion << " " << skel << " seed " << seed;
            ASSERT_LT(s.at(t, j, 0), 1280.0f) << motion << " " << skel << " seed " << seed;
            ASSERT_GE(s.at(t, j, 1), 0.0f) << motion << " " << skel << " seed " << seed;
            ASSERT_LT(s.at(t, j, 1), 720.0f) << motion << " " << skel << " seed " << seed;
          }
      }
}

TEST(SyntheticMotion, BoneLengthsAreConstantIn3d) {
  for (const auto& motion : synth_motion_names())
    for (uint64_t seed : {0, 5}) {
      SynthOptions o;
      o.motion = motion;
      o.skeleton = "h36m17";
      o.seed = seed;
      const PoseSequence s = synth_motion_3d(o);
      EXPECT_EQ(s.units, "mm");
      ASSERT_EQ(s.dims, 3);
      for (int j = 0; j < s.joints(); ++j) {
        const int p = s.skeleton->parents[j];
        if (p < 0) continue;
        double lo = INFINITY, hi = -INFINITY;
        for (int t = 0; t < s.frames; ++t) {
          double d2 = 0;
          for (int d = 0; d < 3; ++d) d2 += std::pow(double(s.at(t, j, d)) - s.at(t, p, d), 2);
          lo = std::min(lo, std::sqrt(d2));
          hi = std::max(hi, std::sqrt(d2));
        }
        EXPECT_GT(lo, 50.0) << s.skeleton->joints[j];
        EXPECT_LT(hi - lo, 0.05) << motion << ": bone " << s.skeleton->joints[p] << "-" << s.skeleton->joints[j]
                                 << " changes length";
      }
    }
}

TEST(SyntheticMotion, MovesAndStandsOnTheGround) {
  for (const auto& motion : synth_motion_names()) {
    SynthOptions o;
    o.motion = motion;
    o.skeleton = "h36m17";
    const PoseSequence s = synth_motion_3d(o);
    const int la = s.skeleton->index_of("left_ankle"), ra = s.skeleton->index_of("right_ankle");
    const int head = s.skeleton->index_of("head");
    for (int t = 0; t < s.frames; ++t) {
      EXPECT_NEAR(std::min(s.at(t, la, 1), s.at(t, ra, 1)), 80.0f, 10.0f);  // a foot on the floor
      EXPECT_GT(s.at(t, head, 1), 1200.0f);                                 // upright or squatting
    }
    EXPECT_GT(mean_acceleration(s), 0.01) << motion << " does not move";
  }
}

TEST(SyntheticMotion, SeedPicksTheMotionWhenNoneIsGiven) {
  SynthOptions o;
  o.motion = "";
  o.frames = 10;
  o.seed = 3;
  EXPECT_NO_THROW(synth_motion_2d(o));
}

TEST(SyntheticMotion, RejectsBadOptions) {
  SynthOptions o;
  o.frames = 0;
  EXPECT_THROW(synth_motion_2d(o), Error);
  o = SynthOptions{};
  o.frames = 20'000'000;
  EXPECT_THROW(synth_motion_2d(o), Error);
  o = SynthOptions{};
  o.motion = "moonwalk";
  EXPECT_THROW(synth_motion_2d(o), Error);
  o = SynthOptions{};
  o.fps = 0;
  EXPECT_THROW(synth_motion_2d(o), Error);
  o = SynthOptions{};
  o.image_width = 0;
  EXPECT_THROW(synth_motion_2d(o), Error);
  o = SynthOptions{};
  o.skeleton = "no_such_skeleton";
  EXPECT_THROW(synth_motion_2d(o), Error);
  o = SynthOptions{};
  o.skeleton = "smpl24";  // collars, hands, spine segments: not in the stick figure
  try {
    synth_motion_2d(o);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("collar"), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------------------------------------
// Detector noise

PoseSequence noise_truth(int frames) {
  SynthOptions o;
  o.frames = frames;
  o.motion = "walk";
  o.seed = 11;
  return synth_motion_2d(o);
}

TEST(DetectorNoise, JitterMatchesTheSetting) {
  const PoseSequence truth = noise_truth(3000);
  DetectorNoiseParams p;
  p.outlier_rate = 0;
  p.missing_rate = 0;
  p.seed = 4;
  const PoseSequence noisy = add_detector_noise(truth, p);
  const auto sigma = detector_noise_sigma(truth, p);
  ASSERT_EQ(sigma.size(), size_t(truth.frames) * truth.joints());

  // Standardised residuals: unit variance, and lag-1 correlation = temporal_correlation.
  double sum = 0, sum2 = 0, lag = 0;
  long n = 0, nlag = 0;
  for (int j = 0; j < truth.joints(); ++j)
    for (int d = 0; d < 2; ++d)
      for (int t = 0; t < truth.frames; ++t) {
        const size_t k = size_t(t) * truth.joints() + j;
        const double z = (noisy.at(t, j, d) - truth.at(t, j, d)) / sigma[k];
        sum += z, sum2 += z * z, ++n;
        if (t > 0) {
          const double zp = (noisy.at(t - 1, j, d) - truth.at(t - 1, j, d)) / sigma[k - truth.joints()];
          lag += z * zp, ++nlag;
        }
      }
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.05);
  EXPECT_NEAR(sd, 1.0, 0.2);
  EXPECT_NEAR(lag / nlag, p.temporal_correlation, 0.1);

  // In pixels: sigma = jitter x person size x joint factor (wrists noisier than hips).
  const int lw = truth.skeleton->index_of("left_wrist"), lh = truth.skeleton->index_of("left_hip");
  const double size0 = sigma[size_t(0) * truth.joints() + lh] / p.jitter;
  EXPECT_GT(size0, 100.0);  // the person is a few hundred pixels tall
  EXPECT_NEAR(sigma[lw] / sigma[lh], p.extremity_factor, 1e-4);
  auto rms = [&](int j) {
    double s2 = 0;
    for (int t = 0; t < truth.frames; ++t)
      for (int d = 0; d < 2; ++d) s2 += std::pow(noisy.at(t, j, d) - truth.at(t, j, d), 2);
    return std::sqrt(s2 / (2.0 * truth.frames));
  };
  EXPECT_NEAR(rms(lw) / rms(lh), p.extremity_factor, 0.2 * p.extremity_factor);
}

TEST(DetectorNoise, MissingFractionNearTheSetting) {
  const PoseSequence truth = noise_truth(3000);
  for (double rate : {0.02, 0.05, 0.1}) {
    DetectorNoiseParams p;
    p.missing_rate = rate;
    p.seed = 9;
    const PoseSequence noisy = add_detector_noise(truth, p);
    EXPECT_NEAR(noisy.missing_fraction(), rate, 0.2 * rate) << rate;
    ASSERT_TRUE(noisy.has_scores());
    ASSERT_NO_THROW(noisy.validate("noisy"));
    for (int t = 0; t < noisy.frames; ++t)
      for (int j = 0; j < noisy.joints(); ++j)
        if (noisy.missing(t, j)) ASSERT_EQ(noisy.score(t, j), 0.0f);
  }
}

TEST(DetectorNoise, OutliersAreLargeRareAndLowConfidence) {
  const PoseSequence truth = noise_truth(3000);
  DetectorNoiseParams p;
  p.outlier_rate = 0.005;
  p.missing_rate = 0;
  p.seed = 2;
  const PoseSequence noisy = add_detector_noise(truth, p);
  const auto sigma = detector_noise_sigma(truth, p);
  long outliers = 0, total = 0;
  double score_out = 0, score_in = 0;
  for (int t = 0; t < truth.frames; ++t)
    for (int j = 0; j < truth.joints(); ++j) {
      const double e = std::hypot(noisy.at(t, j, 0) - truth.at(t, j, 0), noisy.at(t, j, 1) - truth.at(t, j, 1));
      const bool out = e > 10 * sigma[size_t(t) * truth.joints() + j];
      outliers += out;
      ++total;
      (out ? score_out : score_in) += noisy.score(t, j);
    }
  // Bursts start at 0.5% and last 1-5 frames (mean 3): about 1.5% of entries, allowing for overlap.
  const double frac = double(outliers) / total;
  EXPECT_GT(frac, 0.008);
  EXPECT_LT(frac, 0.025);
  EXPECT_LT(score_out / outliers, 0.4);
  EXPECT_GT(score_in / (total - outliers), 0.8);
}

TEST(DetectorNoise, DeterministicKeepsMissingAndRejectsBadParams) {
  PoseSequence truth = noise_truth(100);
  truth.at(10, 3, 0) = truth.at(10, 3, 1) = kNaN;
  DetectorNoiseParams p;
  p.seed = 1;
  const PoseSequence a = add_detector_noise(truth, p), b = add_detector_noise(truth, p);
  EXPECT_EQ(a.scores, b.scores);
  ASSERT_EQ(a.keypoints.size(), b.keypoints.size());
  for (size_t i = 0; i < a.keypoints.size(); ++i)
    ASSERT_TRUE(a.keypoints[i] == b.keypoints[i] || (std::isnan(a.keypoints[i]) && std::isnan(b.keypoints[i])));
  EXPECT_TRUE(a.missing(10, 3));
  p.seed = 2;
  EXPECT_GT(mean_joint_error(add_detector_noise(truth, p), a), 0.5);

  for (auto bad : {+[](DetectorNoiseParams& q) { q.jitter = -0.1; },
                   +[](DetectorNoiseParams& q) { q.temporal_correlation = 1.0; },
                   +[](DetectorNoiseParams& q) { q.missing_rate = 0.9; },
                   +[](DetectorNoiseParams& q) { q.outlier_rate = -1; },
                   +[](DetectorNoiseParams& q) { q.outlier_max_frames = 0; },
                   +[](DetectorNoiseParams& q) { q.missing_max_frames = 0; }}) {
    DetectorNoiseParams q;
    bad(q);
    EXPECT_THROW(add_detector_noise(truth, q), Error);
  }
}

// ---------------------------------------------------------------------------------------------
// Gaussian filter

// One joint, 1D signal in x (y = 0) on a one-joint-per-name skeleton borrowed from the registry:
// we fill joint 0 and leave the rest constant.
PoseSequence signal_sequence(const std::vector<float>& x) {
  PoseSequence s(get_skeleton("coco17"), static_cast<int>(x.size()), 2);
  for (int t = 0; t < s.frames; ++t)
    for (int j = 0; j < s.joints(); ++j) {
      s.at(t, j, 0) = j == 0 ? x[t] : 5.0f;
      s.at(t, j, 1) = j == 0 ? (std::isnan(x[t]) ? kNaN : 0.0f) : -3.0f;
    }
  return s;
}

std::vector<double> reference_kernel(double sigma, int window) {
  std::vector<double> k;
  double sum = 0;
  for (int i = -window / 2; i <= window / 2; ++i) sum += k.emplace_back(std::exp(-i * i / (2 * sigma * sigma)));
  for (double& w : k) w /= sum;
  return k;
}

TEST(GaussianFilter, ConstantSignalIsUnchanged) {
  for (auto edge : {GaussianFilter::Edge::kReflect, GaussianFilter::Edge::kNearest})
    for (int frames : {1, 2, 5, 40}) {
      GaussianFilter::Params p;
      p.edge = edge;
      p.median_window = 5;
      const PoseSequence in = signal_sequence(std::vector<float>(frames, 7.25f));
      const PoseSequence out = GaussianFilter(p).apply(in);
      ASSERT_EQ(out.frames, frames);
      for (size_t i = 0; i < in.keypoints.size(); ++i) EXPECT_NEAR(out.keypoints[i], in.keypoints[i], 1e-4);
    }
}

TEST(GaussianFilter, LinearRampUnchangedAwayFromEdgesAndReflectedAtThem) {
  const int T = 40;
  std::vector<float> x(T);
  for (int t = 0; t < T; ++t) x[t] = 10.0f + 2.5f * t;
  GaussianFilter::Params p;  // sigma 4, window 11, reflect
  const auto k = reference_kernel(p.sigma, p.window);
  const PoseSequence out = GaussianFilter(p).apply(signal_sequence(x));
  const int r = p.window / 2;
  for (int t = r; t < T - r; ++t) EXPECT_NEAR(out.at(t, 0, 0), x[t], 1e-3) << t;
  // Edges, rule "reflect" (... x1 x0 | x0 x1 ...): x[-i] = x[i-1], x[T-1+i] = x[T-i]. A ramp is
  // bent towards flat there: the first output is above x0, the last below x[T-1].
  for (int t : {0, 1, T - 2, T - 1}) {
    double expected = 0;
    for (int i = -r; i <= r; ++i) {
      int s = t + i;
      if (s < 0) s = -s - 1;
      if (s >= T) s = 2 * T - 1 - s;
      expected += k[i + r] * x[s];
    }
    EXPECT_NEAR(out.at(t, 0, 0), expected, 1e-3) << t;
  }
  EXPECT_GT(out.at(0, 0, 0), x[0] + 1.0f);
  EXPECT_LT(out.at(T - 1, 0, 0), x[T - 1] - 1.0f);

  // Rule "nearest" (... x0 x0 | x0 x1 ...).
  p.edge = GaussianFilter::Edge::kNearest;
  const PoseSequence near = GaussianFilter(p).apply(signal_sequence(x));
  double expected0 = 0;
  for (int i = -r; i <= r; ++i) expected0 += k[i + r] * x[std::max(0, i)];
  EXPECT_NEAR(near.at(0, 0, 0), expected0, 1e-3);
  for (int t = r; t < T - r; ++t) EXPECT_NEAR(near.at(t, 0, 0), x[t], 1e-3) << t;
}

TEST(GaussianFilter, ImpulseGivesTheNormalisedKernel) {
  for (double sigma : {1.0, 2.0, 4.0})
    for (int window : {1, 5, 11}) {
      std::vector<float> x(41, 0.0f);
      x[20] = 1.0f;
      GaussianFilter::Params p;
      p.sigma = sigma;
      p.window = window;
      const GaussianFilter f(p);
      const auto k = reference_kernel(sigma, window);
      ASSERT_EQ(f.kernel().size(), k.size());
      const PoseSequence out = f.apply(signal_sequence(x));
      const int r = window / 2;
      for (int t = 0; t < 41; ++t) {
        const double expected = std::abs(t - 20) <= r ? k[t - 20 + r] : 0.0;
        EXPECT_NEAR(out.at(t, 0, 0), expected, 1e-6) << "sigma " << sigma << " window " << window << " t " << t;
      }
    }
}

TEST(GaussianFilter, MissingSampleDoesNotSpread) {
  std::vector<float> x(30, 4.0f);
  x[15] = kNaN;
  GaussianFilter::Params p;
  const PoseSequence out = GaussianFilter(p).apply(signal_sequence(x));
  for (int t = 0; t < 30; ++t) {
    if (t == 15) {
      EXPECT_TRUE(out.missing(t, 0));
      continue;
    }
    ASSERT_FALSE(out.missing(t, 0)) << t;
    EXPECT_NEAR(out.at(t, 0, 0), 4.0f, 1e-5) << t;  // the kernel renormalised over present samples
  }
  // A ramp with a gap: the symmetric neighbourhood of the gap still reproduces the ramp when filled.
  std::vector<float> ramp(30);
  for (int t = 0; t < 30; ++t) ramp[t] = 3.0f * t;
  ramp[15] = kNaN;
  p.fill_missing = true;
  const PoseSequence filled = GaussianFilter(p).apply(signal_sequence(ramp));
  ASSERT_FALSE(filled.missing(15, 0));
  EXPECT_NEAR(filled.at(15, 0, 0), 45.0f, 1e-3);
  // A gap wider than the window cannot be filled.
  std::vector<float> gap(40, 1.0f);
  for (int t = 10; t < 30; ++t) gap[t] = kNaN;
  const PoseSequence g = GaussianFilter(p).apply(signal_sequence(gap));
  EXPECT_FALSE(g.missing(12, 0));
  EXPECT_TRUE(g.missing(20, 0));
}

TEST(GaussianFilter, MedianPrefilterRemovesASpike) {
  std::vector<float> x(30, 2.0f);
  x[12] = 500.0f;
  GaussianFilter::Params p;
  p.median_window = 5;
  const PoseSequence out = GaussianFilter(p).apply(signal_sequence(x));
  for (int t = 0; t < 30; ++t) EXPECT_NEAR(out.at(t, 0, 0), 2.0f, 1e-4);
}

TEST(GaussianFilter, KeepsMetadataAndScores) {
  PoseSequence in = noise_truth(20);
  in.track_id = 3;
  const PoseSequence out = GaussianFilter(GaussianFilter::Params{}).apply(in);
  EXPECT_EQ(out.frames, in.frames);
  EXPECT_EQ(out.scores, in.scores);
  EXPECT_EQ(out.fps, in.fps);
  EXPECT_EQ(out.image_size, in.image_size);
  EXPECT_EQ(out.track_id, in.track_id);
  EXPECT_NO_THROW(out.validate("refined"));
}

TEST(GaussianFilter, RejectsInvalidParams) {
  auto make = [](double sigma, int window, int median) {
    GaussianFilter::Params p;
    p.sigma = sigma;
    p.window = window;
    p.median_window = median;
    return GaussianFilter(p);
  };
  EXPECT_THROW(make(0.0, 11, 0), Error);
  EXPECT_THROW(make(-1.0, 11, 0), Error);
  EXPECT_THROW(make(std::nan(""), 11, 0), Error);
  EXPECT_THROW(make(INFINITY, 11, 0), Error);
  EXPECT_THROW(make(4.0, 10, 0), Error);
  EXPECT_THROW(make(4.0, 0, 0), Error);
  EXPECT_THROW(make(4.0, -3, 0), Error);
  EXPECT_THROW(make(4.0, 11, 4), Error);
  EXPECT_THROW(make(4.0, 11, -1), Error);
  EXPECT_NO_THROW(make(4.0, 1, 1));
}

TEST(GaussianFilter, ReducesDetectorNoise) {
  const PoseSequence truth = noise_truth(300);
  DetectorNoiseParams np;
  np.seed = 5;
  const PoseSequence noisy = add_detector_noise(truth, np);
  GaussianFilter::Params p;
  p.sigma = 2.0;
  p.median_window = 5;
  const PoseSequence refined = GaussianFilter(p).apply(noisy);
  EXPECT_LT(mean_joint_error(refined, truth), 0.8 * mean_joint_error(noisy, truth));
  EXPECT_LT(mean_acceleration(refined), 0.3 * mean_acceleration(noisy));
}

// ---------------------------------------------------------------------------------------------
// Trajectory plot and progress bar

TEST(TrajectoryPlot, WritesAPngWithGaps) {
  PoseSequence truth = noise_truth(50);
  DetectorNoiseParams np;
  np.missing_rate = 0.2;
  const PoseSequence noisy = add_detector_noise(truth, np);
  const std::string dir = testing::scratch_dir("trajectory_plot");
  const std::string path = dir + "/plot.png";
  write_trajectory_plot(path, {{"truth", &truth}, {"noisy", &noisy}});
  const auto size = fs::file_size(path);
  EXPECT_GT(size, 1000u);
  const auto bytes = render_trajectory_plot({{"truth", &truth}});
  ASSERT_GT(bytes.size(), 8u);
  EXPECT_EQ(bytes[1], 'P');
  EXPECT_EQ(bytes[2], 'N');
  EXPECT_EQ(bytes[3], 'G');
  TrajectoryPlotOptions o;
  o.joints = {"no_such_joint"};
  EXPECT_THROW(render_trajectory_plot({{"truth", &truth}}, o), Error);
  EXPECT_THROW(render_trajectory_plot({}), Error);
  EXPECT_THROW(write_trajectory_plot(dir + "/missing_folder/plot.png", {{"truth", &truth}}), Error);
  EXPECT_FALSE(fs::exists(dir + "/missing_folder"));
}

TEST(ProgressBar, SilentUnderCi) {
  const char* old = std::getenv("CI");
  const std::string saved = old ? old : "";
  setenv("CI", "1", 1);
  {
    ProgressBar bar(10, "test");
    EXPECT_FALSE(bar.enabled());
    for (int i = 0; i < 10; ++i) bar.advance();
    bar.update(10);
    bar.finish();
    bar.finish();
  }
  if (old) setenv("CI", saved.c_str(), 1);
  else unsetenv("CI");
}

// ---------------------------------------------------------------------------------------------
// The demo command

double table_value(const std::string& output, const std::string& row) {
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(row + " ", 0) != 0) continue;
    std::istringstream fields(line.substr(row.size()));
    double v = NAN;
    fields >> v;
    return v;
  }
  return NAN;
}

TEST(DemoCli, WritesFilesAndRefinedBeatsInput) {
  const std::string dir = testing::scratch_dir("demo_cli") + "/out";
  const auto r = testing::run_cli("demo -o " + testing::shell_quote(dir) + " --frames 150 --seed 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"ground_truth.npz", "input.npz", "refined.npz", "trajectories.png"}) {
    EXPECT_TRUE(fs::is_regular_file(dir + "/" + f)) << f;
    EXPECT_NE(r.output.find(f), std::string::npos) << "output does not mention " << f;
  }
  const double input_error = table_value(r.output, "input (noisy)"),
               refined_error = table_value(r.output, "refined (HANet)");
  ASSERT_TRUE(std::isfinite(input_error) && std::isfinite(refined_error)) << r.output;
  EXPECT_LT(refined_error, input_error) << r.output;

  // The files say the same.
  const Tracks gt = read_poses(dir + "/ground_truth.npz"), in = read_poses(dir + "/input.npz"),
               out = read_poses(dir + "/refined.npz");
  ASSERT_EQ(gt.size(), 1u);
  ASSERT_EQ(in.size(), 1u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(gt[0].frames, 150);
  EXPECT_EQ(gt[0].skeleton->name, "mpii16");
  EXPECT_EQ(gt[0].fps, 50);
  EXPECT_NE(r.output.find("hanet_2d_mpii16_h36m.safetensors"), std::string::npos) << r.output;
  EXPECT_NEAR(mean_joint_error(in[0], gt[0]), input_error, 0.01);
  EXPECT_NEAR(mean_joint_error(out[0], gt[0]), refined_error, 0.01);
  EXPECT_LT(mean_acceleration(out[0]), mean_acceleration(in[0]));
}

TEST(DemoCli, OtherMotions) {
  const std::string dir = testing::scratch_dir("demo_cli_mpii");
  const auto r = testing::run_cli("demo -o " + testing::shell_quote(dir) + " --frames 60 --seed 1 --motion wave");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Tracks gt = read_poses(dir + "/ground_truth.npz");
  ASSERT_EQ(gt.size(), 1u);
  EXPECT_EQ(gt[0].skeleton->name, "mpii16");
  EXPECT_LT(table_value(r.output, "refined (HANet)"), table_value(r.output, "input (noisy)")) << r.output;
}

TEST(DemoCli, RejectsBadArguments) {
  const std::string dir = testing::scratch_dir("demo_cli_bad");
  EXPECT_NE(testing::run_cli("demo -o " + testing::shell_quote(dir + "/a") + " --frames 0").exit_code, 0);
  EXPECT_NE(testing::run_cli("demo -o " + testing::shell_quote(dir + "/b") + " --skeleton smpl24").exit_code, 0);
  EXPECT_NE(testing::run_cli("demo -o " + testing::shell_quote(dir + "/c") + " --motion moonwalk").exit_code, 0);
  EXPECT_FALSE(fs::exists(dir + "/a"));
  // An output path that is a file, not a folder.
  const std::string file = dir + "/file";
  { std::ofstream(file) << "x"; }
  const auto r = testing::run_cli("demo -o " + testing::shell_quote(file) + " --frames 10");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("not a folder"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace kinepose
