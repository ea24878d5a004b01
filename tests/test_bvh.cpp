// BVH reader: forward kinematics with closed-form expectations on tiny inline files, line-ending
// tolerance, real files (CMU mixed endings, Bandai-Namco all-joints-translated), and bad inputs that
// must raise an Error naming file:line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <fstream>
#include <string>

#include "io/format_factories.h"
#include "kinepose/error.h"
#include "kinepose/io.h"
#include "test_helpers.h"

using namespace kinepose;
using kinepose::testing::data_path;
using kinepose::testing::scratch_dir;

namespace {

std::string write_file(const std::string& dir, const std::string& name, const std::string& content) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

Tracks read_bvh(const std::string& path, std::map<std::string, std::string> params = {}) {
  ReadOptions o;
  o.params = std::move(params);
  return bvh_format().read(path, o);
}

// Local lookup so these tests depend on nothing but the reader.
int jidx(const PoseSequence& s, const std::string& name) {
  const auto& v = s.skeleton->joints;
  const auto it = std::find(v.begin(), v.end(), name);
  return it == v.end() ? -1 : static_cast<int>(it - v.begin());
}

void expect_point(const PoseSequence& s, int t, const std::string& joint, double x, double y, double z) {
  const int j = jidx(s, joint);
  ASSERT_GE(j, 0) << joint;
  EXPECT_NEAR(s.at(t, j, 0), x, 1e-5) << joint << " frame " << t;
  EXPECT_NEAR(s.at(t, j, 1), y, 1e-5) << joint << " frame " << t;
  EXPECT_NEAR(s.at(t, j, 2), z, 1e-5) << joint << " frame " << t;
}

// Error message must name the file and line: "<path>:<line>: ...".
void expect_error_at(const std::string& path, int line, const std::string& fragment,
                     std::map<std::string, std::string> params = {}) {
  try {
    read_bvh(path, std::move(params));
    FAIL() << "no Error for " << path;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path + ":" + std::to_string(line) + ":"), std::string::npos) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
  }
}

const char* kChain =
    "HIERARCHY\n"
    "ROOT A\n"
    "{\n"
    "\tOFFSET 0 0 0\n"
    "\tCHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation\n"
    "\tJOINT B\n"
    "\t{\n"
    "\t\tOFFSET 1 0 0\n"
    "\t\tCHANNELS 3 Zrotation Yrotation Xrotation\n"
    "\t\tEnd Site\n"
    "\t\t{\n"
    "\t\t\tOFFSET 1 0 0\n"
    "\t\t}\n"
    "\t}\n"
    "}\n"
    "MOTION\n"
    "Frames: 2\n"
    "Frame Time: 0.04\n"
    "10 20 30 90 0 0 0 0 0\n"
    "10 20 30 0 0 0 90 0 0\n";

std::string with_endings(std::string s, const std::string& eol) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += eol;
    else out += c;
  }
  return out;
}

}  // namespace

TEST(BvhFk, TwoJointChainRotatedAboutZ) {
  const std::string dir = scratch_dir("bvh_chain");
  const std::string path = write_file(dir, "chain.bvh", kChain);
  Tracks t = read_bvh(path);
  ASSERT_EQ(t.size(), 1u);
  const PoseSequence& s = t[0];
  EXPECT_EQ(s.frames, 2);
  EXPECT_EQ(s.dims, 3);
  EXPECT_EQ(s.joints(), 2);  // End Site skipped by default
  EXPECT_DOUBLE_EQ(s.fps, 25.0);
  EXPECT_EQ(s.units, "");
  EXPECT_EQ(s.name, "chain");
  EXPECT_EQ(s.skeleton->parents, (std::vector<int>{-1, 0}));
  // Frame 0: root rotated 90 deg about Z carries B's offset (1,0,0) to (0,1,0).
  expect_point(s, 0, "A", 10, 20, 30);
  expect_point(s, 0, "B", 10, 21, 30);
  // Frame 1: only B rotates; B itself stays at root + offset.
  expect_point(s, 1, "B", 11, 20, 30);

  Tracks e = read_bvh(path, {{"end_sites", "1"}});
  ASSERT_EQ(e[0].joints(), 3);
  EXPECT_EQ(e[0].skeleton->joints[2], "B_end");
  EXPECT_EQ(e[0].skeleton->parents[2], 1);
  expect_point(e[0], 0, "B_end", 10, 22, 30);
  expect_point(e[0], 1, "B_end", 11, 21, 30);
}

