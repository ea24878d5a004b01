// ASF/AMC reader: Acclaim forward kinematics on a tiny closed-form skeleton (including the "axis"
// frame C that turns rx into a rotation about another world axis), .asf lookup rules, the real CMU
// trials, and bad inputs that must raise an Error naming file:line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
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

Tracks read_amc(const std::string& path, std::map<std::string, std::string> params = {}, double fps = 0) {
  ReadOptions o;
  o.params = std::move(params);
  o.fps = fps;
  return amc_format().read(path, o);
}

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

void expect_error_at(const std::string& amc, const std::string& file, int line, const std::string& fragment,
                     std::map<std::string, std::string> params = {}) {
  try {
    read_amc(amc, std::move(params));
    FAIL() << "no Error for " << amc;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(file + ":" + std::to_string(line) + ":"), std::string::npos) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
  }
}

// root -> a (along +x, length 2, dof rz) -> b (along +z, length 1, axis rotated 90 deg about Z, dof rx).
const char* kAsf =
    "# tiny skeleton\n"
    ":version 1.10\n"
    ":name tiny\n"
    ":units\n"
    "  mass 1.0\n"
    "  length 1.0\n"
    "  angle deg\n"
    ":documentation\n"
    "  free text here\n"
    ":root\n"
    "  order TX TY TZ RX RY RZ\n"
    "  axis XYZ\n"
    "  position 0 0 0\n"
    "  orientation 0 0 0\n"
    ":bonedata\n"
    "  begin\n"
    "    id 1\n"
    "    name a\n"
    "    direction 1 0 0\n"
    "    length 2\n"
    "    axis 0 0 0 XYZ\n"
    "    dof rz\n"
    "    limits (-180 180)\n"
    "  end\n"
    "  begin\n"
    "    id 2\n"
    "    name b\n"
    "    direction 0 0 1\n"
    "    length 1\n"
    "    axis 0 0 90 XYZ\n"
    "    dof rx\n"
    "    limits (-180 180)\n"
    "  end\n"
    ":hierarchy\n"
    "  begin\n"
    "    root a\n"
    "    a b\n"
    "  end\n";

// Frame 1: root moved, a rotated 90 about Z.  Frame 2: b's rx=90, which with C = Rz(90) is a
// rotation about world Y, taking its direction +z to +x.  Frame 3: root rotated 90 about Z.
const char* kAmc =
    "# tiny motion\n"
    ":FULLY-SPECIFIED\n"
    ":DEGREES\n"
    "1\n"
    "root 1 2 3 0 0 0\n"
    "a 90\n"
    "b 0\n"
    "2\n"
    "root 0 0 0 0 0 0\n"
    "a 0\n"
    "b 90\n"
    "3\n"
    "root 0 0 0 0 0 90\n"
    "a 0\n"
    "b 0\n";

void check_tiny(const PoseSequence& s) {
  ASSERT_EQ(s.frames, 3);
  ASSERT_EQ(s.joints(), 3);
  EXPECT_EQ(s.skeleton->joints, (std::vector<std::string>{"root", "a", "b"}));
  EXPECT_EQ(s.skeleton->parents, (std::vector<int>{-1, 0, 1}));
  expect_point(s, 0, "root", 1, 2, 3);
  expect_point(s, 0, "a", 1, 4, 3);
  expect_point(s, 0, "b", 1, 4, 4);
  expect_point(s, 1, "a", 2, 0, 0);
  expect_point(s, 1, "b", 3, 0, 0);  // ignoring the axis frame C would give (2,-1,0)
  expect_point(s, 2, "a", 0, 2, 0);
  expect_point(s, 2, "b", 0, 2, 1);
}

}  // namespace

TEST(AsfAmcFk, ClosedFormTinySkeleton) {
  const std::string dir = scratch_dir("amc_tiny");
  write_file(dir, "07.asf", kAsf);
  const std::string amc = write_file(dir, "07_03.amc", kAmc);
  Tracks t = read_amc(amc);
  ASSERT_EQ(t.size(), 1u);
  check_tiny(t[0]);
  EXPECT_DOUBLE_EQ(t[0].fps, 120.0);  // AMC has no rate: CMU's 120 fps by default
  EXPECT_EQ(t[0].units, "");
  EXPECT_EQ(t[0].name, "07_03");
  EXPECT_DOUBLE_EQ(read_amc(amc, {}, 60.0)[0].fps, 60.0);
  // scale multiplies every position.
  Tracks scaled = read_amc(amc, {{"scale", "2"}, {"units", "cm"}});
  expect_point(scaled[0], 1, "b", 6, 0, 0);
  EXPECT_EQ(scaled[0].units, "cm");
}

