#include "filters/kalman_filter.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kinepose/error.h"

namespace kinepose {
namespace {

const char* kWhere = "kalman filter";
constexpr double kMinConfidence = 1e-3;  // floor: a zero-confidence joint still has a finite variance
constexpr double kEps = 1e-6;            // tolerance on frame-time comparisons (streamed timestamps)
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// At most 3x3, no heap.
using Vec = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, 3, 1>;
using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, 3, 3>;

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Transition over dt frames (dt may be negative: exact backward extrapolation of the polynomial model).
Mat transition(int n, double dt) {
  Mat F = Mat::Identity(n, n);
  F(0, 1) = dt;
  if (n == 3) {
    F(0, 2) = 0.5 * dt * dt;
    F(1, 2) = dt;
  }
  return F;
}

// Continuous white noise of spectral density q on the highest derivative, integrated over dt, so a
// multi-frame step equals the same number of one-frame steps.
Mat process_covariance(int n, double dt, double q) {
  Mat Q(n, n);
  const double d2 = dt * dt, d3 = d2 * dt;
  if (n == 2) {
    Q << d3 / 3, d2 / 2, d2 / 2, dt;
  } else {
    const double d4 = d3 * dt, d5 = d4 * dt;
    Q << d5 / 20, d4 / 8, d3 / 6, d4 / 8, d3 / 3, d2 / 2, d3 / 6, d2 / 2, dt;
  }
  return Q * q;
}

// Coefficients c (p(t) = sum c_k (t - t_ref)^k) of the polynomial through m points, as a matrix:
// c = Vinv * z.
Mat vandermonde_inverse(const double* t, int m, double t_ref) {
  Mat V(m, m);
  for (int i = 0; i < m; ++i) {
    double v = 1.0;
    for (int k = 0; k < m; ++k, v *= (t[i] - t_ref)) V(i, k) = v;
  }
  return V.fullPivLu().inverse();
}

double poly_eval(const double* t, const double* z, int m, double t_eval) {
  if (m == 0) return kNaN;
  const double t_ref = t[m - 1];
  const Mat Vinv = vandermonde_inverse(t, m, t_ref);
  Vec zz(m);
  for (int i = 0; i < m; ++i) zz(i) = z[i];
  const Vec c = Vinv * zz;
  double out = 0.0, v = 1.0;
  for (int k = 0; k < m; ++k, v *= (t_eval - t_ref)) out += c(k) * v;
  return out;
}

// Exact start: the state at the last of n points is the interpolating polynomial's value and
// derivatives; its covariance is the measurement variances propagated through that linear map.
void init_state(int n, const double* t, const double* z, const double* r, Vec& x, Mat& P) {
  Mat M = vandermonde_inverse(t, n, t[n - 1]);
  if (n == 3) M.row(2) *= 2.0;  // acceleration = 2 c2
  Vec zz(n);
  Mat R = Mat::Zero(n, n);
  for (int i = 0; i < n; ++i) zz(i) = z[i], R(i, i) = r[i];
  x = M * zz;
  P = M * R * M.transpose();
}

void update(Vec& x, Mat& P, double z, double r) {
  const int n = static_cast<int>(x.size());
  const double S = P(0, 0) + r;
  const Vec K = P.col(0) / S;
  x += K * (z - x(0));
  // Joseph form keeps P symmetric positive semi-definite.
  Mat IKH = Mat::Identity(n, n);
  IKH.col(0) -= K;
  P = IKH * P * IKH.transpose() + K * r * K.transpose();
}

Vec to_vec(const std::array<double, 3>& a, int n) {
  Vec v(n);
  for (int i = 0; i < n; ++i) v(i) = a[i];
  return v;
}
Mat to_mat(const std::array<double, 9>& a, int n) {
  Mat m(n, n);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) m(i, k) = a[i * n + k];
  return m;
}
void store(const Vec& v, const Mat& m, std::array<double, 3>& a, std::array<double, 9>& b) {
  const int n = static_cast<int>(v.size());
  for (int i = 0; i < n; ++i) a[i] = v(i);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) b[i * n + k] = m(i, k);
}

}  // namespace

