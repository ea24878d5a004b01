// The fitted detector-noise model: fitting on (detection, ground truth) pairs, applying it to clean
// 2D poses, JSON I/O and the real-vs-synthetic statistics. Definitions in noise_model.h.
#include "synthetic/noise_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "synthetic/random.h"

namespace kinepose {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kRayleighMedian = std::sqrt(2.0 * std::log(2.0));  // median of |N(0, I2)|
constexpr int kSpeedBins = 60;
constexpr double kSpeedBinWidth = 0.1;  // person sizes / second

// Larger side of the bounding box of the frame's present joints; NaN when < 1 px or none present.
std::vector<double> person_sizes(const PoseSequence& gt) {
  std::vector<double> size(gt.frames, kNaN);
  const int J = gt.joints();
  for (int t = 0; t < gt.frames; ++t) {
    double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
    bool any = false;
    for (int j = 0; j < J; ++j) {
      const float x = gt.at(t, j, 0), y = gt.at(t, j, 1);
      if (std::isnan(x) || std::isnan(y)) continue;
      any = true;
      x0 = std::min<double>(x0, x), x1 = std::max<double>(x1, x);
      y0 = std::min<double>(y0, y), y1 = std::max<double>(y1, y);
    }
    if (!any) continue;
    const double s = std::max(x1 - x0, y1 - y0);
    if (s >= 1.0) size[t] = s;
  }
  return size;
}

bool present(const PoseSequence& s, int t, int j) { return !std::isnan(s.at(t, j, 0)) && !std::isnan(s.at(t, j, 1)); }

void check_pair(const PoseSequence& det, const PoseSequence& gt, size_t i) {
  const std::string where = "noise model: pair " + std::to_string(i) + (det.name.empty() ? "" : " (" + det.name + ")");
  if (!det.skeleton || !gt.skeleton) throw Error(where, "has no skeleton");
  if (det.dims != 2 || gt.dims != 2) throw Error(where, "needs 2D poses");
  if (det.frames != gt.frames)
    throw Error(where, fmt::format("detection has {} frames, ground truth {}", det.frames, gt.frames));
  if (det.joints() != gt.joints() || det.skeleton->joints != gt.skeleton->joints)
    throw Error(where, "detection and ground truth have different joints");
}

double median_of(std::vector<double>& v) {
  if (v.empty()) return 0.0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  return v[mid];
}

double quantile_of(std::vector<double>& v, double q) {
  if (v.empty()) return 0.0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

std::vector<double> normalise_pmf(const std::vector<int64_t>& hist) {
  int64_t total = 0;
  for (auto h : hist) total += h;
  std::vector<double> pmf(hist.size(), 0.0);
  if (total == 0) {
    pmf.assign(1, 1.0);
    return pmf;
  }
  for (size_t i = 0; i < hist.size(); ++i) pmf[i] = static_cast<double>(hist[i]) / static_cast<double>(total);
  // Trim trailing zeros (keeps the JSON short).
  while (pmf.size() > 1 && pmf.back() == 0.0) pmf.pop_back();
  return pmf;
}

// Run-length bookkeeping for one state (burst / swap) of one joint.
struct RunCounter {
  int64_t starts = 0, off_frames = 0, on_frames = 0;
  std::vector<int64_t> hist = std::vector<int64_t>(kMaxNoiseRun, 0);
  int run = 0;
  void step(bool on) {
    if (on) {
      if (run == 0) ++starts;
      ++run;
      ++on_frames;
    } else {
      close();
      ++off_frames;
    }
  }
  void close() {
    if (run > 0) ++hist[std::min(run, kMaxNoiseRun) - 1];
    run = 0;
  }
  double rate() const { return off_frames + starts > 0 ? static_cast<double>(starts) / static_cast<double>(off_frames + starts) : 0.0; }
};

struct JointAcc {
  std::vector<double> sample_x, sample_y;  // pass A
  double med[2] = {0, 0}, sigma = 0;
  // pass B
  int64_t frames = 0, missing = 0, inliers = 0, outliers = 0, swaps = 0;
  double sum_e[2] = {0, 0}, sum_e2[2] = {0, 0};
  double lag_sum = 0;
  int64_t lag_n = 0;
  double lag_m[2] = {0, 0};  // sums of e_t and e_{t-1} components over lag pairs, for centring
  double lag_m1[2] = {0, 0};
  double d2_sum = 0;  // squared second differences over 3 consecutive inlier frames
  int64_t d2_n = 0;
  double log_sum = 0, log_sum2 = 0;
  int64_t log_n = 0;
  RunCounter burst, swap;
  double bin_e2[kSpeedBins] = {}, bin_v[kSpeedBins] = {};
  int64_t bin_n[kSpeedBins] = {};
  double v_sum = 0, v_sum2 = 0;
  int64_t v_n = 0;
};

int sample_pmf(const std::vector<double>& pmf, SeededRandom& rng) {
  const double u = rng.uniform();
  double c = 0;
  for (size_t i = 0; i < pmf.size(); ++i) {
    c += pmf[i];
    if (u < c) return static_cast<int>(i) + 1;
  }
  return static_cast<int>(pmf.size());
}

}  // namespace

const JointNoise* NoiseModel::find(const std::string& name) const {
  for (const auto& j : joints)
    if (j.name == name) return &j;
  return nullptr;
}

JointNoise NoiseModel::mean_joint() const {
  JointNoise m;
  m.name = "(mean)";
  if (joints.empty()) return m;
  const double n = static_cast<double>(joints.size());
  std::vector<double> olen, slen;
  int swap_joints = 0;
  for (const auto& j : joints) {
    for (int c = 0; c < 2; ++c) m.bias[c] += j.bias[c] / n, m.std[c] += j.std[c] / n;
    m.speed_gain += j.speed_gain / n;
    m.ar += j.ar / n;
    m.sigma += j.sigma / n;
    m.outlier_rate += j.outlier_rate / n;
    m.outlier_log_mean += j.outlier_log_mean / n;
    m.outlier_log_std += j.outlier_log_std / n;
    m.missing_rate += j.missing_rate / n;
    m.outlier_fraction += j.outlier_fraction / n;
    if (olen.size() < j.outlier_len.size()) olen.resize(j.outlier_len.size(), 0.0);
    for (size_t i = 0; i < j.outlier_len.size(); ++i) olen[i] += j.outlier_len[i] / n;
    if (j.swap_rate > 0) {
      ++swap_joints;
      m.swap_rate += j.swap_rate;
      m.swap_fraction += j.swap_fraction;
      if (slen.size() < j.swap_len.size()) slen.resize(j.swap_len.size(), 0.0);
      for (size_t i = 0; i < j.swap_len.size(); ++i) slen[i] += j.swap_len[i];
    }
  }
  // The bias is joint-specific by definition (head top vs head, ...): an unknown joint gets none.
  m.bias = {0.0, 0.0};
  if (swap_joints > 0) {
    m.swap_rate /= swap_joints;
    m.swap_fraction /= swap_joints;
    for (auto& p : slen) p /= swap_joints;
  }
  m.outlier_len = olen.empty() ? std::vector<double>{1.0} : olen;
  m.swap_len = slen.empty() ? std::vector<double>{1.0} : slen;
  return m;
}

NoiseModel fit_noise_model(const std::vector<std::pair<PoseSequence, PoseSequence>>& det_gt, double outlier_k) {
  if (det_gt.empty()) throw Error("noise model", "no (detection, ground truth) pairs to fit");
  if (!(outlier_k > 0)) throw Error("noise model", "outlier threshold must be > 0");
  const SkeletonPtr skel = det_gt.front().first.skeleton;
  int64_t total_frames = 0;
  for (size_t i = 0; i < det_gt.size(); ++i) {
    check_pair(det_gt[i].first, det_gt[i].second, i);
    if (det_gt[i].first.skeleton->joints != skel->joints)
      throw Error("noise model: pair " + std::to_string(i), "skeleton differs from the first pair's");
    total_frames += det_gt[i].first.frames;
  }
  const int J = skel->num_joints();
  const std::vector<int> flip = skel->flip_permutation();
  double fps = 0;
  for (const auto& p : det_gt)
    if (p.second.fps > 0) fps = p.second.fps;
  if (fps <= 0) fps = det_gt.front().first.fps;
  const double speed_fps = fps > 0 ? fps : 1.0;

  std::vector<JointAcc> acc(J);
  std::vector<std::vector<double>> sizes(det_gt.size());
  for (size_t i = 0; i < det_gt.size(); ++i) sizes[i] = person_sizes(det_gt[i].second);

  // Pass A: robust centre and scale per joint from a subsample (~200k frames).
  const int64_t stride = std::max<int64_t>(1, total_frames / 200000);
  for (size_t i = 0; i < det_gt.size(); ++i) {
    const auto& [det, gt] = det_gt[i];
    for (int t = 0; t < det.frames; t += static_cast<int>(stride)) {
      const double s = sizes[i][t];
      if (std::isnan(s)) continue;
      for (int j = 0; j < J; ++j) {
        if (!present(gt, t, j) || !present(det, t, j)) continue;
        acc[j].sample_x.push_back((det.at(t, j, 0) - gt.at(t, j, 0)) / s);
        acc[j].sample_y.push_back((det.at(t, j, 1) - gt.at(t, j, 1)) / s);
      }
    }
  }
  for (int j = 0; j < J; ++j) {
    auto& a = acc[j];
    std::vector<double> xs = a.sample_x, ys = a.sample_y;
    a.med[0] = median_of(xs);
    a.med[1] = median_of(ys);
    std::vector<double> d(a.sample_x.size());
    for (size_t k = 0; k < d.size(); ++k) d[k] = std::hypot(a.sample_x[k] - a.med[0], a.sample_y[k] - a.med[1]);
    a.sigma = std::max(1e-6, median_of(d) / kRayleighMedian);
    a.sample_x.clear(), a.sample_x.shrink_to_fit(), a.sample_y.clear(), a.sample_y.shrink_to_fit();
  }

  // Pass B: classification, runs, inlier moments, lag-1 products, speed bins.
  for (size_t i = 0; i < det_gt.size(); ++i) {
    const auto& [det, gt] = det_gt[i];
    const auto& size = sizes[i];
    for (int j = 0; j < J; ++j) {
      auto& a = acc[j];
      const int p = flip[j];
      bool prev_inlier = false, prev2_inlier = false;
      double prev_e[2] = {0, 0}, prev2_e[2] = {0, 0};
      for (int t = 0; t < det.frames; ++t) {
        const double s = size[t];
        if (std::isnan(s) || !present(gt, t, j)) {
          a.burst.close(), a.swap.close();
          prev_inlier = prev2_inlier = false;
          continue;
        }
        ++a.frames;
        if (!present(det, t, j)) {
          ++a.missing;
          a.burst.close(), a.swap.close();
          prev_inlier = prev2_inlier = false;
          continue;
        }
        const double rx = (det.at(t, j, 0) - gt.at(t, j, 0)) / s, ry = (det.at(t, j, 1) - gt.at(t, j, 1)) / s;
        const double e[2] = {rx - a.med[0], ry - a.med[1]};
        const double d = std::hypot(e[0], e[1]);
        const bool outlier = d > outlier_k * a.sigma;
        bool swapped = false;
        if (outlier && p != j && present(gt, t, p)) {
          const double own = std::hypot(det.at(t, j, 0) - gt.at(t, j, 0), det.at(t, j, 1) - gt.at(t, j, 1));
          const double other = std::hypot(det.at(t, j, 0) - gt.at(t, p, 0), det.at(t, j, 1) - gt.at(t, p, 1));
          swapped = other < own;
        }
        a.swap.step(swapped);
        a.burst.step(outlier && !swapped);
        if (outlier) {
          ++a.outliers;
          if (swapped) ++a.swaps;
          if (!swapped) {
            const double l = std::log(d);
            a.log_sum += l, a.log_sum2 += l * l, ++a.log_n;
          }
          prev_inlier = prev2_inlier = false;
          continue;
        }
        ++a.inliers;
        for (int c = 0; c < 2; ++c) a.sum_e[c] += e[c], a.sum_e2[c] += e[c] * e[c];
        if (prev_inlier && prev2_inlier) {
          for (int c = 0; c < 2; ++c) {
            const double d2 = e[c] - 2 * prev_e[c] + prev2_e[c];
            a.d2_sum += d2 * d2;
          }
          ++a.d2_n;
        }
        if (prev_inlier) {
          a.lag_sum += e[0] * prev_e[0] + e[1] * prev_e[1];
          for (int c = 0; c < 2; ++c) a.lag_m[c] += e[c], a.lag_m1[c] += prev_e[c];
          ++a.lag_n;
        }
        if (t > 0 && present(gt, t - 1, j)) {
          const double v = std::hypot(gt.at(t, j, 0) - gt.at(t - 1, j, 0), gt.at(t, j, 1) - gt.at(t - 1, j, 1)) / s * speed_fps;
          const int b = std::min(kSpeedBins - 1, static_cast<int>(v / kSpeedBinWidth));
          a.bin_e2[b] += e[0] * e[0] + e[1] * e[1];
          a.bin_v[b] += v;
          ++a.bin_n[b];
          a.v_sum += v, a.v_sum2 += v * v, ++a.v_n;
        }
        prev2_inlier = prev_inlier;
        prev2_e[0] = prev_e[0], prev2_e[1] = prev_e[1];
        prev_inlier = true;
        prev_e[0] = e[0], prev_e[1] = e[1];
      }
      a.burst.close(), a.swap.close();
    }
  }

  NoiseModel model;
  model.skeleton = skel->name;
  model.fps = fps;
  model.outlier_k = outlier_k;
  model.edge_smoothing = kEdgeSmoothing;
  model.frames = total_frames;
  model.sequences = static_cast<int64_t>(det_gt.size());
  for (int j = 0; j < J; ++j) {
    const auto& a = acc[j];
    JointNoise jn;
    jn.name = skel->joints[j];
    jn.frames = a.frames;
    jn.sigma = a.sigma;
    const double n = static_cast<double>(std::max<int64_t>(1, a.inliers));
    double mean_e[2], var[2];
    for (int c = 0; c < 2; ++c) {
      mean_e[c] = a.sum_e[c] / n;
      var[c] = std::max(0.0, a.sum_e2[c] / n - mean_e[c] * mean_e[c]);
      jn.bias[c] = a.med[c] + mean_e[c];
    }
    // AR(1): lag-1 covariance over the lag-1 variance, both coordinates pooled.
    if (a.lag_n > 1 && var[0] + var[1] > 0) {
      const double ln = static_cast<double>(a.lag_n);
      const double cov = a.lag_sum / ln - (a.lag_m[0] * a.lag_m1[0] + a.lag_m[1] * a.lag_m1[1]) / (ln * ln);
      jn.ar_lag1 = std::clamp(cov / (var[0] + var[1]), 0.0, 0.99);
      jn.ar = jn.ar_lag1;
    }
    // The generator's AR(1) coefficient is matched to the measured second-difference (acceleration)
    // variance instead: for AR(1), var(e[t+1] - 2 e[t] + e[t-1]) = var (6 - 8 phi + 2 phi^2).
    if (a.d2_n > 1 && var[0] + var[1] > 0) {
      const double q = std::clamp(a.d2_sum / static_cast<double>(a.d2_n) / (var[0] + var[1]), 0.0, 6.0);
      const double disc = 64.0 - 8.0 * (6.0 - q);
      jn.ar = std::clamp((8.0 - std::sqrt(std::max(0.0, disc))) / 4.0, 0.0, 0.995);
    }
    // Speed dependence: rms |e| per speed bin = a (1 + g v), weighted least squares over the bins.
    double sw = 0, sv = 0, sy = 0, svv = 0, svy = 0;
    const double mean2 = mean_e[0] * mean_e[0] + mean_e[1] * mean_e[1];
    for (int b = 0; b < kSpeedBins; ++b) {
      if (a.bin_n[b] < 50) continue;
      const double w = static_cast<double>(a.bin_n[b]);
      const double v = a.bin_v[b] / w;
      const double y = std::sqrt(std::max(0.0, a.bin_e2[b] / w - mean2));
      sw += w, sv += w * v, sy += w * y, svv += w * v * v, svy += w * v * y;
    }
    double g = 0;
    const double den = sw * svv - sv * sv;
    if (sw > 0 && den > 1e-12) {
      const double slope = (sw * svy - sv * sy) / den;
      const double icpt = (sy - slope * sv) / sw;
      if (icpt > 0) g = std::max(0.0, slope / icpt);
    }
    jn.speed_gain = g;
    // std0 such that the average of (std0 (1 + g v))^2 over the fitted frames is the measured variance.
    double scale2 = 1.0;
    if (a.v_n > 0) {
      const double vn = static_cast<double>(a.v_n);
      const double ev = a.v_sum / vn, ev2 = a.v_sum2 / vn;
      scale2 = 1.0 + 2.0 * g * ev + g * g * ev2;
    }
    for (int c = 0; c < 2; ++c) jn.std[c] = std::sqrt(var[c] / scale2);
    const double nb = static_cast<double>(std::max<int64_t>(1, a.frames - a.missing));
    jn.outlier_rate = a.burst.rate();
    jn.outlier_len = normalise_pmf(a.burst.hist);
    if (a.log_n > 0) {
      const double ln = static_cast<double>(a.log_n);
      jn.outlier_log_mean = a.log_sum / ln;
      jn.outlier_log_std = std::sqrt(std::max(0.0, a.log_sum2 / ln - jn.outlier_log_mean * jn.outlier_log_mean));
    } else {
      jn.outlier_log_mean = std::log(outlier_k * 2.0 * a.sigma);
    }
    jn.swap_rate = flip[j] != j ? a.swap.rate() : 0.0;
    jn.swap_len = normalise_pmf(a.swap.hist);
    jn.missing_rate = a.frames > 0 ? static_cast<double>(a.missing) / static_cast<double>(a.frames) : 0.0;
    jn.outlier_fraction = static_cast<double>(a.outliers - a.swaps) / nb;
    jn.swap_fraction = static_cast<double>(a.swaps) / nb;
    model.joints.push_back(std::move(jn));
  }
  return model;
}

PoseSequence apply_noise(const PoseSequence& clean, const NoiseModel& model, uint64_t seed) {
  const std::string where = "noise model" + (clean.name.empty() ? std::string() : " (" + clean.name + ")");
  if (!clean.skeleton) throw Error(where, "sequence has no skeleton");
  if (clean.dims != 2) throw Error(where, "apply_noise needs 2D poses (got " + std::to_string(clean.dims) + "D)");
  if (model.joints.empty()) throw Error(where, "the noise model has no joints");
  PoseSequence out = clean;
  const int J = clean.joints(), T = clean.frames;
  const std::vector<double> size = person_sizes(clean);
  const std::vector<int> flip = clean.skeleton->flip_permutation();
  const double ratio = (model.fps > 0 && clean.fps > 0) ? model.fps / clean.fps : 1.0;
  const double speed_fps = clean.fps > 0 ? clean.fps : (model.fps > 0 ? model.fps : 1.0);
  const JointNoise mean = model.mean_joint();
  SeededRandom rng(seed, 0x4e6f6973654d6f64ull);  // "NoiseMod"
  auto rescale_rate = [&](double r) { return 1.0 - std::pow(1.0 - std::clamp(r, 0.0, 0.999), ratio); };
  auto rescale_len = [&](int l) { return std::max(1, static_cast<int>(std::lround(l / ratio))); };
  const double edge = std::pow(std::clamp(model.edge_smoothing, 0.0, 0.99), ratio);

  for (int j = 0; j < J; ++j) {
    const JointNoise* fitted = model.find(clean.skeleton->joints[j]);
    const JointNoise& jn = fitted ? *fitted : mean;
    const int p = flip[j];
    const bool can_swap = p != j;
    const double swap_rate = can_swap ? rescale_rate(fitted && fitted->swap_rate > 0 ? jn.swap_rate : mean.swap_rate) : 0.0;
    const std::vector<double>& swap_len = fitted && fitted->swap_rate > 0 ? jn.swap_len : mean.swap_len;
    const double phi = std::pow(std::clamp(jn.ar, 0.0, 0.999), ratio);
    const double innov = std::sqrt(1.0 - phi * phi);
    const double orate = rescale_rate(jn.outlier_rate);
    double z[2] = {rng.normal(), rng.normal()};
    int burst_left = 0, swap_left = 0;
    double offset[2] = {0, 0}, env[2] = {0, 0}, swap_w = 0;
    for (int t = 0; t < T; ++t) {
      for (int c = 0; c < 2; ++c) z[c] = phi * z[c] + innov * rng.normal();
      const double s = size[t];
      if (std::isnan(s) || clean.missing(t, j)) {
        burst_left = swap_left = 0;
        env[0] = env[1] = swap_w = 0;
        continue;
      }
      double v = 0;
      if (t > 0 && !clean.missing(t - 1, j))
        v = std::hypot(clean.at(t, j, 0) - clean.at(t - 1, j, 0), clean.at(t, j, 1) - clean.at(t - 1, j, 1)) / s * speed_fps;
      const double k = 1.0 + jn.speed_gain * v;
      double base[2] = {clean.at(t, j, 0), clean.at(t, j, 1)};
      // Swap runs (detection lands on the mirrored joint) and outlier bursts, mutually exclusive.
      if (swap_left == 0 && burst_left == 0) {
        if (can_swap && swap_rate > 0 && rng.chance(swap_rate)) {
          swap_left = rescale_len(sample_pmf(swap_len, rng));
        } else if (orate > 0 && rng.chance(orate)) {
          burst_left = rescale_len(sample_pmf(jn.outlier_len, rng));
          const double m = std::exp(jn.outlier_log_mean + jn.outlier_log_std * rng.normal());
          const double ang = rng.uniform(0.0, 2.0 * 3.14159265358979323846);
          offset[0] = m * std::cos(ang), offset[1] = m * std::sin(ang);
        }
      }
      // Bursts and swaps enter and leave through a first-order lag (coefficient model.edge_smoothing
      // per frame at fit fps), as real detections drift onto / off a wrong location over a few frames.
      double target_off[2] = {0, 0}, target_w = 0;
      if (swap_left > 0) {
        --swap_left;
        if (!clean.missing(t, p)) target_w = 1;
      } else if (burst_left > 0) {
        --burst_left;
        target_off[0] = offset[0], target_off[1] = offset[1];
      }
      for (int c = 0; c < 2; ++c) env[c] = edge * env[c] + (1 - edge) * target_off[c];
      swap_w = edge * swap_w + (1 - edge) * target_w;
      if (swap_w > 1e-3 && !clean.missing(t, p))
        for (int c = 0; c < 2; ++c) base[c] = (1 - swap_w) * base[c] + swap_w * clean.at(t, p, c);
      const double extra[2] = {env[0], env[1]};
      for (int c = 0; c < 2; ++c)
        out.at(t, j, c) = static_cast<float>(base[c] + s * (jn.bias[c] + extra[c] + jn.std[c] * k * z[c]));
      if (jn.missing_rate > 0 && rng.chance(jn.missing_rate)) {
        out.at(t, j, 0) = out.at(t, j, 1) = std::numeric_limits<float>::quiet_NaN();
        if (out.has_scores()) out.score(t, j) = 0.0f;
      }
    }
  }
  return out;
}

// ---- JSON ----

void save_noise_model(const NoiseModel& m, const std::string& path) {
  using nlohmann::json;
  json j;
  j["format"] = "kinepose-noise-model";
  j["version"] = 1;
  j["skeleton"] = m.skeleton;
  j["fps"] = m.fps;
  j["outlier_k"] = m.outlier_k;
  j["edge_smoothing"] = m.edge_smoothing;
  j["frames"] = m.frames;
  j["sequences"] = m.sequences;
  j["source"] = m.source;
  j["normalisation"] = "residual / person size (larger side of the frame's ground-truth bounding box)";
  auto round6 = [](double x) { return std::round(x * 1e6) / 1e6; };
  auto rv = [&](const std::vector<double>& v) {
    std::vector<double> r;
    for (double x : v) r.push_back(round6(x));
    return r;
  };
  json joints = json::array();
  for (const auto& jn : m.joints) {
    joints.push_back({{"name", jn.name},
                      {"bias", {round6(jn.bias[0]), round6(jn.bias[1])}},
                      {"std", {round6(jn.std[0]), round6(jn.std[1])}},
                      {"speed_gain", round6(jn.speed_gain)},
                      {"ar", round6(jn.ar)},
                      {"ar_lag1", round6(jn.ar_lag1)},
                      {"sigma", round6(jn.sigma)},
                      {"outlier_rate", round6(jn.outlier_rate)},
                      {"outlier_len", rv(jn.outlier_len)},
                      {"outlier_log_mean", round6(jn.outlier_log_mean)},
                      {"outlier_log_std", round6(jn.outlier_log_std)},
                      {"swap_rate", round6(jn.swap_rate)},
                      {"swap_len", rv(jn.swap_len)},
                      {"missing_rate", round6(jn.missing_rate)},
                      {"outlier_fraction", round6(jn.outlier_fraction)},
                      {"swap_fraction", round6(jn.swap_fraction)},
                      {"frames", jn.frames}});
  }
  j["joints"] = joints;
  write_text_file(path, j.dump(1) + "\n");
}

NoiseModel load_noise_model(const std::string& path) {
  using nlohmann::json;
  const std::string text = read_text_file(path);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(path, std::string("not valid JSON (byte ") + std::to_string(e.byte) + ")");
  }
  NoiseModel m;
  try {
    if (!j.is_object() || j.value("format", std::string()) != "kinepose-noise-model")
      throw Error(path, "not a kinepose noise model (missing \"format\": \"kinepose-noise-model\")");
    if (j.value("version", 0) != 1) throw Error(path, "unsupported noise model version (expected 1)");
    m.skeleton = j.value("skeleton", std::string());
    m.fps = j.at("fps").get<double>();
    m.outlier_k = j.value("outlier_k", kOutlierK);
    m.edge_smoothing = j.value("edge_smoothing", 0.0);
    if (!(m.edge_smoothing >= 0 && m.edge_smoothing < 1)) throw Error(path, "edge_smoothing must be in [0, 1)");
    m.frames = j.value("frames", int64_t{0});
    m.sequences = j.value("sequences", int64_t{0});
    m.source = j.value("source", std::string());
    if (!j.contains("joints") || !j["joints"].is_array() || j["joints"].empty())
      throw Error(path, "\"joints\" must be a non-empty array");
    for (const auto& e : j["joints"]) {
      JointNoise jn;
      jn.name = e.at("name").get<std::string>();
      auto b = e.at("bias").get<std::vector<double>>();
      auto s = e.at("std").get<std::vector<double>>();
      if (b.size() != 2 || s.size() != 2) throw Error(path, "joint '" + jn.name + "': bias and std need 2 values");
      jn.bias = {b[0], b[1]};
      jn.std = {s[0], s[1]};
      jn.speed_gain = e.value("speed_gain", 0.0);
      jn.ar = e.at("ar").get<double>();
      jn.ar_lag1 = e.value("ar_lag1", jn.ar);
      jn.sigma = e.value("sigma", 0.0);
      jn.outlier_rate = e.at("outlier_rate").get<double>();
      jn.outlier_len = e.at("outlier_len").get<std::vector<double>>();
      jn.outlier_log_mean = e.at("outlier_log_mean").get<double>();
      jn.outlier_log_std = e.at("outlier_log_std").get<double>();
      jn.swap_rate = e.value("swap_rate", 0.0);
      jn.swap_len = e.value("swap_len", std::vector<double>{1.0});
      jn.missing_rate = e.value("missing_rate", 0.0);
      jn.outlier_fraction = e.value("outlier_fraction", 0.0);
      jn.swap_fraction = e.value("swap_fraction", 0.0);
      jn.frames = e.value("frames", int64_t{0});
      const std::string jw = "joint '" + jn.name + "'";
      if (!(jn.std[0] >= 0 && jn.std[1] >= 0)) throw Error(path, jw + ": std must be >= 0");
      if (!(jn.ar >= 0 && jn.ar < 1)) throw Error(path, jw + ": ar must be in [0, 1)");
      for (double r : {jn.outlier_rate, jn.swap_rate, jn.missing_rate})
        if (!(r >= 0 && r <= 1)) throw Error(path, jw + ": rates must be in [0, 1]");
      if (jn.outlier_len.empty() || jn.swap_len.empty()) throw Error(path, jw + ": run-length pmfs must not be empty");
      m.joints.push_back(std::move(jn));
    }
  } catch (const json::exception& e) {
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    throw Error(path, "malformed noise model: " + what);
  }
  return m;
}

