// One-Euro filter (Casiez, Roussel, Vogel, CHI 2012): a first-order low-pass whose cutoff rises with
// the signal's speed, so slow motion is smoothed hard and fast motion lags little. Causal, driven by
// timestamps. Shaped like MediaPipe's util/filtering/one_euro_filter: the scalar filter takes
// physical parameters, explicit state, and Apply(timestamp, value_scale, value).
#pragma once

#include <vector>

#include "kinepose/pose.h"

namespace kinepose {

// One scalar signal.
class OneEuroFilter {
 public:
  struct Params {
    double min_cutoff = 0.1;  // Hz, > 0
    double beta = 40.0;       // >= 0
    double d_cutoff = 1.0;    // Hz, > 0
  };

  // Throws Error("one-euro filter", ...) naming the invalid parameter.
  explicit OneEuroFilter(Params params);

  // Filters `value` sampled at `timestamp_s`. value_scale multiplies the speed estimate (MediaPipe
  // uses 1 / object size, making beta independent of units and distance). The first call returns
  // `value`; timestamps must increase (Error otherwise).
  double apply(double timestamp_s, double value_scale, double value);
  void reset() { has_last_ = false; }

  const Params& params() const { return params_; }
  // Smoothing factor of a first-order low-pass with cutoff `cutoff_hz` sampled every `dt_s`:
  // 1 / (1 + tau / dt), tau = 1 / (2 pi cutoff).
  static double alpha(double cutoff_hz, double dt_s);

 private:
  Params params_;
  bool has_last_ = false;
  double last_time_ = 0.0;
  double last_raw_ = 0.0;  // previous raw value: the speed is estimated from raw samples (as MediaPipe)
  double x_hat_ = 0.0;     // previous filtered value
  double dx_hat_ = 0.0;    // previous filtered speed
};

// One track: a OneEuroFilter per joint and coordinate, plus the person size for scale invariance.
class OneEuroPoseFilter {
 public:
  struct Params {
    OneEuroFilter::Params filter;
    bool scale_invariant = true;  // value scale = 1 / person size (x/y box, (w + h) / 2)
  };

  OneEuroPoseFilter(Params params, int joints, int dims);

  // frame/out: joints*dims values; a joint with any NaN coordinate is missing: its output is NaN and
  // its state untouched (the next present sample sees the longer time step).
  void push(double timestamp_s, const float* frame, float* out);
  void reset();

  // Whole sequence at `fps` (frame t at time t / fps).
  static PoseSequence apply(const PoseSequence& input, const Params& params, double fps);

 private:
  Params params_;
  int joints_, dims_;
  std::vector<OneEuroFilter> filters_;
  double last_time_ = 0.0;
  bool has_time_ = false;
  double last_size_ = 0.0;  // last usable person size (frames with < 2 joints reuse it)
};

}  // namespace kinepose
