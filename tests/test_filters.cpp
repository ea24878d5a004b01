// Tests of the classic temporal filters (src/filters) against closed-form values: One-Euro's first
// sample and low-pass step response, Savitzky-Golay's coefficient tables and polynomial reproduction
// (plus scipy's "interp" edges), Kalman on noise-free tracks and a hand-computed first update; NaN
// handling, streaming == offline for the causal filters, and parameter validation.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "filters/gaussian_filter.h"
#include "filters/kalman_filter.h"
#include "filters/one_euro_filter.h"
#include "filters/savgol_filter.h"
#include "kinepose/error.h"
#include "kinepose/filters.h"

using namespace kinepose;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();

SkeletonPtr test_skeleton(int joints) {
  auto s = std::make_shared<Skeleton>();
  for (int j = 0; j < joints; ++j) {
    s->joints.push_back("j" + std::to_string(j));
    s->parents.push_back(j == 0 ? -1 : 0);
  }
  return s;
}

// joints x dims trajectories value(t, j, d).
template <typename F>
PoseSequence make_seq(int frames, int joints, int dims, F value, double fps = 30.0) {
  PoseSequence s(test_skeleton(joints), frames, dims);
  s.fps = fps;
  for (int t = 0; t < frames; ++t)
    for (int j = 0; j < joints; ++j)
      for (int d = 0; d < dims; ++d) s.at(t, j, d) = static_cast<float>(value(t, j, d));
  return s;
}

PoseSequence noisy_sine(int frames, int joints, uint32_t seed, double noise = 3.0) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0.0, noise);
  return make_seq(frames, joints, 2, [&](int t, int j, int d) {
    return 200.0 + 40.0 * j + 80.0 * std::sin(0.05 * t + j + d) + n(rng);
  });
}

void expect_near_seq(const PoseSequence& a, const PoseSequence& b, double tol) {
  ASSERT_EQ(a.frames, b.frames);
  ASSERT_EQ(a.keypoints.size(), b.keypoints.size());
  for (size_t i = 0; i < a.keypoints.size(); ++i) {
    if (std::isnan(a.keypoints[i]) || std::isnan(b.keypoints[i])) {
      EXPECT_EQ(std::isnan(a.keypoints[i]), std::isnan(b.keypoints[i])) << "NaN pattern differs at " << i;
      continue;
    }
    EXPECT_NEAR(a.keypoints[i], b.keypoints[i], tol) << "at " << i;
  }
}

// Root-mean-square error over the values present in both.
double rmse(const PoseSequence& a, const PoseSequence& truth) {
  double s = 0;
  size_t n = 0;
  for (size_t i = 0; i < a.keypoints.size(); ++i)
    if (!std::isnan(a.keypoints[i]) && !std::isnan(truth.keypoints[i])) s += std::pow(a.keypoints[i] - truth.keypoints[i], 2), ++n;
  return std::sqrt(s / n);
}

// Runs a stream filter over a sequence frame by frame.
PoseSequence stream(StreamFilter& f, const PoseSequence& in, double fps) {
  PoseSequence out = in;
  const size_t stride = static_cast<size_t>(in.joints()) * in.dims;
  for (int t = 0; t < in.frames; ++t)
    f.push(t / fps, in.keypoints.data() + t * stride,
           in.has_scores() ? in.scores.data() + static_cast<size_t>(t) * in.joints() : nullptr,
           out.keypoints.data() + t * stride);
  return out;
}

}  // namespace

// ---- One-Euro -----------------------------------------------------------------------------------

TEST(OneEuro, FirstOutputEqualsInput) {
  OneEuroFilter f({0.1, 40.0, 1.0});
  EXPECT_DOUBLE_EQ(f.apply(0.5, 1.0, 123.25), 123.25);
  OneEuroFilter g({1.0, 0.0, 1.0});
  EXPECT_DOUBLE_EQ(g.apply(0.0, 0.01, -7.0), -7.0);
}

