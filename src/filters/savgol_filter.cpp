#include "filters/savgol_filter.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "kinepose/error.h"

namespace kinepose {
namespace {

const char* kWhere = "savitzky-golay filter";
constexpr int kMaxWindow = 100001;

}  // namespace

SavitzkyGolayFilter::SavitzkyGolayFilter(Params params) : params_(params) {
  if (params_.window < 1 || params_.window % 2 == 0 || params_.window > kMaxWindow)
    throw Error(kWhere, "window must be odd and in 1.." + std::to_string(kMaxWindow) + ", got " +
                            std::to_string(params_.window));
  if (params_.order < 0 || params_.order >= params_.window)
    throw Error(kWhere, "order must be in 0..window-1 (" + std::to_string(params_.window - 1) + "), got " +
                            std::to_string(params_.order));
  if (params_.order > 10) throw Error(kWhere, "order above 10 is numerically meaningless, got " + std::to_string(params_.order));

  // Hat-matrix rows of the full window: weights(pos) = e_pos^T A (A^T A)^-1 A^T, abscissae scaled to
  // [-1, 1] for conditioning.
  const int w = params_.window, p = params_.order, r = w / 2;
  Eigen::MatrixXd A(w, p + 1);
  for (int i = 0; i < w; ++i) {
    const double x = r > 0 ? double(i - r) / r : 0.0;
    double v = 1.0;
    for (int k = 0; k <= p; ++k, v *= x) A(i, k) = v;
  }
  const Eigen::MatrixXd pinv = A.completeOrthogonalDecomposition().pseudoInverse();  // (p+1) x w
  const Eigen::MatrixXd H = A * pinv;                                                 // w x w
  weights_.assign(w, std::vector<double>(w));
  for (int pos = 0; pos < w; ++pos)
    for (int k = 0; k < w; ++k) weights_[pos][k] = H(pos, k);
}

double SavitzkyGolayFilter::fit_at(const std::vector<double>& x, const std::vector<double>& y, int order, double x_eval) {
  const int n = static_cast<int>(x.size());
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  const int p = std::min(order, n - 1);
  double lo = x_eval, hi = x_eval;
  for (double v : x) lo = std::min(lo, v), hi = std::max(hi, v);
  const double c = 0.5 * (lo + hi), s = hi > lo ? 0.5 * (hi - lo) : 1.0;
  Eigen::MatrixXd A(n, p + 1);
  Eigen::VectorXd b(n);
  for (int i = 0; i < n; ++i) {
    const double u = (x[i] - c) / s;
    double v = 1.0;
    for (int k = 0; k <= p; ++k, v *= u) A(i, k) = v;
    b(i) = y[i];
  }
  const Eigen::VectorXd coef = A.completeOrthogonalDecomposition().solve(b);
  const double u = (x_eval - c) / s;
  double v = 1.0, out = 0.0;
  for (int k = 0; k <= p; ++k, v *= u) out += coef(k) * v;
  return out;
}

PoseSequence SavitzkyGolayFilter::apply(const PoseSequence& input) const { return run(input, false); }
PoseSequence SavitzkyGolayFilter::apply_reference(const PoseSequence& input) const { return run(input, true); }

PoseSequence SavitzkyGolayFilter::run(const PoseSequence& input, bool reference) const {
  PoseSequence out = input;
  const int T = input.frames, J = input.joints(), D = input.dims;
  if (T == 0 || J == 0) return out;
  const int w = std::min(params_.window, T), r = params_.window / 2;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const bool full_windows = w == params_.window;

  std::vector<char> present(T);
  std::vector<int> missing_before(T + 1);  // prefix counts: a window is complete when it has none
  std::vector<double> xs, ys;
  for (int j = 0; j < J; ++j) {
    missing_before[0] = 0;
    for (int t = 0; t < T; ++t) {
      present[t] = !input.missing(t, j);
      missing_before[t + 1] = missing_before[t] + (present[t] ? 0 : 1);
    }
    for (int t = 0; t < T; ++t) {
      if (!present[t]) {
        for (int d = 0; d < D; ++d) out.at(t, j, d) = nan;
        continue;
      }
      // The window [s, s + w): centred on t, shifted inside the sequence at the edges ("interp").
      const int s = std::clamp(t - r, 0, T - w);
      const bool complete = missing_before[s + w] - missing_before[s] == 0;
      for (int d = 0; d < D; ++d) {
        double value;
        if (!reference && full_windows && complete) {
          const std::vector<double>& wt = weights_[t - s];
          value = 0.0;
          for (int k = 0; k < w; ++k) value += wt[k] * input.at(s + k, j, d);
        } else {
          xs.clear();
          ys.clear();
          for (int k = s; k < s + w; ++k)
            if (present[k]) xs.push_back(k), ys.push_back(input.at(k, j, d));
          value = fit_at(xs, ys, params_.order, t);
        }
        out.at(t, j, d) = static_cast<float>(value);
      }
    }
  }
  return out;
}

}  // namespace kinepose
