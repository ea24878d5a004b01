// Skeleton registry, flip permutations, validation and by-name joint mappings.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kinepose/error.h"
#include "kinepose/skeleton.h"
#include "test_helpers.h"

namespace kinepose {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

using kinepose::testing::error_of;

TEST(SkeletonRegistry, EveryRegisteredSkeletonValidates) {
  const auto names = skeleton_names();
  ASSERT_FALSE(names.empty());
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    auto s = get_skeleton(name);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->name, name);
    EXPECT_FALSE(s->description.empty());
    EXPECT_NO_THROW(s->validate());
    EXPECT_EQ(s->parents.size(), s->joints.size());
  }
}

TEST(SkeletonRegistry, JointCounts) {
  const std::map<std::string, int> expected = {
      {"coco17", 17}, {"h36m17", 17}, {"mpii16", 16}, {"jhmdb15", 15},  {"penn13", 13},
      {"lsp14", 14},  {"pw3d14", 14}, {"body25", 25}, {"halpe26", 26},  {"smpl24", 24},
      {"posetrack17", 17}};
  for (const auto& [name, count] : expected) {
    SCOPED_TRACE(name);
    EXPECT_EQ(get_skeleton(name)->num_joints(), count);
  }
  EXPECT_EQ(skeleton_names().size(), expected.size());
}

TEST(SkeletonRegistry, AliasesAreCaseInsensitiveAndShared) {
  EXPECT_EQ(get_skeleton("coco"), get_skeleton("coco17"));
  EXPECT_EQ(get_skeleton("COCO17"), get_skeleton("coco17"));
  EXPECT_EQ(get_skeleton("H36M"), get_skeleton("h36m17"));
  EXPECT_EQ(get_skeleton("mpii"), get_skeleton("mpii16"));
  EXPECT_EQ(get_skeleton("Sub-JHMDB"), get_skeleton("jhmdb15"));
  EXPECT_EQ(get_skeleton("penn"), get_skeleton("penn13"));
  EXPECT_EQ(get_skeleton("lsp"), get_skeleton("lsp14"));
  EXPECT_EQ(get_skeleton("3dpw14"), get_skeleton("pw3d14"));
  EXPECT_EQ(get_skeleton("OpenPose"), get_skeleton("body25"));
  EXPECT_EQ(get_skeleton("openpose_body25"), get_skeleton("body25"));
  EXPECT_EQ(get_skeleton("halpe"), get_skeleton("halpe26"));
  EXPECT_EQ(get_skeleton("smpl"), get_skeleton("smpl24"));
  EXPECT_TRUE(has_skeleton("PoseTrack17"));
  EXPECT_FALSE(has_skeleton("foo"));
}

TEST(SkeletonRegistry, UnknownSkeletonListsKnownNames) {
  const std::string msg = error_of([] { get_skeleton("foo"); });
  EXPECT_TRUE(contains(msg, "unknown skeleton 'foo'")) << msg;
  EXPECT_TRUE(contains(msg, "coco17")) << msg;
  EXPECT_TRUE(contains(msg, "h36m17")) << msg;
  EXPECT_TRUE(contains(msg, "smpl24")) << msg;
}

TEST(SkeletonRegistry, PublishedOrders) {
  // Spot checks against the published tables (docs/skeletons.md lists the sources).
  auto coco = get_skeleton("coco17");
  EXPECT_EQ(coco->joints[0], "nose");
  EXPECT_EQ(coco->joints[5], "left_shoulder");
  EXPECT_EQ(coco->joints[16], "right_ankle");
  auto h36m = get_skeleton("h36m17");
  EXPECT_EQ(h36m->joints[1], "right_hip");
  EXPECT_EQ(h36m->joints[4], "left_hip");
  EXPECT_EQ(h36m->joints[9], "neck_base");
  EXPECT_EQ(h36m->joints[10], "head");
  EXPECT_EQ(h36m->joints[14], "right_shoulder");
  auto mpii = get_skeleton("mpii16");
  EXPECT_EQ(mpii->joints[6], "pelvis");
  EXPECT_EQ(mpii->joints[9], "head_top");
  EXPECT_EQ(mpii->joints[10], "right_wrist");
  auto body25 = get_skeleton("body25");
  EXPECT_EQ(body25->joints[1], "neck");
  EXPECT_EQ(body25->joints[8], "mid_hip");
  EXPECT_EQ(body25->joints[19], "left_big_toe");
  EXPECT_EQ(body25->joints[24], "right_heel");
  auto halpe = get_skeleton("halpe26");
  EXPECT_EQ(halpe->joints[17], "head_top");
  EXPECT_EQ(halpe->joints[19], "mid_hip");
  EXPECT_EQ(halpe->joints[25], "right_heel");
  auto smpl = get_skeleton("smpl24");
  const std::vector<int> smpl_parents = {-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
                                         9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21};
  EXPECT_EQ(smpl->parents, smpl_parents);
  auto pt = get_skeleton("posetrack17");
  EXPECT_EQ(pt->joints[1], "head_bottom");
  EXPECT_EQ(pt->joints[2], "head_top");
  auto pw3d = get_skeleton("pw3d14");
  EXPECT_EQ(pw3d->joints[12], "thorax");
  EXPECT_EQ(pw3d->joints[13], "head");
}

