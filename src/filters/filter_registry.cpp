// The filter registry: names -> FilterInfo, and the adapters that put each filter class behind the
// common SequenceFilter / StreamFilter interfaces (confidence masking included).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "filters/filter_common.h"
#include "filters/gaussian_filter.h"
#include "filters/kalman_filter.h"
#include "filters/one_euro_filter.h"
#include "filters/savgol_filter.h"
#include "kinepose/error.h"
#include "kinepose/filters.h"

namespace kinepose {
namespace {

const std::vector<FilterInfo> kInfos = {
    {"one_euro", "One-Euro speed-adaptive low-pass (Casiez 2012); causal, needs fps; MediaPipe pose defaults", true, true},
    {"savgol", "Savitzky-Golay local polynomial fit (--window, --order); offline; MMPose defaults 11/2", false, false},
    {"gaussian", "Gaussian kernel (--sigma, --window), optional median pre-filter; offline; MMPose sigma 4", false, false},
    {"kalman_cv", "Kalman filter, constant velocity; causal; confidence-aware, fills gaps by prediction", true, false},
    {"kalman_ca", "Kalman filter, constant acceleration; causal; confidence-aware, fills gaps by prediction", true, false},
    {"kalman_cv_rts", "Kalman constant velocity + Rauch-Tung-Striebel smoother; offline", false, false},
    {"kalman_ca_rts", "Kalman constant acceleration + Rauch-Tung-Striebel smoother; offline", false, false},
};

std::string canonical(const std::string& name) {
  std::string s;
  for (char c : name) s += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "oneeuro" || s == "1euro") return "one_euro";
  if (s == "savitzky_golay" || s == "savgol_filter") return "savgol";
  return s;
}

std::string known_names() {
  std::string s;
  for (const auto& i : kInfos) s += (s.empty() ? "" : ", ") + i.name;
  return s;
}

void check_min_score(double min_score) {
  if (!(min_score >= 0.0) || !std::isfinite(min_score))
    throw Error("filter", "min_score must be >= 0, got " + std::to_string(min_score));
}

KalmanFilter::Params kalman_params(const FilterParams& p, bool acceleration) {
  KalmanFilter::Params k;
  k.model = acceleration ? KalmanFilter::Model::kConstantAcceleration : KalmanFilter::Model::kConstantVelocity;
  k.process_noise = p.process_noise;
  k.measurement_noise = p.measurement_noise;
  k.max_gap = p.max_gap;
  return k;
}

OneEuroPoseFilter::Params one_euro_params(const FilterParams& p) {
  OneEuroPoseFilter::Params o;
  o.filter.min_cutoff = p.min_cutoff;
  o.filter.beta = p.beta;
  o.filter.d_cutoff = p.d_cutoff;
  o.scale_invariant = p.scale_invariant;
  OneEuroFilter check(o.filter);  // validates at creation
  (void)check;
  return o;
}

void check_fps_param(double fps) {
  if (!(fps >= 0.0) || !std::isfinite(fps)) throw Error("filter", "fps must be >= 0 (0 = from the sequence), got " + std::to_string(fps));
}

// Masks low-confidence joints, runs the filter, keeps raw values the filter could not estimate.
class MaskedSequenceFilter : public SequenceFilter {
 public:
  MaskedSequenceFilter(const FilterInfo& info, double min_score) : info_(info), min_score_(min_score) {}
  const FilterInfo& info() const override { return info_; }
  PoseSequence apply(const PoseSequence& input) const override {
    PoseSequence out = run(mask_low_confidence(input, min_score_));
    keep_raw_where_unestimated(out, input);
    return out;
  }

 protected:
  virtual PoseSequence run(const PoseSequence& masked) const = 0;

