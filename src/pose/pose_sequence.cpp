#include <cmath>
#include <limits>

#include "kinepose/error.h"
#include "kinepose/pose.h"

namespace kinepose {

namespace {
constexpr int64_t kMaxFrames = 10'000'000;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
}  // namespace

PoseSequence::PoseSequence(SkeletonPtr skel, int num_frames, int num_dims)
    : skeleton(std::move(skel)), frames(num_frames), dims(num_dims) {
  if (!skeleton) throw Error("PoseSequence needs a skeleton");
  if (num_frames < 0 || num_frames > kMaxFrames) throw Error("PoseSequence: absurd frame count " + std::to_string(num_frames));
  if (num_dims != 2 && num_dims != 3) throw Error("PoseSequence: dims must be 2 or 3, got " + std::to_string(num_dims));
  keypoints.assign(static_cast<size_t>(num_frames) * skeleton->num_joints() * num_dims, kNaN);
}

bool PoseSequence::missing(int t, int j) const {
  for (int d = 0; d < dims; ++d)
    if (std::isnan(at(t, j, d))) return true;
  return false;
}

double PoseSequence::missing_fraction() const {
  const int J = joints();
  if (frames == 0 || J == 0) return 0.0;
  size_t n = 0;
  for (int t = 0; t < frames; ++t)
    for (int j = 0; j < J; ++j) n += missing(t, j) ? 1 : 0;
  return static_cast<double>(n) / (static_cast<double>(frames) * J);
}

void PoseSequence::validate(const std::string& where) const {
  if (!skeleton) throw Error(where, "pose sequence has no skeleton");
  if (dims != 2 && dims != 3) throw Error(where, "keypoints must have 2 or 3 coordinates, got " + std::to_string(dims));
  if (frames <= 0) throw Error(where, "empty sequence (0 frames)");
  if (frames > kMaxFrames) throw Error(where, "absurd frame count " + std::to_string(frames));
  const size_t J = static_cast<size_t>(joints());
  if (J == 0) throw Error(where, "skeleton has no joints");
  if (keypoints.size() != static_cast<size_t>(frames) * J * dims)
    throw Error(where, "keypoint buffer has " + std::to_string(keypoints.size()) + " values, expected " +
                           std::to_string(static_cast<size_t>(frames) * J * dims) + " (frames x joints x dims)");
  for (size_t i = 0; i < keypoints.size(); ++i)
    if (std::isinf(keypoints[i])) {
      size_t t = i / (J * dims), j = (i / dims) % J;
      throw Error(where, "infinite coordinate at frame " + std::to_string(t) + ", joint " + skeleton->joints[j]);
    }
  if (!scores.empty()) {
    if (scores.size() != static_cast<size_t>(frames) * J)
      throw Error(where, "scores have " + std::to_string(scores.size()) + " values, expected frames x joints = " +
                             std::to_string(static_cast<size_t>(frames) * J));
    for (size_t i = 0; i < scores.size(); ++i)
      if (!std::isfinite(scores[i]))
        throw Error(where, "non-finite confidence at frame " + std::to_string(i / J) + ", joint " + skeleton->joints[i % J]);
  }
  if (!boxes.empty() && boxes.size() != static_cast<size_t>(frames))
    throw Error(where, "boxes have " + std::to_string(boxes.size()) + " entries, expected one per frame (" +
                           std::to_string(frames) + ")");
  if (!(std::isfinite(fps) && fps >= 0)) throw Error(where, "fps must be finite and >= 0");
  if (image_size && ((*image_size)[0] <= 0 || (*image_size)[1] <= 0 || (*image_size)[0] > 100000 || (*image_size)[1] > 100000))
    throw Error(where, "absurd image size " + std::to_string((*image_size)[0]) + "x" + std::to_string((*image_size)[1]));
}

PoseSequence PoseSequence::slice(int begin, int end) const {
  if (begin < 0 || end > frames || begin > end)
    throw Error("slice [" + std::to_string(begin) + ", " + std::to_string(end) + ") out of range for " +
                std::to_string(frames) + " frames");
  PoseSequence out = *this;
  out.frames = end - begin;
  const size_t J = static_cast<size_t>(joints());
  out.keypoints.assign(keypoints.begin() + begin * J * dims, keypoints.begin() + end * J * dims);
  if (!scores.empty()) out.scores.assign(scores.begin() + begin * J, scores.begin() + end * J);
  if (!boxes.empty()) out.boxes.assign(boxes.begin() + begin, boxes.begin() + end);
  return out;
}

PoseSequence convert_skeleton(const PoseSequence& seq, const SkeletonPtr& to, bool allow_missing) {
  JointMapping m = make_mapping(seq.skeleton, to, allow_missing);
  PoseSequence out(to, seq.frames, seq.dims);
  out.fps = seq.fps;
  out.image_size = seq.image_size;
  out.units = seq.units;
  out.track_id = seq.track_id;
  out.boxes = seq.boxes;
  out.name = seq.name;
  if (seq.has_scores()) out.scores.assign(static_cast<size_t>(seq.frames) * to->num_joints(), 0.0f);
  for (int t = 0; t < seq.frames; ++t) {
    for (int j = 0; j < to->num_joints(); ++j) {
      const auto& src = m.sources[j];
      if (src.empty()) continue;  // stays NaN, score 0
      bool any_missing = false;
      float score = std::numeric_limits<float>::infinity();
      for (int s : src) {
        any_missing = any_missing || seq.missing(t, s);
        if (seq.has_scores()) score = std::min(score, seq.score(t, s));
      }
      if (any_missing) continue;
      for (int d = 0; d < seq.dims; ++d) {
        double sum = 0;
        for (int s : src) sum += seq.at(t, s, d);
        out.at(t, j, d) = static_cast<float>(sum / src.size());
      }
      if (seq.has_scores()) out.score(t, j) = score;
    }
  }
  return out;
}

}  // namespace kinepose
