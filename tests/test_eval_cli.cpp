// End-to-end tests of `kinepose eval`: a file against itself, a known constant offset between two
// npz files, folders matched by name, the bad inputs that must fail in one line naming the file, and
// (when the shared data is present) Human3.6M detections against their projected ground truth.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <random>

#include "kinepose/io.h"
#include "kinepose/npy.h"
#include "test_helpers.h"

using namespace kinepose;
using kinepose::testing::run_cli;
using kinepose::testing::scratch_dir;
using kinepose::testing::shell_quote;

namespace {

PoseSequence make_sequence(const std::string& skeleton, int frames, int dims, unsigned seed, const std::string& units) {
  PoseSequence s(get_skeleton(skeleton), frames, dims);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> coord(0, 500);
  for (float& v : s.keypoints) v = static_cast<float>(coord(rng));
  s.units = units;
  s.fps = 30;
  return s;
}

PoseSequence shifted(PoseSequence s, const std::vector<float>& delta) {
  for (size_t i = 0; i < s.keypoints.size(); ++i) s.keypoints[i] += delta[i % s.dims];
  return s;
}

std::string write(const std::string& path, const PoseSequence& s) {
  write_poses(path, {s});
  return path;
}

nlohmann::json eval_json(const std::string& args) {
  auto r = run_cli("eval --json " + args);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  try {
    return nlohmann::json::parse(r.output);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << r.output;
    return nlohmann::json::object();
  }
}

double metric(const nlohmann::json& j, const std::string& key) {
  if (!j.contains("metrics") || !j["metrics"].contains(key) || j["metrics"][key]["value"].is_null()) {
    ADD_FAILURE() << "no value for " << key << " in " << j.dump();
    return NAN;
  }
  return j["metrics"][key]["value"].get<double>();
}

}  // namespace

TEST(EvalCli, FileAgainstItselfGivesZeroErrorAndPckOne) {
  const std::string dir = scratch_dir("eval_cli_self");
  const std::string f2 = write(dir + "/clip2d.npz", make_sequence("coco17", 12, 2, 1, "px"));
  const auto j = eval_json("--pred " + shell_quote(f2) + " --gt " + shell_quote(f2));
  EXPECT_EQ(metric(j, "error_2d"), 0.0);
  EXPECT_EQ(metric(j, "median_error_2d"), 0.0);
  for (const char* k : {"pck_box@0.05", "pck_box@0.1", "pck_box@0.2"}) EXPECT_EQ(metric(j, k), 1.0) << k;
  EXPECT_EQ(metric(j, "accel_error"), 0.0);
  EXPECT_EQ(j["units"], "px");
  EXPECT_EQ(j["metrics"]["error_2d"]["units"], "px");

  const std::string f3 = write(dir + "/clip3d.npz", make_sequence("h36m17", 12, 3, 2, "mm"));
  const auto k = eval_json("--pred " + shell_quote(f3) + " --gt " + shell_quote(f3));
  for (const char* m : {"mpjpe", "pa_mpjpe", "n_mpjpe", "mpjve", "accel_error"}) EXPECT_NEAR(metric(k, m), 0.0, 1e-9) << m;
  EXPECT_EQ(k["metrics"]["mpjpe"]["units"], "mm");
  EXPECT_EQ(k["root"], "pelvis");
}

TEST(EvalCli, ConstantOffsetPrintsTheExactMeanError) {
  const std::string dir = scratch_dir("eval_cli_offset");
  const PoseSequence gt = make_sequence("coco17", 20, 2, 3, "px");
  const std::string g = write(dir + "/gt.npz", gt);
  const std::string p = write(dir + "/pred.npz", shifted(gt, {3, 4}));
  auto r = run_cli("eval --pred " + shell_quote(p) + " --gt " + shell_quote(g));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mean error"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("5.000  px"), std::string::npos) << r.output;
  EXPECT_EQ(metric(eval_json("--pred " + shell_quote(p) + " --gt " + shell_quote(g)), "error_2d"), 5.0);

  const PoseSequence gt3 = make_sequence("h36m17", 20, 3, 4, "mm");
  const std::string g3 = write(dir + "/gt3.npz", gt3);
  const std::string p3 = write(dir + "/pred3.npz", shifted(gt3, {3, 4, 12}));
  r = run_cli("eval --root none --pred " + shell_quote(p3) + " --gt " + shell_quote(g3));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("13.000  mm"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("root none"), std::string::npos) << r.output;
  r = run_cli("eval --root no_such_joint --pred " + shell_quote(p3) + " --gt " + shell_quote(g3));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no_such_joint"), std::string::npos) << r.output;
  // Root-relative (default pelvis): the rigid shift is gone.
  EXPECT_NEAR(metric(eval_json("--pred " + shell_quote(p3) + " --gt " + shell_quote(g3)), "mpjpe"), 0.0, 1e-9);
}

