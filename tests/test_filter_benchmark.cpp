// Tests of the classic-filter benchmark (src/evaluation/filter_benchmark.h, `kinepose bench filters`):
// the fast tuning scores against the metrics module, the grid search on synthetic cases whose best
// setting is known, the documented grids, bad options, and (with the shared data) the command on a
// tiny Human3.6M subset whose raw row must equal `kinepose eval` on the same sequences.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <random>

#include "evaluation/filter_benchmark.h"
#include "kinepose/error.h"
#include "kinepose/metrics.h"
#include "test_helpers.h"

using namespace kinepose;
using kinepose::testing::run_cli;
using kinepose::testing::shell_quote;

namespace {

PoseSequence make_px(int frames, const std::string& name) {
  PoseSequence s(get_skeleton("mpii16"), frames, 2);
  s.units = "px";
  s.fps = 50;
  s.name = name;
  return s;
}

// Each joint and coordinate follows its own quadratic a + b t + c t^2.
PoseSequence quadratic(int frames, unsigned seed, const std::string& name) {
  PoseSequence s = make_px(frames, name);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (int j = 0; j < s.joints(); ++j)
    for (int d = 0; d < 2; ++d) {
      const double a = 300 + 100 * u(rng), b = 2 * u(rng), c = 0.05 * u(rng);
      for (int t = 0; t < frames; ++t) s.at(t, j, d) = static_cast<float>(a + b * t + c * t * t);
    }
  return s;
}

PoseSequence with_noise(PoseSequence s, double sigma, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0.0, sigma);
  for (float& v : s.keypoints)
    if (!std::isnan(v)) v = static_cast<float>(v + n(rng));
  return s;
}

FilterParams savgol(int window, int order) {
  FilterParams p;
  p.window = window;
  p.order = order;
  return p;
}

FilterParams gaussian(double sigma, int window) {
  FilterParams p;
  p.sigma = sigma;
  p.window = window;
  return p;
}

FilterParams kalman(double process_noise) {
  FilterParams p;
  p.process_noise = process_noise;
  return p;
}

nlohmann::json parse(const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const std::exception&) {
    ADD_FAILURE() << "not JSON: " << text;
    return nlohmann::json::object();
  }
}

}  // namespace

TEST(FilterBenchmark, FastScoresEqualTheMetricsModule) {
  Tracks pred, gt;
  for (int k = 0; k < 3; ++k) {
    PoseSequence g = quadratic(40 + 7 * k, 10 + k, "seq" + std::to_string(k));
    PoseSequence p = with_noise(g, 3.0, 20 + k);
    // Missing entries on both sides, so the exclusion rules are exercised too.
    p.at(5, 3, 0) = NAN;
    p.at(6, 4, 1) = NAN;
    g.at(10, 2, 0) = NAN;
    g.at(11, 2, 1) = NAN;
    pred.push_back(p);
    gt.push_back(g);
  }
  ErrorSums fast;
  for (size_t i = 0; i < pred.size(); ++i) fast.add(score_sequence(pred[i], gt[i]));
  const MetricsReport r = evaluate(pred, gt);
  EXPECT_NEAR(fast.mean_error(), r.error_2d.value, 1e-9);
  EXPECT_EQ(fast.error_count, r.error_2d.count);
  EXPECT_NEAR(fast.accel_error(), r.accel_error.value, 1e-9);
  EXPECT_EQ(fast.accel_frames, r.accel_error.count);
}

TEST(FilterBenchmark, GridSearchPicksTheOrderThatReproducesQuadratics) {
  // Noise-free quadratics: Savitzky-Golay of order >= 2 reproduces them exactly, order 1 cannot.
  Tracks pred{quadratic(60, 1, "a"), quadratic(45, 2, "b")};
  Tracks gt = pred;
  const std::vector<FilterGrid> grids{{"savgol", {savgol(11, 1), savgol(11, 2), savgol(5, 1)}}};
  const auto t = tune_filters(grids, pred, gt, 2);
  ASSERT_EQ(t.size(), 1u);
  ASSERT_EQ(t[0].grid.size(), 3u);
  EXPECT_EQ(t[0].filter, "savgol");
  EXPECT_EQ(t[0].best, 1u);
  EXPECT_EQ(t[0].grid[1].setting, "window=11 order=2");
  EXPECT_NEAR(t[0].grid[1].mean_error, 0.0, 1e-3);
  EXPECT_GT(t[0].grid[0].mean_error, 0.01);
  EXPECT_EQ(t[0].best_accel, 1u);
}