TEST(OneEuro, StepResponseIsTheLowPassRecursion) {
  // beta = 0: a plain first-order low-pass, alpha = 1 / (1 + fps / (2 pi min_cutoff)); after the
  // step from 0 to 1 at sample 1, y_n = 1 - (1 - alpha)^n.
  const double fps = 30.0, fc = 1.5;
  const double alpha = 1.0 / (1.0 + fps / (2.0 * M_PI * fc));
  OneEuroFilter f({fc, 0.0, 1.0});
  EXPECT_DOUBLE_EQ(f.apply(0.0, 1.0, 0.0), 0.0);
  for (int n = 1; n <= 60; ++n) EXPECT_NEAR(f.apply(n / fps, 1.0, 1.0), 1.0 - std::pow(1.0 - alpha, n), 1e-12) << n;
}

TEST(OneEuro, SecondSampleWithBetaByHand) {
  // x0 = 0 at t = 0, x1 = 2 at t = 0.1 s, value scale 0.5: speed 2 * 0.5 / 0.1 = 10 /s.
  const double mc = 1.0, beta = 0.5, dc = 2.0, dt = 0.1;
  auto alpha = [](double fc, double te) { return 2 * M_PI * fc * te / (2 * M_PI * fc * te + 1); };
  const double edx = alpha(dc, dt) * 10.0;  // the speed filter started at 0
  const double a = alpha(mc + beta * edx, dt);
  OneEuroFilter f({mc, beta, dc});
  f.apply(0.0, 0.5, 0.0);
  EXPECT_NEAR(f.apply(dt, 0.5, 2.0), a * 2.0, 1e-12);
  EXPECT_NEAR(OneEuroFilter::alpha(mc, dt), alpha(mc, dt), 1e-15);
}

TEST(OneEuro, ScaleInvariantOutputScalesWithInput) {
  FilterParams p;  // MediaPipe defaults, scale invariant
  PoseSequence a = noisy_sine(80, 4, 1);
  PoseSequence b = a;
  for (float& v : b.keypoints) v *= 10.0f;
  PoseSequence fa = make_filter("one_euro", p)->apply(a), fb = make_filter("one_euro", p)->apply(b);
  for (size_t i = 0; i < fa.keypoints.size(); ++i) EXPECT_NEAR(fb.keypoints[i], 10.0f * fa.keypoints[i], 2e-3 * std::fabs(fb.keypoints[i]));
  EXPECT_LT(rmse(fa, a), 20.0);  // it filters, but not away
}

TEST(OneEuro, MissingSamplesDoNotSpread) {
  FilterParams p;
  p.scale_invariant = false;  // person size would couple the joints
  p.min_cutoff = 1.0;
  p.beta = 0.01;
  PoseSequence in = noisy_sine(30, 3, 2);
  PoseSequence gap = in;
  for (int d = 0; d < 2; ++d) gap.at(10, 1, d) = kNaN;
  PoseSequence full = make_filter("one_euro", p)->apply(in), out = make_filter("one_euro", p)->apply(gap);
  for (int t = 0; t < 30; ++t)
    for (int j = 0; j < 3; ++j)
      for (int d = 0; d < 2; ++d) {
        if (t == 10 && j == 1) {
          EXPECT_TRUE(std::isnan(out.at(t, j, d)));
        } else {
          ASSERT_FALSE(std::isnan(out.at(t, j, d))) << t << " " << j;
          if (j != 1 || t < 10) EXPECT_FLOAT_EQ(out.at(t, j, d), full.at(t, j, d));
        }
      }
  // After the gap joint 1 continues with a two-frame step, exactly as a filter that never saw frame 10.
  OneEuroFilter f({1.0, 0.01, 1.0});
  double last = 0;
  for (int t = 0; t < 12; ++t)
    if (t != 10) last = f.apply(t / 30.0, 1.0, in.at(t, 1, 0));
  EXPECT_NEAR(out.at(11, 1, 0), last, 1e-3);
}

