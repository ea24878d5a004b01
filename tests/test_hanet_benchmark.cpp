// Tests of the HANet speed benchmark (src/models/hanet/hanet_benchmark.h, `kinepose bench hanet`).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "kinepose/error.h"
#include "models/hanet/hanet.h"
#include "models/hanet/hanet_benchmark.h"
#include "test_helpers.h"

namespace kinepose::hanet {
namespace {

HanetConfig tiny() {
  HanetConfig c;
  c.joints = 3;
  c.dims = 2;
  c.skeleton = "";
  c.sample_interval = 2;
  c.q = 2;
  c.hidden_dim = 8;
  c.nheads = 2;
  c.dim_feedforward = 16;
  c.enc_layers = 2;
  c.dec_layers = 1;
  return c;
}

TEST(HanetBenchmark, TinyConfigGivesPositiveFiniteNumbersAndParameterCount) {
  HanetBenchmarkOptions o;
  o.seconds = 0.02;
  o.batch = 4;
  const HanetBenchmarkRow r = benchmark_hanet_config("tiny", tiny(), o);

  Hanet model(tiny());
  int64_t expected = 0;
  for (const at::Tensor& p : model->parameters()) expected += p.numel();
  EXPECT_EQ(r.parameters, expected);
  EXPECT_GT(r.parameters, 0);
  EXPECT_EQ(r.window, 5);
  EXPECT_EQ(r.stride, 2);
  EXPECT_EQ(r.batch, 4);
  for (double v : {r.windows_per_s_1, r.frames_per_s_1, r.windows_per_s_b, r.frames_per_s_b, r.train_steps_per_s,
                   r.peak_rss_mib}) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_GT(v, 0.0);
  }
  EXPECT_GE(r.rss_increase_mib, 0.0);
  EXPECT_DOUBLE_EQ(r.frames_per_s_1, r.windows_per_s_1 * 2);
  EXPECT_DOUBLE_EQ(r.frames_per_s_b, r.windows_per_s_b * 2);
}

TEST(HanetBenchmark, RunnerCountsParameters) {
  HanetBenchRunner runner(tiny(), 2, 1);
  Hanet model(tiny());
  int64_t expected = 0;
  for (const at::Tensor& p : model->parameters()) expected += p.numel();
  EXPECT_EQ(runner.parameters(), expected);
  EXPECT_EQ(runner.batch(), 2);
  runner.forward();
  runner.train_step();
}

TEST(HanetBenchmark, BadOptionsAreErrors) {
  HanetBenchmarkOptions o;
  o.configs = {"nope"};
  EXPECT_THROW(run_hanet_benchmark(o), Error);
  o.configs = {"compact"};
  o.seconds = 0;
  EXPECT_THROW(run_hanet_benchmark(o), Error);
  o.seconds = 1;
  o.batch = 0;
  EXPECT_THROW(run_hanet_benchmark(o), Error);
}

TEST(HanetBenchmark, CliPrintsTable) {
  // One thread: on a loaded 2-core machine two OpenMP threads can be 100x slower than one.
  const auto r = testing::run_cli("bench hanet --configs compact --seconds 0.2 --batch 8 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("HANet speed:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("threads"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("windows/s @1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("compact"), std::string::npos) << r.output;
}

TEST(HanetBenchmark, CliJson) {
  const auto r = testing::run_cli("bench hanet --configs compact --seconds 0.05 --batch 4 --threads 1 --no-train --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j["rows"].size(), 1u);
  EXPECT_EQ(j["rows"][0]["config"], "compact");
  EXPECT_GT(j["rows"][0]["windows_per_s_1"].get<double>(), 0.0);
  EXPECT_TRUE(j["rows"][0]["train_steps_per_s"].is_null());
}

TEST(HanetBenchmark, CliBadConfigIsOneLineError) {
  const auto r = testing::run_cli("bench hanet --configs compact,bogus --seconds 0.05");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("bogus"), std::string::npos) << r.output;
  std::string out = r.output;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  EXPECT_EQ(out.find('\n'), std::string::npos) << r.output;
}

}  // namespace
}  // namespace kinepose::hanet
