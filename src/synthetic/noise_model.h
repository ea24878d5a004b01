// A 2D keypoint-detector noise model FITTED to real (detection, ground truth) pairs — the
// Human3.6M Stacked-Hourglass residuals by default (models/noise/h36m_sh_mpii16.json) — and the
// generator that applies it to clean ground truth, plus the statistics used to compare real and
// synthetic noise (docs/datasets.md). Torch-free. The older hand-set model (detector_noise.h) is
// separate and unchanged.
//
// Coordinates: every residual r = det - gt is divided by the person's size in that frame, the
// larger side of the ground-truth bounding box of the frame's present joints ("person-normalised").
// Per joint the model holds
//   * bias (mean inlier residual, 2D) and jitter std per coordinate; the std grows with the joint's
//     ground-truth speed: std(v) = std0 * (1 + speed_gain * v), v in person sizes per second;
//   * the AR(1) coefficient of the inlier residual (bias removed), chosen so that the variance of the
//     residual's second difference (its acceleration) matches the measured one (the plain lag-1
//     autocorrelation is kept as ar_lag1: with it, synthetic acceleration came out ~50% too high);
//   * outlier bursts: a frame is an outlier when |r - bias| > outlier_k * sigma, with sigma the
//     joint's robust per-coordinate scale (median |r - median| / sqrt(2 ln 2), the Rayleigh median);
//     burst start rate per frame, the burst-length distribution (pmf over 1..kMaxRun frames), and the
//     displacement magnitude |r - bias| of outlier frames as a log-normal (mean / std of its log);
//   * left/right swaps: an outlier frame of a joint with a mirrored partner whose detection is closer
//     to the partner's ground truth than to its own; start rate and run-length pmf like bursts;
//   * missing joints: rate per frame of a detection being NaN where the ground truth is present.
// Rates and AR coefficients are per frame at the fitted fps; apply_noise rescales them to the clean
// sequence's fps (AR: phi^(fit_fps/fps); start rates: * fit_fps/fps; run lengths: * fps/fit_fps).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kinepose/pose.h"

namespace kinepose {

struct JointNoise {
  std::string name;                 // joint name of the fitted skeleton (shared vocabulary)
  std::array<double, 2> bias{};     // mean inlier residual / person size
  std::array<double, 2> std{};      // jitter std per coordinate at zero speed / person size
  double speed_gain = 0.0;          // std multiplier per (person size / second) of GT speed
  double ar = 0.0;                  // AR(1) coefficient per frame at fit fps (acceleration-matched)
  double ar_lag1 = 0.0;             // measured lag-1 autocorrelation (reporting only)
  double sigma = 0.0;               // robust per-coordinate scale used for the outlier threshold
  double outlier_rate = 0.0;        // burst starts per non-burst frame
  std::vector<double> outlier_len;  // pmf over lengths 1..size() frames
  double outlier_log_mean = 0.0;    // log of |displacement| / person size, outlier frames
  double outlier_log_std = 0.0;
  double swap_rate = 0.0;           // swap-run starts per non-swapped frame (0 without partner)
  std::vector<double> swap_len;     // pmf over lengths 1..size()
  double missing_rate = 0.0;        // fraction of frames with the detection missing
  // Measured fractions (reporting only): of frames that are outliers / swapped.
  double outlier_fraction = 0.0, swap_fraction = 0.0;
  int64_t frames = 0;               // frames used for this joint
};

struct NoiseModel {
  std::string skeleton;        // name of the fitted skeleton ("mpii16")
  double fps = 0.0;            // fps of the fitted data (per-frame statistics refer to it)
  double outlier_k = 0.0;      // outlier threshold in robust sigmas
  // Lag coefficient (per frame at fps) through which bursts and swaps enter and leave in apply_noise;
  // 0 = hard steps. Not fitted: chosen so the synthetic acceleration matches (docs/datasets.md).
  double edge_smoothing = 0.0;
  int64_t frames = 0;          // frames fitted
  int64_t sequences = 0;       // sequences fitted
  std::string source;          // free text: what it was fitted on
  std::vector<JointNoise> joints;

  // The joint named `name`, or nullptr.
  const JointNoise* find(const std::string& name) const;
  // Mean statistics of all joints (used for joints without a fitted counterpart).
  JointNoise mean_joint() const;
};

constexpr int kMaxNoiseRun = 60;     // longest run-length bin; longer runs are counted here
constexpr double kOutlierK = 5.0;    // default outlier threshold (robust sigmas)
constexpr double kEdgeSmoothing = 0.8;  // default NoiseModel::edge_smoothing of a fit

// Fits the model. Pairs: (detection, ground truth) of the same skeleton, frames and dims 2. Joints
// missing in the ground truth are ignored; frames whose ground truth spans < 1 px are skipped.
// Throws Error for empty input or mismatched pairs (naming the sequence).
NoiseModel fit_noise_model(const std::vector<std::pair<PoseSequence, PoseSequence>>& det_gt,
                           double outlier_k = kOutlierK);

// Noisy copy of `clean` (2D): same skeleton, frames, fps, image size, name, units. Joints are
// matched by name to the model's joints; others use NoiseModel::mean_joint() (swaps for an unmatched
// joint use the mean swap statistics of the joints that have a partner, if it has one). Missing
// clean joints stay missing. Deterministic for a given seed. Throws Error for 3D input.
PoseSequence apply_noise(const PoseSequence& clean, const NoiseModel& model, uint64_t seed);

// JSON (format "kinepose-noise-model", version 1). Errors: one line naming the file.
void save_noise_model(const NoiseModel& model, const std::string& path);
NoiseModel load_noise_model(const std::string& path);

// Statistics of residuals det - gt in pixels for the real-vs-synthetic comparison.
struct JointNoiseStats {
  std::string name;
  double mean = 0.0, median = 0.0, p90 = 0.0;  // |residual| px
  double accel = 0.0;                          // mean |r[t+1] - 2 r[t] + r[t-1]| px/frame^2
  double outlier_rate = 0.0;                   // fraction with |residual| > kStatsOutlier * person size
  double swap_rate = 0.0;                      // fraction of frames that are outliers closer to the partner's GT (overall: joints with a partner)
  int64_t count = 0;
};
struct NoiseStats {
  std::vector<JointNoiseStats> joints;
  JointNoiseStats overall;  // all joints pooled
};
constexpr double kStatsOutlier = 0.1;  // person sizes
NoiseStats noise_stats(const std::vector<std::pair<PoseSequence, PoseSequence>>& det_gt);

// Real-vs-synthetic table: per joint and overall; markdown or aligned text.
std::string noise_report_table(const NoiseStats& real, const NoiseStats& synthetic, bool markdown);

}  // namespace kinepose