TEST(FilterBenchmark, GridSearchPicksTheWidestKernelForStaticJointsAndIgnoresThreadCount) {
  // Static joints under white noise: the wider the Gaussian, the smaller the error.
  Tracks pred, gt;
  for (int k = 0; k < 4; ++k) {
    PoseSequence g = make_px(200, "s" + std::to_string(k));
    for (int t = 0; t < g.frames; ++t)
      for (int j = 0; j < g.joints(); ++j) {
        g.at(t, j, 0) = 100.0f + 10.0f * j;
        g.at(t, j, 1) = 200.0f - 5.0f * j;
      }
    gt.push_back(g);
    pred.push_back(with_noise(g, 5.0, 100 + k));
  }
  const std::vector<FilterGrid> grids{{"gaussian", {gaussian(0.5, 21), gaussian(3.0, 21), gaussian(1.0, 21)}},
                                      {"kalman_cv_rts", {kalman(1.0), kalman(0.001)}}};
  const auto one = tune_filters(grids, pred, gt, 1);
  const auto three = tune_filters(grids, pred, gt, 3);
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[0].best, 1u);  // sigma 3
  EXPECT_EQ(one[1].best, 1u);  // the smaller process noise: the joints do not move
  for (size_t f = 0; f < one.size(); ++f)
    for (size_t s = 0; s < one[f].grid.size(); ++s) {
      EXPECT_EQ(one[f].grid[s].mean_error, three[f].grid[s].mean_error);
      EXPECT_EQ(one[f].grid[s].accel_error, three[f].grid[s].accel_error);
    }
  // Every filtered setting beats the raw noise (mean ||n|| of 2-D N(0, 5^2) is about 6.27).
  const double raw = score_sequence(pred[0], gt[0]).mean_error();
  EXPECT_GT(raw, 5.5);
  EXPECT_LT(one[0].grid[1].mean_error, raw / 2);
}

TEST(FilterBenchmark, DefaultGridsAreValidAndContainTheDefaults) {
  for (const auto& info : filter_infos()) {
    const FilterGrid g = default_filter_grid(info.name, 50.0);
    EXPECT_EQ(g.filter, info.name);
    ASSERT_FALSE(g.settings.empty()) << info.name;
    FilterParams d;
    d.fps = 50.0;
    bool has_default = false;
    for (const auto& p : g.settings) {
      EXPECT_NO_THROW(make_filter(info.name, p)) << info.name << " " << describe_setting(info.name, p);
      EXPECT_EQ(p.fps, 50.0);
      if (describe_setting(info.name, p) == describe_setting(info.name, d)) has_default = true;
    }
    // The default in the grid means the tuned setting is never worse than it on the tuning set.
    EXPECT_TRUE(has_default) << info.name;
  }
  EXPECT_THROW(default_filter_grid("median_of_nothing", 50.0), Error);
  EXPECT_EQ(describe_setting("one_euro", FilterParams{}), "min_cutoff=0.1 beta=40 d_cutoff=1");
  EXPECT_EQ(describe_setting("kalman_ca", FilterParams{}), "process_noise=0.1 measurement_noise=1");
}

TEST(FilterBenchmark, RejectsBadOptionsAndInputs) {
  FilterBenchmarkOptions o;
  o.data_dir = "/nonexistent/h36m_sh";
  o.tune_subjects = {"S1", "S9"};
  o.test_subjects = {"S9"};
  EXPECT_THROW(run_filter_benchmark(o), Error);  // test subject in the tuning set
  o.tune_subjects = {"S1"};
  o.tune_stride = 0;
  EXPECT_THROW(run_filter_benchmark(o), Error);
  o.tune_stride = 1;
  o.filters = {"no_such_filter"};
  EXPECT_THROW(run_filter_benchmark(o), Error);
  o.filters = {};
  EXPECT_THROW(run_filter_benchmark(o), Error);  // missing folder

  Tracks a{quadratic(20, 1, "a")}, none;
  EXPECT_THROW(tune_filters({{"savgol", {savgol(5, 2)}}}, none, none), Error);
  EXPECT_THROW(tune_filters({{"savgol", {savgol(5, 2)}}}, a, Tracks{a[0], a[0]}), Error);
  EXPECT_THROW(tune_filters({{"savgol", {savgol(4, 2)}}}, a, a), Error);  // even window
  EXPECT_THROW(score_sequence(a[0], quadratic(21, 1, "b")), Error);
}

