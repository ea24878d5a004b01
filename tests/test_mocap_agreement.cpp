// Cross-check of the two mocap readers on the one CMU trial that exists in both forms
// (01.asf + 01_01.amc, and the cmuconvert 01_01.bvh). Two independent FK implementations agreeing
// to float precision is strong evidence both are right.
//
// The relation between the files, determined from the data (and documented here because any other
// use of both forms needs it):
//  * Frames: BVH frame 0 is an extra rest pose added by the converter; BVH frame k+1 = AMC frame k
//    (2752 = 2751 + 1).
//  * Units: identical — BVH OFFSETs are the ASF direction * length values (ASF length units,
//    CMU ":units length 0.45"), no scale factor and no root offset (both root at the AMC translation).
//  * Joints: a BVH joint sits at its bone's START, an ASF joint (as read here) at its bone's END, so
//    BVH LeftLeg (knee) = ASF lfemur end, etc. (table below; End Sites give the last bone ends).
//  * Dropped bones: the converter collapsed thorax, lwrist and rwrist to zero length (BVH Neck,
//    LeftFingerBase, RightFingerBase have OFFSET 0 0 0), so every BVH joint below one of them sits
//    short by that bone's current vector: BVH(j) = ASF(bone(j)) - sum of the dropped bones' vectors
//    (end - start) on the ASF path from the root to bone(j).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "io/format_factories.h"
#include "test_helpers.h"

using namespace kinepose;
using kinepose::testing::data_path;

namespace {

int jidx(const PoseSequence& s, const std::string& name) {
  const auto& v = s.skeleton->joints;
  const auto it = std::find(v.begin(), v.end(), name);
  return it == v.end() ? -1 : static_cast<int>(it - v.begin());
}

// BVH joint (bone start) -> ASF joint whose END is at the same place (modulo dropped bones).
const std::vector<std::pair<std::string, std::string>> kBvhToAsf = {
    {"Hips", "root"},           {"LHipJoint", "root"},         {"LeftUpLeg", "lhipjoint"},
    {"LeftLeg", "lfemur"},      {"LeftFoot", "ltibia"},        {"LeftToeBase", "lfoot"},
    {"LeftToeBase_end", "ltoes"}, {"RHipJoint", "root"},       {"RightUpLeg", "rhipjoint"},
    {"RightLeg", "rfemur"},     {"RightFoot", "rtibia"},       {"RightToeBase", "rfoot"},
    {"RightToeBase_end", "rtoes"}, {"LowerBack", "root"},      {"Spine", "lowerback"},
    {"Spine1", "upperback"},    {"Neck", "thorax"},            {"Neck1", "lowerneck"},
    {"Head", "upperneck"},      {"Head_end", "head"},          {"LeftShoulder", "thorax"},
    {"LeftArm", "lclavicle"},   {"LeftForeArm", "lhumerus"},   {"LeftHand", "lradius"},
    {"LeftFingerBase", "lwrist"}, {"LFingers", "lhand"},       {"LFingers_end", "lfingers"},
    {"LThumb", "lwrist"},       {"LThumb_end", "lthumb"},      {"RightShoulder", "thorax"},
    {"RightArm", "rclavicle"},  {"RightForeArm", "rhumerus"},  {"RightHand", "rradius"},
    {"RightFingerBase", "rwrist"}, {"RFingers", "rhand"},      {"RFingers_end", "rfingers"},
    {"RThumb", "rwrist"},       {"RThumb_end", "rthumb"},
};
const char* const kDroppedBones[] = {"thorax", "lwrist", "rwrist"};

constexpr double kMetresPerCmuUnit = 0.0254 / 0.45;

double vertical_extent(const PoseSequence& s, int t) {
  float lo = 1e9f, hi = -1e9f;
  for (int j = 0; j < s.joints(); ++j) {
    lo = std::min(lo, s.at(t, j, 1));
    hi = std::max(hi, s.at(t, j, 1));
  }
  return hi - lo;
}

}  // namespace

TEST(MocapAgreement, Cmu0101BvhMatchesAsfAmc) {
  KINEPOSE_REQUIRE_DATA("cmu_mocap_samples/01_01.bvh");
  KINEPOSE_REQUIRE_DATA("cmu_mocap_samples/01_01.amc");
  KINEPOSE_REQUIRE_DATA("cmu_mocap_samples/01.asf");
  ReadOptions bo;
  bo.params["end_sites"] = "1";
  const PoseSequence bvh = bvh_format().read(data_path("cmu_mocap_samples/01_01.bvh"), bo).at(0);
  const PoseSequence amc = amc_format().read(data_path("cmu_mocap_samples/01_01.amc"), {}).at(0);
  ASSERT_EQ(bvh.frames, 2752);
  ASSERT_EQ(amc.frames, 2751);
  ASSERT_EQ(bvh.frames, amc.frames + 1);  // BVH frame 0 = converter's rest pose
  EXPECT_DOUBLE_EQ(bvh.fps, amc.fps);

  // ASF helpers: parent per joint, and each dropped bone's index.
  const auto& parents = amc.skeleton->parents;
  std::vector<int> dropped;
  for (const char* d : kDroppedBones) {
    dropped.push_back(jidx(amc, d));
    ASSERT_GE(dropped.back(), 0) << d;
  }
  auto on_path = [&](int j, int bone) {
    for (; j >= 0; j = parents[j])
      if (j == bone) return true;
    return false;
  };

  double sum = 0, worst = 0;
  long long n = 0;
  for (const auto& [bname, aname] : kBvhToAsf) {
    const int bj = jidx(bvh, bname), aj = jidx(amc, aname);
    ASSERT_GE(bj, 0) << bname;
    ASSERT_GE(aj, 0) << aname;
    for (int t = 0; t < amc.frames; ++t) {
      double d2 = 0;
      for (int k = 0; k < 3; ++k) {
        double expected = amc.at(t, aj, k);
        for (int b : dropped)
          if (on_path(aj, b)) expected -= amc.at(t, b, k) - amc.at(t, parents[b], k);
        const double diff = bvh.at(t + 1, bj, k) - expected;
        d2 += diff * diff;
      }
      const double d = std::sqrt(d2);
      sum += d;
      worst = std::max(worst, d);
      ++n;
    }
  }
  const double mean = sum / n;

  // Body size: median standing extent over frames is enough as a yardstick.
  std::vector<double> heights;
  for (int t = 0; t < amc.frames; ++t) heights.push_back(vertical_extent(amc, t));
  std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
  const double height = heights[heights.size() / 2];
  std::cout << "[ info ] 01_01 BVH vs ASF/AMC over " << amc.frames << " frames x " << kBvhToAsf.size()
            << " joints: mean " << mean << " units (" << mean / height * 100 << "% of height " << height
            << " units = " << height * kMetresPerCmuUnit << " m), max " << worst << "\n";
  EXPECT_LT(mean, 0.01 * height);
  EXPECT_LT(worst, 0.01 * height);
  // Both describe a plausible human in metres.
  EXPECT_GT(height * kMetresPerCmuUnit, 1.3);
  EXPECT_LT(height * kMetresPerCmuUnit, 2.1);
  EXPECT_GT(vertical_extent(bvh, 1) * kMetresPerCmuUnit, 1.3);
  EXPECT_LT(vertical_extent(bvh, 1) * kMetresPerCmuUnit, 2.1);
}