TEST(OneEuro, StreamingEqualsOffline) {
  FilterParams p;
  p.min_score = 0.3;
  PoseSequence in = noisy_sine(50, 5, 3);
  in.scores.assign(static_cast<size_t>(in.frames) * in.joints(), 0.9f);
  in.score(7, 2) = 0.1f;
  for (int d = 0; d < 2; ++d) in.at(12, 4, d) = kNaN;
  auto s = make_stream_filter("one_euro", p, in.joints(), in.dims);
  PoseSequence streamed = stream(*s, in, in.fps);
  expect_near_seq(streamed, make_filter("one_euro", p)->apply(in), 1e-4);
  // Below min_score: not used, the raw value is kept.
  EXPECT_FLOAT_EQ(streamed.at(7, 2, 0), in.at(7, 2, 0));
  s->reset();
  expect_near_seq(stream(*s, in, in.fps), streamed, 0.0);
}

TEST(OneEuro, InvalidParamsRejected) {
  EXPECT_THROW(OneEuroFilter({0.0, 1.0, 1.0}), Error);
  EXPECT_THROW(OneEuroFilter({-1.0, 1.0, 1.0}), Error);
  EXPECT_THROW(OneEuroFilter({std::nan(""), 1.0, 1.0}), Error);
  EXPECT_THROW(OneEuroFilter({1.0, -0.5, 1.0}), Error);
  EXPECT_THROW(OneEuroFilter({1.0, 1.0, 0.0}), Error);
  FilterParams p;
  p.d_cutoff = -2;
  EXPECT_THROW(make_filter("one_euro", p), Error);
  EXPECT_THROW(make_stream_filter("one_euro", p, 17, 2), Error);
  FilterParams q;
  EXPECT_THROW(make_stream_filter("one_euro", q, 17, 4), Error);
}

TEST(OneEuro, NeedsFrameRate) {
  PoseSequence in = noisy_sine(10, 2, 4);
  in.fps = 0.0;
  try {
    make_filter("one_euro")->apply(in);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--fps"), std::string::npos) << e.what();
  }
  FilterParams p;
  p.fps = 25.0;
  EXPECT_NO_THROW(make_filter("one_euro", p)->apply(in));
}

TEST(OneEuro, TimestampsMustIncrease) {
  OneEuroFilter f({1.0, 0.0, 1.0});
  f.apply(1.0, 1.0, 0.0);
  EXPECT_THROW(f.apply(1.0, 1.0, 0.0), Error);
  auto s = make_stream_filter("one_euro", {}, 2, 2);
  std::vector<float> frame{0, 0, 1, 1}, out(4);
  s->push(0.5, frame.data(), nullptr, out.data());
  EXPECT_THROW(s->push(0.4, frame.data(), nullptr, out.data()), Error);
}

// ---- Savitzky-Golay -----------------------------------------------------------------------------

TEST(SavGol, CentralWeightsMatchTheClassicTables) {
  SavitzkyGolayFilter f5({5, 2});
  const double w5[] = {-3, 12, 17, 12, -3};
  for (int k = 0; k < 5; ++k) EXPECT_NEAR(f5.weights(2)[k], w5[k] / 35.0, 1e-12);
  SavitzkyGolayFilter f7({7, 3});  // order 3 has the same central weights as order 2
  const double w7[] = {-2, 3, 6, 7, 6, 3, -2};
  for (int k = 0; k < 7; ++k) EXPECT_NEAR(f7.weights(3)[k], w7[k] / 21.0, 1e-12);
  SavitzkyGolayFilter f3({3, 0});  // order 0: moving average
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(f3.weights(1)[k], 1.0 / 3.0, 1e-12);
}

TEST(SavGol, ReproducesPolynomialOfItsOrder) {
  for (auto [window, order] : {std::pair{11, 2}, std::pair{9, 3}, std::pair{5, 1}}) {
    PoseSequence in = make_seq(40, 3, 2, [&](int t, int j, int d) {
      const double x = (t - 20) / 10.0;
      double v = 50.0 + j + d;
      for (int k = 1; k <= order; ++k) v += (3.0 - k + j) * std::pow(x, k);
      return v;
    });
    FilterParams p;
    p.window = window;
    p.order = order;
    expect_near_seq(make_filter("savgol", p)->apply(in), in, 2e-4);
  }
}

