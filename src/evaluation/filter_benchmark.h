// The classic-filter benchmark behind `kinepose bench filters` (docs/benchmarks.md): on Human3.6M,
// Stacked-Hourglass detections against projected ground truth (MPII-16), every filter of the
// registry is scored at its default setting and at the setting of a small grid that has the lowest
// mean error on the tuning subjects; the table then reports both on the test subjects. Tuning and
// testing never share a subject, and each sequence (one subject x trial x camera) is filtered on
// its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kinepose/filters.h"
#include "kinepose/metrics.h"
#include "kinepose/pose.h"

namespace kinepose {

class ProgressBar;

// The parameter settings tried for one filter.
struct FilterGrid {
  std::string filter;
  std::vector<FilterParams> settings;
};

// The documented grid of every registry filter (docs/benchmarks.md lists them). Each setting
// starts from FilterParams{} with `fps` set, so the parameters a grid does not vary keep their
// defaults. Throws Error for an unknown filter name.
FilterGrid default_filter_grid(const std::string& filter, double fps);
// The parameters of `filter` in `params` as "key=value ..." (the names of the smooth options).
std::string describe_setting(const std::string& filter, const FilterParams& params);

// The two tuning scores of a set of predictions, accumulated as sums so that sequences (and
// threads) combine exactly. Same definitions as the metrics module (docs/metrics.md): mean error
// over (frame, joint) entries with both sides present; accel error = mean over frames t = 1..T-2 of
// the per-joint mean of ||a_pred - a_gt|| over joints present on both sides at t-1, t, t+1.
struct ErrorSums {
  double error_sum = 0.0;
  int64_t error_count = 0;
  double accel_sum = 0.0;  // sum over frames of the per-frame joint mean
  int64_t accel_frames = 0;

  void add(const ErrorSums& other);
  double mean_error() const;   // NaN when empty
  double accel_error() const;  // NaN when empty
};
// Throws Error when the shapes differ.
ErrorSums score_sequence(const PoseSequence& pred, const PoseSequence& gt);

struct GridPoint {
  FilterParams params;
  std::string setting;  // describe_setting
  double mean_error = 0.0, accel_error = 0.0;  // on the tuning set
};

struct FilterTuning {
  std::string filter;
  std::vector<GridPoint> grid;
  size_t best = 0;        // lowest mean error (the selection criterion); ties: the first in grid order
  size_t best_accel = 0;  // lowest acceleration error (reported only)
};

// Scores every setting of every grid on pred[i] vs gt[i] (each sequence filtered on its own) with
// `threads` workers (<= 0: the hardware's), advancing `progress` once per (setting, sequence).
// Throws Error for empty input, pred/gt of different sizes, or an invalid setting.
std::vector<FilterTuning> tune_filters(const std::vector<FilterGrid>& grids, const Tracks& pred, const Tracks& gt,
                                       int threads = 0, ProgressBar* progress = nullptr);

// One row of the result table.
struct FilterBenchmarkRow {
  std::string filter;   // "raw" for the unfiltered detections, else the registry name
  std::string variant;  // "raw", "default" or "tuned"
  std::string setting;  // describe_setting ("" for raw)
  FilterParams params;
  double mean_px = 0.0, median_px = 0.0;
  std::vector<double> pck_box;  // one per FilterBenchmarkOptions::pck_alphas
  double accel_px = 0.0;        // px / frame^2
  double frames_per_second = 0.0;  // filtered frames per second of one core (NaN for raw)
  int64_t frames = 0;
};

struct FilterBenchmarkOptions {
  std::string data_dir = "../shared/data/h36m_sh";
  std::vector<std::string> tune_subjects{"S1", "S5", "S6", "S7", "S8"};
  std::vector<std::string> test_subjects{"S9"};
  std::vector<std::string> actions, cameras;  // empty = all
  std::vector<std::string> filters;           // empty = every registry filter, registry order
  // Tuning subsample: of the tuning sequences, keep those with (trial index + camera index) %
  // stride == 0 — 1 / stride of them, every trial kept, cameras rotating from trial to trial.
  int tune_stride = 4;
  double fps = 50.0;
  int threads = 0;  // <= 0: the hardware's
  std::vector<double> pck_alphas{0.05, 0.1, 0.2};
  bool progress = true;  // draw progress bars (only on a terminal, see util/progress.h)
};

struct FilterBenchmarkResult {
  FilterBenchmarkOptions options;
  int tune_sequences = 0, test_sequences = 0;
  int64_t tune_frames = 0, test_frames = 0;
  std::vector<FilterTuning> tunings;
  std::vector<FilterBenchmarkRow> rows;  // raw, then per filter: default, tuned
  int threads = 1;
  double seconds = 0.0;  // wall time of the whole run, loading included
  std::vector<std::string> notes;  // extra summary lines (e.g. how learned rows were timed)
};

// Loads the data (read_h36m: "detections" vs "gt2d_mpii"), tunes on the tuning subjects, scores the
// rows on the test subjects. Throws Error for a missing folder, an unknown subject / action / camera
// / filter, overlapping tuning and test subjects, or a stride < 1.
FilterBenchmarkResult run_filter_benchmark(const FilterBenchmarkOptions& options);

// The test pairs of `subjects` under the options' data folder / actions / cameras: detections and
// gt2d_mpii sequences, paired by name, sorted. Throws Error when they do not pair up.
void load_h36m_pairs(const FilterBenchmarkOptions& options, const std::vector<std::string>& subjects, Tracks& pred,
                     Tracks& gt);

// Scores one row on pred[i] vs gt[i] with the metrics module; filter "" or "raw" = no filtering.
FilterBenchmarkRow score_row(const std::string& filter, const std::string& variant, const FilterParams& params,
                             const Tracks& pred, const Tracks& gt, const std::vector<double>& pck_alphas);

// Renderings of a result: an aligned text table, a Markdown table, a JSON document (grids included).
std::string filter_benchmark_text(const FilterBenchmarkResult& result);
std::string filter_benchmark_markdown(const FilterBenchmarkResult& result);
std::string filter_benchmark_json(const FilterBenchmarkResult& result);

}  // namespace kinepose
