// `kinepose refine --live`: a pose file refined frame by frame equals the library's StreamRefiner;
// the stdin JSON-lines mode (one line out per line in after the first K, flushed per line, the rest
// at EOF); bad lines end with one error line naming the line number. Small random-weight models.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "kinepose/io.h"
#include "kinepose/skeleton.h"
#include "models/hanet/hanet.h"
#include "models/hanet/hanet_stream.h"
#include "models/hanet/hanet_weights.h"
#include "test_helpers.h"

using namespace kinepose;
using kinepose::testing::run_cli;
using kinepose::testing::shell_quote;

namespace {

// coco17 2D, L = 7, person_box normalisation; random weights.
std::string small_model(const std::string& dir) {
  HanetConfig c;
  c.sample_interval = 2;
  c.q = 3;
  c.hidden_dim = 16;
  c.nheads = 2;
  c.dim_feedforward = 32;
  c.enc_layers = 2;
  c.dec_layers = 2;
  c.memory_mask = "masked";
  c.input_normalization = "person_box";
  at::manual_seed(17);
  hanet::Hanet m(c);
  {
    torch::NoGradGuard g;
    for (auto& p : m->parameters()) p.add_(at::randn_like(p) * 0.05);
  }
  const std::string path = dir + "/live.safetensors";
  hanet::save_hanet(path, m);
  return path;
}

PoseSequence walk(int T, uint64_t seed) {
  PoseSequence s(get_skeleton("coco17"), T, 2);
  at::manual_seed(seed);
  const at::Tensor base = at::rand({17, 2}) * 100 + 200;
  for (int t = 0; t < T; ++t)
    for (int j = 0; j < 17; ++j)
      for (int d = 0; d < 2; ++d)
        s.at(t, j, d) = base[j][d].item<float>() + 3.f * t * (d == 0) + at::randn({1}).item<float>();
  s.fps = 30;
  return s;
}

std::string json_line(int frame, const PoseSequence& s, int t, int track = 0) {
  nlohmann::json kp = nlohmann::json::array();
  for (int j = 0; j < 17; ++j) kp.push_back({s.at(t, j, 0), s.at(t, j, 1)});
  nlohmann::json line = {{"frame", frame}, {"keypoints", kp}};
  if (track != 0) line["track"] = track;
  return line.dump();
}

}  // namespace

TEST(LiveCli, FileRefinementEqualsLibraryStream) {
  const std::string dir = kinepose::testing::scratch_dir("live_cli_file");
  const std::string model = small_model(dir);
  PoseSequence a = walk(25, 1), b = walk(25, 2);
  for (int t = 0; t < 5; ++t)  // track b appears at frame 5
    for (int j = 0; j < 17; ++j) b.at(t, j, 0) = b.at(t, j, 1) = NAN;
  a.track_id = 0;
  b.track_id = 1;
  write_poses(dir + "/in.npz", {a, b});
  const auto r = run_cli("refine " + shell_quote(dir + "/in.npz") + " -o " + shell_quote(dir + "/out.npz") +
                         " --live --latency 2 --threads 1 --model " + shell_quote(model));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("latency 2"), std::string::npos) << r.output;
  const Tracks out = read_poses(dir + "/out.npz");
  ASSERT_EQ(out.size(), 2u);

  hanet::StreamOptions o;
  o.latency = 2;
  hanet::StreamRefiner s(model, o);
  const std::vector<PoseSequence*> in{&a, &b};
  for (int k = 0; k < 2; ++k) {
    for (int t = 0; t < 25; ++t)
      for (const auto& f : s.push(k, t, in[k]->keypoints.data() + t * 34))
        for (int i = 0; i < 34; ++i)
          EXPECT_NEAR(out[k].keypoints[f.frame * 34 + i], f.keypoints[i], 1e-3) << "track " << k << " frame " << f.frame;
    for (const auto& f : s.end_track(k))
      for (int i = 0; i < 34; ++i) EXPECT_NEAR(out[k].keypoints[f.frame * 34 + i], f.keypoints[i], 1e-3);
  }
  EXPECT_TRUE(std::isnan(out[1].keypoints[0]));   // before track b appears
  EXPECT_TRUE(std::isfinite(out[1].keypoints[5 * 34]));
  // Refined, not copied.
  double moved = 0;
  for (int i = 0; i < 25 * 34; ++i) moved = std::max(moved, double(std::abs(out[0].keypoints[i] - a.keypoints[i])));
  EXPECT_GT(moved, 1e-3);

  const auto bad = run_cli("refine " + shell_quote(dir + "/in.npz") + " -o " + shell_quote(dir + "/bad.npz") +
                           " --live --latency 7 --model " + shell_quote(model));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("--latency"), std::string::npos) << bad.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/bad.npz"));
}