TEST(SavGol, EdgesMatchScipyInterpMode) {
  // scipy.signal.savgol_filter(x, 5, 2, mode='interp') and (x, 7, 3).
  const std::vector<double> x{1, 4, 2, 8, 5, 7, 3, 9, 6, 0, 2.5, 4};
  const std::vector<double> e5{1.0285714285714265, 3.0857142857142836, 4.5714285714285685, 5.34285714285714,
                               7.142857142857139,  4.6857142857142815, 5.999999999999996,  6.857142857142853,
                               5.528571428571426,  1.799999999999997,  1.6999999999999984, 4.100000000000001};
  const std::vector<double> e7{1.380952380952382, 2.5476190476190577, 4.261904761904774, 5.857142857142861,
                               5.428571428571433, 6.28571428571429,   6.380952380952386, 5.857142857142861,
                               4.309523809523814, 2.595238095238093,  2.0595238095238106, 3.785714285714292};
  PoseSequence in = make_seq(12, 1, 2, [&](int t, int, int d) { return d == 0 ? x[t] : -x[t]; });
  PoseSequence o5 = SavitzkyGolayFilter({5, 2}).apply(in), o7 = SavitzkyGolayFilter({7, 3}).apply(in);
  for (int t = 0; t < 12; ++t) {
    EXPECT_NEAR(o5.at(t, 0, 0), e5[t], 1e-5) << t;
    EXPECT_NEAR(o5.at(t, 0, 1), -e5[t], 1e-5) << t;
    EXPECT_NEAR(o7.at(t, 0, 0), e7[t], 1e-5) << t;
  }
}

TEST(SavGol, FastPathMatchesReference) {
  PoseSequence in = noisy_sine(120, 4, 5);
  for (int t : {3, 4, 50, 51, 52, 117}) in.at(t, 1, 0) = in.at(t, 1, 1) = kNaN;
  for (int t = 60; t < 70; ++t) in.at(t, 2, 0) = in.at(t, 2, 1) = kNaN;
  SavitzkyGolayFilter f({11, 2});
  expect_near_seq(f.apply(in), f.apply_reference(in), 1e-3);
}

TEST(SavGol, MissingSamplesDoNotSpread) {
  // A quadratic with holes: present samples are still reproduced exactly, holes stay holes.
  PoseSequence in = make_seq(30, 2, 2, [](int t, int j, int d) { return 0.05 * t * t - t + 10 * j + d; });
  for (int t : {0, 7, 8, 15, 29}) in.at(t, 0, 0) = in.at(t, 0, 1) = kNaN;
  PoseSequence truth = make_seq(30, 2, 2, [](int t, int j, int d) { return 0.05 * t * t - t + 10 * j + d; });
  PoseSequence out = make_filter("savgol")->apply(in);
  for (int t = 0; t < 30; ++t)
    for (int j = 0; j < 2; ++j)
      for (int d = 0; d < 2; ++d) {
        if (in.missing(t, j)) {
          EXPECT_TRUE(std::isnan(out.at(t, j, d)));
        } else {
          EXPECT_NEAR(out.at(t, j, d), truth.at(t, j, d), 1e-3) << t << " " << j;
        }
      }
}

TEST(SavGol, ShortSequenceKeepsLength) {
  PoseSequence in = make_seq(4, 2, 3, [](int t, int j, int d) { return 2.0 * t + j - d; });
  PoseSequence out = make_filter("savgol")->apply(in);  // window 11 > 4 frames
  ASSERT_EQ(out.frames, 4);
  expect_near_seq(out, in, 1e-4);
  PoseSequence one = make_seq(1, 2, 2, [](int, int j, int) { return 5.0 + j; });
  expect_near_seq(make_filter("savgol")->apply(one), one, 0.0);
}

TEST(SavGol, InvalidParamsRejected) {
  EXPECT_THROW(SavitzkyGolayFilter({10, 2}), Error);
  EXPECT_THROW(SavitzkyGolayFilter({0, 0}), Error);
  EXPECT_THROW(SavitzkyGolayFilter({5, 5}), Error);
  EXPECT_THROW(SavitzkyGolayFilter({5, -1}), Error);
  FilterParams p;
  p.order = 11;
  EXPECT_THROW(make_filter("savgol", p), Error);
}

