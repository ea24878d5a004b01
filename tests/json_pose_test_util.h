// Helpers shared by the JSON pose format tests: bitwise track comparison, error capture, file
// writing and a synthetic multi-track sequence with awkward float values.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <string>

#include "kinepose/error.h"
#include "kinepose/pose.h"
#include "test_helpers.h"

namespace kinepose::testing {

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// Same values bit for bit, NaN exactly where the other has NaN.
inline void expect_same_floats(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) {
      ASSERT_TRUE(std::isnan(a[i]) && std::isnan(b[i])) << what << " [" << i << "] " << a[i] << " vs " << b[i];
    } else {
      ASSERT_EQ(float_bits(a[i]), float_bits(b[i])) << what << " [" << i << "] " << a[i] << " vs " << b[i];
    }
  }
}

inline void expect_same_boxes(const std::vector<BoundingBox>& a, const std::vector<BoundingBox>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i)
    expect_same_floats({a[i].x1, a[i].y1, a[i].x2, a[i].y2, a[i].score}, {b[i].x1, b[i].y1, b[i].x2, b[i].y2, b[i].score},
                       what + " box " + std::to_string(i));
}

inline void expect_same_tracks(const Tracks& a, const Tracks& b, bool compare_boxes = true) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string what = "track " + std::to_string(i);
    EXPECT_EQ(a[i].skeleton->joints, b[i].skeleton->joints) << what;
    EXPECT_EQ(a[i].frames, b[i].frames) << what;
    EXPECT_EQ(a[i].dims, b[i].dims) << what;
    EXPECT_EQ(a[i].track_id, b[i].track_id) << what;
    expect_same_floats(a[i].keypoints, b[i].keypoints, what + " keypoints");
    expect_same_floats(a[i].scores, b[i].scores, what + " scores");
    if (compare_boxes) expect_same_boxes(a[i].boxes, b[i].boxes, what);
  }
}

using kinepose::testing::error_of;

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Tracks with values that do not print short (random floats, tiny and huge magnitudes), missing
// joints, boxes on some frames, and at least one person in every frame (COCO results cannot say
// that a frame exists without a person in it).
inline Tracks synthetic_tracks(const SkeletonPtr& skel, int frames, int num_tracks, int dims, bool with_boxes,
                               unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> pos(-50.0f, 2000.0f), conf(0.0f, 1.0f);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tracks tracks;
  for (int k = 0; k < num_tracks; ++k) {
    PoseSequence seq(skel, frames, dims);
    seq.scores.assign(static_cast<size_t>(frames) * skel->num_joints(), 0.0f);
    seq.track_id = 10 * k + 3;
    seq.units = dims == 2 ? "px" : "";
    if (with_boxes) seq.boxes.assign(frames, BoundingBox{nan, nan, nan, nan, nan});
    for (int t = 0; t < frames; ++t) {
      const bool absent = k > 0 && t % 3 == 1;  // track 0 is always there
      for (int j = 0; j < skel->num_joints() && !absent; ++j) {
        if ((t + j + k) % 5 == 0) continue;  // missing joint
        for (int d = 0; d < dims; ++d) seq.at(t, j, d) = pos(rng);
        if (j == 1) seq.at(t, j, 0) = 1.0e-7f * (t + 1);
        if (j == 2) seq.at(t, j, 1) = 123456.789f + t;
        seq.score(t, j) = conf(rng);
      }
      if (with_boxes && !absent && t % 2 == 0) {
        const float x = pos(rng), y = pos(rng);
        seq.boxes[t] = BoundingBox{x, y, x + 0.1f + pos(rng) / 3, y + 1.3f + pos(rng) / 7, t % 4 == 0 ? conf(rng) : nan};
      }
    }
    tracks.push_back(std::move(seq));
  }
  return tracks;
}

}  // namespace kinepose::testing