// ---- statistics ----

NoiseStats noise_stats(const std::vector<std::pair<PoseSequence, PoseSequence>>& det_gt) {
  NoiseStats st;
  if (det_gt.empty()) return st;
  const SkeletonPtr skel = det_gt.front().first.skeleton;
  const int J = skel->num_joints();
  const std::vector<int> flip = skel->flip_permutation();
  std::vector<std::vector<double>> err(J);
  std::vector<double> acc_sum(J, 0), all_err;
  std::vector<int64_t> acc_n(J, 0), outl(J, 0), swaps(J, 0);
  for (size_t i = 0; i < det_gt.size(); ++i) {
    const auto& [det, gt] = det_gt[i];
    check_pair(det, gt, i);
    if (det.skeleton->joints != skel->joints) throw Error("noise stats: pair " + std::to_string(i), "skeleton differs");
    const auto size = person_sizes(gt);
    for (int j = 0; j < J; ++j) {
      const int p = flip[j];
      for (int t = 0; t < det.frames; ++t) {
        if (!present(gt, t, j) || !present(det, t, j)) continue;
        const double own = std::hypot(det.at(t, j, 0) - gt.at(t, j, 0), det.at(t, j, 1) - gt.at(t, j, 1));
        err[j].push_back(own);
        if (!std::isnan(size[t]) && own > kStatsOutlier * size[t]) {
          ++outl[j];
          if (p != j && present(gt, t, p) &&
              std::hypot(det.at(t, j, 0) - gt.at(t, p, 0), det.at(t, j, 1) - gt.at(t, p, 1)) < own)
            ++swaps[j];
        }
        if (t >= 1 && t + 1 < det.frames && present(gt, t - 1, j) && present(det, t - 1, j) && present(gt, t + 1, j) &&
            present(det, t + 1, j)) {
          double a2 = 0;
          for (int c = 0; c < 2; ++c) {
            const double r0 = det.at(t - 1, j, c) - gt.at(t - 1, j, c), r1 = det.at(t, j, c) - gt.at(t, j, c),
                         r2 = det.at(t + 1, j, c) - gt.at(t + 1, j, c);
            const double a = r2 - 2 * r1 + r0;
            a2 += a * a;
          }
          acc_sum[j] += std::sqrt(a2);
          ++acc_n[j];
        }
      }
    }
  }
  double acc_all = 0;
  int64_t acc_all_n = 0, outl_all = 0, swap_all = 0, paired_n = 0, n_all = 0;
  for (int j = 0; j < J; ++j) {
    JointNoiseStats js;
    js.name = skel->joints[j];
    js.count = static_cast<int64_t>(err[j].size());
    double sum = 0;
    for (double e : err[j]) sum += e;
    js.mean = js.count ? sum / static_cast<double>(js.count) : 0;
    all_err.insert(all_err.end(), err[j].begin(), err[j].end());
    js.median = median_of(err[j]);
    js.p90 = quantile_of(err[j], 0.9);
    js.accel = acc_n[j] ? acc_sum[j] / static_cast<double>(acc_n[j]) : 0;
    js.outlier_rate = js.count ? static_cast<double>(outl[j]) / static_cast<double>(js.count) : 0;
    js.swap_rate = js.count && flip[j] != j ? static_cast<double>(swaps[j]) / static_cast<double>(js.count) : 0;
    acc_all += acc_sum[j], acc_all_n += acc_n[j], outl_all += outl[j], swap_all += swaps[j], n_all += js.count;
    if (flip[j] != j) paired_n += js.count;
    st.joints.push_back(js);
    std::vector<double>().swap(err[j]);
  }
  auto& o = st.overall;
  o.name = "all joints";
  o.count = n_all;
  double sum = 0;
  for (double e : all_err) sum += e;
  o.mean = n_all ? sum / static_cast<double>(n_all) : 0;
  o.median = median_of(all_err);
  o.p90 = quantile_of(all_err, 0.9);
  o.accel = acc_all_n ? acc_all / static_cast<double>(acc_all_n) : 0;
  o.outlier_rate = n_all ? static_cast<double>(outl_all) / static_cast<double>(n_all) : 0;
  o.swap_rate = paired_n ? static_cast<double>(swap_all) / static_cast<double>(paired_n) : 0;
  return st;
}

