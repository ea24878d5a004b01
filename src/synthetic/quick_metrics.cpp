#include "synthetic/quick_metrics.h"

#include <cmath>
#include <limits>
#include <string>

#include "kinepose/error.h"

namespace kinepose {

double mean_joint_error(const PoseSequence& a, const PoseSequence& b) {
  if (a.frames != b.frames || a.joints() != b.joints() || a.dims != b.dims)
    throw Error("mean joint error", "sequences differ in shape: " + std::to_string(a.frames) + "x" +
                                        std::to_string(a.joints()) + "x" + std::to_string(a.dims) + " vs " +
                                        std::to_string(b.frames) + "x" + std::to_string(b.joints()) + "x" +
                                        std::to_string(b.dims));
  double sum = 0.0;
  long count = 0;
  for (int t = 0; t < a.frames; ++t)
    for (int j = 0; j < a.joints(); ++j) {
      if (a.missing(t, j) || b.missing(t, j)) continue;
      double d2 = 0.0;
      for (int d = 0; d < a.dims; ++d) {
        const double e = static_cast<double>(a.at(t, j, d)) - b.at(t, j, d);
        d2 += e * e;
      }
      sum += std::sqrt(d2);
      ++count;
    }
  return count ? sum / count : std::numeric_limits<double>::quiet_NaN();
}

double mean_acceleration(const PoseSequence& s) {
  double sum = 0.0;
  long count = 0;
  for (int t = 1; t + 1 < s.frames; ++t)
    for (int j = 0; j < s.joints(); ++j) {
      if (s.missing(t - 1, j) || s.missing(t, j) || s.missing(t + 1, j)) continue;
      double a2 = 0.0;
      for (int d = 0; d < s.dims; ++d) {
        const double acc = static_cast<double>(s.at(t + 1, j, d)) - 2.0 * s.at(t, j, d) + s.at(t - 1, j, d);
        a2 += acc * acc;
      }
      sum += std::sqrt(a2);
      ++count;
    }
  return count ? sum / count : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace kinepose