KalmanFilter::KalmanFilter(Params params) : params_(params) {
  n_ = params_.model == Model::kConstantAcceleration ? 3 : 2;
  if (!(params_.process_noise >= 0.0) || !std::isfinite(params_.process_noise))
    throw Error(kWhere, "process_noise must be >= 0, got " + num(params_.process_noise));
  if (!(params_.measurement_noise > 0.0) || !std::isfinite(params_.measurement_noise))
    throw Error(kWhere, "measurement_noise must be > 0, got " + num(params_.measurement_noise));
  if (params_.max_gap < 0 || params_.max_gap > 1000000)
    throw Error(kWhere, "max_gap must be in 0..1000000 frames, got " + std::to_string(params_.max_gap));
}

double KalmanFilter::measurement_variance(double confidence) const {
  const double s = std::isfinite(confidence) ? std::clamp(confidence, kMinConfidence, 1.0) : 1.0;
  return params_.measurement_noise * params_.measurement_noise / s;
}

double KalmanFilter::step(State& s, double t, double z, double confidence) const {
  if (!std::isfinite(t)) throw Error(kWhere, "time is not finite");
  const bool any = s.initialized || s.n_init > 0;
  const double last = s.initialized ? s.t : (s.n_init > 0 ? s.init_t[s.n_init - 1] : 0.0);
  if (any && !(t > last)) throw Error(kWhere, "time must increase: frame " + num(t) + " after " + num(last));

  if (!std::isfinite(z)) {  // missing: predict without touching the state
    if (!any || t - last > params_.max_gap + kEps) return kNaN;
    if (!s.initialized) return poly_eval(s.init_t.data(), s.init_z.data(), s.n_init, t);
    return (transition(n_, t - s.t) * to_vec(s.x, n_))(0);
  }
  if (any && t - last > params_.max_gap + 1 + kEps) s = State{};  // gap too long: restart the track

  const double r = measurement_variance(confidence);
  if (!s.initialized) {
    s.init_t[s.n_init] = t;
    s.init_z[s.n_init] = z;
    s.init_r[s.n_init] = r;
    if (++s.n_init == n_) {
      Vec x;
      Mat P;
      init_state(n_, s.init_t.data(), s.init_z.data(), s.init_r.data(), x, P);
      store(x, P, s.x, s.P);
      s.t = t;
      s.initialized = true;
    }
    return z;
  }
  const double dt = t - s.t;
  const Mat F = transition(n_, dt);
  Vec x = F * to_vec(s.x, n_);
  Mat P = F * to_mat(s.P, n_) * F.transpose() + process_covariance(n_, dt, params_.process_noise * params_.process_noise);
  update(x, P, z, r);
  store(x, P, s.x, s.P);
  s.t = t;
  return x(0);
}

void KalmanFilter::filter_series(const double* z, const double* confidence, int n, double* out) const {
  State s;
  for (int t = 0; t < n; ++t) out[t] = step(s, t, z[t], confidence ? confidence[t] : 1.0);
}