TEST(BvhFk, ChannelOrderIsIntrinsicInListedOrder) {
  // Same angles (Z=90, X=90), child offset (0,1,0).
  // ZYX: R = Rz*Ry*Rx: Rx(90)(0,1,0) = (0,0,1), Rz keeps it -> (0,0,1).
  // XYZ: R = Rx*Ry*Rz: Rz(90)(0,1,0) = (-1,0,0), Rx keeps it -> (-1,0,0).
  auto file = [](const std::string& order) {
    return "HIERARCHY\nROOT R\n{\n OFFSET 0 0 0\n CHANNELS 3 " + order +
           "\n End Site\n {\n  OFFSET 0 1 0\n }\n}\nMOTION\nFrames: 1\nFrame Time: 0.01\n90 0 90\n";
  };
  const std::string dir = scratch_dir("bvh_order");
  Tracks zyx = read_bvh(write_file(dir, "zyx.bvh", file("Zrotation Yrotation Xrotation")), {{"end_sites", "1"}});
  Tracks xyz = read_bvh(write_file(dir, "xyz.bvh", file("Xrotation Yrotation Zrotation")), {{"end_sites", "1"}});
  expect_point(zyx[0], 0, "R_end", 0, 0, 1);
  expect_point(xyz[0], 0, "R_end", -1, 0, 0);
}

TEST(BvhFk, PositionChannelsReplaceOffsetUnlessAdd) {
  const std::string text =
      "HIERARCHY\nROOT R\n{\n OFFSET 0 0 0\n CHANNELS 0\n JOINT C\n {\n  OFFSET 1 2 3\n  CHANNELS 1 Yposition\n"
      "  End Site\n  {\n   OFFSET 0 0 0\n  }\n }\n}\nMOTION\nFrames: 1\nFrame Time: 0.5\n5\n";
  const std::string path = write_file(scratch_dir("bvh_pos"), "pos.bvh", text);
  expect_point(read_bvh(path)[0], 0, "C", 1, 5, 3);
  expect_point(read_bvh(path, {{"position_channels", "add"}})[0], 0, "C", 1, 7, 3);
  // scale multiplies positions; units is whatever the caller says.
  Tracks scaled = read_bvh(path, {{"scale", "0.01"}, {"units", "m"}});
  expect_point(scaled[0], 0, "C", 0.01, 0.05, 0.03);
  EXPECT_EQ(scaled[0].units, "m");
  EXPECT_THROW(read_bvh(path, {{"scal", "2"}}), Error);
  EXPECT_THROW(read_bvh(path, {{"position_channels", "sum"}}), Error);
}

TEST(BvhParse, LineEndingsDoNotMatter) {
  const std::string dir = scratch_dir("bvh_eol");
  Tracks lf = read_bvh(write_file(dir, "lf.bvh", kChain));
  Tracks crlf = read_bvh(write_file(dir, "crlf.bvh", with_endings(kChain, "\r\n")));
  Tracks cr = read_bvh(write_file(dir, "cr.bvh", with_endings(kChain, "\r")));
  // Mixed: CRLF for the first half, LF after.
  std::string mixed = kChain;
  const std::string half = with_endings(mixed.substr(0, mixed.size() / 2), "\r\n");
  mixed = half + mixed.substr(mixed.size() / 2);
  Tracks mx = read_bvh(write_file(dir, "mixed.bvh", mixed));
  EXPECT_EQ(lf[0].keypoints, crlf[0].keypoints);
  EXPECT_EQ(lf[0].keypoints, cr[0].keypoints);
  EXPECT_EQ(lf[0].keypoints, mx[0].keypoints);
  EXPECT_EQ(lf[0].skeleton->joints, crlf[0].skeleton->joints);
}

