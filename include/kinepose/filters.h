// Classic temporal smoothing filters for pose sequences (One-Euro, Savitzky-Golay, Gaussian, Kalman
// CV/CA with an optional Rauch-Tung-Striebel smoother), behind one interface and a name registry.
// Every filter works per joint and per coordinate, treats NaN as "missing" without letting it spread,
// and keeps the sequence's length, skeleton, scores and metadata. Causal filters also offer a
// streaming form (push one frame, get one frame), one instance per track.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kinepose/pose.h"

namespace kinepose {

// Parameters of every filter in one plain struct (each filter reads only its own fields). Defaults
// are the field's common ones; docs/filters.md gives their sources.
struct FilterParams {
  // One-Euro (Casiez et al. 2012) — defaults of MediaPipe's pose landmark graph
  // (mediapipe/modules/pose_landmark/pose_landmark_filtering.pbtxt).
  double min_cutoff = 0.1;       // Hz, cutoff at zero speed; > 0
  double beta = 40.0;            // cutoff slope per unit of (scaled) speed; >= 0
  double d_cutoff = 1.0;         // Hz, cutoff of the speed estimate; > 0
  bool scale_invariant = true;   // speed measured in person sizes / s (value scale = 1 / person size)
  // Frame rate used to time the frames of a sequence (and, for Kalman streams, to convert timestamps
  // to frames). 0 = the sequence's own fps.
  double fps = 0.0;

  // Savitzky-Golay and Gaussian — defaults of MMPose's temporal filters.
  int window = 11;         // frames, odd
  int order = 2;           // Savitzky-Golay polynomial order, < window
  double sigma = 4.0;      // Gaussian std in frames
  int median_window = 0;   // Gaussian median pre-filter length (odd), 0 = off

  // Kalman (per coordinate; only the ratio process/measurement matters).
  double process_noise = 0.1;      // std of the velocity (CV) / acceleration (CA) change per frame
  double measurement_noise = 1.0;  // std of a full-confidence measurement, coordinate units
  int max_gap = 30;                // missing frames within this many frames of an observation are
                                   // filled by prediction; a longer gap restarts the track

  // All filters: joints whose confidence is below this are not used as measurements (Kalman fills
  // them by prediction; the others keep the raw value where they cannot estimate one). 0 = off.
  double min_score = 0.0;
};

struct FilterInfo {
  std::string name;         // registry key, e.g. "one_euro"
  std::string description;  // one line for --help and docs
  bool causal = false;      // output at frame t depends only on frames <= t (streaming available)
  bool needs_fps = false;   // needs the frame rate (from the sequence or FilterParams::fps)
};

// Whole-sequence filtering. Output has the input's frames, joints, dims, scores and metadata.
class SequenceFilter {
 public:
  virtual ~SequenceFilter() = default;
  virtual const FilterInfo& info() const = 0;
  // Throws Error when the filter needs the frame rate and neither the sequence nor the params give one.
  virtual PoseSequence apply(const PoseSequence& input) const = 0;
};

// Frame-by-frame filtering of one track (causal filters only). Not shareable between tracks.
class StreamFilter {
 public:
  virtual ~StreamFilter() = default;
  virtual int joints() const = 0;
  virtual int dims() const = 0;
  // frame: joints*dims values (NaN = missing); scores: joints confidences or nullptr; out:
  // joints*dims values. Timestamps must increase (Error otherwise).
  virtual void push(double timestamp_s, const float* frame, const float* scores, float* out) = 0;
  // Forget all state (e.g. the track was lost).
  virtual void reset() = 0;
};

// Registry, in a fixed order: one_euro, savgol, gaussian, kalman_cv, kalman_ca, kalman_cv_rts,
// kalman_ca_rts. Names are case-insensitive and '-' equals '_'.
const std::vector<FilterInfo>& filter_infos();
const FilterInfo& filter_info(const std::string& name);  // throws Error listing the known names
// Throws Error naming the filter and parameter when a parameter is invalid.
std::unique_ptr<SequenceFilter> make_filter(const std::string& name, const FilterParams& params = {});
// Causal filters only (Error for offline ones).
std::unique_ptr<StreamFilter> make_stream_filter(const std::string& name, const FilterParams& params, int joints,
                                                 int dims);

}  // namespace kinepose