TEST(SkeletonFlip, PermutationsAreInvolutionsMappingLeftToRight) {
  for (const auto& name : skeleton_names()) {
    SCOPED_TRACE(name);
    auto s = get_skeleton(name);
    const auto flip = s->flip_permutation();
    ASSERT_EQ(static_cast<int>(flip.size()), s->num_joints());
    int swapped = 0;
    for (int j = 0; j < s->num_joints(); ++j) {
      ASSERT_GE(flip[j], 0);
      ASSERT_LT(flip[j], s->num_joints());
      EXPECT_EQ(flip[flip[j]], j);
      const std::string& n = s->joints[j];
      const auto at = n.find("left");
      if (at != std::string::npos) {
        EXPECT_EQ(s->joints[flip[j]], n.substr(0, at) + "right" + n.substr(at + 4));
        ++swapped;
      } else if (n.find("right") == std::string::npos) {
        EXPECT_EQ(flip[j], j) << "central joint " << n << " must map to itself";
      }
    }
    EXPECT_GT(swapped, 0);
    EXPECT_EQ(static_cast<size_t>(swapped), s->symmetry.size());
  }
}

TEST(SkeletonIndex, IndexOfAndFind) {
  auto coco = get_skeleton("coco17");
  EXPECT_EQ(coco->index_of("left_hip"), 11);
  EXPECT_EQ(coco->find("LEFT_HIP"), 11);
  EXPECT_EQ(coco->find("pelvis"), -1);
  const std::string msg = error_of([&] { coco->index_of("foo"); });
  EXPECT_EQ(msg, "skeleton coco17: no joint named 'foo'");
}

Skeleton chain(int n) {
  Skeleton s;
  s.name = "custom";
  for (int i = 0; i < n; ++i) {
    s.joints.push_back("j" + std::to_string(i));
    s.parents.push_back(i - 1);
  }
  return s;
}

TEST(SkeletonValidate, RejectsInconsistentSkeletons) {
  Skeleton ok = chain(4);
  EXPECT_NO_THROW(ok.validate());

  Skeleton sizes = chain(4);
  sizes.parents.pop_back();
  EXPECT_TRUE(contains(error_of([&] { sizes.validate(); }), "parent entries"));

  Skeleton range = chain(4);
  range.parents[2] = 7;
  EXPECT_TRUE(contains(error_of([&] { range.validate(); }), "outside"));

  Skeleton cycle = chain(4);
  cycle.parents[1] = 3;  // 1 -> 3 -> 2 -> 1
  EXPECT_TRUE(contains(error_of([&] { cycle.validate(); }), "cycle"));

  Skeleton no_root = chain(3);
  no_root.parents = {2, 0, 1};
  EXPECT_TRUE(contains(error_of([&] { no_root.validate(); }), "root"));

  Skeleton self = chain(3);
  self.parents[2] = 2;
  EXPECT_TRUE(contains(error_of([&] { self.validate(); }), "cycle"));

  Skeleton sym_range = chain(4);
  sym_range.symmetry = {{1, 9}};
  EXPECT_TRUE(contains(error_of([&] { sym_range.validate(); }), "symmetry"));

  Skeleton sym_same = chain(4);
  sym_same.symmetry = {{2, 2}};
  EXPECT_TRUE(contains(error_of([&] { sym_same.validate(); }), "itself"));

  Skeleton sym_twice = chain(4);
  sym_twice.symmetry = {{1, 2}, {2, 3}};
  EXPECT_TRUE(contains(error_of([&] { sym_twice.validate(); }), "symmetry pairs"));

  Skeleton dup = chain(3);
  dup.joints[2] = "j0";
  EXPECT_TRUE(contains(error_of([&] { dup.validate(); }), "twice"));

  Skeleton empty;
  EXPECT_TRUE(contains(error_of([&] { empty.validate(); }), "no joints"));
}