TEST(FilterBenchmarkCli, TinyHuman36mSubsetRawRowEqualsEval) {
  KINEPOSE_REQUIRE_DATA("h36m_sh/h36m_cameras.npz");
  const std::string h36m = shell_quote(kinepose::testing::data_path("h36m_sh"));
  const std::string subset = " --data " + h36m +
                             " --tune-subjects S1 --test-subjects S9 --actions Walking --cameras 54138969 --tune-stride 1";
  const auto jr = run_cli("bench filters --json --no-progress" + subset);
  ASSERT_EQ(jr.exit_code, 0) << jr.output;
  const auto j = parse(jr.output);
  ASSERT_TRUE(j.contains("rows"));
  EXPECT_EQ(j["test_sequences"], 2);  // Walking and Walking_1, one camera
  EXPECT_EQ(j["tune_sequences"], 2);
  const auto& rows = j["rows"];
  ASSERT_EQ(rows.size(), 1 + 2 * filter_infos().size());
  EXPECT_EQ(rows[0]["filter"], "raw");
  for (size_t f = 0; f < filter_infos().size(); ++f) {
    EXPECT_EQ(rows[1 + 2 * f]["filter"], filter_infos()[f].name);
    EXPECT_EQ(rows[1 + 2 * f]["variant"], "default");
    EXPECT_EQ(rows[2 + 2 * f]["variant"], "tuned");
    EXPECT_GT(rows[1 + 2 * f]["frames_per_second"].get<double>(), 0.0);
  }

  // The raw row is exactly what `kinepose eval` says about the same sequences.
  const std::string sel = " --param subject=S9 --param action=Walking --param camera=54138969";
  const std::string gsel = " --gt-param subject=S9 --gt-param action=Walking --gt-param camera=54138969";
  const auto er = run_cli("eval --json --pred " + h36m + sel + " --param kind=detections --gt " + h36m + gsel +
                          " --gt-param kind=gt2d_mpii");
  ASSERT_EQ(er.exit_code, 0) << er.output;
  const auto e = parse(er.output);
  const auto& m = e["metrics"];
  const auto& raw = rows[0];
  EXPECT_DOUBLE_EQ(raw["mean_px"].get<double>(), m["error_2d"]["value"].get<double>());
  EXPECT_DOUBLE_EQ(raw["median_px"].get<double>(), m["median_error_2d"]["value"].get<double>());
  EXPECT_DOUBLE_EQ(raw["accel_px"].get<double>(), m["accel_error"]["value"].get<double>());
  EXPECT_DOUBLE_EQ(raw["pck_box"][0].get<double>(), m["pck_box@0.05"]["value"].get<double>());
  EXPECT_DOUBLE_EQ(raw["pck_box"][1].get<double>(), m["pck_box@0.1"]["value"].get<double>());
  EXPECT_DOUBLE_EQ(raw["pck_box"][2].get<double>(), m["pck_box@0.2"]["value"].get<double>());
  EXPECT_EQ(raw["frames"], e["frames"]);

  // The text and Markdown tables print every row.
  for (const std::string flag : {"", " --markdown"}) {
    const auto tr = run_cli("bench filters --no-progress --filters savgol,kalman_cv" + flag + subset);
    ASSERT_EQ(tr.exit_code, 0) << tr.output;
    EXPECT_NE(tr.output.find("raw detections"), std::string::npos) << tr.output;
    EXPECT_NE(tr.output.find("savgol"), std::string::npos);
    EXPECT_NE(tr.output.find("kalman_cv"), std::string::npos);
    EXPECT_NE(tr.output.find("tuned"), std::string::npos);
    EXPECT_NE(tr.output.find("default"), std::string::npos);
    EXPECT_EQ(tr.output.find("one_euro"), std::string::npos);  // not selected
  }

  // Bad input: one line naming the problem, exit code 1.
  const auto bad = run_cli("bench filters --no-progress --data " + h36m + " --tune-subjects S1 --test-subjects S42");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("S42"), std::string::npos) << bad.output;
}
