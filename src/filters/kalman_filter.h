// Kalman filter for joint trajectories: every coordinate is an independent 1-D linear model, constant
// velocity (state: position, velocity) or constant acceleration (position, velocity, acceleration),
// driven by continuous white noise on the highest derivative. Time is counted in frames, so the noise
// parameters do not depend on the frame rate, and only the ratio process / measurement noise shapes
// the result (scaling both leaves the output unchanged).
//
// Confidence-aware: a measurement with confidence s has variance measurement_noise^2 / clamp(s, 1e-3, 1).
// Missing samples are skipped and filled by prediction within max_gap frames of an observation; a
// longer gap restarts the track. A track starts exactly: the first `state size` observations are
// passed through and the state is the polynomial through them (two-point / three-point
// differencing), so a noise-free track of the model's order comes out unchanged.
//
// filter() is causal (the streaming form is step() on an explicit State); smooth() is the offline
// Rauch-Tung-Striebel smoother over the same model.
#pragma once

#include <array>

#include "kinepose/pose.h"

namespace kinepose {

class KalmanFilter {
 public:
  enum class Model { kConstantVelocity, kConstantAcceleration };

  struct Params {
    Model model = Model::kConstantVelocity;
    double process_noise = 0.1;      // std of the change of velocity (CV) / acceleration (CA) per frame
    double measurement_noise = 1.0;  // std of a full-confidence measurement
    int max_gap = 30;                // frames; 0 = never fill, restart after every gap
  };

  // Throws Error("kalman filter", ...) naming the invalid parameter.
  explicit KalmanFilter(Params params);
  const Params& params() const { return params_; }
  int state_size() const { return n_; }

  // Running state of one scalar signal. Plain data so that many tracks can share one KalmanFilter.
  struct State {
    int n_init = 0;  // observations collected before the model state exists
    std::array<double, 3> init_t{}, init_z{}, init_r{};
    bool initialized = false;
    double t = 0.0;               // time (frames) of x / P: the last observation
    std::array<double, 3> x{};    // position, velocity, acceleration
    std::array<double, 9> P{};    // covariance, row-major n x n
  };

  // Feeds the measurement z (NaN = missing) at time t (frames, increasing) with confidence
  // `confidence` (1 when unknown); returns the filtered position, or NaN when there is nothing to say
  // (before the first observation, or more than max_gap frames after the last one).
  double step(State& state, double t, double z, double confidence) const;

  // A scalar series at frames 0..n-1 (z NaN = missing, confidence may be null).
  void filter_series(const double* z, const double* confidence, int n, double* out) const;
  void smooth_series(const double* z, const double* confidence, int n, double* out) const;

  // Per joint and coordinate; confidences come from the sequence's scores when it has them. A joint
  // with any NaN coordinate is missing.
  PoseSequence filter(const PoseSequence& input) const;
  PoseSequence smooth(const PoseSequence& input) const;

 private:
  PoseSequence run(const PoseSequence& input, bool smooth) const;
  double measurement_variance(double confidence) const;
  Params params_;
  int n_;
};

}  // namespace kinepose