TEST(SkeletonMapping, SameSkeletonIsIdentity) {
  for (const auto& name : skeleton_names()) {
    SCOPED_TRACE(name);
    auto s = get_skeleton(name);
    auto m = make_mapping(s, s);
    ASSERT_EQ(static_cast<int>(m.sources.size()), s->num_joints());
    for (int j = 0; j < s->num_joints(); ++j) EXPECT_EQ(m.sources[j], std::vector<int>{j});
    EXPECT_TRUE(m.missing().empty());
  }
}

TEST(SkeletonMapping, Body25ToCocoIsComplete) {
  auto from = get_skeleton("body25");
  auto to = get_skeleton("coco17");
  auto m = make_mapping(from, to);
  ASSERT_EQ(m.sources.size(), 17u);
  EXPECT_TRUE(m.missing().empty());
  EXPECT_EQ(m.sources[to->index_of("nose")], std::vector<int>{0});
  EXPECT_EQ(m.sources[to->index_of("left_eye")], std::vector<int>{16});
  EXPECT_EQ(m.sources[to->index_of("right_ear")], std::vector<int>{17});
  EXPECT_EQ(m.sources[to->index_of("left_shoulder")], std::vector<int>{5});
  EXPECT_EQ(m.sources[to->index_of("right_wrist")], std::vector<int>{4});
  EXPECT_EQ(m.sources[to->index_of("left_hip")], std::vector<int>{12});
  EXPECT_EQ(m.sources[to->index_of("right_ankle")], std::vector<int>{11});
  for (size_t t = 0; t < m.sources.size(); ++t)
    EXPECT_EQ(from->joints[m.sources[t][0]], to->joints[t]);
}

TEST(SkeletonMapping, HalpeToCocoIsTheFirst17) {
  auto m = make_mapping(get_skeleton("halpe26"), get_skeleton("coco17"));
  for (int t = 0; t < 17; ++t) EXPECT_EQ(m.sources[t], std::vector<int>{t});
}

TEST(SkeletonMapping, CocoToBody25DerivesNeckAndMidHip) {
  auto from = get_skeleton("coco17");
  auto to = get_skeleton("body25");
  const std::string msg = error_of([&] { make_mapping(from, to); });
  EXPECT_TRUE(contains(msg, "coco17 -> body25")) << msg;
  EXPECT_TRUE(contains(msg, "left_big_toe")) << msg;
  EXPECT_TRUE(contains(msg, "--allow-missing")) << msg;
  EXPECT_FALSE(contains(msg, "mid_hip")) << msg;

  auto m = make_mapping(from, to, /*allow_missing=*/true);
  const std::vector<int> shoulders = {from->index_of("left_shoulder"), from->index_of("right_shoulder")};
  const std::vector<int> hips = {from->index_of("left_hip"), from->index_of("right_hip")};
  EXPECT_EQ(m.sources[to->index_of("neck")], shoulders);
  EXPECT_EQ(m.sources[to->index_of("mid_hip")], hips);
  const std::vector<std::string> missing = {"left_big_toe", "left_small_toe", "left_heel",
                                            "right_big_toe", "right_small_toe", "right_heel"};
  EXPECT_EQ(m.missing(), missing);
}

