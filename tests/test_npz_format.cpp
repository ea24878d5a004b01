// kinepose's own .npz pose format: lossless round trips (bitwise, NaN included), multi-track
// padding, files from numpy, and a table of bad inputs with clear errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "io/format_factories.h"
#include "kinepose/error.h"
#include "kinepose/fileutil.h"
#include "kinepose/npy.h"
#include "kinepose/pose.h"
#include "test_helpers.h"

using namespace kinepose;
namespace kt = kinepose::testing;
namespace fs = std::filesystem;

namespace {

bool have_numpy() {
  static const bool ok = fs::exists("/usr/bin/python3") &&
                         std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
  return ok;
}

int run_python(const std::string& code) {
  return std::system(("/usr/bin/python3 -c " + kt::shell_quote(code) + " >/dev/null 2>&1").c_str());
}

PoseSequence sample(const std::string& skel, int frames, int dims, float seed) {
  PoseSequence s(get_skeleton(skel), frames, dims);
  for (size_t i = 0; i < s.keypoints.size(); ++i) s.keypoints[i] = seed + 0.1f * static_cast<float>(i) + 1e-3f / (1 + i);
  s.keypoints[3] = std::numeric_limits<float>::quiet_NaN();
  s.scores.resize(static_cast<size_t>(frames) * s.joints());
  for (size_t i = 0; i < s.scores.size(); ++i) s.scores[i] = static_cast<float>(i % 10) / 9.0f;
  s.fps = 29.97;
  s.image_size = std::array<int, 2>{1920, 1080};
  s.units = "px";
  s.name = "clip01";
  return s;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

void expect_same(const PoseSequence& a, const PoseSequence& b) {
  EXPECT_EQ(a.skeleton->name, b.skeleton->name);
  EXPECT_EQ(a.frames, b.frames);
  EXPECT_EQ(a.dims, b.dims);
  EXPECT_TRUE(same_bits(a.keypoints, b.keypoints));
  EXPECT_TRUE(same_bits(a.scores, b.scores));
  EXPECT_EQ(a.fps, b.fps);
  EXPECT_EQ(a.image_size, b.image_size);
  EXPECT_EQ(a.units, b.units);
  EXPECT_EQ(a.track_id, b.track_id);
  EXPECT_EQ(a.name, b.name);
  ASSERT_EQ(a.boxes.size(), b.boxes.size());
  for (size_t t = 0; t < a.boxes.size(); ++t)
    EXPECT_EQ(std::memcmp(&a.boxes[t], &b.boxes[t], sizeof(BoundingBox)), 0) << "box " << t;
}

using kinepose::testing::error_of;

}  // namespace

TEST(NpzFormat, SingleTrackRoundTripIsBitwiseExact) {
  const std::string dir = kt::scratch_dir("npz_single");
  const Format f = npz_format();
  PoseSequence s = sample("coco17", 6, 2, 100.0f);
  for (int t = 0; t < 6; ++t) s.boxes.push_back({1.0f * t, 2.0f, 30.5f, 40.25f, t == 2 ? NAN : 0.9f});
  for (bool compress : {true, false}) {
    const std::string a = dir + (compress ? "/a.npz" : "/a_stored.npz");
    const std::string b = dir + (compress ? "/b.npz" : "/b_stored.npz");
    WriteOptions wo;
    wo.compress = compress;
    f.write(a, {s}, wo);
    Tracks first = f.read(a, {});
    ASSERT_EQ(first.size(), 1u);
    expect_same(first[0], s);
    EXPECT_FALSE(first[0].track_id.has_value());
    f.write(b, first, wo);
    Tracks second = f.read(b, {});
    ASSERT_EQ(second.size(), 1u);
    expect_same(second[0], first[0]);
    EXPECT_TRUE(f.sniff(a));
  }
  NpzMembers m = read_npz(dir + "/a.npz");
  EXPECT_EQ(m.at("keypoints").shape, (std::vector<int64_t>{6, 17, 2}));
  EXPECT_EQ(m.at("keypoints").dtype, "<f4");
  EXPECT_EQ(m.at("skeleton").to_string(), "coco17");
  EXPECT_EQ(m.at("fps").dtype, "<f8");
  EXPECT_TRUE(m.at("fps").shape.empty());
  EXPECT_EQ(m.at("image_size").to_int64(), (std::vector<int64_t>{1920, 1080}));
  EXPECT_EQ(m.at("boxes").shape, (std::vector<int64_t>{6, 5}));
  EXPECT_EQ(m.count("track_ids"), 0u);
}

TEST(NpzFormat, MultiTrackPadsShorterTracksAndKeepsIds) {
  const std::string dir = kt::scratch_dir("npz_multi");
  const Format f = npz_format();
  PoseSequence a = sample("h36m17", 4, 3, 1.0f), b = sample("h36m17", 6, 3, -50.0f);
  a.track_id = 3;
  b.track_id = 7;
  b.scores.clear();  // one track with, one without scores
  b.name = "other";
  f.write(dir + "/m.npz", {a, b}, {});
  NpzMembers m = read_npz(dir + "/m.npz");
  EXPECT_EQ(m.at("keypoints").shape, (std::vector<int64_t>{2, 6, 17, 3}));
  EXPECT_EQ(m.at("track_ids").to_int64(), (std::vector<int64_t>{3, 7}));
  EXPECT_EQ(m.at("name").to_strings(), (std::vector<std::string>{"clip01", "other"}));
  Tracks r = f.read(dir + "/m.npz", {});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].frames, 6);  // frames are aligned: the shorter track is padded
  EXPECT_EQ(r[0].track_id, 3);
  EXPECT_EQ(r[1].track_id, 7);
  EXPECT_TRUE(r[0].missing(5, 0));
  EXPECT_FALSE(r[1].has_scores());
  EXPECT_TRUE(same_bits(std::vector<float>(r[1].keypoints), b.keypoints));
  EXPECT_TRUE(same_bits(std::vector<float>(r[0].keypoints.begin(), r[0].keypoints.begin() + a.keypoints.size()), a.keypoints));
  f.write(dir + "/m2.npz", r, {});
  Tracks r2 = f.read(dir + "/m2.npz", {});
  ASSERT_EQ(r2.size(), 2u);
  expect_same(r2[0], r[0]);
  expect_same(r2[1], r[1]);

  // One track with an id keeps the (P, T, J, D) layout so that the id survives.
  f.write(dir + "/one.npz", {a}, {});
  EXPECT_EQ(read_npz(dir + "/one.npz", {"keypoints"}).at("keypoints").shape.size(), 4u);
  EXPECT_EQ(f.read(dir + "/one.npz", {}).at(0).track_id, 3);
}