TEST(AsfAmcFk, RadiansAndCrlf) {
  const std::string dir = scratch_dir("amc_rad");
  std::string asf = kAsf, amc = kAmc;
  asf.replace(asf.find("angle deg"), 9, "angle rad");
  asf.replace(asf.find("axis 0 0 90 XYZ"), 15, "axis 0 0 1.5707963267948966 XYZ");
  amc.replace(amc.find(":DEGREES"), 8, ":RADIANS");
  for (const char* from : {"a 90\n", "b 90\n"}) {
    const size_t p = amc.find(from);
    amc.replace(p, 5, std::string(from).substr(0, 2) + "1.5707963267948966\n");
  }
  amc.replace(amc.find("0 0 0 0 0 90"), 12, "0 0 0 0 0 1.5707963267948966");
  auto crlf = [](const std::string& s) {
    std::string o;
    for (char c : s) o += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return o;
  };
  write_file(dir, "tiny.asf", crlf(asf));
  check_tiny(read_amc(write_file(dir, "tiny_01.amc", crlf(amc)))[0]);
}

TEST(AsfAmcFind, AsfLookupRules) {
  // Subject rule: 07_03.amc -> 07.asf, even with another .asf around.
  const std::string a = scratch_dir("amc_find_subject");
  write_file(a, "07.asf", kAsf);
  write_file(a, "other.asf", "garbage that would fail to parse\n");
  EXPECT_NO_THROW(read_amc(write_file(a, "07_03.amc", kAmc)));
  // Single .asf in the folder.
  const std::string b = scratch_dir("amc_find_single");
  write_file(b, "skeleton.asf", kAsf);
  EXPECT_NO_THROW(read_amc(write_file(b, "walk.amc", kAmc)));
  // Explicit param.
  const std::string c = scratch_dir("amc_find_param");
  const std::string asf = write_file(c, "x.asf", kAsf);
  write_file(c, "y.asf", kAsf);
  const std::string amc = write_file(c, "motion.amc", kAmc);
  EXPECT_NO_THROW(read_amc(amc, {{"asf", asf}}));
  // Ambiguous (two .asf, none matching) and missing: clear Error naming the amc and the param.
  try {
    read_amc(amc);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(amc), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("asf="), std::string::npos) << e.what();
  }
  const std::string d = scratch_dir("amc_find_none");
  EXPECT_THROW(read_amc(write_file(d, "01_01.amc", kAmc)), Error);
  EXPECT_THROW(read_amc(amc, {{"asf", c + "/absent.asf"}}), Error);
  EXPECT_THROW(read_amc(amc, {{"asf", asf}, {"bogus", "1"}}), Error);
}