TEST(SkeletonMapping, MpiiToH36mNeedsAllowMissing) {
  auto from = get_skeleton("mpii16");
  auto to = get_skeleton("h36m17");
  const std::string msg = error_of([&] { make_mapping(from, to); });
  EXPECT_TRUE(contains(msg, "mpii16 -> h36m17")) << msg;
  EXPECT_TRUE(contains(msg, "spine")) << msg;
  EXPECT_TRUE(contains(msg, "neck_base")) << msg;
  EXPECT_TRUE(contains(msg, "head")) << msg;
  EXPECT_TRUE(contains(msg, "--allow-missing")) << msg;

  auto m = make_mapping(from, to, true);
  const std::vector<std::string> missing = {"spine", "neck_base", "head"};
  EXPECT_EQ(m.missing(), missing);
  EXPECT_TRUE(m.sources[to->index_of("spine")].empty());
  EXPECT_TRUE(m.sources[to->index_of("neck_base")].empty());
  EXPECT_TRUE(m.sources[to->index_of("head")].empty());
  EXPECT_EQ(m.sources[to->index_of("pelvis")], std::vector<int>{6});
  EXPECT_EQ(m.sources[to->index_of("thorax")], std::vector<int>{7});
  EXPECT_EQ(m.sources[to->index_of("right_ankle")], std::vector<int>{0});
  EXPECT_EQ(m.sources[to->index_of("left_wrist")], std::vector<int>{15});
}

TEST(SkeletonMapping, H36mToMpiiLacksUpperNeckAndHeadTop) {
  auto m = make_mapping(get_skeleton("h36m17"), get_skeleton("mpii16"), true);
  const std::vector<std::string> missing = {"upper_neck", "head_top"};
  EXPECT_EQ(m.missing(), missing);
}

TEST(SkeletonMapping, LspAndMpii) {
  auto lsp = get_skeleton("lsp14");
  auto mpii = get_skeleton("mpii16");
  auto to_lsp = make_mapping(mpii, lsp);  // complete: LSP's neck is MPII's upper neck
  EXPECT_TRUE(to_lsp.missing().empty());
  EXPECT_EQ(to_lsp.sources[lsp->index_of("upper_neck")], std::vector<int>{8});
  EXPECT_EQ(to_lsp.sources[lsp->index_of("head_top")], std::vector<int>{9});

  EXPECT_THROW(make_mapping(lsp, mpii), Error);
  auto to_mpii = make_mapping(lsp, mpii, true);
  EXPECT_EQ(to_mpii.missing(), std::vector<std::string>{"thorax"});
  const std::vector<int> hips = {lsp->index_of("left_hip"), lsp->index_of("right_hip")};
  EXPECT_EQ(to_mpii.sources[mpii->index_of("pelvis")], hips);
}

TEST(SkeletonMapping, NeverEquatesDifferentHeadDefinitions) {
  // head (H36M) vs head_top (MPII/LSP/Halpe) vs penn_head vs face (JHMDB) stay distinct.
  auto m = make_mapping(get_skeleton("halpe26"), get_skeleton("h36m17"), true);
  auto h36m = get_skeleton("h36m17");
  EXPECT_TRUE(m.sources[h36m->index_of("head")].empty());
  EXPECT_TRUE(m.sources[h36m->index_of("neck_base")].empty());
  auto p = make_mapping(get_skeleton("penn13"), get_skeleton("coco17"), true);
  EXPECT_TRUE(p.sources[0].empty());  // coco nose has no penn counterpart
}

TEST(SkeletonMapping, RefusesWhenLessThanHalfMatchesEvenWithAllowMissing) {
  // penn13 shares only knees, ankles, shoulders, elbows and wrists (10 of 24) with smpl24.
  const std::string msg =
      error_of([] { make_mapping(get_skeleton("penn13"), get_skeleton("smpl24"), true); });
  EXPECT_TRUE(contains(msg, "penn13 -> smpl24")) << msg;
  EXPECT_TRUE(contains(msg, "10 of 24")) << msg;

  auto custom = std::make_shared<Skeleton>();
  custom->joints = {"nose", "tail", "wing", "beak"};
  custom->parents = {-1, 0, 0, 0};
  const std::string msg2 =
      error_of([&] { make_mapping(get_skeleton("coco17"), custom, true); });
  EXPECT_TRUE(contains(msg2, "fewer than half")) << msg2;
  // Exactly half is accepted.
  custom->joints = {"nose", "left_eye", "wing", "beak"};
  auto m = make_mapping(get_skeleton("coco17"), custom, true);
  EXPECT_EQ(m.missing(), (std::vector<std::string>{"wing", "beak"}));
}

TEST(SkeletonMapping, NullSkeletonThrows) {
  EXPECT_THROW(make_mapping(nullptr, get_skeleton("coco17")), Error);
  EXPECT_THROW(make_mapping(get_skeleton("coco17"), nullptr), Error);
}

}  // namespace
}  // namespace kinepose
