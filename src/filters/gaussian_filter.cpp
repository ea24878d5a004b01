#include "filters/gaussian_filter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "kinepose/error.h"

namespace kinepose {
namespace {

const char* kWhere = "gaussian filter";

// Maps an out-of-range index into [0, n) by the edge rule. Works for any distance (a kernel longer
// than the sequence reflects repeatedly).
int edge_index(int i, int n, GaussianFilter::Edge edge) {
  if (i >= 0 && i < n) return i;
  if (edge == GaussianFilter::Edge::kNearest) return i < 0 ? 0 : n - 1;
  const int period = 2 * n;
  int m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

}  // namespace

GaussianFilter::GaussianFilter(Params params) : params_(params) {
  if (!(params_.sigma > 0.0) || !std::isfinite(params_.sigma))
    throw Error(kWhere, "sigma must be a positive number of frames, got " + std::to_string(params_.sigma));
  if (params_.window < 1 || params_.window % 2 == 0)
    throw Error(kWhere, "window must be odd and >= 1, got " + std::to_string(params_.window));
  if (params_.window > 100001) throw Error(kWhere, "window too large: " + std::to_string(params_.window));
  if (params_.median_window < 0 || (params_.median_window > 0 && params_.median_window % 2 == 0) ||
      params_.median_window > 100001)
    throw Error(kWhere, "median_window must be 0 (off) or odd, got " + std::to_string(params_.median_window));

  const int r = params_.window / 2;
  double sum = 0.0;
  for (int k = -r; k <= r; ++k) {
    const double w = std::exp(-0.5 * k * k / (params_.sigma * params_.sigma));
    kernel_.push_back(w);
    sum += w;
  }
  for (double& w : kernel_) w /= sum;
}

PoseSequence GaussianFilter::apply(const PoseSequence& input) const {
  PoseSequence out = input;
  const int T = input.frames, J = input.joints(), D = input.dims;
  if (T == 0 || J == 0) return out;
  const int r = params_.window / 2;
  const int mr = params_.median_window / 2;
  const Edge edge = params_.edge;
  const float nan = std::numeric_limits<float>::quiet_NaN();

  std::vector<char> present(T);
  std::vector<double> signal(T), median(T), window_values;
  for (int j = 0; j < J; ++j) {
    for (int t = 0; t < T; ++t) present[t] = !input.missing(t, j);
    for (int d = 0; d < D; ++d) {
      for (int t = 0; t < T; ++t) signal[t] = input.at(t, j, d);

      // Median pre-filter over the present samples in the window; missing samples stay missing.
      const std::vector<double>* src = &signal;
      if (params_.median_window > 1) {
        for (int t = 0; t < T; ++t) {
          if (!present[t]) continue;
          window_values.clear();
          for (int k = -mr; k <= mr; ++k) {
            const int i = edge_index(t + k, T, edge);
            if (present[i]) window_values.push_back(signal[i]);
          }
          const size_t n = window_values.size();
          std::nth_element(window_values.begin(), window_values.begin() + n / 2, window_values.end());
          double m = window_values[n / 2];
          if (n % 2 == 0) {  // even count (gaps): mean of the two middle values
            const double lower = *std::max_element(window_values.begin(), window_values.begin() + n / 2);
            m = 0.5 * (m + lower);
          }
          median[t] = m;
        }
        src = &median;
      }

      for (int t = 0; t < T; ++t) {
        if (!present[t] && !params_.fill_missing) {
          out.at(t, j, d) = nan;
          continue;
        }
        double acc = 0.0, wsum = 0.0;
        for (int k = -r; k <= r; ++k) {
          const int i = edge_index(t + k, T, edge);
          if (!present[i]) continue;
          acc += kernel_[k + r] * (*src)[i];
          wsum += kernel_[k + r];
        }
        out.at(t, j, d) = wsum > 0.0 ? static_cast<float>(acc / wsum) : nan;
      }
    }
  }
  return out;
}

}  // namespace kinepose