std::string noise_report_table(const NoiseStats& real, const NoiseStats& syn, bool markdown) {
  const std::vector<std::string> head = {"joint", "mean real", "mean syn", "median real", "median syn", "p90 real",
                                         "p90 syn", "accel real", "accel syn", "outl% real", "outl% syn",
                                         "swap% real", "swap% syn"};
  std::vector<std::vector<std::string>> rows;
  auto row = [&](const JointNoiseStats& r, const JointNoiseStats& s) {
    rows.push_back({r.name, fmt::format("{:.2f}", r.mean), fmt::format("{:.2f}", s.mean), fmt::format("{:.2f}", r.median),
                    fmt::format("{:.2f}", s.median), fmt::format("{:.2f}", r.p90), fmt::format("{:.2f}", s.p90),
                    fmt::format("{:.2f}", r.accel), fmt::format("{:.2f}", s.accel),
                    fmt::format("{:.2f}", 100 * r.outlier_rate), fmt::format("{:.2f}", 100 * s.outlier_rate),
                    fmt::format("{:.2f}", 100 * r.swap_rate), fmt::format("{:.2f}", 100 * s.swap_rate)});
  };
  for (const auto& r : real.joints) {
    JointNoiseStats s;
    s.name = r.name;
    for (const auto& c : syn.joints)
      if (c.name == r.name) s = c;
    row(r, s);
  }
  row(real.overall, syn.overall);
  std::string out;
  if (markdown) {
    auto line = [&](const std::vector<std::string>& cells) {
      std::string l = "|";
      for (const auto& c : cells) l += " " + c + " |";
      return l + "\n";
    };
    out += line(head);
    std::string sep = "|---|";
    for (size_t i = 1; i < head.size(); ++i) sep += "---:|";
    out += sep + "\n";
    for (size_t r = 0; r < rows.size(); ++r) {
      auto cells = rows[r];
      if (r + 1 == rows.size())
        for (auto& c : cells) c = "**" + c + "**";
      out += line(cells);
    }
  } else {
    std::vector<size_t> w(head.size());
    for (size_t c = 0; c < head.size(); ++c) w[c] = head[c].size();
    for (const auto& r : rows)
      for (size_t c = 0; c < r.size(); ++c) w[c] = std::max(w[c], r[c].size());
    auto line = [&](const std::vector<std::string>& cells) {
      std::string l;
      for (size_t c = 0; c < cells.size(); ++c)
        l += (c == 0 ? fmt::format("{:<{}}", cells[c], w[c]) : fmt::format("  {:>{}}", cells[c], w[c]));
      return l + "\n";
    };
    out += line(head);
    for (const auto& r : rows) out += line(r);
  }
  return out;
}

}  // namespace kinepose