 private:
  const FilterInfo& info_;
  double min_score_;
};

class OneEuroSequence : public MaskedSequenceFilter {
 public:
  OneEuroSequence(const FilterInfo& info, const FilterParams& p)
      : MaskedSequenceFilter(info, p.min_score), params_(one_euro_params(p)), fps_(p.fps) {}
  PoseSequence run(const PoseSequence& s) const override {
    return OneEuroPoseFilter::apply(s, params_, resolve_fps(s, fps_, "one-euro filter"));
  }

 private:
  OneEuroPoseFilter::Params params_;
  double fps_;
};

class SavgolSequence : public MaskedSequenceFilter {
 public:
  SavgolSequence(const FilterInfo& info, const FilterParams& p)
      : MaskedSequenceFilter(info, p.min_score), filter_(SavitzkyGolayFilter::Params{p.window, p.order}) {}
  PoseSequence run(const PoseSequence& s) const override { return filter_.apply(s); }

 private:
  SavitzkyGolayFilter filter_;
};

GaussianFilter::Params gaussian_params(const FilterParams& p) {
  GaussianFilter::Params g;
  g.sigma = p.sigma;
  g.window = p.window;
  g.median_window = p.median_window;
  return g;
}

class GaussianSequence : public MaskedSequenceFilter {
 public:
  GaussianSequence(const FilterInfo& info, const FilterParams& p)
      : MaskedSequenceFilter(info, p.min_score), filter_(gaussian_params(p)) {}
  PoseSequence run(const PoseSequence& s) const override { return filter_.apply(s); }

 private:
  GaussianFilter filter_;
};

class KalmanSequence : public MaskedSequenceFilter {
 public:
  KalmanSequence(const FilterInfo& info, const FilterParams& p, bool acceleration, bool smooth)
      : MaskedSequenceFilter(info, p.min_score), filter_(kalman_params(p, acceleration)), smooth_(smooth) {}
  PoseSequence run(const PoseSequence& s) const override { return smooth_ ? filter_.smooth(s) : filter_.filter(s); }

 private:
  KalmanFilter filter_;
  bool smooth_;
};

// Streams: the masking of MaskedSequenceFilter, one frame at a time.
class StreamBase : public StreamFilter {
 public:
  StreamBase(int joints, int dims, double min_score, const char* where)
      : joints_(joints), dims_(dims), min_score_(min_score), where_(where) {
    check_stream_shape(joints, dims, where);
    masked_.resize(static_cast<size_t>(joints) * dims);
  }
  int joints() const override { return joints_; }
  int dims() const override { return dims_; }
  void push(double timestamp_s, const float* frame, const float* scores, float* out) override {
    if (!std::isfinite(timestamp_s)) throw Error(where_, "timestamp is not finite");
    if (has_time_ && !(timestamp_s > last_time_))
      throw Error(where_, "timestamps must increase: " + std::to_string(timestamp_s) + " s after " +
                              std::to_string(last_time_) + " s");
    has_time_ = true;
    last_time_ = timestamp_s;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (int j = 0; j < joints_; ++j) {
      bool present = true;
      for (int d = 0; d < dims_; ++d) present = present && std::isfinite(frame[j * dims_ + d]);
      const bool masked = scores && min_score_ > 0.0 && scores[j] < min_score_;
      for (int d = 0; d < dims_; ++d) masked_[j * dims_ + d] = present && !masked ? frame[j * dims_ + d] : nan;
    }
    run(timestamp_s, masked_.data(), scores, out);
    for (int j = 0; j < joints_; ++j) {
      bool out_present = true, in_present = true;
      for (int d = 0; d < dims_; ++d) {
        out_present = out_present && std::isfinite(out[j * dims_ + d]);
        in_present = in_present && std::isfinite(frame[j * dims_ + d]);
      }
      for (int d = 0; d < dims_; ++d)
        if (!out_present) out[j * dims_ + d] = in_present ? frame[j * dims_ + d] : nan;
    }
  }
  void reset() override {
    has_time_ = false;
    reset_state();
  }