TEST(EvalCli, BreakdownsAndOptions) {
  const std::string dir = scratch_dir("eval_cli_breakdowns");
  PoseSequence gt = make_sequence("coco17", 6, 2, 5, "px");
  gt.name = "walk";
  const std::string g = write(dir + "/gt.npz", gt);
  const std::string p = write(dir + "/pred.npz", shifted(gt, {6, 8}));
  auto r = run_cli("eval --per-joint --per-sequence --pck-ref both --pck-alphas 0.5 --pred " + shell_quote(p) +
                   " --gt " + shell_quote(g));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"per joint:", "left_wrist", "per sequence:", "walk", "PCK@0.5 (box)", "PCK@0.5 (torso)"})
    EXPECT_NE(r.output.find(s), std::string::npos) << s << "\n" << r.output;
  EXPECT_EQ(r.output.find("PCK@0.05"), std::string::npos) << r.output;
  const auto j = eval_json("--per-joint --per-sequence --pred " + shell_quote(p) + " --gt " + shell_quote(g));
  EXPECT_EQ(j["per_joint"]["error_2d"]["left_wrist"].get<double>(), 10.0);
  EXPECT_EQ(j["per_sequence"][0]["name"], "walk");
  EXPECT_EQ(j["per_sequence"][0]["metrics"]["error_2d"].get<double>(), 10.0);
  // Bad option values.
  r = run_cli("eval --pck-ref elbow --pred " + shell_quote(p) + " --gt " + shell_quote(g));
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

TEST(EvalCli, MissingPredictionsReportedOrStrict) {
  const std::string dir = scratch_dir("eval_cli_missing");
  const PoseSequence gt = make_sequence("coco17", 6, 2, 6, "px");
  PoseSequence pred = shifted(gt, {3, 4});
  pred.at(2, 0, 0) = NAN;
  const std::string g = write(dir + "/gt.npz", gt), p = write(dir + "/pred.npz", pred);
  auto r = run_cli("eval --pred " + shell_quote(p) + " --gt " + shell_quote(g));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("excluded: 1 of 102"), std::string::npos) << r.output;
  EXPECT_EQ(eval_json("--pred " + shell_quote(p) + " --gt " + shell_quote(g))["pred_missing"], 1);
  r = run_cli("eval --strict --pred " + shell_quote(p) + " --gt " + shell_quote(g));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("frame 2"), std::string::npos) << r.output;
}