void KalmanFilter::smooth_series(const double* z, const double* confidence, int n, double* out) const {
  const int ns = n_;
  const double q = params_.process_noise * params_.process_noise;
  const int max_gap = params_.max_gap;
  std::vector<double> ot, oz, orr;  // observations: frame, value, variance
  for (int t = 0; t < n; ++t) {
    out[t] = kNaN;
    if (!std::isfinite(z[t])) continue;
    ot.push_back(t);
    oz.push_back(z[t]);
    orr.push_back(measurement_variance(confidence ? confidence[t] : 1.0));
  }
  // Distance (frames) to the observation a filled value came from; nearer sources win.
  std::vector<double> dist(n, std::numeric_limits<double>::infinity());
  auto fill_outside = [&](int f, double d, double value) {
    if (f < 0 || f >= n || d > max_gap || !(d < dist[f])) return;
    out[f] = value;
    dist[f] = d;
  };

  std::vector<Vec> xf, xp, xs;
  std::vector<Mat> Pf, Pp;
  const int m_all = static_cast<int>(ot.size());
  for (int a = 0; a < m_all;) {
    int b = a;  // segment [a, b]: consecutive observations at most max_gap missing frames apart
    while (b + 1 < m_all && ot[b + 1] - ot[b] <= max_gap + 1) ++b;
    const int m = b - a + 1;
    const int ta = static_cast<int>(ot[a]), tb = static_cast<int>(ot[b]);

    if (m < ns) {
      // Too short to start the model: observations pass through, the interpolating polynomial fills.
      for (int f = ta; f <= tb; ++f) {
        out[f] = std::isfinite(z[f]) ? z[f] : poly_eval(&ot[a], &oz[a], m, f);
        dist[f] = 0.0;
      }
      for (int f = tb + 1; f <= tb + max_gap; ++f) fill_outside(f, f - tb, poly_eval(&ot[a], &oz[a], m, f));
      for (int f = ta - 1; f >= ta - max_gap; --f) fill_outside(f, ta - f, poly_eval(&ot[a], &oz[a], m, f));
      a = b + 1;
      continue;
    }

    // Forward pass (indices relative to a).
    const int k0 = ns - 1;
    xf.assign(m, Vec());
    Pf.assign(m, Mat());
    xp.assign(m, Vec());
    Pp.assign(m, Mat());
    xs.assign(m, Vec());
    init_state(ns, &ot[a], &oz[a], &orr[a], xf[k0], Pf[k0]);
    for (int k = k0 + 1; k < m; ++k) {
      const double dt = ot[a + k] - ot[a + k - 1];
      const Mat F = transition(ns, dt);
      xp[k] = F * xf[k - 1];
      Pp[k] = F * Pf[k - 1] * F.transpose() + process_covariance(ns, dt, q);
      xf[k] = xp[k];
      Pf[k] = Pp[k];
      update(xf[k], Pf[k], oz[a + k], orr[a + k]);
    }
    // Backward (RTS) pass.
    xs[m - 1] = xf[m - 1];
    for (int k = m - 2; k >= k0; --k) {
      const Mat F = transition(ns, ot[a + k + 1] - ot[a + k]);
      // C = Pf F^T Pp^-1, computed as (Pp^-1 F Pf)^T since both covariances are symmetric.
      const Mat C = Pp[k + 1].ldlt().solve(F * Pf[k]).transpose();
      xs[k] = xf[k] + C * (xs[k + 1] - xp[k + 1]);
    }
    for (int k = k0; k < m; ++k) {
      out[static_cast<int>(ot[a + k])] = xs[k](0);
      dist[static_cast<int>(ot[a + k])] = 0.0;
    }
    // Missing frames between observations: one prediction step to the frame, then smoothed against
    // the next observation's smoothed state.
    for (int k = k0; k + 1 < m; ++k) {
      const int t0 = static_cast<int>(ot[a + k]), t1 = static_cast<int>(ot[a + k + 1]);
      for (int f = t0 + 1; f < t1; ++f) {
        const Mat F1 = transition(ns, f - t0);
        const Vec x = F1 * xf[k];
        const Mat P = F1 * Pf[k] * F1.transpose() + process_covariance(ns, f - t0, q);
        const Mat C = Pp[k + 1].ldlt().solve(transition(ns, t1 - f) * P).transpose();
        out[f] = (x + C * (xs[k + 1] - xp[k + 1]))(0);
        dist[f] = 0.0;
      }
    }
    // Frames up to the start of the model state (the starting observations and gaps between them):
    // the smoothed start state extrapolated backwards, and likewise before / after the segment.
    const int tk0 = static_cast<int>(ot[a + k0]);
    for (int f = ta; f < tk0; ++f) {
      out[f] = (transition(ns, f - tk0) * xs[k0])(0);
      dist[f] = 0.0;
    }
    for (int f = tb + 1; f <= tb + max_gap; ++f) fill_outside(f, f - tb, (transition(ns, f - tb) * xs[m - 1])(0));
    for (int f = ta - 1; f >= ta - max_gap; --f) fill_outside(f, ta - f, (transition(ns, f - tk0) * xs[k0])(0));
    a = b + 1;
  }
}

PoseSequence KalmanFilter::filter(const PoseSequence& input) const { return run(input, false); }
PoseSequence KalmanFilter::smooth(const PoseSequence& input) const { return run(input, true); }

PoseSequence KalmanFilter::run(const PoseSequence& input, bool smooth) const {
  PoseSequence out = input;
  const int T = input.frames, J = input.joints(), D = input.dims;
  if (T == 0 || J == 0) return out;
  std::vector<double> z(T), conf(T), res(T);
  for (int j = 0; j < J; ++j) {
    for (int t = 0; t < T; ++t) conf[t] = input.has_scores() ? input.score(t, j) : 1.0;
    for (int d = 0; d < D; ++d) {
      for (int t = 0; t < T; ++t) z[t] = input.missing(t, j) ? kNaN : input.at(t, j, d);
      if (smooth) smooth_series(z.data(), conf.data(), T, res.data());
      else filter_series(z.data(), conf.data(), T, res.data());
      for (int t = 0; t < T; ++t) out.at(t, j, d) = static_cast<float>(res[t]);
    }
  }
  return out;
}

}  // namespace kinepose