 protected:
  virtual void run(double timestamp_s, const float* frame, const float* scores, float* out) = 0;
  virtual void reset_state() = 0;
  int joints_, dims_;

 private:
  double min_score_;
  const char* where_;
  std::vector<float> masked_;
  bool has_time_ = false;
  double last_time_ = 0.0;
};

class OneEuroStream : public StreamBase {
 public:
  OneEuroStream(const FilterParams& p, int joints, int dims)
      : StreamBase(joints, dims, p.min_score, "one-euro filter"), filter_(one_euro_params(p), joints, dims) {}
  void run(double t, const float* frame, const float*, float* out) override { filter_.push(t, frame, out); }
  void reset_state() override { filter_.reset(); }

 private:
  OneEuroPoseFilter filter_;
};

class KalmanStream : public StreamBase {
 public:
  KalmanStream(const FilterParams& p, bool acceleration, int joints, int dims)
      : StreamBase(joints, dims, p.min_score, "kalman filter"),
        filter_(kalman_params(p, acceleration)),
        fps_(p.fps),
        states_(static_cast<size_t>(joints) * dims) {}
  void run(double t, const float* frame, const float* scores, float* out) override {
    // Kalman time is in frames: timestamps in seconds are converted with fps, or taken as frame
    // numbers when no fps was given.
    const double frame_time = fps_ > 0.0 ? t * fps_ : t;
    for (int j = 0; j < joints_; ++j) {
      bool present = true;
      for (int d = 0; d < dims_; ++d) present = present && std::isfinite(frame[j * dims_ + d]);
      const double conf = scores ? scores[j] : 1.0;
      for (int d = 0; d < dims_; ++d) {
        const double z = present ? frame[j * dims_ + d] : std::numeric_limits<double>::quiet_NaN();
        out[j * dims_ + d] = static_cast<float>(filter_.step(states_[j * dims_ + d], frame_time, z, conf));
      }
    }
  }
  void reset_state() override { std::fill(states_.begin(), states_.end(), KalmanFilter::State{}); }

 private:
  KalmanFilter filter_;
  double fps_;
  std::vector<KalmanFilter::State> states_;
};

}  // namespace

const std::vector<FilterInfo>& filter_infos() { return kInfos; }

const FilterInfo& filter_info(const std::string& name) {
  const std::string key = canonical(name);
  for (const auto& i : kInfos)
    if (i.name == key) return i;
  throw Error("--filter", "unknown filter '" + name + "' (known: " + known_names() + ")");
}

std::unique_ptr<SequenceFilter> make_filter(const std::string& name, const FilterParams& params) {
  const FilterInfo& info = filter_info(name);
  check_min_score(params.min_score);
  check_fps_param(params.fps);
  if (info.name == "one_euro") return std::make_unique<OneEuroSequence>(info, params);
  if (info.name == "savgol") return std::make_unique<SavgolSequence>(info, params);
  if (info.name == "gaussian") return std::make_unique<GaussianSequence>(info, params);
  if (info.name == "kalman_cv") return std::make_unique<KalmanSequence>(info, params, false, false);
  if (info.name == "kalman_ca") return std::make_unique<KalmanSequence>(info, params, true, false);
  if (info.name == "kalman_cv_rts") return std::make_unique<KalmanSequence>(info, params, false, true);
  return std::make_unique<KalmanSequence>(info, params, true, true);
}

std::unique_ptr<StreamFilter> make_stream_filter(const std::string& name, const FilterParams& params, int joints,
                                                 int dims) {
  const FilterInfo& info = filter_info(name);
  if (!info.causal)
    throw Error("--filter", "filter '" + info.name + "' is offline (needs the whole sequence) and has no streaming form");
  check_min_score(params.min_score);
  check_fps_param(params.fps);
  if (info.name == "one_euro") return std::make_unique<OneEuroStream>(params, joints, dims);
  return std::make_unique<KalmanStream>(params, info.name == "kalman_ca", joints, dims);
}

}  // namespace kinepose
