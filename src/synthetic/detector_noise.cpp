#include "synthetic/detector_noise.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>

#include "kinepose/error.h"
#include "synthetic/random.h"

namespace kinepose {
namespace {

const char* kWhere = "detector noise";

void require_range(const char* field, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi))
    throw Error(kWhere, std::string(field) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                            "], got " + std::to_string(v));
}

double joint_factor(const std::string& name, const DetectorNoiseParams& p) {
  std::string n;
  for (char c : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto nhas = [&](const char* s) { return n.find(s) != std::string::npos; };
  if (nhas("wrist") || nhas("ankle") || nhas("hand") || nhas("foot")) return p.extremity_factor;
  if (nhas("elbow") || nhas("knee")) return p.middle_factor;
  return 1.0;
}

// Larger side of the bounding box of the frame's present joints (x/y only), NaN if none.
std::vector<double> person_sizes(const PoseSequence& s) {
  std::vector<double> out(s.frames, std::numeric_limits<double>::quiet_NaN());
  for (int t = 0; t < s.frames; ++t) {
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    bool any = false;
    for (int j = 0; j < s.joints(); ++j) {
      if (s.missing(t, j)) continue;
      any = true;
      for (int d = 0; d < 2; ++d) {
        lo[d] = std::min(lo[d], static_cast<double>(s.at(t, j, d)));
        hi[d] = std::max(hi[d], static_cast<double>(s.at(t, j, d)));
      }
    }
    if (any) out[t] = std::max(hi[0] - lo[0], hi[1] - lo[1]);
  }
  return out;
}

}  // namespace

void validate(const DetectorNoiseParams& p) {
  require_range("jitter", p.jitter, 0.0, 1.0);
  require_range("extremity_factor", p.extremity_factor, 0.0, 100.0);
  require_range("middle_factor", p.middle_factor, 0.0, 100.0);
  if (!(p.temporal_correlation >= 0.0 && p.temporal_correlation < 1.0))
    throw Error(kWhere, "temporal_correlation must be in [0, 1), got " + std::to_string(p.temporal_correlation));
  require_range("outlier_rate", p.outlier_rate, 0.0, 0.5);
  require_range("outlier_scale", p.outlier_scale, 0.0, 10.0);
  require_range("missing_rate", p.missing_rate, 0.0, 0.5);
  if (p.outlier_max_frames < 1 || p.outlier_max_frames > 1000)
    throw Error(kWhere, "outlier_max_frames must be in [1, 1000], got " + std::to_string(p.outlier_max_frames));
  if (p.missing_max_frames < 1 || p.missing_max_frames > 1000)
    throw Error(kWhere, "missing_max_frames must be in [1, 1000], got " + std::to_string(p.missing_max_frames));
}

std::vector<float> detector_noise_sigma(const PoseSequence& truth, const DetectorNoiseParams& params) {
  validate(params);
  const auto sizes = person_sizes(truth);
  std::vector<float> out(static_cast<size_t>(truth.frames) * truth.joints());
  for (int t = 0; t < truth.frames; ++t)
    for (int j = 0; j < truth.joints(); ++j)
      out[static_cast<size_t>(t) * truth.joints() + j] =
          static_cast<float>(params.jitter * joint_factor(truth.skeleton->joints[j], params) * sizes[t]);
  return out;
}

PoseSequence add_detector_noise(const PoseSequence& truth, const DetectorNoiseParams& params) {
  validate(params);
  if (!truth.skeleton || truth.frames < 1) throw Error(kWhere, "empty ground-truth sequence");
  const int T = truth.frames, J = truth.joints(), D = truth.dims;
  const auto sigma = detector_noise_sigma(truth, params);
  const auto sizes = person_sizes(truth);
  SeededRandom rng(params.seed, /*stream=*/2);

  PoseSequence out = truth;
  out.scores.assign(static_cast<size_t>(T) * J, 0.0f);
  const double rho = params.temporal_correlation;
  const double innovation = std::sqrt(1.0 - rho * rho);
  // Start probability of a missing run so that the expected missing fraction is missing_rate:
  // runs average (1 + max) / 2 frames.
  const double mean_run = 0.5 * (1 + params.missing_max_frames);
  const double missing_start = params.missing_rate / mean_run;

  // Process joint by joint along time: each joint owns its AR(1) state and its bursts.
  for (int j = 0; j < J; ++j) {
    std::vector<double> state(D);
    for (int d = 0; d < D; ++d) state[d] = rng.normal();  // start in the stationary distribution
    int outlier_left = 0, missing_left = 0;
    std::vector<double> outlier_offset(D, 0.0);
    for (int t = 0; t < T; ++t) {
      // Draw every random number every frame, so changing one rate does not reshuffle the rest.
      double z2 = 0.0;
      for (int d = 0; d < D; ++d) {
        state[d] = rho * state[d] + innovation * rng.normal();
        z2 += state[d] * state[d];
      }
      const bool start_outlier = rng.chance(params.outlier_rate);
      const int outlier_len = rng.integer(1, params.outlier_max_frames);
      const bool start_missing = rng.chance(missing_start);
      const int missing_len = rng.integer(1, params.missing_max_frames);
      const double magnitude = params.outlier_scale * rng.uniform(0.5, 1.0);
      std::vector<double> dir(D);
      double norm = 0.0;
      for (int d = 0; d < D; ++d) norm += (dir[d] = rng.normal()) * dir[d];
      norm = std::sqrt(std::max(norm, 1e-12));
      const double score_noise = rng.uniform(-0.04, 0.04);

      if (outlier_left == 0 && start_outlier) {
        outlier_left = outlier_len;
        for (int d = 0; d < D; ++d) outlier_offset[d] = magnitude * sizes[t] * dir[d] / norm;
      }
      if (missing_left == 0 && start_missing) missing_left = missing_len;

      float& score = out.score(t, j);
      if (truth.missing(t, j) || missing_left > 0) {
        for (int d = 0; d < D; ++d) out.at(t, j, d) = std::numeric_limits<float>::quiet_NaN();
        score = 0.0f;
      } else {
        const double s = sigma[static_cast<size_t>(t) * J + j];
        for (int d = 0; d < D; ++d) {
          double v = truth.at(t, j, d) + s * state[d];
          if (outlier_left > 0) v += outlier_offset[d];
          out.at(t, j, d) = static_cast<float>(v);
        }
        // A detector is less sure about joints it places badly: ~0.92 for typical jitter, lower
        // for large jitter, 0.1-0.35 during an outlier burst.
        double c = 0.92 + score_noise - 0.05 * std::sqrt(z2 / D);
        if (outlier_left > 0) c = 0.225 + 2.8 * score_noise;
        score = static_cast<float>(std::clamp(c, 0.05, 1.0));
      }
      if (outlier_left > 0) --outlier_left;
      if (missing_left > 0) --missing_left;
    }
  }
  return out;
}

}  // namespace kinepose