TEST(BvhParse, SymmetryFromNames) {
  const std::string text =
      "HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Xposition Yposition Zposition\n"
      " JOINT LeftUpLeg\n {\n  OFFSET 1 0 0\n  CHANNELS 0\n }\n"
      " JOINT RightUpLeg\n {\n  OFFSET -1 0 0\n  CHANNELS 0\n }\n"
      " JOINT LThumb\n {\n  OFFSET 1 1 0\n  CHANNELS 0\n }\n"
      " JOINT RThumb\n {\n  OFFSET -1 1 0\n  CHANNELS 0\n }\n"
      " JOINT Hand_L\n {\n  OFFSET 2 1 0\n  CHANNELS 0\n }\n"
      " JOINT Hand_R\n {\n  OFFSET -2 1 0\n  CHANNELS 0\n }\n"
      " JOINT LowerBack\n {\n  OFFSET 0 1 0\n  CHANNELS 0\n }\n"
      "}\nMOTION\nFrames: 1\nFrame Time: 0.01\n0 0 0\n";
  Tracks t = read_bvh(write_file(scratch_dir("bvh_sym"), "sym.bvh", text));
  const auto& sym = t[0].skeleton->symmetry;
  EXPECT_EQ(sym, (std::vector<std::pair<int, int>>{{1, 2}, {3, 4}, {5, 6}}));
}

TEST(BvhErrors, BadInputsNameFileAndLine) {
  const std::string dir = scratch_dir("bvh_bad");
  // Line numbers below refer to kChain's lines (1-based).
  std::string s = kChain;

  // Truncated motion: Frames: 2 but one frame line.
  std::string truncated = s.substr(0, s.rfind("10 20 30 0"));
  expect_error_at(write_file(dir, "trunc.bvh", truncated), 19, "truncated motion");

  // Wrong number of values on frame 1 (line 20).
  std::string wrong = s;
  wrong.replace(wrong.rfind("90 0 0\n"), 7, "90 0\n");
  expect_error_at(write_file(dir, "count.bvh", wrong), 20, "frame 1 has 8 values, expected 9");

  // Non-number.
  std::string nan = s;
  nan.replace(nan.rfind("90 0 0\n"), 7, "90 x 0\n");
  expect_error_at(write_file(dir, "nan.bvh", nan), 20, "'x' is not a finite number");

  // Missing closing brace: drop the last '}' of the hierarchy (line 15).
  std::string brace = s;
  brace.erase(brace.find("}\nMOTION"), 2);
  expect_error_at(write_file(dir, "brace.bvh", brace), 15, "missing '}' closing joint A");

  // Missing opening brace after JOINT B (line 7).
  std::string open = s;
  open.replace(open.find("\t{\n\t\tOFFSET 1"), 3, "\t\n");
  expect_error_at(write_file(dir, "open.bvh", open), 8, "expected '{' after joint B");

  // Unknown keyword (line 8).
  std::string kw = s;
  kw.replace(kw.find("OFFSET 1 0 0"), 6, "OFFSTE");
  expect_error_at(write_file(dir, "kw.bvh", kw), 8, "unknown keyword 'OFFSTE'");

  // Channel count mismatch (line 9 declares 4, lists 3; the next token is on line 10).
  std::string ch = s;
  ch.replace(ch.find("CHANNELS 3 Zrotation"), 10, "CHANNELS 4");
  expect_error_at(write_file(dir, "chan.bvh", ch), 10, "channel count mismatch");
  std::string ch2 = s;
  ch2.replace(ch2.find("CHANNELS 3 Zrotation"), 10, "CHANNELS 2");
  expect_error_at(write_file(dir, "chan2.bvh", ch2), 9, "channel count mismatch");

  // Frames: 0 and absurd counts (line 17).
  std::string zero = s;
  zero.replace(zero.find("Frames: 2"), 9, "Frames: 0");
  expect_error_at(write_file(dir, "zero.bvh", zero), 17, "Frames: 0");
  std::string huge = s;
  huge.replace(huge.find("Frames: 2"), 9, "Frames: 99999999999");
  expect_error_at(write_file(dir, "huge.bvh", huge), 17, "absurd frame count");

  // No MOTION at all / not a BVH.
  std::string nomotion = s.substr(0, s.find("MOTION"));
  expect_error_at(write_file(dir, "nomotion.bvh", nomotion), 15, "no MOTION");
  expect_error_at(write_file(dir, "garbage.bvh", "hello world\n"), 1, "HIERARCHY");

  // Missing file.
  EXPECT_THROW(read_bvh(dir + "/absent.bvh"), Error);
}