TEST(NpzFormat, WriterRejectsIncompatibleTracks) {
  const std::string dir = kt::scratch_dir("npz_write_bad");
  const Format f = npz_format();
  PoseSequence a = sample("coco17", 3, 2, 0), b = sample("mpii16", 3, 2, 0), c = sample("coco17", 3, 3, 0);
  EXPECT_NE(error_of([&] { f.write(dir + "/x.npz", {a, b}, {}); }).find("skeleton"), std::string::npos);
  EXPECT_NE(error_of([&] { f.write(dir + "/x.npz", {a, c}, {}); }).find("2D and 3D"), std::string::npos);
  EXPECT_NE(error_of([&] { f.write(dir + "/x.npz", {}, {}); }).find("nothing to write"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(NpzFormat, ReadsNumpyWrittenFileAndSkeletonOverride) {
  if (!have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  const std::string dir = kt::scratch_dir("npz_numpy");
  const std::string path = dir + "/np.npz";
  ASSERT_EQ(run_python("import numpy as np\n"
                       "kp = np.arange(5*16*2, dtype=np.int16).reshape(5,16,2)\n"
                       "np.savez_compressed('" + path + "', keypoints=kp, skeleton=np.array('mpii16'),"
                       " fps=np.float64(50), image_size=np.array([1000, 1002], dtype=np.int32), units=np.array('px'))\n"
                       "np.savez('" + dir + "/noskel.npz', keypoints=kp.astype(np.float64))\n"),
            0);
  const Format f = npz_format();
  Tracks t = f.read(path, {});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].skeleton->name, "mpii16");
  EXPECT_EQ(t[0].frames, 5);
  EXPECT_EQ(t[0].at(4, 15, 1), 159.0f);
  EXPECT_EQ(t[0].fps, 50.0);
  EXPECT_EQ(t[0].image_size, (std::array<int, 2>{1000, 1002}));
  EXPECT_EQ(t[0].units, "px");
  EXPECT_NE(error_of([&] { f.read(dir + "/noskel.npz", {}); }).find("no 'skeleton'"), std::string::npos);
  ReadOptions ro;
  ro.skeleton = "mpii16";
  EXPECT_EQ(f.read(dir + "/noskel.npz", ro).at(0).at(1, 0, 0), 32.0f);
  EXPECT_EQ(f.read(dir + "/noskel.npz", ro).at(0).fps, 0.0);
}

TEST(NpzFormat, NumpyReadsWhatWeWrite) {
  if (!have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  const std::string dir = kt::scratch_dir("npz_numpy_reads");
  PoseSequence s = sample("coco17", 4, 2, 10.0f);
  s.track_id = 5;
  npz_format().write(dir + "/w.npz", {s}, {});
  EXPECT_EQ(run_python("import numpy as np, math\n"
                       "d = np.load('" + dir + "/w.npz', allow_pickle=False)\n"
                       "assert d['keypoints'].shape == (1,4,17,2) and d['keypoints'].dtype == np.float32\n"
                       "assert math.isnan(d['keypoints'][0,0,1,1])\n"
                       "assert str(d['skeleton']) == 'coco17' and float(d['fps']) == 29.97\n"
                       "assert d['track_ids'].tolist() == [5] and d['scores'].shape == (1,4,17)\n"
                       "assert d['image_size'].tolist() == [1920, 1080] and str(d['units']) == 'px'\n"),
            0);
}

TEST(NpzFormat, SniffWantsKeypoints) {
  const std::string dir = kt::scratch_dir("npz_sniff");
  write_npz(dir + "/other.npz", {{"x", NpyArray::from_int64({1}, {1})}});
  std::ofstream(dir + "/junk.npz") << "junk";
  const Format f = npz_format();
  EXPECT_FALSE(f.sniff(dir + "/other.npz"));
  EXPECT_FALSE(f.sniff(dir + "/junk.npz"));
  EXPECT_FALSE(f.sniff(dir + "/absent.npz"));
  EXPECT_EQ(f.name, "npz");
  EXPECT_EQ(f.extensions, (std::vector<std::string>{".npz"}));
}

TEST(NpzFormat, RejectsBadInputsNamingFileAndProblem) {
  const std::string dir = kt::scratch_dir("npz_bad");
  const float inf = std::numeric_limits<float>::infinity();
  auto kp = [](int T, int J, int D, float fill = 1.0f) {
    return NpyArray::from_float32(std::vector<float>(static_cast<size_t>(T) * J * D, fill), {T, J, D});
  };
  auto members = [](NpyArray k, const std::string& skel) {
    NpzMembers m = {{"keypoints", std::move(k)}, {"fps", NpyArray::from_float64({30}, {})}};
    if (!skel.empty()) m["skeleton"] = NpyArray::from_string(skel);
    return m;
  };
  struct Case {
    std::string file;
    NpzMembers m;
    std::string expect;
  };
  NpzMembers inf_kp = members(kp(3, 17, 2), "coco17");
  std::vector<float> v(3 * 17 * 2, 1.0f);
  v[40] = inf;
  inf_kp["keypoints"] = NpyArray::from_float32(v, {3, 17, 2});
  NpzMembers nan_scores = members(kp(3, 17, 2), "coco17");
  std::vector<float> sc(3 * 17, 0.5f);
  sc[4] = NAN;
  nan_scores["scores"] = NpyArray::from_float32(sc, {3, 17});
  NpzMembers bad_fps = members(kp(3, 17, 2), "coco17");
  bad_fps["fps"] = NpyArray::from_float64({-5}, {});
  NpzMembers bad_scores_shape = members(kp(3, 17, 2), "coco17");
  bad_scores_shape["scores"] = NpyArray::from_float32(std::vector<float>(17, 1), {1, 17});
  NpzMembers string_kp = members(NpyArray::from_strings(std::vector<std::string>(34, "a")), "coco17");
  string_kp["keypoints"].shape = {1, 17, 2};
  NpzMembers no_kp = {{"skeleton", NpyArray::from_string("coco17")}};

  const std::vector<Case> cases = {
      {"rank.npz", members(NpyArray::from_float32(std::vector<float>(34, 0), {2, 17}), "coco17"), "expected shape (T, J, D)"},
      {"joints.npz", members(kp(4, 17, 2), "mpii16"), "keypoints have 17 joints but skeleton mpii16 has 16"},
      {"unknown.npz", members(kp(4, 17, 2), "foo42"), "unknown skeleton 'foo42'"},
      {"noskel.npz", members(kp(4, 17, 2), ""), "no 'skeleton'"},
      {"inf.npz", inf_kp, "infinite value at frame 1"},
      {"empty.npz", members(kp(0, 17, 2), "coco17"), "0 frames"},
      {"dims.npz", members(kp(2, 17, 4), "coco17"), "2 or 3"},
      {"nanscore.npz", nan_scores, "non-finite confidence at frame 0"},
      {"fps.npz", bad_fps, "must be finite"},
      {"scoreshape.npz", bad_scores_shape, "scores"},
      {"strings.npz", string_kp, "cannot convert"},
      {"nokp.npz", no_kp, "no 'keypoints'"},
  };
  const Format f = npz_format();
  for (const auto& c : cases) {
    const std::string path = dir + "/" + c.file;
    write_npz(path, c.m);
    const std::string msg = error_of([&] { f.read(path, {}); });
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in: " << msg;
  }

  // Container-level damage surfaces through the format reader too.
  PoseSequence s = sample("coco17", 50, 2, 0);
  f.write(dir + "/good.npz", {s}, WriteOptions{"", false});
  auto bytes = read_binary_file(dir + "/good.npz");
  std::ofstream(dir + "/half.npz", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size() / 2);
  std::ofstream(dir + "/text.npz") << "keypoints,not,a,zip\n";
  for (const auto& [file, expect] : std::vector<std::pair<std::string, std::string>>{
           {"half.npz", "truncated"}, {"text.npz", "not a zip"}, {"missing.npz", "no such file"}}) {
    const std::string path = dir + "/" + file;
    const std::string msg = error_of([&] { f.read(path, {}); });
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(expect), std::string::npos) << "expected '" << expect << "' in: " << msg;
  }
  ReadOptions ro;
  ro.params["person"] = "0";
  EXPECT_NE(error_of([&] { f.read(dir + "/good.npz", ro); }).find("unknown option 'person'"), std::string::npos);
}

TEST(NpzFormat, ReadsPennActionWithSkeletonOverride) {
  KINEPOSE_REQUIRE_DATA("penn_action/penn_action_train.npz");
  const std::string path = kt::data_path("penn_action/penn_action_train.npz");
  const Format f = npz_format();
  EXPECT_TRUE(f.sniff(path));
  EXPECT_NE(error_of([&] { f.read(path, {}); }).find("no 'skeleton'"), std::string::npos);
  ReadOptions ro;
  ro.skeleton = "penn13";
  Tracks t = f.read(path, ro);  // all clips concatenated: one long sequence
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].joints(), 13);
  EXPECT_GT(t[0].frames, 80000);
}

