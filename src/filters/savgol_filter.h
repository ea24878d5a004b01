// Savitzky-Golay smoother: each sample is replaced by the value at that sample of the least-squares
// polynomial (degree `order`) fitted to the `window` samples around it. Offline. Edges use scipy's
// mode "interp" (the first / last full window's polynomial, evaluated off-centre), so the sequence
// keeps its length and a polynomial of degree <= order passes through unchanged everywhere.
// Missing samples (NaN) are left out of the fit; a missing frame stays missing.
#pragma once

#include <vector>

#include "kinepose/pose.h"

namespace kinepose {

class SavitzkyGolayFilter {
 public:
  struct Params {
    int window = 11;  // frames, odd, >= 1
    int order = 2;    // polynomial degree, 0 <= order < window
  };

  // Throws Error("savitzky-golay filter", ...) naming the invalid parameter.
  explicit SavitzkyGolayFilter(Params params);
  const Params& params() const { return params_; }

  // Weights w such that sum_k w[k] * y[k] over a full window is the fit's value at index `pos`
  // (0..window-1; window/2 is the centre, i.e. the classic convolution coefficients).
  const std::vector<double>& weights(int pos) const { return weights_[pos]; }

  // Fast path: precomputed weights for full windows, a least-squares fit where samples are missing
  // or the sequence is shorter than the window (the order then drops to what the samples allow).
  PoseSequence apply(const PoseSequence& input) const;
  // Obviously-correct twin: a least-squares fit for every sample. Tests compare it with apply().
  PoseSequence apply_reference(const PoseSequence& input) const;

  // Value at `x_eval` of the least-squares polynomial of degree min(order, n - 1) through (x[i], y[i]).
  static double fit_at(const std::vector<double>& x, const std::vector<double>& y, int order, double x_eval);

 private:
  PoseSequence run(const PoseSequence& input, bool reference) const;
  Params params_;
  std::vector<std::vector<double>> weights_;  // [pos][k]
};

}  // namespace kinepose