TEST(BvhReal, Cmu131MixedLineEndings) {
  const std::pair<const char*, int> files[] = {{"131_01.bvh", 994}, {"131_02.bvh", 1247}, {"131_03.bvh", 1102}};
  for (const auto& [name, frames] : files) {
    const std::string rel = std::string("cmu_mocap_samples/") + name;
    KINEPOSE_REQUIRE_DATA(rel);
    Tracks t = read_bvh(data_path(rel));
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].frames, frames) << name;
    EXPECT_EQ(t[0].joints(), 31) << name;
    EXPECT_DOUBLE_EQ(t[0].fps, 120.0) << name;  // Frame Time .0083333, snapped
    EXPECT_EQ(t[0].skeleton->joints[0], "Hips");
    EXPECT_GE(jidx(t[0], "LeftKnee"), 0);
    EXPECT_EQ(t[0].missing_fraction(), 0.0);
    EXPECT_GE(t[0].skeleton->symmetry.size(), 10u);
  }
}

TEST(BvhReal, Cmu0101) {
  KINEPOSE_REQUIRE_DATA("cmu_mocap_samples/01_01.bvh");
  Tracks t = read_bvh(data_path("cmu_mocap_samples/01_01.bvh"));
  EXPECT_EQ(t[0].frames, 2752);
  EXPECT_EQ(t[0].joints(), 31);
  Tracks e = read_bvh(data_path("cmu_mocap_samples/01_01.bvh"), {{"end_sites", "1"}});
  EXPECT_EQ(e[0].joints(), 38);
}

TEST(BvhReal, BandaiNamcoEveryJointTranslated) {
  const std::string rel = "bandai_namco_motion1/samples/dataset-1_walk_normal_001.bvh";
  KINEPOSE_REQUIRE_DATA(rel);
  Tracks t = read_bvh(data_path(rel));
  const PoseSequence& s = t[0];
  EXPECT_EQ(s.joints(), 22);
  EXPECT_DOUBLE_EQ(s.fps, 30.0);
  EXPECT_EQ(s.skeleton->symmetry.size(), 8u);  // Shoulder_L/_R ... Toes_L/_R
  // Every joint has position channels repeating its OFFSET: with them replacing the offset the hips
  // stand at a human 70-110 cm (adding them would put the hips near 180 cm) and bones keep their length.
  const int hips = jidx(s, "Hips"), knee = jidx(s, "LowerLeg_L"), thigh = jidx(s, "UpperLeg_L");
  ASSERT_GE(hips, 0);
  ASSERT_GE(knee, 0);
  ASSERT_GE(thigh, 0);
  double hips_y = 0;
  for (int f = 0; f < s.frames; ++f) hips_y += s.at(f, hips, 1);
  hips_y /= s.frames;
  EXPECT_GT(hips_y, 70.0);
  EXPECT_LT(hips_y, 110.0);
  auto bone = [&](int f) {
    double d = 0;
    for (int k = 0; k < 3; ++k) d += std::pow(s.at(f, knee, k) - s.at(f, thigh, k), 2);
    return std::sqrt(d);
  };
  for (int f = 1; f < s.frames; ++f) EXPECT_NEAR(bone(f), bone(0), 1e-3);
  EXPECT_GT(bone(0), 30.0);  // a thigh, in cm
  EXPECT_LT(bone(0), 60.0);
}

TEST(BvhFormat, Registration) {
  Format f = bvh_format();
  EXPECT_EQ(f.name, "bvh");
  EXPECT_EQ(f.extensions, std::vector<std::string>{".bvh"});
  EXPECT_FALSE(f.write);  // positions -> rotations needs IK
  const std::string dir = scratch_dir("bvh_sniff");
  EXPECT_TRUE(f.sniff(write_file(dir, "a.bvh", kChain)));
  EXPECT_FALSE(f.sniff(write_file(dir, "b.bvh", "{\"not\": 1}")));
  // Through the registry: the extension picks this format.
  Tracks t = read_poses(dir + "/a.bvh");
  EXPECT_EQ(t.at(0).frames, 2);
}
