// Offline Gaussian temporal smoother for pose sequences: per joint and coordinate, an optional
// median pre-filter (against outlier spikes) then a truncated Gaussian kernel. The output has the
// same length as the input. Missing samples (NaN) are skipped and the kernel renormalised over the
// present neighbours, so a gap never spreads; a missing frame stays missing unless fill_missing.
//
// Relation to MMPose's GaussianFilter (window_size=11, sigma=4): MMPose runs an 11-tap median filter
// and then scipy's gaussian_filter1d (kernel truncated at 4 sigma, mode "reflect"). Here `window` is
// the Gaussian kernel's length (radius window/2) and the median is a separate, optional step
// (median_window, 0 = off), so the defaults are a lighter smoother than MMPose's.
#pragma once

#include <vector>

#include "kinepose/pose.h"

namespace kinepose {

class GaussianFilter {
 public:
  enum class Edge {
    kReflect,  // ... b a | a b c ... (scipy "reflect": the edge sample repeated, half-sample symmetric)
    kNearest,  // ... a a | a b c ... (edge sample repeated)
  };

  struct Params {
    double sigma = 4.0;      // kernel std in frames; > 0
    int window = 11;         // kernel length in frames; odd, >= 1 (1 = no smoothing)
    int median_window = 0;   // median pre-filter length; 0 = off, else odd >= 1
    Edge edge = Edge::kReflect;
    bool fill_missing = false;  // fill a missing frame from present neighbours inside the window
  };

  // Throws Error("gaussian filter", ...) naming the parameter when sigma <= 0 / non-finite, window
  // even or < 1, or median_window negative or even.
  explicit GaussianFilter(Params params);

  const Params& params() const { return params_; }
  // Normalised kernel weights, `window` values, centre in the middle.
  const std::vector<double>& kernel() const { return kernel_; }

  // A joint is missing at a frame when any of its coordinates is NaN; it is filtered as a whole.
  // Scores, boxes and metadata are copied from the input.
  PoseSequence apply(const PoseSequence& input) const;

 private:
  Params params_;
  std::vector<double> kernel_;
};

}  // namespace kinepose