TEST(EvalCli, FoldersAreMatchedByName) {
  const std::string dir = scratch_dir("eval_cli_folders");
  std::filesystem::create_directories(dir + "/pred");
  std::filesystem::create_directories(dir + "/gt");
  const PoseSequence a = make_sequence("coco17", 5, 2, 7, "px"), b = make_sequence("coco17", 9, 2, 8, "px");
  write(dir + "/gt/a.npz", a);
  write(dir + "/gt/b.npz", b);
  std::ofstream(dir + "/gt/README.txt") << "not a pose file\n";
  write(dir + "/pred/b.npz", shifted(b, {0, 2}));  // frames and offsets differ per file: a wrong
  write(dir + "/pred/a.npz", shifted(a, {0, 1}));  // pairing would fail or change the numbers
  const auto j = eval_json("--per-sequence --pred " + shell_quote(dir + "/pred") + " --gt " + shell_quote(dir + "/gt"));
  EXPECT_EQ(j["sequences"], 2);
  EXPECT_EQ(j["per_sequence"][0]["name"], "a");
  EXPECT_EQ(j["per_sequence"][0]["metrics"]["error_2d"].get<double>(), 1.0);
  EXPECT_EQ(j["per_sequence"][1]["metrics"]["error_2d"].get<double>(), 2.0);

  write(dir + "/pred/c.npz", a);
  auto r = run_cli("eval --pred " + shell_quote(dir + "/pred") + " --gt " + shell_quote(dir + "/gt"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("only in prediction: c"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--allow-unmatched"), std::string::npos) << r.output;
  r = run_cli("eval --allow-unmatched --pred " + shell_quote(dir + "/pred") + " --gt " + shell_quote(dir + "/gt"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("unmatched sequences skipped: c"), std::string::npos) << r.output;
}

// ---- bad inputs: exit 1, one line "kinepose: error: ..." naming the offending file ------------

struct EvalBadInput {
  std::string name;
  std::string bad_file;  // the file the error must name
  std::function<void(const std::string& dir)> make;
  std::string expected;
};

void PrintTo(const EvalBadInput& c, std::ostream* os) { *os << c.name; }

class EvalCliBadInput : public ::testing::TestWithParam<EvalBadInput> {};

TEST_P(EvalCliBadInput, FailsInOneLineNamingTheFile) {
  const EvalBadInput& c = GetParam();
  const std::string dir = scratch_dir("eval_cli_bad_" + c.name);
  write(dir + "/pred.npz", make_sequence("coco17", 10, 2, 9, "px"));
  c.make(dir);
  auto r = run_cli("eval --pred " + shell_quote(dir + "/pred.npz") + " --gt " + shell_quote(dir + "/" + c.bad_file));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  ASSERT_FALSE(r.output.empty());
  EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << r.output;
  EXPECT_EQ(r.output.rfind("kinepose: error: ", 0), 0u) << r.output;
  EXPECT_NE(r.output.find(c.bad_file), std::string::npos) << "error does not name the file: " << r.output;
  EXPECT_NE(r.output.find(c.expected), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EvalCliBadInput,
    ::testing::Values(
        EvalBadInput{"frames", "gt.npz",
                     [](const std::string& d) { write(d + "/gt.npz", make_sequence("coco17", 12, 2, 9, "px")); },
                     "frame count mismatch"},
        EvalBadInput{"skeleton", "gt.npz",
                     [](const std::string& d) { write(d + "/gt.npz", make_sequence("h36m17", 10, 2, 9, "px")); },
                     "skeleton mismatch"},
        EvalBadInput{"all_nan", "gt.npz",
                     [](const std::string& d) {
                       PoseSequence s(get_skeleton("coco17"), 10, 2);
                       write(d + "/gt.npz", s);
                     },
                     "entirely missing"},
        EvalBadInput{"empty", "gt.npz",
                     [](const std::string& d) {
                       NpzMembers m;
                       m["keypoints"] = NpyArray::from_float32({}, {0, 17, 2});
                       m["skeleton"] = NpyArray::from_string("coco17");
                       write_npz(d + "/gt.npz", m);
                     },
                     "gt.npz"},
        EvalBadInput{"missing", "nowhere.npz", [](const std::string&) {}, "no such file"}),
    [](const ::testing::TestParamInfo<EvalBadInput>& info) { return info.param.name; });

// ---- real data ---------------------------------------------------------------------------------

TEST(EvalCli, Human36mDetectionsAgainstProjectedGroundTruth) {
  KINEPOSE_REQUIRE_DATA("h36m_sh/h36m_cameras.npz");
  const std::string h36m = shell_quote(kinepose::testing::data_path("h36m_sh"));
  const std::string sel = " --param subject=S9 --param action=Walking --param camera=54138969,55011271";
  const std::string gsel = " --gt-param subject=S9 --gt-param action=Walking --gt-param camera=54138969,55011271";
  const auto j = eval_json("--per-sequence --pred " + h36m + sel + " --param kind=detections --gt " + h36m + gsel +
                           " --gt-param kind=gt2d_mpii");
  EXPECT_EQ(j["sequences"], 4);  // Walking and Walking_1, two cameras each, paired by name
  EXPECT_EQ(j["skeleton"], "mpii16");
  EXPECT_EQ(j["units"], "px");
  const double err = metric(j, "error_2d");
  EXPECT_GT(err, 2.0);  // real detector noise plus the MPII/H36M joint-definition offsets
  EXPECT_LT(err, 40.0);
  EXPECT_GT(metric(j, "pck_box@0.2"), 0.8);
  EXPECT_GT(metric(j, "jitter_pred"), metric(j, "jitter_gt"));  // per-frame detections are jittery

  // 3D ground truth against itself through two readings: zero everywhere.
  const auto k = eval_json("--pred " + h36m + " --param kind=gt3d --param subject=S9 --param action=Walking --gt " +
                           h36m + " --gt-param kind=gt3d --gt-param subject=S9 --gt-param action=Walking");
  EXPECT_EQ(k["units"], "mm");
  EXPECT_EQ(metric(k, "mpjpe"), 0.0);
}