TEST(LiveCli, StdinJsonLinesOneOutPerLineAndEofFlush) {
  const std::string dir = kinepose::testing::scratch_dir("live_cli_stdin");
  const std::string model = small_model(dir);
  const PoseSequence a = walk(12, 3);
  {
    std::ofstream f(dir + "/in.jsonl");
    for (int t = 0; t < 12; ++t) f << json_line(t, a, t) << "\n";
  }
  const auto r = run_cli("refine - --live --latency 2 --model " + shell_quote(model) + " < " +
                         shell_quote(dir + "/in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  std::vector<int> frames;
  hanet::StreamOptions o;
  o.latency = 2;
  hanet::StreamRefiner s(model, o);
  std::vector<hanet::StreamOutput> want;
  for (int t = 0; t < 12; ++t)
    for (auto& f : s.push(0, t, a.keypoints.data() + t * 34)) want.push_back(f);
  for (auto& f : s.flush()) want.push_back(f);
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    const size_t i = frames.size();
    frames.push_back(j.at("frame").get<int>());
    EXPECT_EQ(j.at("track").get<int>(), 0);
    ASSERT_LT(i, want.size());
    ASSERT_EQ(j.at("keypoints").size(), 17u);
    for (int k = 0; k < 17; ++k)
      for (int d = 0; d < 2; ++d)
        EXPECT_NEAR(j["keypoints"][k][d].get<double>(), want[i].keypoints[k * 2 + d], 1e-3);
  }
  std::vector<int> expected(12);
  for (int t = 0; t < 12; ++t) expected[t] = t;
  EXPECT_EQ(frames, expected) << r.output;
}

TEST(LiveCli, StdinOutputIsFlushedPerLine) {
  // Feed lines one at a time through a FIFO and wait for each output line before sending the next:
  // only works if kinepose flushes stdout after every frame (stdout here is a file, fully buffered).
  const std::string dir = kinepose::testing::scratch_dir("live_cli_flush");
  const std::string model = small_model(dir);
  const PoseSequence a = walk(8, 4);
  std::ostringstream script;
  script << "set -e\ncd " << shell_quote(dir) << "\nmkfifo in.fifo\n: > out.jsonl\n"
         << shell_quote(KINEPOSE_CLI) << " refine - --live --latency 1 --model " << shell_quote(model)
         << " < in.fifo >> out.jsonl 2> err.txt &\npid=$!\nexec 3> in.fifo\n";
  for (int t = 0; t < 8; ++t) {
    script << "echo " << shell_quote(json_line(t, a, t)) << " >&3\n";
    if (t >= 1)  // expect t lines after sending line t (K = 1): wait up to ~20 s
      script << "n=0; while [ \"$(wc -l < out.jsonl)\" -lt " << t << " ]; do sleep 0.05; n=$((n+1)); "
             << "if [ $n -gt 400 ]; then echo 'no line after input " << t << "'; kill $pid; exit 3; fi; done\n";
  }
  script << "exec 3>&-\nwait $pid\nwc -l < out.jsonl\n";
  {
    std::ofstream f(dir + "/run.sh");
    f << script.str();
  }
  const std::string cmd = "bash " + shell_quote(dir + "/run.sh") + " > " + shell_quote(dir + "/log.txt") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream log(dir + "/log.txt");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  ASSERT_EQ(rc, 0) << text;
  EXPECT_NE(text.find("8"), std::string::npos) << text;  // EOF flushed the last frame
}

TEST(LiveCli, BadStdinLineIsOneErrorLineWithItsNumber) {
  const std::string dir = kinepose::testing::scratch_dir("live_cli_bad");
  const std::string model = small_model(dir);
  const PoseSequence a = walk(3, 5);
  const std::vector<std::pair<std::string, std::string>> bad{
      {"{\"frame\": 2, \"keypoints\": [1, 2, 3]}", "keypoints"},
      {"this is not json", "not valid JSON"},
      {"{\"keypoints\": []}", "frame"},
      {json_line(0, a, 0), "does not come after"},  // frame index going back
  };
  for (const auto& [line, what] : bad) {
    {
      std::ofstream f(dir + "/in.jsonl");
      f << json_line(0, a, 0) << "\n" << json_line(1, a, 1) << "\n" << line << "\n" << json_line(5, a, 2) << "\n";
    }
    const auto r = run_cli("refine - --live --model " + shell_quote(model) + " < " + shell_quote(dir + "/in.jsonl"));
    EXPECT_EQ(r.exit_code, 1) << line;
    // stdout: the two refined frames before the bad line (K = 0); then exactly one error line.
    std::istringstream out(r.output);
    std::string l, error;
    int errors = 0, frames = 0;
    while (std::getline(out, l)) {
      if (l.find("error") != std::string::npos) ++errors, error = l;
      else if (l.find("\"frame\"") != std::string::npos) ++frames;
    }
    EXPECT_EQ(errors, 1) << r.output;
    EXPECT_EQ(frames, 2) << r.output;
    EXPECT_EQ(error.rfind("kinepose: error: stdin line 3: ", 0), 0u) << r.output;
    EXPECT_NE(error.find(what), std::string::npos) << r.output;
  }
}
