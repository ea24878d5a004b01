// PoseSequence — the one value type that flows through kinepose: frames x joints x dims float32
// keypoints (NaN = missing joint), optional per-joint confidence, timing, image geometry, units,
// track identity and boxes, and the Skeleton that names the joints. Multi-person data is a list of
// tracks (std::vector<PoseSequence>), each with its own track_id.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kinepose/skeleton.h"

namespace kinepose {

struct BoundingBox {
  float x1, y1, x2, y2;  // pixels, top-left / bottom-right
  float score;           // NaN when the source has none
};

struct PoseSequence {
  SkeletonPtr skeleton;
  int frames = 0;
  int dims = 2;                        // 2 (x, y) or 3 (x, y, z)
  std::vector<float> keypoints;        // frames * joints * dims, row-major; NaN = missing
  std::vector<float> scores;           // empty, or frames * joints confidences
  double fps = 0.0;                    // 0 = unknown
  std::optional<std::array<int, 2>> image_size;  // (width, height) in pixels
  std::string units;                   // "px", "mm", "m", or "" when unknown
  std::optional<int64_t> track_id;
  std::vector<BoundingBox> boxes;      // empty, or one per frame (NaN box = none that frame)
  std::string name;                    // sequence name (clip / file stem / dataset key)

  PoseSequence() = default;
  // All keypoints NaN, no scores.
  PoseSequence(SkeletonPtr skel, int num_frames, int num_dims);

  int joints() const { return skeleton ? skeleton->num_joints() : 0; }
  bool has_scores() const { return !scores.empty(); }
  bool has_boxes() const { return !boxes.empty(); }

  float& at(int t, int j, int d) { return keypoints[(static_cast<size_t>(t) * joints() + j) * dims + d]; }
  float at(int t, int j, int d) const { return keypoints[(static_cast<size_t>(t) * joints() + j) * dims + d]; }
  float& score(int t, int j) { return scores[static_cast<size_t>(t) * joints() + j]; }
  float score(int t, int j) const { return scores[static_cast<size_t>(t) * joints() + j]; }
  // True when any coordinate of joint j at frame t is NaN.
  bool missing(int t, int j) const;

  // Fraction of (frame, joint) entries that are missing.
  double missing_fraction() const;
  // Throws Error("<where>", ...) if sizes disagree, dims not 2/3, inf values, scores NaN, etc.
  void validate(const std::string& where = "") const;
  // Frames [begin, end).
  PoseSequence slice(int begin, int end) const;
};

using Tracks = std::vector<PoseSequence>;

// Converts every sequence to another skeleton via make_mapping (scores follow: the min of sources).
PoseSequence convert_skeleton(const PoseSequence& seq, const SkeletonPtr& to, bool allow_missing = false);

}  // namespace kinepose