// ---- Kalman -------------------------------------------------------------------------------------

TEST(Kalman, ConstantVelocityTrackUnchanged) {
  PoseSequence in = make_seq(60, 3, 2, [](int t, int j, int d) { return 100.0 + 7 * j - 3 * d + (1.5 + j - d) * t; });
  for (const char* name : {"kalman_cv", "kalman_cv_rts", "kalman_ca", "kalman_ca_rts"})
    expect_near_seq(make_filter(name)->apply(in), in, 1e-3);
}

TEST(Kalman, ConstantAccelerationTrackUnchangedByCaModel) {
  PoseSequence in = make_seq(60, 2, 2, [](int t, int j, int d) { return 10.0 + j + d + 0.5 * t + 0.04 * t * t; });
  for (const char* name : {"kalman_ca", "kalman_ca_rts"}) expect_near_seq(make_filter(name)->apply(in), in, 1e-3);
  // The constant-velocity model lags behind an accelerating track.
  PoseSequence cv = make_filter("kalman_cv")->apply(in);
  EXPECT_GT(std::fabs(cv.at(59, 0, 0) - in.at(59, 0, 0)), 0.1);
}

TEST(Kalman, FirstUpdateByHand) {
  // Measurements 0, 0, 1 (R = 1): two-point start p = 0, v = 0, P = [[1, 1], [1, 2]]; one step:
  // P_pred00 = 5 + q / 3, gain K0 = P_pred00 / (P_pred00 + 1), estimate K0 * 1.
  KalmanFilter f({KalmanFilter::Model::kConstantVelocity, 0.3, 1.0, 30});
  const double z[] = {0, 0, 1};
  double out[3];
  f.filter_series(z, nullptr, 3, out);
  const double pp = 5.0 + 0.09 / 3.0;
  EXPECT_DOUBLE_EQ(out[0], 0.0);  // first outputs equal the input
  EXPECT_DOUBLE_EQ(out[1], 0.0);
  EXPECT_NEAR(out[2], pp / (pp + 1.0), 1e-12);
  // Confidence 0.5 doubles the variance of the third measurement.
  const double c[] = {1, 1, 0.5};
  f.filter_series(z, c, 3, out);
  EXPECT_NEAR(out[2], pp / (pp + 2.0), 1e-12);
}

TEST(Kalman, FillsMissingByPrediction) {
  PoseSequence in = make_seq(40, 3, 2, [](int t, int j, int d) { return 50.0 + j + d + (2.0 - j) * t; });
  PoseSequence truth = in;
  for (int t = 15; t < 20; ++t) in.at(t, 1, 0) = in.at(t, 1, 1) = kNaN;
  in.at(30, 2, 0) = in.at(30, 2, 1) = kNaN;
  for (const char* name : {"kalman_cv", "kalman_cv_rts", "kalman_ca_rts"}) {
    PoseSequence out = make_filter(name)->apply(in);
    expect_near_seq(out, truth, 1e-3);  // gaps filled, nothing else disturbed
  }
}

TEST(Kalman, GapsLongerThanMaxGap) {
  FilterParams p;
  p.max_gap = 3;
  PoseSequence in = make_seq(40, 1, 2, [](int t, int, int d) { return 5.0 + d + 0.5 * t; });
  PoseSequence truth = in;
  for (int t = 10; t < 20; ++t) in.at(t, 0, 0) = in.at(t, 0, 1) = kNaN;
  for (int t = 0; t < 2; ++t) in.at(t, 0, 0) = in.at(t, 0, 1) = kNaN;
  PoseSequence causal = make_filter("kalman_cv", p)->apply(in);
  PoseSequence rts = make_filter("kalman_cv_rts", p)->apply(in);
  for (int t = 0; t < 40; ++t) {
    const bool causal_filled = !(t < 2) && !(t >= 13 && t < 20);
    const bool rts_filled = !(t >= 13 && t < 17);  // within 3 frames of an observation on either side
    EXPECT_EQ(!std::isnan(causal.at(t, 0, 0)), causal_filled) << t;
    EXPECT_EQ(!std::isnan(rts.at(t, 0, 0)), rts_filled) << t;
    if (causal_filled) EXPECT_NEAR(causal.at(t, 0, 0), truth.at(t, 0, 0), 1e-3) << t;
    if (rts_filled) EXPECT_NEAR(rts.at(t, 0, 0), truth.at(t, 0, 0), 1e-3) << t;
  }
}

