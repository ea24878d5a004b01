// End-to-end tests of `kinepose smooth`: a noisy two-track npz written by the test is smoothed with
// every filter (same shape, skeleton, fps and track ids; less jitter), and bad usage fails with exit
// code 1, one line naming the problem, and no output file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>

#include "kinepose/filters.h"
#include "kinepose/io.h"
#include "test_helpers.h"

namespace fs = std::filesystem;
using namespace kinepose;
using kinepose::testing::run_cli;
using kinepose::testing::scratch_dir;
using kinepose::testing::shell_quote;

namespace {

// Two people walking with detector-like jitter; the second has a gap of missing frames.
Tracks noisy_tracks(double fps) {
  SkeletonPtr skel = get_skeleton("coco17");
  std::mt19937 rng(42);
  std::normal_distribution<double> noise(0.0, 2.5);
  Tracks tracks;
  for (int p = 0; p < 2; ++p) {
    PoseSequence s(skel, 90, 2);
    s.fps = fps;
    s.units = "px";
    s.track_id = p + 1;
    s.scores.assign(static_cast<size_t>(s.frames) * s.joints(), 0.8f);
    for (int t = 0; t < s.frames; ++t)
      for (int j = 0; j < s.joints(); ++j) {
        s.at(t, j, 0) = static_cast<float>(300 * p + 100 + 3 * j + 2.0 * t + 20 * std::sin(0.1 * t + j) + noise(rng));
        s.at(t, j, 1) = static_cast<float>(200 + 8 * j + 15 * std::cos(0.07 * t + j) + noise(rng));
      }
    if (p == 1)
      for (int t = 40; t < 44; ++t) s.at(t, 5, 0) = s.at(t, 5, 1) = NAN;
    tracks.push_back(s);
  }
  return tracks;
}

// Mean absolute second difference over joints present in three consecutive frames.
double jitter(const PoseSequence& s) {
  double sum = 0;
  size_t n = 0;
  for (int t = 1; t + 1 < s.frames; ++t)
    for (int j = 0; j < s.joints(); ++j)
      for (int d = 0; d < s.dims; ++d) {
        const double a = s.at(t - 1, j, d), b = s.at(t, j, d), c = s.at(t + 1, j, d);
        if (std::isnan(a) || std::isnan(b) || std::isnan(c)) continue;
        sum += std::fabs(a - 2 * b + c);
        ++n;
      }
  return sum / n;
}

size_t count_lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST(SmoothCli, EveryFilterSmoothsEveryTrack) {
  const std::string dir = scratch_dir("smooth_cli_all");
  const std::string in = dir + "/noisy.npz";
  write_poses(in, noisy_tracks(30.0));
  const Tracks original = read_poses(in);
  for (const auto& info : filter_infos()) {
    const std::string out = dir + "/" + info.name + ".npz";
    auto r = run_cli("smooth " + shell_quote(in) + " -o " + shell_quote(out) + " --filter " + info.name);
    ASSERT_EQ(r.exit_code, 0) << info.name << ": " << r.output;
    ASSERT_TRUE(fs::exists(out)) << info.name;
    const Tracks smoothed = read_poses(out);
    ASSERT_EQ(smoothed.size(), original.size()) << info.name;
    for (size_t p = 0; p < original.size(); ++p) {
      const PoseSequence& a = original[p];
      const PoseSequence& b = smoothed[p];
      EXPECT_EQ(b.frames, a.frames) << info.name;
      EXPECT_EQ(b.joints(), a.joints());
      EXPECT_EQ(b.dims, a.dims);
      EXPECT_EQ(b.skeleton->name, "coco17");
      EXPECT_DOUBLE_EQ(b.fps, 30.0);
      EXPECT_EQ(b.track_id, a.track_id);
      EXPECT_LT(jitter(b), 0.7 * jitter(a)) << info.name << " track " << p;
    }
  }
}

TEST(SmoothCli, FilterParametersAreUsed) {
  const std::string dir = scratch_dir("smooth_cli_params");
  const std::string in = dir + "/noisy.npz";
  write_poses(in, noisy_tracks(30.0));
  auto light = run_cli("smooth " + shell_quote(in) + " -o " + shell_quote(dir + "/light.npz") +
                       " --filter savgol --window 5 --order 3 -q");
  auto heavy = run_cli("smooth " + shell_quote(in) + " -o " + shell_quote(dir + "/heavy.npz") +
                       " --filter gaussian --sigma 6 --window 21 --median-window 5 -q");
  auto euro = run_cli("smooth " + shell_quote(in) + " -o " + shell_quote(dir + "/euro.npz") +
                      " --filter one-euro --min-cutoff 1 --beta 0.5 --d-cutoff 1 --no-scale-invariance -q");
  auto kal = run_cli("smooth " + shell_quote(in) + " -o " + shell_quote(dir + "/kal.npz") +
                     " --filter kalman_ca_rts --process-noise 0.05 --measurement-noise 2 --max-gap 2 --min-score 0.5 -q");
  for (const auto* r : {&light, &heavy, &euro, &kal}) EXPECT_EQ(r->exit_code, 0) << r->output;
  EXPECT_EQ(light.output, "");  // -q
  EXPECT_LT(jitter(read_poses(dir + "/heavy.npz")[0]), jitter(read_poses(dir + "/light.npz")[0]));
}

TEST(SmoothCli, FpsFromTheCommandLine) {
  const std::string dir = scratch_dir("smooth_cli_fps");
  const std::string in = dir + "/nofps.npz", out = dir + "/out.npz";
  write_poses(in, noisy_tracks(0.0));
  auto r = run_cli("smooth " + shell_quote(in) + " -o " + shell_quote(out) + " --filter one_euro");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("--fps"), std::string::npos) << r.output;
  EXPECT_EQ(count_lines(r.output), 1u) << r.output;
  EXPECT_FALSE(fs::exists(out));
  r = run_cli("smooth " + shell_quote(in) + " -o " + shell_quote(out) + " --filter one_euro --fps 25");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_DOUBLE_EQ(read_poses(out)[0].fps, 25.0);
  // Filters that do not need a frame rate work without one.
  r = run_cli("smooth " + shell_quote(in) + " -o " + shell_quote(dir + "/k.npz") + " --filter kalman_cv");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(SmoothCli, BadUsageFailsCleanly) {
  const std::string dir = scratch_dir("smooth_cli_bad");
  const std::string in = dir + "/noisy.npz", out = dir + "/out.npz";
  write_poses(in, noisy_tracks(30.0));
  const std::string io = shell_quote(in) + " -o " + shell_quote(out);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"smooth " + io + " --filter butterworth", "unknown filter"},
      {"smooth " + io + " --filter savgol --window 10", "window"},
      {"smooth " + io + " --filter savgol --order 11", "order"},
      {"smooth " + io + " --filter gaussian --sigma -1", "sigma"},
      {"smooth " + io + " --filter one_euro --min-cutoff 0", "min_cutoff"},
      {"smooth " + io + " --filter one_euro --beta -2", "beta"},
      {"smooth " + io + " --filter kalman_cv --measurement-noise 0", "measurement_noise"},
      {"smooth " + io + " --filter savgol --sigma 3", "does not apply"},
      {"smooth " + io + " --filter kalman_cv --min-cutoff 3", "does not apply"},
      {"smooth " + io + " --filter savgol --min-score -1", "min_score"},
      {"smooth " + shell_quote(dir + "/missing.npz") + " -o " + shell_quote(out) + " --filter savgol", "missing.npz"},
  };
  for (const auto& [args, needle] : cases) {
    auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.output;
    EXPECT_EQ(count_lines(r.output), 1u) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(needle), std::string::npos) << args << "\n" << r.output;
    EXPECT_FALSE(fs::exists(out)) << args;
  }
}

TEST(SmoothCli, HelpListsFilters) {
  auto r = run_cli("smooth --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const auto& info : filter_infos()) EXPECT_NE(r.output.find(info.name), std::string::npos) << info.name;
  for (const char* flag : {"--min-cutoff", "--beta", "--d-cutoff", "--fps", "--window", "--order", "--sigma",
                           "--median-window", "--process-noise", "--measurement-noise", "--min-score"})
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag;
}
