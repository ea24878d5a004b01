#include "filters/one_euro_filter.h"

#include <cmath>
#include <limits>
#include <string>

#include "filters/filter_common.h"
#include "kinepose/error.h"

namespace kinepose {
namespace {

const char* kWhere = "one-euro filter";
// Below this person size (MediaPipe's min_allowed_object_scale) the scale is unusable.
constexpr double kMinPersonSize = 1e-6;

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

OneEuroFilter::OneEuroFilter(Params params) : params_(params) {
  if (!(params_.min_cutoff > 0.0) || !std::isfinite(params_.min_cutoff))
    throw Error(kWhere, "min_cutoff must be a positive frequency in Hz, got " + num(params_.min_cutoff));
  if (!(params_.beta >= 0.0) || !std::isfinite(params_.beta))
    throw Error(kWhere, "beta must be >= 0, got " + num(params_.beta));
  if (!(params_.d_cutoff > 0.0) || !std::isfinite(params_.d_cutoff))
    throw Error(kWhere, "d_cutoff must be a positive frequency in Hz, got " + num(params_.d_cutoff));
}

double OneEuroFilter::alpha(double cutoff_hz, double dt_s) {
  const double tau = 1.0 / (2.0 * M_PI * cutoff_hz);
  return 1.0 / (1.0 + tau / dt_s);
}

double OneEuroFilter::apply(double timestamp_s, double value_scale, double value) {
  if (!std::isfinite(timestamp_s)) throw Error(kWhere, "timestamp is not finite");
  if (!has_last_) {
    // The first sample passes through; both low-pass filters start there (speed 0).
    has_last_ = true;
    last_time_ = timestamp_s;
    last_raw_ = x_hat_ = value;
    dx_hat_ = 0.0;
    return value;
  }
  const double dt = timestamp_s - last_time_;
  if (!(dt > 0.0))
    throw Error(kWhere, "timestamps must increase: " + num(timestamp_s) + " s after " + num(last_time_) + " s");
  const double dx = (value - last_raw_) * value_scale / dt;
  const double a_d = alpha(params_.d_cutoff, dt);
  dx_hat_ = a_d * dx + (1.0 - a_d) * dx_hat_;
  const double cutoff = params_.min_cutoff + params_.beta * std::fabs(dx_hat_);
  const double a = alpha(cutoff, dt);
  x_hat_ = a * value + (1.0 - a) * x_hat_;
  last_raw_ = value;
  last_time_ = timestamp_s;
  return x_hat_;
}

OneEuroPoseFilter::OneEuroPoseFilter(Params params, int joints, int dims) : params_(params), joints_(joints), dims_(dims) {
  check_stream_shape(joints, dims, kWhere);
  filters_.assign(static_cast<size_t>(joints) * dims, OneEuroFilter(params.filter));
}

void OneEuroPoseFilter::reset() {
  for (auto& f : filters_) f.reset();
  has_time_ = false;
  last_size_ = 0.0;
}

void OneEuroPoseFilter::push(double timestamp_s, const float* frame, float* out) {
  if (!std::isfinite(timestamp_s)) throw Error(kWhere, "timestamp is not finite");
  if (has_time_ && !(timestamp_s > last_time_))
    throw Error(kWhere, "timestamps must increase: " + num(timestamp_s) + " s after " + num(last_time_) + " s");
  has_time_ = true;
  last_time_ = timestamp_s;

  const float nan = std::numeric_limits<float>::quiet_NaN();
  double scale = 1.0;
  if (params_.scale_invariant) {
    const double size = person_size(frame, joints_, dims_);
    if (size >= kMinPersonSize) last_size_ = size;
    if (last_size_ < kMinPersonSize) {
      // No person size yet: the speed would be in unknown units, so pass the frame through
      // untouched (MediaPipe does the same) and start filtering once a size is known.
      for (int i = 0; i < joints_ * dims_; ++i) out[i] = std::isfinite(frame[i]) ? frame[i] : nan;
      for (int j = 0; j < joints_; ++j) {
        bool present = true;
        for (int d = 0; d < dims_; ++d) present = present && std::isfinite(frame[j * dims_ + d]);
        if (!present)
          for (int d = 0; d < dims_; ++d) out[j * dims_ + d] = nan;
      }
      return;
    }
    scale = 1.0 / last_size_;
  }
  for (int j = 0; j < joints_; ++j) {
    const float* p = frame + static_cast<size_t>(j) * dims_;
    float* o = out + static_cast<size_t>(j) * dims_;
    bool present = true;
    for (int d = 0; d < dims_; ++d) present = present && std::isfinite(p[d]);
    for (int d = 0; d < dims_; ++d)
      o[d] = present ? static_cast<float>(filters_[static_cast<size_t>(j) * dims_ + d].apply(timestamp_s, scale, p[d]))
                     : nan;
  }
}

PoseSequence OneEuroPoseFilter::apply(const PoseSequence& input, const Params& params, double fps) {
  PoseSequence out = input;
  const int J = input.joints(), D = input.dims;
  if (input.frames == 0 || J == 0) return out;
  OneEuroPoseFilter f(params, J, D);
  const size_t stride = static_cast<size_t>(J) * D;
  for (int t = 0; t < input.frames; ++t)
    f.push(t / fps, input.keypoints.data() + t * stride, out.keypoints.data() + t * stride);
  return out;
}

}  // namespace kinepose