TEST(Kalman, LowConfidenceInflatesMeasurementNoise) {
  PoseSequence in = make_seq(40, 1, 2, [](int t, int, int d) { return 10.0 + d + 1.0 * t; });
  in.scores.assign(40, 1.0f);
  in.at(20, 0, 0) += 30.0f;  // an outlier
  PoseSequence trusted = make_filter("kalman_cv")->apply(in);
  in.score(20, 0) = 0.01f;
  PoseSequence doubted = make_filter("kalman_cv")->apply(in);
  const double truth = 30.0;
  EXPECT_LT(std::fabs(doubted.at(20, 0, 0) - truth), 0.2 * std::fabs(trusted.at(20, 0, 0) - truth));
  // Below min_score the joint is skipped and predicted: exactly on the track.
  FilterParams p;
  p.min_score = 0.5;
  EXPECT_NEAR(make_filter("kalman_cv", p)->apply(in).at(20, 0, 0), truth, 1e-3);
  EXPECT_NEAR(make_filter("kalman_cv_rts", p)->apply(in).at(20, 0, 0), truth, 1e-3);
}

TEST(Kalman, SmootherBeatsFilterOnNoise) {
  PoseSequence truth = noisy_sine(300, 3, 6, 0.0);
  PoseSequence in = noisy_sine(300, 3, 6, 3.0);
  FilterParams p;
  p.measurement_noise = 3.0;
  p.process_noise = 0.3;
  const double raw = rmse(in, truth), causal = rmse(make_filter("kalman_cv", p)->apply(in), truth),
               rts = rmse(make_filter("kalman_cv_rts", p)->apply(in), truth);
  EXPECT_LT(causal, raw);
  EXPECT_LT(rts, causal);
}

TEST(Kalman, StreamingEqualsOffline) {
  FilterParams p;
  p.fps = 30.0;
  p.min_score = 0.2;
  p.max_gap = 4;
  PoseSequence in = noisy_sine(80, 4, 7);
  in.scores.assign(static_cast<size_t>(in.frames) * in.joints(), 0.8f);
  in.score(9, 1) = 0.1f;
  in.score(10, 1) = 0.6f;
  for (int t = 20; t < 30; ++t) in.at(t, 3, 0) = in.at(t, 3, 1) = kNaN;
  for (const char* name : {"kalman_cv", "kalman_ca"}) {
    auto s = make_stream_filter(name, p, in.joints(), in.dims);
    expect_near_seq(stream(*s, in, 30.0), make_filter(name, p)->apply(in), 1e-3);
  }
}

TEST(Kalman, InvalidParamsRejected) {
  using M = KalmanFilter::Model;
  EXPECT_THROW(KalmanFilter({M::kConstantVelocity, -1.0, 1.0, 30}), Error);
  EXPECT_THROW(KalmanFilter({M::kConstantVelocity, 0.1, 0.0, 30}), Error);
  EXPECT_THROW(KalmanFilter({M::kConstantAcceleration, 0.1, std::nan(""), 30}), Error);
  EXPECT_THROW(KalmanFilter({M::kConstantAcceleration, 0.1, 1.0, -1}), Error);
  FilterParams p;
  p.measurement_noise = -3;
  EXPECT_THROW(make_filter("kalman_ca_rts", p), Error);
  KalmanFilter f({});
  KalmanFilter::State s;
  f.step(s, 3.0, 1.0, 1.0);
  EXPECT_THROW(f.step(s, 2.0, 1.0, 1.0), Error);
}

