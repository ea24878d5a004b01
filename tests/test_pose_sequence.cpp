#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kinepose/error.h"
#include "kinepose/pose.h"

using namespace kinepose;

namespace {
PoseSequence ramp(const std::string& skel, int frames, int dims) {
  PoseSequence s(get_skeleton(skel), frames, dims);
  for (size_t i = 0; i < s.keypoints.size(); ++i) s.keypoints[i] = static_cast<float>(i);
  s.fps = 30;
  return s;
}
}  // namespace

TEST(PoseSequence, ConstructsAllMissing) {
  PoseSequence s(get_skeleton("coco17"), 5, 2);
  EXPECT_EQ(s.joints(), 17);
  EXPECT_EQ(s.keypoints.size(), 5u * 17 * 2);
  EXPECT_DOUBLE_EQ(s.missing_fraction(), 1.0);
  EXPECT_TRUE(s.missing(4, 16));
}

TEST(PoseSequence, MissingFractionCountsJointsWithAnyNaNCoordinate) {
  PoseSequence s = ramp("mpii16", 4, 3);
  s.at(0, 0, 2) = NAN;  // one coordinate is enough to make the joint missing
  s.at(3, 15, 0) = NAN;
  EXPECT_DOUBLE_EQ(s.missing_fraction(), 2.0 / (4 * 16));
}

TEST(PoseSequence, ValidateRejectsBadContent) {
  PoseSequence s = ramp("coco17", 3, 2);
  EXPECT_NO_THROW(s.validate("x.npz"));
  PoseSequence inf = s;
  inf.at(1, 5, 0) = std::numeric_limits<float>::infinity();
  try {
    inf.validate("x.npz");
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.npz: infinite coordinate at frame 1, joint left_shoulder"), std::string::npos)
        << e.what();
  }
  PoseSequence empty(get_skeleton("coco17"), 0, 2);
  EXPECT_THROW(empty.validate("e"), Error);
  PoseSequence bad_scores = s;
  bad_scores.scores.assign(3, 1.0f);
  EXPECT_THROW(bad_scores.validate("s"), Error);
  bad_scores.scores.assign(3 * 17, NAN);
  EXPECT_THROW(bad_scores.validate("s"), Error);
  PoseSequence bad_fps = s;
  bad_fps.fps = -1;
  EXPECT_THROW(bad_fps.validate("f"), Error);
  PoseSequence bad_size = s;
  bad_size.image_size = std::array<int, 2>{0, 100};
  EXPECT_THROW(bad_size.validate("i"), Error);
  EXPECT_THROW(PoseSequence(get_skeleton("coco17"), 3, 4), Error);
}

TEST(PoseSequence, SliceKeepsMetadataAndValues) {
  PoseSequence s = ramp("h36m17", 10, 3);
  s.scores.assign(10 * 17, 0.5f);
  s.track_id = 7;
  PoseSequence part = s.slice(2, 5);
  EXPECT_EQ(part.frames, 3);
  EXPECT_EQ(part.track_id, 7);
  EXPECT_EQ(part.at(0, 0, 0), s.at(2, 0, 0));
  EXPECT_EQ(part.at(2, 16, 2), s.at(4, 16, 2));
  EXPECT_EQ(part.scores.size(), 3u * 17);
  EXPECT_THROW(s.slice(5, 11), Error);
}

TEST(PoseSequence, ConvertBody25ToCocoPicksJointsByName) {
  PoseSequence s = ramp("body25", 2, 2);
  s.scores.assign(2 * 25, 0.9f);
  s.score(1, 0) = 0.25f;  // nose, frame 1
  s.at(0, 4, 0) = NAN;    // right_wrist missing in frame 0
  PoseSequence c = convert_skeleton(s, get_skeleton("coco17"));
  ASSERT_EQ(c.joints(), 17);
  const auto& from = *s.skeleton;
  const auto& to = *c.skeleton;
  for (int t = 0; t < 2; ++t)
    for (int j = 0; j < 17; ++j) {
      int src = from.index_of(to.joints[j]);
      if (s.missing(t, src)) {
        EXPECT_TRUE(c.missing(t, j));
        continue;
      }
      EXPECT_EQ(c.at(t, j, 0), s.at(t, src, 0)) << to.joints[j];
      EXPECT_EQ(c.at(t, j, 1), s.at(t, src, 1)) << to.joints[j];
      EXPECT_EQ(c.score(t, j), s.score(t, src));
    }
  EXPECT_TRUE(c.missing(0, to.index_of("right_wrist")));
  EXPECT_FLOAT_EQ(c.score(1, to.index_of("nose")), 0.25f);
  EXPECT_EQ(c.fps, 30);
}

TEST(PoseSequence, ConvertRefusesMissingJointsUnlessAllowed) {
  PoseSequence s = ramp("mpii16", 2, 2);
  EXPECT_THROW(convert_skeleton(s, get_skeleton("h36m17")), Error);
  PoseSequence h = convert_skeleton(s, get_skeleton("h36m17"), /*allow_missing=*/true);
  const auto& to = *h.skeleton;
  EXPECT_TRUE(h.missing(0, to.index_of("spine")));
  EXPECT_FALSE(h.missing(0, to.index_of("left_wrist")));
  EXPECT_EQ(h.at(1, to.index_of("left_wrist"), 1), s.at(1, s.skeleton->index_of("left_wrist"), 1));
}
