// Accuracy and smoothness metrics between predicted and ground-truth pose sequences, as the field
// defines them (definitions, formulas and conventions: docs/metrics.md):
//   2D  mean / median error (px), PCK@alpha with the Sub-JHMDB box convention and with torso size;
//   3D  MPJPE (root-relative), PA-MPJPE (per-frame similarity Procrustes), N-MPJPE (scale only),
//       MPJVE (velocity error);
//   both  acceleration error, and the prediction's / ground truth's own jitter.
// Every metric carries its units and per-joint / per-sequence breakdowns. An Evaluator accumulates
// matched (prediction, ground truth) sequences; evaluate() is the one-call form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "kinepose/pose.h"

namespace kinepose {

struct MetricsOptions {
  // Root for root-relative 3D metrics: "" = the skeleton's default (pelvis for H36M-17 / MPII-16,
  // mid_hip for BODY_25 / Halpe, smpl_pelvis for SMPL, else the midpoint of left_hip and right_hip
  // as for LSP-14), a joint name, "hip_mid" (midpoint of left_hip and right_hip), or "none".
  std::string root;
  std::vector<double> pck_alphas{0.05, 0.1, 0.2};
  bool pck_box = true;    // PCK with alpha * max(w, h) of the ground-truth person box (Sub-JHMDB)
  bool pck_torso = true;  // PCK with alpha * torso size; computed when the skeleton has the torso joints
  // Prediction missing (NaN) where the ground truth is present: excluded and counted by default;
  // with strict, an Error naming the sequence, frame and joint.
  bool strict = false;
};

// One metric: its overall value and breakdowns. Missing values (no data) are NaN.
struct Metric {
  std::string key;    // machine name: "mpjpe", "pa_mpjpe", "pck_box@0.05", "accel_error", ...
  std::string label;  // display name: "MPJPE", "PCK@0.05 (box)", ...
  std::string units;  // "mm", "px", "mm/frame", "px/frame^2", "fraction"
  double value = std::numeric_limits<double>::quiet_NaN();
  int64_t count = 0;                    // terms behind value ((frame, joint) pairs; frames for
                                        // frame-averaged metrics; comparisons for PCK)
  std::vector<double> per_joint;        // skeleton order
  std::vector<int64_t> per_joint_count; // terms behind each per-joint value
  std::vector<double> per_sequence;     // order of Evaluator::add calls
  std::vector<int64_t> per_sequence_count;

  bool computed() const { return count > 0; }
};

// What was compared in one sequence, and what had to be left out.
struct SequenceStats {
  std::string name;
  int frames = 0;
  int64_t entries = 0;        // frames x joints
  int64_t gt_missing = 0;     // (frame, joint) entries with no ground truth: skipped
  int64_t pred_missing = 0;   // ground truth present, prediction NaN: excluded from every metric
  int root_missing_frames = 0;  // 3D: frames without a root in gt or prediction (not root-relatable)
};

struct MetricsReport {
  int dims = 0;                      // 2 or 3
  std::string units;                 // of the coordinates: "px", "mm", "m"; "" when unknown
  SkeletonPtr skeleton;
  std::string root;                  // 3D: "pelvis", "mid(left_hip, right_hip)", "none"
  std::vector<SequenceStats> sequences;
  int64_t frames = 0, entries = 0, gt_missing = 0, pred_missing = 0;
  std::vector<std::string> notes;    // e.g. why a metric was not computed

  // 2D (image coordinates)
  Metric error_2d;                   // mean Euclidean error
  Metric median_error_2d;            // median over all (frame, joint) errors
  std::vector<Metric> pck_box;       // one per alpha
  std::vector<Metric> pck_torso;     // one per alpha; empty when the skeleton has no torso joints
  // 3D (root-relative unless root is "none")
  Metric mpjpe, pa_mpjpe, n_mpjpe, mpjve;
  // Both: 3D on root-relative joints, 2D on image coordinates
  Metric accel_error;
  Metric jitter_pred, jitter_gt;     // mean ||second difference|| of each side on its own

  // The computed metrics in display order.
  std::vector<const Metric*> metrics() const;
  // By key; throws Error listing the computed keys when absent.
  const Metric& get(const std::string& key) const;
};

// Accumulates matched sequences. Every sequence must share the skeleton (by joint names), dims and
// units of the first one.
class Evaluator {
 public:
  explicit Evaluator(MetricsOptions options = {});
  ~Evaluator();
  Evaluator(Evaluator&&) noexcept;
  Evaluator& operator=(Evaluator&&) noexcept;

  // Adds one matched pair. `name` labels it in per-sequence breakdowns; `where` prefixes errors
  // (default: name). Throws Error for mismatched frame counts / skeletons / dims / units, empty or
  // entirely missing sequences, and (strict) missing predictions. A pair that throws leaves the
  // evaluator unchanged.
  void add(const PoseSequence& pred, const PoseSequence& gt, const std::string& name = "",
           const std::string& where = "");
  int sequences() const;
  // Throws Error when nothing was added.
  MetricsReport report() const;

 private:
  struct State;
  MetricsOptions options_;
  std::unique_ptr<State> state_;  // pimpl keeps the accumulators out of the public header
};

MetricsReport evaluate(const PoseSequence& pred, const PoseSequence& gt, const MetricsOptions& options = {});
// pred[i] against gt[i]; names from gt[i].name (else "sequence <i>").
MetricsReport evaluate(const Tracks& pred, const Tracks& gt, const MetricsOptions& options = {});

// Jitter of one sequence without ground truth: mean over frames t = 1..T-2 of the per-joint mean
// of ||x[t-1] - 2 x[t] + x[t+1]|| over joints present in all three frames; 3D root-relative (as
// options.root), 2D image coordinates. Units <units>/frame^2. Per-joint breakdown filled.
Metric jitter(const PoseSequence& seq, const MetricsOptions& options = {});

// Pairing of prediction and ground-truth sequences by PoseSequence::name (fill names before, e.g.
// with file stems). One sequence on each side always pairs, whatever the names.
struct SequenceMatch {
  std::string name;
  size_t pred = 0, gt = 0;  // indices
};
struct SequenceMatching {
  std::vector<SequenceMatch> matched;  // in ground-truth order
  std::vector<std::string> pred_only, gt_only;
};
// Throws Error on duplicate names within one side (naming them).
SequenceMatching match_sequences(const Tracks& pred, const Tracks& gt);

// ---- alignment (src/evaluation/procrustes.cpp) ---------------------------------------------------

// x -> scale * R x + t, dims 2 or 3 (R is dims x dims, row-major in the top-left of rotation).
struct Similarity {
  int dims = 3;
  double scale = 1.0;
  double rotation[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  double translation[3] = {0, 0, 0};
  void apply(const double* x, double* out) const;
};

// Least-squares similarity mapping src onto dst (Umeyama 1991), n points of `dims` doubles each,
// row-major. R is a proper rotation (det = +1): a reflection is never returned, the smallest
// singular direction's sign is flipped instead. Throws Error for n < 2, dims not 2/3, or src
// with zero spread (all points equal).
Similarity fit_similarity(const double* src, const double* dst, int n, int dims);
// Scale-only alignment (VideoPose3D n_mpjpe): argmin_s sum ||s p - q||^2 = sum <p, q> / sum ||p||^2.
// NaN when sum ||p||^2 == 0.
double optimal_scale(const double* src, const double* dst, int n, int dims);

}  // namespace kinepose