// ---- registry -----------------------------------------------------------------------------------

TEST(FilterRegistry, ListsEveryFilterWithADescription) {
  std::vector<std::string> names;
  for (const auto& i : filter_infos()) {
    names.push_back(i.name);
    EXPECT_FALSE(i.description.empty()) << i.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"one_euro", "savgol", "gaussian", "kalman_cv", "kalman_ca", "kalman_cv_rts",
                                             "kalman_ca_rts"}));
  EXPECT_TRUE(filter_info("one_euro").causal);
  EXPECT_TRUE(filter_info("One-Euro").needs_fps);
  EXPECT_FALSE(filter_info("KALMAN_CV_RTS").causal);
}

TEST(FilterRegistry, UnknownNameListsKnownOnes) {
  try {
    make_filter("butterworth");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("kalman_ca_rts"), std::string::npos) << e.what();
  }
}

TEST(FilterRegistry, OfflineFiltersHaveNoStream) {
  for (const char* name : {"savgol", "gaussian", "kalman_cv_rts", "kalman_ca_rts"})
    EXPECT_THROW(make_stream_filter(name, {}, 17, 2), Error) << name;
  EXPECT_NO_THROW(make_stream_filter("kalman_ca", {}, 17, 3));
}

TEST(FilterRegistry, EveryFilterKeepsShapeMetadataAndHoles) {
  PoseSequence in = noisy_sine(60, 5, 8);
  in.scores.assign(static_cast<size_t>(in.frames) * in.joints(), 0.7f);
  in.units = "px";
  in.name = "clip";
  in.track_id = 4;
  for (int d = 0; d < 2; ++d) in.at(30, 2, d) = kNaN;
  for (const auto& info : filter_infos()) {
    PoseSequence out = make_filter(info.name)->apply(in);
    EXPECT_EQ(out.frames, in.frames) << info.name;
    EXPECT_EQ(out.dims, in.dims);
    EXPECT_EQ(out.skeleton, in.skeleton);
    EXPECT_EQ(out.fps, in.fps);
    EXPECT_EQ(out.scores, in.scores);
    EXPECT_EQ(out.name, "clip");
    EXPECT_EQ(out.track_id, in.track_id);
    EXPECT_NO_THROW(out.validate(info.name));
    const bool fills = info.name.rfind("kalman", 0) == 0;
    for (int t = 0; t < in.frames; ++t)
      for (int j = 0; j < in.joints(); ++j)
        EXPECT_EQ(out.missing(t, j), in.missing(t, j) && !fills) << info.name << " frame " << t << " joint " << j;
    const PoseSequence truth = noisy_sine(60, 5, 8, 0.0);
    EXPECT_LT(rmse(out, truth), rmse(in, truth)) << info.name << " does not reduce noise with its defaults";
  }
}

TEST(FilterRegistry, MinScoreKeepsRawWhereNotEstimated) {
  PoseSequence in = noisy_sine(40, 2, 9);
  in.scores.assign(80, 0.9f);
  in.score(10, 0) = 0.05f;
  FilterParams p;
  p.min_score = 0.2;
  PoseSequence out = make_filter("savgol", p)->apply(in);
  EXPECT_EQ(out.at(10, 0, 0), in.at(10, 0, 0));  // not estimated: kept
  EXPECT_NE(out.at(11, 0, 0), in.at(11, 0, 0));  // smoothed without it
  p.min_score = -1;
  EXPECT_THROW(make_filter("savgol", p), Error);
}

TEST(FilterRegistry, GaussianIsTheGaussianFilter) {
  PoseSequence in = noisy_sine(50, 3, 10);
  FilterParams p;
  p.sigma = 2.0;
  p.window = 7;
  p.median_window = 3;
  GaussianFilter::Params g;
  g.sigma = 2.0;
  g.window = 7;
  g.median_window = 3;
  expect_near_seq(make_filter("gaussian", p)->apply(in), GaussianFilter(g).apply(in), 0.0);
  p.sigma = 0;
  EXPECT_THROW(make_filter("gaussian", p), Error);
}