TEST(NpzFormat, CustomSkeletonTravelsWithTheFile) {
  // A file-defined skeleton (as BVH / ASF-AMC readers produce) is stored as names + parents + pairs.
  auto skel = std::make_shared<Skeleton>();
  skel->joints = {"Hips", "LeftUpLeg", "RightUpLeg", "Spine"};
  skel->parents = {-1, 0, 0, 0};
  skel->symmetry = {{1, 2}};
  PoseSequence s(skel, 5, 3);
  for (size_t i = 0; i < s.keypoints.size(); ++i) s.keypoints[i] = 0.5f * static_cast<float>(i);
  s.fps = 120;
  const std::string path = kt::scratch_dir("npz_custom_skeleton") + "/mocap.npz";
  npz_format().write(path, {s}, {});
  const Tracks back = npz_format().read(path, {});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].skeleton->joints, skel->joints);
  EXPECT_EQ(back[0].skeleton->parents, skel->parents);
  EXPECT_EQ(back[0].skeleton->symmetry, skel->symmetry);
  EXPECT_TRUE(back[0].skeleton->name.empty());
  EXPECT_EQ(back[0].keypoints, s.keypoints);
  // Broken custom tables are refused.
  NpzMembers m = read_npz(path);
  m["joint_parents"] = NpyArray::from_int64({-1, 0, 7, 0}, {4});
  write_npz(path, m, true);
  EXPECT_THROW(npz_format().read(path, {}), Error);
  m.erase("joint_parents");
  write_npz(path, m, true);
  EXPECT_THROW(npz_format().read(path, {}), Error);
}