TEST(AsfAmcErrors, BadInputsNameFileAndLine) {
  const std::string dir = scratch_dir("amc_bad");
  const std::string asf = write_file(dir, "07.asf", kAsf);
  std::string amc = kAmc;

  // Truncated: the last frame lost its 'b' line -> error at that frame's header (line 12).
  std::string trunc = amc.substr(0, amc.rfind("b 0\n"));
  expect_error_at(write_file(dir, "07_01.amc", trunc), dir + "/07_01.amc", 12, "no line for bone 'b'");
  // Wrong value count (line 5).
  std::string count = amc;
  count.replace(count.find("root 1 2 3 0 0 0"), 16, "root 1 2 3 0 0");
  expect_error_at(write_file(dir, "07_02.amc", count), dir + "/07_02.amc", 5, "has 5 values, expected 6");
  // Non-number (line 6).
  std::string nan = amc;
  nan.replace(nan.find("a 90"), 4, "a 9o");
  expect_error_at(write_file(dir, "07_03.amc", nan), dir + "/07_03.amc", 6, "'9o' is not a finite number");
  // Unknown bone (line 7).
  std::string bone = amc;
  bone.replace(bone.find("b 0\n"), 4, "c 0\n");
  expect_error_at(write_file(dir, "07_04.amc", bone), dir + "/07_04.amc", 7, "bone 'c' is not in");
  // Frames out of sequence (line 8).
  std::string seq = amc;
  seq.replace(seq.find("\n2\n"), 3, "\n5\n");
  expect_error_at(write_file(dir, "07_05.amc", seq), dir + "/07_05.amc", 8, "frame number 5 follows frame 1");

  // Garbled ASF: unknown bone entry (line 20), missing 'end', hierarchy naming an unknown bone.
  const std::string d2 = scratch_dir("amc_bad_asf");
  const std::string motion = write_file(d2, "07_01.amc", kAmc);
  std::string garbled = kAsf;
  garbled.replace(garbled.find("length 2\n"), 9, "lenght 2\n");
  write_file(d2, "07.asf", garbled);
  expect_error_at(motion, d2 + "/07.asf", 20, "unknown bone entry 'lenght'");
  std::string noend = kAsf;
  noend.erase(noend.find("  end\n  begin\n"), 6);
  write_file(d2, "07.asf", noend);
  expect_error_at(motion, d2 + "/07.asf", 24, "missing 'end'");
  std::string hier = kAsf;
  hier.replace(hier.find("a b\n"), 4, "a q\n");
  write_file(d2, "07.asf", hier);
  expect_error_at(motion, d2 + "/07.asf", 37, "unknown bone 'q'");
  std::string direction = kAsf;
  direction.replace(direction.find("direction 1 0 0"), 15, "direction 1 0");
  write_file(d2, "07.asf", direction);
  expect_error_at(motion, d2 + "/07.asf", 19, "direction needs 3 value(s)");
  (void)asf;
}

TEST(AsfAmcReal, Cmu0101And1101) {
  const std::pair<const char*, int> trials[] = {{"01_01.amc", 2751}, {"11_01.amc", 597}};
  for (const auto& [name, frames] : trials) {
    const std::string rel = std::string("cmu_mocap_samples/") + name;
    KINEPOSE_REQUIRE_DATA(rel);
    Tracks t = read_amc(data_path(rel));
    ASSERT_EQ(t.size(), 1u);
    const PoseSequence& s = t[0];
    EXPECT_EQ(s.frames, frames) << name;
    EXPECT_EQ(s.joints(), 31) << name;  // root + 30 bones
    EXPECT_EQ(s.skeleton->joints[0], "root");
    EXPECT_EQ(s.skeleton->symmetry.size(), 12u) << name;  // lhipjoint/rhipjoint ... lthumb/rthumb
    EXPECT_EQ(s.missing_fraction(), 0.0);
    // Plausible human: the vertical extent of the first (standing) frame, in metres
    // (CMU ":units length 0.45": 1 unit = 1/0.45 inch = 0.056444 m).
    float lo = 1e9f, hi = -1e9f;
    for (int j = 0; j < s.joints(); ++j) {
      lo = std::min(lo, s.at(0, j, 1));
      hi = std::max(hi, s.at(0, j, 1));
    }
    const double height_m = (hi - lo) * 0.0254 / 0.45;
    EXPECT_GT(height_m, 1.3) << name;
    EXPECT_LT(height_m, 2.1) << name;
  }
}

TEST(AsfAmcFormat, Registration) {
  Format f = amc_format();
  EXPECT_EQ(f.name, "amc");
  EXPECT_EQ(f.extensions, std::vector<std::string>{".amc"});
  EXPECT_FALSE(f.write);
  const std::string dir = scratch_dir("amc_sniff");
  EXPECT_TRUE(f.sniff(write_file(dir, "a.amc", kAmc)));
  EXPECT_FALSE(f.sniff(write_file(dir, "b.amc", "hello\n")));
  // Through the registry, with the .asf found by the subject rule.
  write_file(dir, "07.asf", kAsf);
  Tracks t = read_poses(write_file(dir, "07_01.amc", kAmc));
  EXPECT_EQ(t.at(0).frames, 3);
}
