#include "filters/filter_common.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "kinepose/error.h"

namespace kinepose {

PoseSequence mask_low_confidence(const PoseSequence& seq, double min_score) {
  PoseSequence out = seq;
  if (!(min_score > 0.0) || !seq.has_scores()) return out;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int t = 0; t < seq.frames; ++t)
    for (int j = 0; j < seq.joints(); ++j)
      if (seq.score(t, j) < min_score)
        for (int d = 0; d < seq.dims; ++d) out.at(t, j, d) = nan;
  return out;
}

void keep_raw_where_unestimated(PoseSequence& filtered, const PoseSequence& raw) {
  for (int t = 0; t < raw.frames; ++t)
    for (int j = 0; j < raw.joints(); ++j)
      if (filtered.missing(t, j) && !raw.missing(t, j))
        for (int d = 0; d < raw.dims; ++d) filtered.at(t, j, d) = raw.at(t, j, d);
}

double resolve_fps(const PoseSequence& seq, double fps, const char* filter) {
  if (fps > 0.0 && std::isfinite(fps)) return fps;
  if (seq.fps > 0.0 && std::isfinite(seq.fps)) return seq.fps;
  throw Error(filter, "needs the frame rate, but the sequence" + (seq.name.empty() ? std::string() : " '" + seq.name + "'") +
                          " has none; give it with --fps");
}

double person_size(const float* frame, int joints, int dims) {
  double x0 = std::numeric_limits<double>::infinity(), y0 = x0, x1 = -x0, y1 = -x0;
  int present = 0;
  for (int j = 0; j < joints; ++j) {
    const float* p = frame + static_cast<size_t>(j) * dims;
    bool ok = true;
    for (int d = 0; d < dims; ++d) ok = ok && std::isfinite(p[d]);
    if (!ok) continue;
    ++present;
    x0 = std::min(x0, double(p[0]));
    x1 = std::max(x1, double(p[0]));
    y0 = std::min(y0, double(p[1]));
    y1 = std::max(y1, double(p[1]));
  }
  if (present < 2) return 0.0;
  return 0.5 * ((x1 - x0) + (y1 - y0));
}

void check_stream_shape(int joints, int dims, const char* filter) {
  if (joints < 1 || joints > 100000) throw Error(filter, "stream needs 1..100000 joints, got " + std::to_string(joints));
  if (dims != 2 && dims != 3) throw Error(filter, "stream needs 2 or 3 dims, got " + std::to_string(dims));
}

}  // namespace kinepose
